//! The script library through the kernel's REST command route as two CSRs
//! and a site admin, and script runs in sessions against the real agent;
//! the files of a run go to the agent as file frames (`agent_files.rs`:
//! the agent's side against a kernel the test plays).

#[path = "scripts/agent_files.rs"]
mod agent_files;

use base64::Engine;
use serde_json::{Value, json};
use tether_protocol::file_frame::FileFrame;
use tether_tests::agent_process::AgentProcess;
use tether_tests::bundled_manifests;
use tether_tests::clients::{Answer, Csr, Customer, StartedSession};
use tether_tests::kernel_process::{KernelProcess, TestAccount};

const CONFIG: &str = r#"
[sessions]
join_attempts_per_minute = 1000
consent_timeout_secs = 20

[sites.default]
name = "Default"
plugins = ["scripts"]
"#;

const ONE_MB: usize = 1024 * 1024;
const LIBRARY: &str = "/api/plugins/scripts/commands";

fn start_kernel() -> KernelProcess {
    let accounts = [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount::csr("bob", "Bo Lind", "default"),
        TestAccount {
            session_mode: Some("multi"),
            ..TestAccount::csr("mia", "Mia Holm", "default")
        },
        TestAccount {
            role: "admin",
            ..TestAccount::csr("lee", "Lee Admin", "default")
        },
    ];
    KernelProcess::configure(&bundled_manifests(), CONFIG, &accounts).launch()
}

fn upload(name: &str, bytes: &[u8]) -> Value {
    json!({ "file_name": name, "content": base64::engine::general_purpose::STANDARD.encode(bytes) })
}

async fn command(csr: &Csr, name: &str, payload: Value) -> Answer {
    csr.post(LIBRARY, json!({ "name": name, "payload": payload }))
        .await
}

async fn signed_in(kernel: &KernelProcess, username: &str) -> Csr {
    Csr::sign_in(kernel, username, "correct horse battery")
        .await
        .expect("signs in")
}

async fn add(csr: &Csr, name: &str, script: &str, input: Option<&str>, published: bool) -> String {
    let mut payload = json!({ "name": name, "category": "Network", "published": published,
                              "script": upload("run.sh", script.as_bytes()) });
    if let Some(input) = input {
        payload["input"] = upload("hosts.txt", input.as_bytes());
    }
    let added = command(csr, "library.add", payload).await;
    assert_eq!(added.status, 200, "{}", added.text);
    added.body["id"].as_str().expect("id").to_owned()
}

fn names(list: &Answer) -> Vec<String> {
    list.body
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["name"].as_str().expect("name").to_owned())
        .collect()
}

#[tokio::test]
async fn the_library_as_two_csrs_and_a_site_admin() {
    let kernel = start_kernel();
    let (anna, bob, lee) = (
        signed_in(&kernel, "anna").await,
        signed_in(&kernel, "bob").await,
        signed_in(&kernel, "lee").await,
    );

    assert_eq!(
        command(&anna, "categories.set", json!({ "categories": ["Mine"] }))
            .await
            .status,
        403
    );
    assert_eq!(
        command(
            &lee,
            "categories.set",
            json!({ "categories": ["Network", "Disk"] })
        )
        .await
        .status,
        200
    );
    // The categories are the site's: the change is in its audit log, the
    // refused one is not.
    let audit = lee.get("/api/admin/audit").await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    let lines = audit.body["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["action"], "plugin.command");
    assert_eq!(lines[0]["admin"], "lee");
    assert_eq!(
        lines[0]["detail"],
        r#"scripts: categories.set {"categories":["Network","Disk"]}"#
    );

    add(&anna, "Flush DNS", "echo flush", None, true).await;
    add(&anna, "anna's draft", "echo draft", None, false).await;
    add(&bob, "Check disk", "df -h", None, true).await;

    // Unpublished scripts only for their author; sorted as asked.
    let sorted = |csr: &'static str, sort: &'static str, descending: bool| (csr, sort, descending);
    for (who, sort, descending, expected) in [
        (
            sorted("bob", "name", false),
            "",
            false,
            vec!["Check disk", "Flush DNS"],
        ),
        (
            sorted("anna", "name", false),
            "",
            false,
            vec!["anna's draft", "Check disk", "Flush DNS"],
        ),
        (
            sorted("anna", "author", true),
            "",
            false,
            vec!["Check disk", "Flush DNS", "anna's draft"],
        ),
    ]
    .map(|((who, sort, descending), _, _, expected)| (who, sort, descending, expected))
    {
        let csr = if who == "bob" { &bob } else { &anna };
        let list = command(
            csr,
            "library.list",
            json!({ "sort": sort, "descending": descending }),
        )
        .await;
        assert_eq!(names(&list), expected, "{who} sorted by {sort}");
    }

    // Duplicate names (any case), unknown categories, the 1 MB limit.
    let duplicate = command(
        &bob,
        "library.add",
        json!({ "name": "FLUSH dns", "category": "Network", "script": upload("a.sh", b"x") }),
    )
    .await;
    assert_eq!(duplicate.status, 422, "{}", duplicate.text);
    assert!(
        duplicate.body["error"]
            .as_str()
            .expect("error")
            .contains("name: a script named `FLUSH dns` already exists")
    );
    let unknown = command(
        &bob,
        "library.add",
        json!({ "name": "New", "category": "Cooking", "script": upload("a.sh", b"x") }),
    )
    .await;
    assert!(
        unknown.body["error"]
            .as_str()
            .expect("error")
            .contains("category: `Cooking` is not one of the site's categories")
    );
    let exactly = command(&bob, "library.add", json!({ "name": "Exactly 1 MB", "category": "Disk", "script": upload("big.sh", &vec![b'#'; ONE_MB]) })).await;
    assert_eq!(
        exactly.status,
        200,
        "{}",
        &exactly.text[..exactly.text.len().min(200)]
    );
    let over = command(&bob, "library.add", json!({ "name": "Too big", "category": "Disk", "script": upload("big.sh", &vec![b'#'; ONE_MB + 1]) })).await;
    assert_eq!(over.status, 422);
    assert!(
        over.body["error"]
            .as_str()
            .expect("error")
            .contains("script: the file is 1048577 bytes; the limit is 1048576 bytes")
    );
    let bob_sees = names(&command(&bob, "library.list", Value::Null).await);
    assert_eq!(
        bob_sees,
        ["Check disk", "Exactly 1 MB", "Flush DNS"],
        "nothing stored for refused adds"
    );

    // Only the author edits or deletes, and deleting needs confirmation.
    let list = command(&anna, "library.list", Value::Null).await;
    let flush = list
        .body
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["name"] == "Flush DNS")
        .expect("found")["id"]
        .clone();
    let foreign = command(
        &bob,
        "library.update",
        json!({ "id": flush, "description": "hijacked" }),
    )
    .await;
    assert_eq!(foreign.status, 403, "{}", foreign.text);
    let edited = command(&anna, "library.update", json!({ "id": flush, "description": "Clears the resolver cache", "script": upload("flush.sh", b"echo flushed") })).await;
    assert_eq!(edited.body["script_file"]["file_name"], "flush.sh");
    assert_eq!(
        command(&anna, "library.delete", json!({ "id": flush }))
            .await
            .status,
        422
    );
    assert_eq!(
        command(
            &bob,
            "library.delete",
            json!({ "id": flush, "confirm": true })
        )
        .await
        .status,
        403
    );
    assert_eq!(
        command(
            &anna,
            "library.delete",
            json!({ "id": flush, "confirm": true })
        )
        .await
        .status,
        200
    );
    assert_eq!(
        names(&command(&bob, "library.list", Value::Null).await),
        ["Check disk", "Exactly 1 MB"]
    );
}

struct RunSetup {
    started: StartedSession,
    anna: Csr,
    agent: AgentProcess,
    state: tempfile::TempDir,
}

async fn session_with_agent(kernel: &KernelProcess, host: &str) -> RunSetup {
    let started = StartedSession::start(kernel, host).await;
    let state = tempfile::tempdir().expect("temp dir");
    let agent = AgentProcess::join(state.path(), &started.join_link, "Carl");
    agent.wait_for_line("Connected to support session").await;
    let anna = signed_in(kernel, host).await;
    RunSetup {
        started,
        anna,
        agent,
        state,
    }
}

async fn run(s: &mut RunSetup, ids: &[String], timeout_secs: Option<u64>, answer: &str) -> Value {
    let seen = s.agent.prompts_seen();
    let mut payload = json!({ "scripts": ids });
    if let Some(timeout) = timeout_secs {
        payload["timeout_secs"] = json!(timeout);
    }
    let body = json!({ "session": s.started.number, "plugin": "scripts", "name": "run", "payload": payload });
    let id = s.started.console.send_request("plugin.command", body).await;
    s.agent.answer_prompt(seen, answer).await;
    s.started.console.reply_to(id).await
}

fn runs_left(s: &RunSetup) -> usize {
    std::fs::read_dir(s.state.path().join("runs"))
        .map(|d| d.count())
        .unwrap_or(0)
}

async fn report(s: &RunSetup) -> String {
    s.anna
        .get(&format!(
            "/api/sessions/{}/report?format=text",
            s.started.number
        ))
        .await
        .text
}

#[tokio::test]
async fn three_scripts_run_in_order_with_output_in_chat_and_report() {
    let kernel = start_kernel();
    let lee = signed_in(&kernel, "lee").await;
    command(&lee, "categories.set", json!({ "categories": ["Network"] })).await;
    let mut s = session_with_agent(&kernel, "anna").await;
    let ids = vec![
        add(
            &s.anna,
            "one",
            "echo one; cat \"$TETHER_INPUT_FILE\"",
            Some("host-a\nhost-b\n"),
            true,
        )
        .await,
        add(
            &s.anna,
            "two",
            "echo two; echo trouble >&2; exit 3",
            None,
            false,
        )
        .await,
        add(&s.anna, "three", "echo three; ls", None, true).await,
    ];
    let reply = run(&mut s, &ids, None, "y").await;
    assert_eq!(reply["body"]["status"], "done", "{reply}");
    let results = reply["body"]["results"].as_array().expect("results");
    let order: Vec<&str> = results
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    assert_eq!(order, ["one", "two", "three"]);
    assert_eq!(results[0]["output"], "one\nhost-a\nhost-b\n");
    assert_eq!(results[1]["exit_code"], 3);
    // The script's folder held only the agent's own file names.
    assert_eq!(results[2]["output"], "three\nscript.sh\n");

    // Output streamed into the chat as the scripts ran, in order.
    let mut chat = String::new();
    while !chat.contains("three:") {
        let message = s.started.console.event("chat.message").await;
        assert_eq!(message["from"], "plugin:scripts");
        chat.push_str(message["text"].as_str().expect("text"));
    }
    let at = |text: &str| {
        chat.find(text)
            .unwrap_or_else(|| panic!("{text:?} missing from {chat:?}"))
    };
    assert!(
        at("one:") < at("host-b") && at("host-b") < at("two:") && at("two:") < at("three:"),
        "{chat:?}"
    );

    // How each ended is in the chat too: a failure is not hidden.
    while !chat.contains("Script 3 of 3 `three`: finished") {
        let message = s.started.console.event("chat.message").await;
        chat.push_str(message["text"].as_str().expect("text"));
    }
    assert!(
        chat.contains("Script 2 of 3 `two`: failed, exit status 3, after"),
        "{chat:?}"
    );
    let outcomes: Vec<&str> = results
        .iter()
        .map(|r| r["outcome"].as_str().expect("outcome"))
        .collect();
    assert_eq!(outcomes, ["ok", "failed", "ok"]);

    let text = report(&s).await;
    assert!(
        text.contains("Script 1 of 3 `one`: finished, exit status 0"),
        "{text}"
    );
    assert!(
        text.contains("Script 2 of 3 `two`: failed, exit status 3"),
        "{text}"
    );
    assert!(text.contains("error: trouble"), "{text}");
    assert_eq!(runs_left(&s), 0, "every temporary folder is gone");
}

/// `len` bytes of every value, in an order no text has.
fn binary_bytes(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x9E37_79B9;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect()
}

#[tokio::test]
async fn a_megabyte_script_and_a_megabyte_binary_input_reach_the_agent_byte_for_byte() {
    let kernel = start_kernel();
    let lee = signed_in(&kernel, "lee").await;
    command(&lee, "categories.set", json!({ "categories": ["Network"] })).await;
    let mut s = session_with_agent(&kernel, "anna").await;

    // The script compares itself and its input file with what was
    // uploaded, kept on this same computer by the test.
    let expected = tempfile::tempdir().expect("temp dir");
    let (script_copy, input_copy) = (
        expected.path().join("script"),
        expected.path().join("input"),
    );
    let mut script = format!(
        "#!/bin/sh\ncmp \"$0\" '{}' && cmp \"$TETHER_INPUT_FILE\" '{}' && echo identical\nexit $?\n",
        script_copy.display(),
        input_copy.display()
    )
    .into_bytes();
    while script.len() < ONE_MB {
        script.extend_from_slice(b"# padding to the largest script the library takes\n");
    }
    script.truncate(ONE_MB);
    let input = binary_bytes(ONE_MB);
    std::fs::write(&script_copy, &script).expect("write");
    std::fs::write(&input_copy, &input).expect("write");
    let payload = json!({ "name": "Largest", "category": "Network", "published": true,
                          "script": upload("check.sh", &script), "input": upload("data.bin", &input) });
    let added = command(&s.anna, "library.add", payload).await;
    assert_eq!(added.status, 200, "{}", added.text);
    let id = added.body["id"].as_str().expect("id").to_owned();

    let reply = run(&mut s, &[id], None, "y").await;
    let result = &reply["body"]["results"][0];
    assert_eq!(result["exit_code"], 0, "{reply}");
    assert_eq!(result["output"], "identical\n", "{reply}");
    assert_eq!(runs_left(&s), 0);
}

#[tokio::test]
async fn a_file_frame_from_any_client_is_refused_and_changes_nothing() {
    let kernel = start_kernel();
    let mut started = StartedSession::start(&kernel, "anna").await;
    let mut customer = Customer::join(&kernel, &started.number, "Carl").await;
    let mut agent = customer.connect_agent(&kernel).await;
    let refused = || async {
        let (_, health) = kernel.get_json("/healthz").await;
        health["streams"]["frames_refused"]
            .as_u64()
            .expect("a stream counter")
    };
    let before = refused().await;
    let frame = FileFrame {
        call: "call-0123456789abcdef",
        index: 0,
        file: b"rm -rf ~\n",
    }
    .encode()
    .expect("a frame");
    started.console.send_binary(frame.clone()).await;
    customer.page.send_binary(frame.clone()).await;
    agent.send_binary(frame).await;
    // Each connection still serves, in order after its frame.
    started
        .console
        .ok("session.info", json!({ "session": started.number }))
        .await;
    customer
        .page
        .ok("chat.send", json!({ "text": "still here" }))
        .await;
    assert_eq!(refused().await, before + 3);
    assert_eq!(agent.pending_binaries(), 0);
    assert_eq!(started.console.pending_binaries(), 0);
}

#[tokio::test]
async fn a_timed_out_script_a_denied_run_and_a_killed_agent_leave_nothing() {
    let kernel = start_kernel();
    let lee = signed_in(&kernel, "lee").await;
    command(&lee, "categories.set", json!({ "categories": ["Network"] })).await;
    let mut s = session_with_agent(&kernel, "anna").await;
    let slow = add(&s.anna, "slow", "echo starting; sleep 30", None, true).await;

    // Denied: nothing runs.
    let denied = run(&mut s, std::slice::from_ref(&slow), None, "n").await;
    assert_eq!(denied["body"]["status"], "denied");
    assert!(!report(&s).await.contains("Script 1 of 1"));

    // Over its time: stopped, and reported so.
    let stopped = run(&mut s, std::slice::from_ref(&slow), Some(1), "y").await;
    assert_eq!(
        stopped["body"]["results"][0]["timed_out"], true,
        "{stopped}"
    );
    assert!(
        report(&s)
            .await
            .contains("Script 1 of 1 `slow`: stopped after 1 s (time limit)")
    );
    assert_eq!(runs_left(&s), 0);

    // The agent is killed mid-run; started again, it sweeps the folder.
    let seen = s.agent.prompts_seen();
    let body = json!({ "session": s.started.number, "plugin": "scripts", "name": "run", "payload": { "scripts": [slow] } });
    s.started.console.send_request("plugin.command", body).await;
    s.agent.answer_prompt(seen, "y").await;
    let deadline = std::time::Instant::now() + tether_tests::clients::PATIENCE;
    while runs_left(&s) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the script never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    drop(s.agent);
    let again = AgentProcess::spawn(s.state.path(), "simulated", &["resume"]);
    again
        .wait_for_line("Removed 1 script folder(s) left by an earlier run.")
        .await;
    again.wait_for_line("Connected to support session").await;
    assert_eq!(
        std::fs::read_dir(s.state.path().join("runs"))
            .map(|d| d.count())
            .unwrap_or(0),
        0
    );
    // Nothing the script started is still running there.
    let runs = s.state.path().join("runs");
    let left: Vec<String> = std::fs::read_dir("/proc")
        .expect("proc")
        .flatten()
        .filter(|e| {
            std::fs::read_link(e.path().join("cwd")).is_ok_and(|cwd| cwd.starts_with(&runs))
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.is_empty(),
        "processes left in the run folder: {left:?}"
    );
}

#[tokio::test]
async fn runs_in_two_sessions_at_once_are_independent() {
    let kernel = start_kernel();
    let lee = signed_in(&kernel, "lee").await;
    command(&lee, "categories.set", json!({ "categories": ["Network"] })).await;
    let mut first = session_with_agent(&kernel, "anna").await;
    let mut second = session_with_agent(&kernel, "bob").await;
    let a = add(&first.anna, "anna's", "sleep 1; echo from-anna", None, true).await;
    let b = add(&second.anna, "bob's", "sleep 1; echo from-bob", None, true).await;

    let start = |s: &mut RunSetup, id: String| json!({ "session": s.started.number, "plugin": "scripts", "name": "run", "payload": { "scripts": [id] } });
    let body_a = start(&mut first, a);
    let body_b = start(&mut second, b);
    let id_a = first
        .started
        .console
        .send_request("plugin.command", body_a)
        .await;
    let id_b = second
        .started
        .console
        .send_request("plugin.command", body_b)
        .await;
    first.agent.answer_prompt(0, "y").await;
    second.agent.answer_prompt(0, "y").await;
    let (reply_a, reply_b) = (
        first.started.console.reply_to(id_a).await,
        second.started.console.reply_to(id_b).await,
    );
    assert_eq!(reply_a["body"]["results"][0]["output"], "from-anna\n");
    assert_eq!(reply_b["body"]["results"][0]["output"], "from-bob\n");
    assert!(!report(&first).await.contains("from-bob"));
    assert!(!report(&second).await.contains("from-anna"));
}

#[tokio::test]
async fn probing_script_names_does_not_reveal_another_csrs_draft() {
    let kernel = start_kernel();
    let (anna, bob, lee) = (
        signed_in(&kernel, "anna").await,
        signed_in(&kernel, "bob").await,
        signed_in(&kernel, "lee").await,
    );
    command(&lee, "categories.set", json!({ "categories": ["Network"] })).await;
    add(&anna, "Reset payroll VPN", "echo draft", None, false).await;
    // Bob guesses the name: adding it is not refused, so the guess tells
    // him nothing; his own list shows his script only.
    add(&bob, "reset payroll vpn", "echo mine", None, false).await;
    let list = command(&bob, "library.list", json!({})).await;
    assert_eq!(names(&list), ["reset payroll vpn"]);
    // Anna's own names stay unique for her.
    let again = command(
        &anna,
        "library.add",
        json!({ "name": "RESET PAYROLL VPN", "category": "Network",
                "script": upload("run.sh", b"echo") }),
    )
    .await;
    assert_eq!(again.status, 422, "{}", again.text);
    assert!(again.text.contains("already exists"), "{}", again.text);
}

#[tokio::test]
async fn one_csr_runs_scripts_in_two_of_their_own_sessions_at_once() {
    let kernel = start_kernel();
    let lee = signed_in(&kernel, "lee").await;
    command(&lee, "categories.set", json!({ "categories": ["Network"] })).await;
    // Mia works in multi-session mode: one customer per session, two at once.
    let mut first = session_with_agent(&kernel, "mia").await;
    let mut second = session_with_agent(&kernel, "mia").await;
    assert_ne!(first.started.number, second.started.number);
    let a = add(&first.anna, "first", "sleep 1; echo in-first", None, false).await;
    let b = add(
        &first.anna,
        "second",
        "sleep 1; echo in-second",
        None,
        false,
    )
    .await;
    let body = |s: &RunSetup, id: &str| json!({ "session": s.started.number, "plugin": "scripts", "name": "run", "payload": { "scripts": [id] } });
    let (body_a, body_b) = (body(&first, &a), body(&second, &b));
    let id_a = first
        .started
        .console
        .send_request("plugin.command", body_a)
        .await;
    let id_b = second
        .started
        .console
        .send_request("plugin.command", body_b)
        .await;
    first.agent.answer_prompt(0, "y").await;
    second.agent.answer_prompt(0, "y").await;
    let reply_a = first.started.console.reply_to(id_a).await;
    let reply_b = second.started.console.reply_to(id_b).await;
    assert_eq!(
        reply_a["body"]["results"][0]["output"], "in-first\n",
        "{reply_a}"
    );
    assert_eq!(
        reply_b["body"]["results"][0]["output"], "in-second\n",
        "{reply_b}"
    );
    let (report_a, report_b) = (report(&first).await, report(&second).await);
    assert!(
        report_a.contains("`first`: finished") && !report_a.contains("`second`"),
        "{report_a}"
    );
    assert!(
        report_b.contains("`second`: finished") && !report_b.contains("`first`"),
        "{report_b}"
    );
    assert_eq!(runs_left(&first) + runs_left(&second), 0);
}

#[tokio::test]
async fn two_csrs_adding_one_published_name_at_the_same_instant_leave_one_script() {
    let kernel = start_kernel();
    let (anna, bob, lee) = (
        signed_in(&kernel, "anna").await,
        signed_in(&kernel, "bob").await,
        signed_in(&kernel, "lee").await,
    );
    command(&lee, "categories.set", json!({ "categories": ["Network"] })).await;
    for round in 0..15 {
        let name = format!("Flush DNS {round}");
        let payload = json!({ "name": name, "category": "Network", "published": true,
                              "script": upload("run.sh", b"echo hi") });
        let (first, second) = tokio::join!(
            command(&anna, "library.add", payload.clone()),
            command(&bob, "library.add", payload)
        );
        let added = [&first, &second]
            .iter()
            .filter(|answer| answer.status == 200)
            .count();
        assert_eq!(added, 1, "round {round}: {} / {}", first.text, second.text);
        let refused = if first.status == 200 { &second } else { &first };
        assert_eq!(refused.status, 422, "{}", refused.text);
        assert!(
            refused.text.contains("already exists")
                || refused.text.contains("is being saved by someone else"),
            "{}",
            refused.text
        );
    }
    let list = command(&anna, "library.list", json!({})).await;
    assert_eq!(names(&list).len(), 15, "{}", list.text);
}
