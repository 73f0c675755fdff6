//! JSON text passed along as it came: checked once to be one JSON value,
//! never parsed into a tree, written out again byte for byte.
//!
//! An agent's answer (system information is some 40 KB) goes from the
//! agent through the kernel to a plugin. Kept as text, it costs the kernel
//! one pass to check it instead of a tree built and written out again, and
//! the plugin gets exactly what the agent wrote: key order, spacing and
//! numbers included.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// One JSON value as text (see the module's documentation). Two are equal
/// when their texts are: `{"a":1}` and `{ "a": 1 }` are not.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// `value` written as JSON text.
    pub fn from_value<T: Serialize + ?Sized>(value: &T) -> Result<RawJson, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(RawJson)
    }

    /// `text` if it is one JSON value (whitespace around it removed).
    pub fn from_text(text: &str) -> Result<RawJson, serde_json::Error> {
        serde_json::from_str(text).map(RawJson)
    }

    /// JSON `null`: the input of a call that takes none.
    pub fn null() -> RawJson {
        RawJson(RawValue::NULL.to_owned())
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    pub fn as_raw(&self) -> &RawValue {
        &self.0
    }

    /// The JSON text, without a copy.
    pub fn into_string(self) -> String {
        String::from(Box::<str>::from(self.0))
    }

    /// The value as a tree, for a reader that looks inside it.
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(self.get())
    }
}

impl From<Box<RawValue>> for RawJson {
    fn from(raw: Box<RawValue>) -> RawJson {
        RawJson(raw)
    }
}

impl From<RawJson> for Box<RawValue> {
    fn from(raw: RawJson) -> Box<RawValue> {
        raw.0
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &RawJson) -> bool {
        self.get() == other.get()
    }
}

impl Eq for RawJson {}

impl std::fmt::Display for RawJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.get())
    }
}

#[cfg(test)]
mod tests {
    use super::RawJson;

    #[test]
    fn the_text_is_kept_as_written_and_compared_as_text() {
        let written = r#"{"b":1,"a":[1, 2],"n":27777777777777757777}"#;
        let raw = RawJson::from_text(written).expect("JSON");
        assert_eq!(raw.get(), written);
        assert_eq!(raw.clone().into_string(), written);
        assert_ne!(
            raw,
            RawJson::from_text(r#"{"a":[1,2],"b":1}"#).expect("JSON")
        );
        let encoded = serde_json::to_string(&raw).expect("writes");
        assert_eq!(encoded, written, "written out byte for byte");
        let tree = raw.to_value().expect("a tree where one is needed");
        assert_eq!(tree["a"][1], 2);
    }

    #[test]
    fn text_that_is_not_one_json_value_is_refused() {
        for bad in ["", "not json", "{\"a\":", "1 2", "{} {}"] {
            assert!(RawJson::from_text(bad).is_err(), "{bad:?}");
        }
        assert_eq!(RawJson::from_text(" [1] ").expect("JSON").get(), "[1]");
    }

    #[test]
    fn a_value_is_written_once_as_text() {
        let raw = RawJson::from_value(&serde_json::json!({ "exit_code": 0 })).expect("writes");
        assert_eq!(raw.get(), r#"{"exit_code":0}"#);
    }
}
