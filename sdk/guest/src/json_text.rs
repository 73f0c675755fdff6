//! [`JsonText`]: a reply that is already JSON text, so the SDK passes it on
//! as it is instead of building a [`serde_json::Value`] tree and encoding it
//! again. Inside wasm a tree costs an allocation per object and string —
//! for a 1 KiB document more than the event's whole fixed cost.

use serde::Serialize;
use serde::de::IgnoredAny;
use serde_json::Value;

use crate::PluginError;

/// One JSON value as text, checked to be JSON when made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonText(String);

impl JsonText {
    /// Text the plugin already holds as JSON (a command's payload, a stored
    /// document), checked without building a tree. Text that is not one
    /// JSON value is refused: the kernel would otherwise pass it on as a
    /// string, which is not what the plugin meant.
    pub fn checked(text: String) -> Result<JsonText, PluginError> {
        serde_json::from_str::<IgnoredAny>(&text).map_err(|error| {
            PluginError::Failed(format!("the reply is not one JSON value: {error}"))
        })?;
        Ok(JsonText(text))
    }

    /// A typed value encoded straight to text, with no tree between.
    pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<JsonText, PluginError> {
        serde_json::to_string(value)
            .map(JsonText)
            .map_err(|error| PluginError::Failed(format!("could not encode the reply: {error}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl From<&Value> for JsonText {
    fn from(value: &Value) -> JsonText {
        // A `Value` always encodes: its keys are strings and its numbers
        // finite.
        JsonText(value.to_string())
    }
}

impl From<Value> for JsonText {
    fn from(value: Value) -> JsonText {
        JsonText::from(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_text_is_kept_as_written() {
        let text = r#"{ "b": 1, "a": [1, 2.50] }"#;
        let reply = JsonText::checked(text.to_owned()).expect("JSON");
        assert_eq!(reply.as_str(), text);
    }

    #[test]
    fn text_that_is_not_one_json_value_is_refused() {
        for text in ["", "not json", "{\"a\":1", "1 2", "{\"a\":1} x", "'a'"] {
            let error = JsonText::checked(text.to_owned()).expect_err(text);
            assert!(
                matches!(&error, PluginError::Failed(message) if message.contains("not one JSON value")),
                "{text}: {error:?}"
            );
        }
    }

    #[test]
    fn typed_values_and_trees_encode_alike() {
        #[derive(Serialize)]
        struct Reply<'a> {
            status: &'a str,
            count: u32,
        }
        let typed = JsonText::encode(&Reply {
            status: "ok",
            count: 2,
        })
        .expect("encodes");
        let tree = JsonText::from(json!({ "status": "ok", "count": 2 }));
        let parse = |t: &JsonText| serde_json::from_str::<Value>(t.as_str()).expect("JSON");
        assert_eq!(parse(&typed), parse(&tree));
    }
}
