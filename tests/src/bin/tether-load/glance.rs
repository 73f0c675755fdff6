//! A quick look at a message from the kernel: whom it answers (`re`), its
//! `type`, and the body's `status` and `message` words, the rest skipped
//! unread. A system-information reply is some 100 KB of categories;
//! decoding a thousand of them a second into values would take the
//! generator a good share of the processor it shares with the kernel it
//! measures. Set-up and events use the protocol's typed decoding.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// What a load client needs to know of a message.
#[derive(Debug, Deserialize)]
pub struct Glance {
    #[serde(default)]
    pub re: Option<u64>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub body: BodyWords,
}

/// `status` and `message` when the body is an object that has them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BodyWords {
    pub status: Option<String>,
    pub message: Option<String>,
}

impl Glance {
    pub fn of(text: &str) -> Option<Glance> {
        serde_json::from_str(text).ok()
    }

    pub fn is_ok(&self) -> bool {
        self.kind == "ok"
    }
}

impl<'de> Deserialize<'de> for BodyWords {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WordsVisitor)
    }
}

struct WordsVisitor;

impl<'de> Visitor<'de> for WordsVisitor {
    type Value = BodyWords;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BodyWords, A::Error> {
        let mut words = BodyWords::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "status" => {
                    words.status = map.next_value::<Option<StringOrOther>>()?.and_then(|s| s.0)
                }
                "message" => {
                    words.message = map.next_value::<Option<StringOrOther>>()?.and_then(|s| s.0)
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(words)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<BodyWords, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(BodyWords::default())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<BodyWords, E> {
        Ok(BodyWords::default())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<BodyWords, E> {
        Ok(BodyWords::default())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<BodyWords, E> {
        Ok(BodyWords::default())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<BodyWords, E> {
        Ok(BodyWords::default())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<BodyWords, E> {
        Ok(BodyWords::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<BodyWords, E> {
        Ok(BodyWords::default())
    }
}

/// A string, or `None` for any other value (skipped).
struct StringOrOther(Option<String>);

impl<'de> Deserialize<'de> for StringOrOther {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = StringOrOther;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<StringOrOther, E> {
                Ok(StringOrOther(Some(text.to_owned())))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<StringOrOther, A::Error> {
                IgnoredAny.visit_map(map)?;
                Ok(StringOrOther(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<StringOrOther, A::Error> {
                IgnoredAny.visit_seq(seq)?;
                Ok(StringOrOther(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<StringOrOther, E> {
                Ok(StringOrOther(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<StringOrOther, E> {
                Ok(StringOrOther(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<StringOrOther, E> {
                Ok(StringOrOther(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<StringOrOther, E> {
                Ok(StringOrOther(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<StringOrOther, E> {
                Ok(StringOrOther(None))
            }
        }
        deserializer.deserialize_any(Text)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tether_protocol::{ErrorCode, ServerMessage};

    use super::*;

    #[test]
    fn a_reply_as_the_kernel_writes_it() {
        let categories: Vec<_> = (0..50)
            .map(|n| json!({ "id": format!("c{n}"), "rows": [["a", "b"]], "status": { "nested": true } }))
            .collect();
        let reply = ServerMessage::ok(
            Some(42),
            json!({ "categories": categories, "status": "ok", "customer": "Carl" }),
        );
        let glance = Glance::of(&reply.to_text()).expect("reads");
        assert_eq!(glance.re, Some(42));
        assert!(glance.is_ok());
        assert_eq!(glance.body.status.as_deref(), Some("ok"));
        assert_eq!(glance.body.message, None);
    }

    #[test]
    fn a_refusal_keeps_its_message() {
        let refusal = ServerMessage::error(Some(7), ErrorCode::Unavailable, "the plugin is busy");
        let glance = Glance::of(&refusal.to_text()).expect("reads");
        assert_eq!((glance.re, glance.kind.as_str()), (Some(7), "error"));
        assert_eq!(glance.body.message.as_deref(), Some("the plugin is busy"));
    }

    #[test]
    fn bodies_of_any_shape_and_events_without_re() {
        for body in [
            json!("granted"),
            json!([1, 2]),
            json!(null),
            json!(3.5),
            json!({ "status": 3 }),
        ] {
            let glance = Glance::of(&ServerMessage::ok(Some(1), body.clone()).to_text())
                .unwrap_or_else(|| panic!("{body} reads"));
            assert_eq!(glance.body, BodyWords::default(), "{body}");
        }
        let event = json!({ "v": 1, "type": "chat.message", "body": { "text": "hi" } }).to_string();
        let glance = Glance::of(&event).expect("reads");
        assert_eq!((glance.re, glance.kind.as_str()), (None, "chat.message"));
        assert!(Glance::of("not json").is_none());
    }
}
