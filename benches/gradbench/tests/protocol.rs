//! A scripted session against the binary, as GradBench's CLI would run it:
//! start, a define of a known and of an unknown module, evaluations (one
//! with repetition, one of an unknown function), analysis, a malformed
//! line, then end of input. Expected values are closed forms.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

fn session(lines: &[Value]) -> (Vec<Value>, std::process::ExitStatus) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_macrograd-gradbench"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the tool starts");
    // written from another thread, so a long answer cannot block the tool
    // while this side is still writing; dropping stdin at the end is EOF
    let mut stdin = child.stdin.take().expect("stdin");
    let lines = lines.to_vec();
    let writer = std::thread::spawn(move || {
        for l in lines {
            writeln!(stdin, "{l}").expect("write a message");
        }
        writeln!(stdin, "this is not json").expect("write a line");
    });
    let out = child.wait_with_output().expect("the tool exits");
    writer.join().expect("the writer thread");
    let text = String::from_utf8(out.stdout).expect("utf-8 output");
    let responses = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    (responses, out.status)
}

#[test]
fn a_scripted_session() {
    let (r, status) = session(&[
        json!({"id": 0, "kind": "start", "eval": "hello"}),
        json!({"id": 1, "kind": "define", "module": "hello"}),
        json!({"id": 2, "kind": "define", "module": "no-such-eval"}),
        json!({"id": 3, "kind": "evaluate", "module": "hello", "function": "square", "input": 3.0}),
        json!({"id": 4, "kind": "analysis", "of": 3, "valid": true}),
        json!({"id": 5, "kind": "evaluate", "module": "hello", "function": "double", "input": 4.0,
               "description": "1"}),
        json!({"id": 6, "kind": "evaluate", "module": "hello", "function": "cube", "input": 4.0}),
    ]);
    assert!(status.success(), "exit status {status}");
    assert_eq!(r.len(), 8, "one response per line: {r:?}");
    for (i, resp) in r.iter().take(7).enumerate() {
        assert_eq!(resp["id"], json!(i), "{resp}");
    }
    assert_eq!(r[0]["tool"], json!("macrograd"));
    assert_eq!(r[1], json!({"id": 1, "success": true}));
    assert_eq!(r[2]["success"], json!(false));
    assert!(r[2]["error"].as_str().unwrap().contains("no-such-eval"));
    assert_eq!(r[3]["success"], json!(true));
    assert_eq!(r[3]["output"], json!(9.0));
    let timings = r[3]["timings"].as_array().unwrap();
    assert_eq!(timings.len(), 1, "hello runs once");
    assert_eq!(timings[0]["name"], json!("evaluate"));
    assert!(timings[0]["nanoseconds"].is_u64(), "integer nanoseconds");
    assert_eq!(r[4], json!({"id": 4}));
    assert_eq!(r[5]["output"], json!(8.0));
    assert_eq!(r[6]["success"], json!(false));
    assert!(r[6]["error"].as_str().unwrap().contains("cube"));
    assert_eq!(
        r[7]["success"],
        json!(false),
        "a malformed line is answered, not fatal"
    );
}

#[test]
fn empty_input_exits_cleanly() {
    let out = Command::new(env!("CARGO_BIN_EXE_macrograd-gradbench"))
        .stdin(Stdio::null())
        .output()
        .expect("the tool runs");
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}
