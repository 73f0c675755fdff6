//! Property tests: whatever a client sends, decoding never panics, and
//! anything accepted is a well-formed request that survives a round trip.

use proptest::prelude::*;
use serde_json::json;

use crate::{AgentRequest, ConsoleRequest, CustomerRequest, RequestSet, decode, encode};

fn never_panics_and_round_trips<T: RequestSet + serde::Serialize + PartialEq + std::fmt::Debug>(
    text: &str,
) {
    if let Ok(request) = decode::<T>(text) {
        let again = encode(request.id, &request.message);
        let decoded = decode::<T>(&again).expect("a re-encoded request decodes");
        assert_eq!(decoded.message, request.message);
        assert_eq!(decoded.id, request.id);
    }
}

fn all_roles(text: &str) {
    never_panics_and_round_trips::<ConsoleRequest>(text);
    never_panics_and_round_trips::<CustomerRequest>(text);
    never_panics_and_round_trips::<AgentRequest>(text);
}

const VALID: &[&str] = &[
    r#"{"v":1,"id":1,"type":"chat.send","body":{"text":"hello"}}"#,
    r#"{"v":1,"id":2,"type":"plugin.command","body":{"session":"123456789","plugin":"echo","name":"echo","payload":{"a":[1,2]}}}"#,
    r#"{"v":1,"type":"consent.answer","body":{"request":"consent-1","granted":true}}"#,
    r#"{"v":1,"type":"agent.result","body":{"call":"call-1","output":{}}}"#,
    r#"{"v":1,"type":"agent.result","body":{"call":"call-2","output":{"b":[1, 2], "a":"x"}}}"#,
    r#"{"v":1,"type":"agent.hello","body":{"capabilities":["sysinfo.collect"]}}"#,
    r#"{"v":1,"type":"session.start"}"#,
];

proptest! {
    #[test]
    fn arbitrary_text_is_refused_or_valid(text in ".{0,400}") {
        all_roles(&text);
    }

    #[test]
    fn mangled_valid_frames_never_panic(
        which in 0..VALID.len(),
        cut in 0usize..200,
        position in 0usize..200,
        insert in "[\\x00-\\x7f]{0,8}",
    ) {
        let frame = VALID[which];
        let cut_at = cut.min(frame.len());
        all_roles(&frame[..cut_at]);
        let at = position.min(frame.len());
        let mangled = format!("{}{}{}", &frame[..at], insert, &frame[at..]);
        all_roles(&mangled);
    }

    #[test]
    fn arbitrary_bodies_of_known_types(
        kind in proptest::sample::select(vec![
            "chat.send", "consent.answer", "consent.revoke", "session.leave", "plugin.command",
            "session.pass_control", "agent.hello", "agent.result",
        ]),
        key in "[a-z_]{1,12}",
        value in prop_oneof![
            Just(json!(null)), any::<bool>().prop_map(|b| json!(b)), any::<i64>().prop_map(|n| json!(n)),
            ".{0,40}".prop_map(|s| json!(s)), Just(json!([])), Just(json!({})),
        ],
    ) {
        all_roles(&json!({ "v": 1, "id": 9, "type": kind, "body": { key: value } }).to_string());
    }
}
