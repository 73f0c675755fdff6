//! Typed messages read from an envelope's `type` and its `body` text, as
//! serde reads an enum tagged `{"type": …, "body": …}`, without building a
//! tree of the body first (an agent's answer is tens of kilobytes).

use serde::Deserialize;
use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer};
use serde::de::{DeserializeSeed, Error as _, MapAccess};
use serde_json::value::RawValue;

/// The message of type `kind` whose body is `body` (absent: `{}`).
pub(crate) fn from_type_and_body<'de, T: Deserialize<'de>>(
    kind: &'de str,
    body: Option<&'de RawValue>,
) -> Result<T, String> {
    let fields = TypeAndBody {
        kind,
        body,
        next: Next::Type,
    };
    T::deserialize(MapAccessDeserializer::new(fields)).map_err(reason)
}

/// A body read alone (a refusal's `{code, message}`); absent: `{}`.
pub(crate) fn from_body<'de, T: Deserialize<'de>>(
    body: Option<&'de RawValue>,
) -> Result<T, String> {
    match body {
        Some(body) => T::deserialize(body),
        None => T::deserialize(&mut serde_json::Deserializer::from_str(EMPTY_BODY)),
    }
    .map_err(reason)
}

const EMPTY_BODY: &str = "{}";

/// The JSON reader's words without its position: a line and column in
/// the body alone would point nowhere in the message the client sent (and
/// refusals read the same as when bodies were trees, which have none).
fn reason(error: serde_json::Error) -> String {
    let words = error.to_string();
    if error.line() == 0 {
        return words;
    }
    let position = format!(" at line {} column {}", error.line(), error.column());
    match words.strip_suffix(&position) {
        Some(bare) => bare.to_owned(),
        None => words,
    }
}

/// What the map gives next.
#[derive(Clone, Copy)]
enum Next {
    Type,
    Body,
    End,
}

/// The two fields `type` and `body`, in that order: serde's tagged enums
/// then read the body straight into the variant named by the type.
struct TypeAndBody<'de> {
    kind: &'de str,
    body: Option<&'de RawValue>,
    next: Next,
}

impl<'de> MapAccess<'de> for TypeAndBody<'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, serde_json::Error> {
        let key = match self.next {
            Next::Type => "type",
            Next::Body => "body",
            Next::End => return Ok(None),
        };
        seed.deserialize(BorrowedStrDeserializer::new(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, serde_json::Error> {
        match self.next {
            Next::Type => {
                self.next = Next::Body;
                seed.deserialize(BorrowedStrDeserializer::new(self.kind))
            }
            Next::Body => {
                self.next = Next::End;
                match self.body {
                    Some(body) => seed.deserialize(body),
                    None => seed.deserialize(&mut serde_json::Deserializer::from_str(EMPTY_BODY)),
                }
            }
            Next::End => Err(serde_json::Error::custom("no field follows the body")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(match self.next {
            Next::Type => 2,
            Next::Body => 1,
            Next::End => 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::value::RawValue;

    use super::{from_body, from_type_and_body};
    use crate::ConsoleRequest;

    fn raw(text: &str) -> &RawValue {
        serde_json::from_str(text).expect("JSON")
    }

    #[test]
    fn the_body_is_read_into_the_variant_its_type_names() {
        let chat: ConsoleRequest =
            from_type_and_body("chat.send", Some(raw(r#"{"session":"1","text":"hi"}"#)))
                .expect("reads");
        assert_eq!(
            chat,
            ConsoleRequest::Chat {
                session: "1".into(),
                text: "hi".into()
            }
        );
        let start: ConsoleRequest = from_type_and_body("session.start", None).expect("no body");
        assert_eq!(start, ConsoleRequest::Start {});
    }

    #[test]
    fn refusals_name_the_field_without_a_position_in_the_body() {
        let error = from_type_and_body::<ConsoleRequest>(
            "session.end",
            Some(raw(r#"{"session":"1",  "force":true}"#)),
        )
        .expect_err("unknown field");
        assert!(error.starts_with("unknown field `force`"), "{error}");
        assert!(!error.contains("line"), "{error}");
        let error = from_type_and_body::<ConsoleRequest>("teleport", None).expect_err("unknown");
        assert!(error.starts_with("unknown variant `teleport`"), "{error}");
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Words {
        code: String,
    }

    #[test]
    fn a_body_alone_is_read_and_refused_the_same_way() {
        let words = from_body::<Words>(Some(raw(r#"{"code":"x"}"#))).map(|words| words.code);
        assert_eq!(words, Ok("x".to_owned()));
        let error =
            from_body::<Words>(Some(raw(r#"{"code":"x", "extra":1}"#))).expect_err("unknown field");
        assert!(error.starts_with("unknown field `extra`"), "{error}");
        assert!(!error.contains("line"), "{error}");
        let error = from_body::<Words>(None).expect_err("an empty body");
        assert_eq!(error, "missing field `code`");
    }
}
