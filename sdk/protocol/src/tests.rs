use super::*;
use crate::file_frame::AttachedFile;

fn console(text: &str) -> Result<Request<ConsoleRequest>, (Option<u64>, ProtocolError)> {
    decode::<ConsoleRequest>(text)
}

#[test]
fn a_valid_request_decodes_with_its_id() {
    let request =
        console(r#"{"v":1,"id":7,"type":"chat.send","body":{"session":"123456789","text":"Hi"}}"#)
            .expect("valid");
    assert_eq!(request.id, Some(7));
    assert_eq!(
        request.message,
        ConsoleRequest::Chat {
            session: "123456789".into(),
            text: "Hi".into()
        }
    );
    let start = console(r#"{"v":1,"type":"session.start"}"#).expect("no body needed");
    assert_eq!(start.message, ConsoleRequest::Start {});
}

#[test]
fn bad_frames_are_refused_with_a_clear_error() {
    let cases: &[(&str, &str)] = &[
        ("not json", "not a valid envelope"),
        (r#"{"v":1}"#, "missing field `type`"),
        (
            r#"{"v":2,"type":"session.start"}"#,
            "version 2 is not supported",
        ),
        (
            r#"{"v":1,"type":"session.start","extra":1}"#,
            "unknown field `extra`",
        ),
        (
            r#"{"v":1,"type":"teleport"}"#,
            "unknown message type `teleport`",
        ),
        (
            r#"{"v":1,"type":"agent.hello","body":{"capabilities":[]}}"#,
            "`agent.hello` is not available to CSRs",
        ),
        (
            r#"{"v":1,"type":"chat.send","body":{"session":"1"}}"#,
            "missing field `text`",
        ),
        (
            r#"{"v":1,"type":"chat.send","body":{"session":"1","text":"  "}}"#,
            "the message is empty",
        ),
        (
            r#"{"v":1,"type":"session.end","body":{"session":"1","force":true}}"#,
            "unknown field `force`",
        ),
    ];
    for (text, words) in cases {
        let (_, error) = console(text).expect_err(text);
        assert!(error.to_string().contains(words), "{text}: {error}");
    }
    let long = format!(
        r#"{{"v":1,"type":"chat.send","body":{{"session":"1","text":"{}"}}}}"#,
        "x".repeat(MAX_CHAT_CHARS + 1)
    );
    assert!(
        console(&long)
            .expect_err("long")
            .1
            .to_string()
            .contains("the limit is 4000")
    );
    let huge = "x".repeat(MAX_CONTROL_MESSAGE_BYTES + 1);
    assert_eq!(
        console(&huge).expect_err("huge").1.code(),
        ErrorCode::TooLarge
    );
}

#[test]
fn a_customer_sending_a_csr_command_is_forbidden_not_malformed() {
    let (id, error) =
        decode::<CustomerRequest>(r#"{"v":1,"id":3,"type":"session.end","body":{"session":"1"}}"#)
            .expect_err("forbidden");
    assert_eq!(id, Some(3));
    assert_eq!(error.code(), ErrorCode::Forbidden);
    assert_eq!(
        error.to_string(),
        "`session.end` is not available to customers"
    );
}

#[test]
fn agent_results_need_exactly_one_outcome() {
    let both = r#"{"v":1,"type":"agent.result","body":{"call":"c","output":1,"error":"x"}}"#;
    assert!(decode::<AgentRequest>(both).is_err());
    let one = r#"{"v":1,"type":"agent.result","body":{"call":"c","output":1}}"#;
    assert!(decode::<AgentRequest>(one).is_ok());
}

/// A message's text as a tree, to look inside it.
fn tree(message: &ServerMessage) -> serde_json::Value {
    serde_json::from_str(message.text()).expect("a message is JSON")
}

fn raw(text: &str) -> RawJson {
    RawJson::from_text(text).expect("JSON")
}

#[test]
fn server_messages_carry_version_type_and_reply_id() {
    let ok = ServerMessage::ok(Some(4), serde_json::json!({"a": 1}));
    assert_eq!(tree(&ok)["v"], 1);
    assert_eq!(tree(&ok)["re"], 4);
    assert_eq!(ok.kind(), "ok");
    let event = ServerMessage::event(&ServerEvent::SessionEnded {
        session: "1".into(),
        reason: "ended by the host".into(),
        detail: None,
    });
    assert_eq!(event.kind(), "session.ended");
    assert_eq!(tree(&event)["body"]["reason"], "ended by the host");
    assert_eq!(tree(&event)["v"], 1);
    let error = ServerMessage::error(None, ErrorCode::Forbidden, "no");
    assert_eq!(error.kind(), "error");
    assert_eq!(tree(&error)["body"]["code"], "forbidden");
    assert_eq!(tree(&error)["re"], serde_json::Value::Null);
}

#[test]
fn a_message_is_written_once_and_every_copy_sends_that_text() {
    let event = ServerMessage::event(&ServerEvent::Chat {
        session: "123456789".into(),
        from: "c1".into(),
        display_name: "Carl".into(),
        text: "hello \"all\"".into(),
        at: "2024-01-01T00:00:00Z".into(),
        detail: None,
    });
    let copy = event.clone();
    assert_eq!(event.text(), copy.text());
    assert!(
        std::ptr::eq(event.text(), copy.text()),
        "the copies share one text"
    );
    assert_eq!(event.to_text(), copy.to_text());
    assert_eq!(copy.kind(), "chat.message");
}

#[test]
fn an_ok_reply_of_json_text_carries_it_as_written() {
    let written = r#"{"b":1, "a":[1,2],"n":27777777777777757777}"#;
    let body = raw(written);
    let reply = ServerMessage::ok_raw(Some(9), body.as_raw());
    assert_eq!(reply.kind(), "ok");
    assert!(reply.text().contains(written), "{}", reply.text());
    let expected: serde_json::Value = serde_json::from_str(written).expect("JSON");
    assert_eq!(
        decode_server(reply.text()),
        Ok(ServerFrame::Ok {
            re: Some(9),
            body: expected
        })
    );
    let text = ServerMessage::ok_raw(None, raw(r#""not json""#).as_raw());
    assert_eq!(
        decode_server(text.text()),
        Ok(ServerFrame::Ok {
            re: None,
            body: serde_json::json!("not json")
        })
    );
}

#[test]
fn a_renamed_or_missing_field_in_an_agent_message_names_the_field() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"v":1,"type":"agent.result","body":{"call_id":"c","output":{}}}"#,
            "unknown field `call_id`",
        ),
        (
            r#"{"v":1,"type":"agent.result","body":{"output":{}}}"#,
            "missing field `call`",
        ),
        (
            r#"{"v":1,"type":"agent.progress","body":{"call":"c"}}"#,
            "missing field `text`",
        ),
        (
            r#"{"v":1,"type":"agent.hello","body":{"capabilities":["disk.format"]}}"#,
            "unknown variant `disk.format`",
        ),
        (
            r#"{"v":1,"type":"agent.activity_ended","body":{"call":"c"}}"#,
            "missing field `reason`",
        ),
    ];
    for (text, words) in cases {
        let (_, error) = decode::<AgentRequest>(text).expect_err(text);
        assert!(error.to_string().contains(words), "{text}: {error}");
    }
}

#[test]
fn server_frames_decode_typed_and_refuse_renamed_or_missing_fields() {
    let call = ServerEvent::AgentCall {
        call: "call-1".into(),
        capability: Capability::ScriptRun,
        input: raw(r#"{"name":"x"}"#),
        files: Vec::new(),
    };
    let text = ServerMessage::event(&call).to_text();
    // A call without files says nothing of them (what agents before file
    // frames read).
    assert!(!text.contains("files"), "{text}");
    assert_eq!(decode_server(&text), Ok(ServerFrame::Event(call)));
    let with_files = ServerEvent::AgentCall {
        call: "call-2".into(),
        capability: Capability::ScriptRun,
        input: raw(r#"{ "name": "x" }"#),
        files: vec![AttachedFile { bytes: 1_048_576 }, AttachedFile { bytes: 0 }],
    };
    let text = ServerMessage::event(&with_files).to_text();
    assert!(
        text.contains(r#""files":[{"bytes":1048576},{"bytes":0}]"#),
        "{text}"
    );
    assert_eq!(decode_server(&text), Ok(ServerFrame::Event(with_files)));
    let ok = ServerMessage::ok(Some(3), serde_json::json!({ "sent": true }));
    assert_eq!(
        decode_server(&ok.to_text()),
        Ok(ServerFrame::Ok {
            re: Some(3),
            body: serde_json::json!({ "sent": true })
        })
    );
    let refused = ServerMessage::error(Some(4), ErrorCode::NoConsent, "ask first");
    assert_eq!(
        decode_server(&refused.to_text()),
        Ok(ServerFrame::Error {
            re: Some(4),
            code: ErrorCode::NoConsent,
            message: "ask first".into(),
            detail: None,
        })
    );
    let cases: &[(&str, &str)] = &[
        (
            r#"{"v":1,"type":"agent.call","body":{"call_id":"c","capability":"script.run","input":{}}}"#,
            "unknown field `call_id`",
        ),
        (
            r#"{"v":1,"type":"agent.cancel","body":{"call":"c"}}"#,
            "missing field `reason`",
        ),
        (
            r#"{"v":1,"type":"agent.call","body":{"call":"c","capability":"script.run","input":{},"files":[{"size":1}]}}"#,
            "unknown field `size`",
        ),
        (
            r#"{"v":1,"type":"agent.call","body":{"call":"c","capability":"script.run","input":{},"files":[{"bytes":-1}]}}"#,
            "invalid value",
        ),
        (
            r#"{"v":1,"type":"session.ended","body":{"session":"1","reason":"x","extra":1}}"#,
            "unknown field `extra`",
        ),
        (
            r#"{"v":1,"type":"teleported","body":{}}"#,
            "unknown message type `teleported`",
        ),
        (
            r#"{"v":2,"type":"ok","body":{}}"#,
            "version 2 is not supported",
        ),
        (
            r#"{"v":1,"re":1,"type":"error","body":{"code":"nope","message":"x"}}"#,
            "unknown variant `nope`",
        ),
    ];
    for (text, words) in cases {
        let error = decode_server(text).expect_err(text);
        assert!(error.to_string().contains(words), "{text}: {error}");
    }
}

#[test]
fn encoded_requests_decode_to_themselves() {
    let requests = [
        AgentRequest::Hello {
            capabilities: Capability::ALL.to_vec(),
            platform: "linux".into(),
            rejoin_after_restart: RejoinAfterRestart::ByItself,
        },
        AgentRequest::Result {
            call: "call-1".into(),
            output: Some(raw(r#"{ "exit_code": 0, "b": [1, 2] }"#)),
            error: None,
            lasting: true,
        },
        AgentRequest::ActivityEnded {
            call: "call-1".into(),
            reason: "the CSR logged off".into(),
        },
    ];
    for (id, request) in requests.into_iter().enumerate() {
        let text = encode(Some(id as u64), &request);
        let decoded = decode::<AgentRequest>(&text).expect("decodes");
        assert_eq!(decoded.id, Some(id as u64));
        assert_eq!(decoded.message, request);
    }
    let chat = ConsoleRequest::Chat {
        session: "123456789".into(),
        text: "hello".into(),
    };
    assert_eq!(
        decode::<ConsoleRequest>(&encode(None, &chat)).map(|r| r.message),
        Ok(chat)
    );
}

#[test]
fn an_agents_numbers_survive_every_hop_unchanged() {
    // Found by fuzzing: a number too large for an integer changed a little
    // each time it was parsed and written again.
    let output = r#"{"n":27777777777777757777,"f":0.1,"big":1e300}"#;
    let text = format!(
        r#"{{"v":1,"id":2,"type":"agent.result","body":{{"call":"call-1","output":{output}}}}}"#
    );
    let first = decode::<AgentRequest>(&text).expect("decodes").message;
    let second = decode::<AgentRequest>(&encode(Some(2), &first))
        .expect("decodes again")
        .message;
    assert_eq!(first, second);
    let AgentRequest::Result {
        output: Some(kept), ..
    } = second
    else {
        panic!("a result with output: {second:?}");
    };
    assert_eq!(kept.get(), output);
}

#[test]
fn an_agents_output_reaches_the_kernel_byte_for_byte() {
    let output = r#"{"b":1, "a":[1,2],  "s":"\u00e9\n"}"#;
    let text = format!(
        r#"{{"v":1,"type":"agent.result","body":{{"call":"call-1","output": {output} ,"lasting":false}}}}"#
    );
    let decoded = decode::<AgentRequest>(&text).expect("decodes").message;
    assert_eq!(
        decoded,
        AgentRequest::Result {
            call: "call-1".into(),
            output: Some(raw(output)),
            error: None,
            lasting: false,
        }
    );
    let AgentRequest::Result {
        output: Some(kept), ..
    } = decoded
    else {
        panic!("a result with output");
    };
    assert_eq!(
        kept.into_string(),
        output,
        "key order, spacing and escapes kept"
    );
}

#[test]
fn an_agent_result_is_refused_as_before_whatever_its_output() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"v":1,"type":"agent.result","body":{"call":"c","output":{"a":1},"error":"x"}}"#,
            "exactly one of `output` and `error`",
        ),
        (
            r#"{"v":1,"type":"agent.result","body":{"call":"c"}}"#,
            "exactly one of `output` and `error`",
        ),
        (
            r#"{"v":1,"type":"agent.result","body":{"call":"c","output":{"a":}}}"#,
            "not a valid envelope",
        ),
        (
            r#"{"v":1,"type":"agent.result","body":{"call":"c","output":{},"outcome":1}}"#,
            "unknown field `outcome`",
        ),
        (
            r#"{"v":1,"type":"agent.result","body":{"call":7,"output":{}}}"#,
            "invalid type: integer `7`, expected a string",
        ),
    ];
    for (text, words) in cases {
        let (_, error) = decode::<AgentRequest>(text).expect_err(text);
        let said = error.to_string();
        assert!(said.contains(words), "{text}: {said}");
        assert!(
            !said.contains("`agent.result`") || !said.contains("line"),
            "a body's refusal names no position in the body alone: {said}"
        );
    }
}

#[test]
fn an_agent_that_does_not_say_how_it_rejoins_is_taken_to_need_the_link() {
    let silent = decode::<AgentRequest>(
        r#"{"v":1,"type":"agent.hello","body":{"capabilities":["power.restart"]}}"#,
    )
    .expect("decodes");
    assert!(matches!(
        silent.message,
        AgentRequest::Hello {
            rejoin_after_restart: RejoinAfterRestart::WithLink,
            ..
        }
    ));
    let said = decode::<AgentRequest>(
        r#"{"v":1,"type":"agent.hello","body":{"capabilities":[],"rejoin_after_restart":"by_itself"}}"#,
    )
    .expect("decodes");
    assert!(matches!(
        said.message,
        AgentRequest::Hello {
            rejoin_after_restart: RejoinAfterRestart::ByItself,
            ..
        }
    ));
    let (_, error) = decode::<AgentRequest>(
        r#"{"v":1,"type":"agent.hello","body":{"capabilities":[],"rejoin_after_restart":"somehow"}}"#,
    )
    .expect_err("an unknown way is refused");
    assert!(
        error.to_string().contains("unknown variant `somehow`"),
        "{error}"
    );
}

#[test]
fn a_stream_opened_without_origin_is_a_customers_and_one_with_it_says_so() {
    let older = r#"{"v":1,"type":"stream.opened","body":{"session":"123456789","stream":7,"plugin":"app-share","source":"c1","capability":"app.share","label":"xterm"}}"#;
    let Ok(ServerFrame::Event(ServerEvent::StreamOpened {
        origin, controller, ..
    })) = decode_server(older)
    else {
        panic!("an opened stream without origin decodes");
    };
    assert_eq!((origin, controller), (StreamOrigin::CustomerAgent, None));

    let shown = ServerEvent::StreamOpened {
        session: "123456789".into(),
        stream: stream::StreamId::new(7).expect("not 0"),
        plugin: "app-share".into(),
        source: "h1".into(),
        capability: Capability::AppShare,
        label: "Calculator".into(),
        origin: StreamOrigin::CsrAgent,
        controller: Some("c1".into()),
    };
    let text = ServerMessage::event(&shown).to_text();
    assert!(text.contains(r#""origin":"csr_agent""#), "{text}");
    assert_eq!(decode_server(&text), Ok(ServerFrame::Event(shown)));
    let browser: StreamOrigin = serde_json::from_str(r#""csr_browser""#).expect("snake_case");
    assert_eq!(browser, StreamOrigin::CsrBrowser);
    assert!(browser.from_csr() && !StreamOrigin::CustomerAgent.from_csr());
    assert!(
        serde_json::from_str::<StreamOrigin>(r#""CsrAgent""#).is_err(),
        "only the wire names"
    );
}

#[test]
fn stream_control_names_the_controller_or_nobody() {
    let stream = stream::StreamId::new(9).expect("not 0");
    for (controller, controller_name) in [
        (Some("c1".to_owned()), Some("Carl".to_owned())),
        (None, None),
    ] {
        let event = ServerEvent::StreamControl {
            session: "123456789".into(),
            stream,
            controller,
            controller_name,
        };
        let text = ServerMessage::event(&event).to_text();
        assert_eq!(decode_server(&text), Ok(ServerFrame::Event(event)));
    }
    let cleared = r#"{"v":1,"type":"stream.control","body":{"session":"1","stream":9}}"#;
    assert!(matches!(
        decode_server(cleared),
        Ok(ServerFrame::Event(ServerEvent::StreamControl {
            controller: None,
            ..
        }))
    ));
    let renamed =
        r#"{"v":1,"type":"stream.control","body":{"session":"1","stream":9,"holder":"c1"}}"#;
    let error = decode_server(renamed).expect_err("renamed field");
    assert!(
        error.to_string().contains("unknown field `holder`"),
        "{error}"
    );
}

#[test]
fn the_host_asks_for_an_agent_code_of_a_session_and_an_agent_takes_control_back() {
    let code = console(r#"{"v":1,"id":3,"type":"agent.code","body":{"session":"123456789"}}"#)
        .expect("a CSR may ask");
    assert_eq!(
        code.message,
        ConsoleRequest::AgentCode {
            session: "123456789".into()
        }
    );
    let (_, error) = console(r#"{"v":1,"type":"agent.code","body":{}}"#).expect_err("no session");
    assert!(
        error.to_string().contains("missing field `session`"),
        "{error}"
    );

    let take_back = AgentRequest::StreamTakeBack {
        stream: stream::StreamId::new(5).expect("not 0"),
    };
    let text = encode(Some(1), &take_back);
    assert!(text.contains(r#""type":"stream.take_back""#), "{text}");
    assert_eq!(
        decode::<AgentRequest>(&text).map(|r| r.message),
        Ok(take_back)
    );
    for bad in [
        r#"{"v":1,"type":"stream.take_back","body":{"stream":0}}"#,
        r#"{"v":1,"type":"stream.take_back","body":{}}"#,
    ] {
        assert!(decode::<AgentRequest>(bad).is_err(), "{bad}");
    }
    let (_, error) =
        decode::<CustomerRequest>(r#"{"v":1,"type":"stream.take_back","body":{"stream":5}}"#)
            .expect_err("only agents take control back");
    assert!(
        error.to_string().contains("not available to customers"),
        "{error}"
    );
}

#[test]
fn participant_agent_says_what_an_agent_offers_or_that_it_left() {
    for capabilities in [Some(vec![Capability::AppList, Capability::AppShare]), None] {
        let event = ServerEvent::ParticipantAgent {
            session: "123456789".into(),
            participant: "h1".into(),
            capabilities,
        };
        let text = ServerMessage::event(&event).to_text();
        assert_eq!(decode_server(&text), Ok(ServerFrame::Event(event)));
    }
    let gone = r#"{"v":1,"type":"participant.agent","body":{"session":"1","participant":"h1"}}"#;
    assert!(matches!(
        decode_server(gone),
        Ok(ServerFrame::Event(ServerEvent::ParticipantAgent {
            capabilities: None,
            ..
        }))
    ));
    let unknown = r#"{"v":1,"type":"participant.agent","body":{"session":"1","participant":"h1","capabilities":["teleport"]}}"#;
    assert!(decode_server(unknown).is_err(), "only known capabilities");
}
