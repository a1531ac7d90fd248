//! Replays GradBench's recorded workloads (`shared/gradbench/data/<eval>/`,
//! beside the checkout: inputs with the reference tool's outputs) through
//! the binary, and compares by GradBench's own rule:
//! `|a − e| / max(1, |a| + |e|) <= 1e-4`, same keys, same lengths.
//!
//! `GRADBENCH_DATA` names another data directory. Without the directory
//! (a checkout on its own) the test says so and checks nothing else.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

/// The evals the tool implements, whose recorded workloads are replayed.
const EVALS: &[&str] = &[
    "ba", "det", "gmm", "hello", "ht", "kmeans", "llsq", "lse", "lstm", "ode",
];

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("GRADBENCH_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/gradbench/data"),
        PathBuf::from,
    );
    dir.is_dir().then_some(dir)
}

/// GradBench's comparison; the path of the first mismatch, if any.
fn mismatch(path: &str, a: &Value, e: &Value) -> Option<String> {
    match (a, e) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64()?, y.as_f64()?);
            let ok = (x - y).abs() / 1f64.max(x.abs() + y.abs()) <= 1e-4;
            (!ok).then(|| format!("{path}: expected {y} != actual {x}"))
        }
        (Value::Array(xs), Value::Array(ys)) => {
            if xs.len() != ys.len() {
                return Some(format!("{path}: length {} != {}", ys.len(), xs.len()));
            }
            xs.iter()
                .zip(ys)
                .enumerate()
                .find_map(|(i, (x, y))| mismatch(&format!("{path}[{i}]"), x, y))
        }
        (Value::Object(xs), Value::Object(ys)) => {
            if xs.len() != ys.len() || xs.keys().any(|k| !ys.contains_key(k)) {
                return Some(format!("{path}: keys differ"));
            }
            xs.iter()
                .find_map(|(k, x)| mismatch(&format!("{path}.{k}"), x, &ys[k]))
        }
        _ => (a != e).then(|| format!("{path}: expected {e} != actual {a}")),
    }
}

#[test]
fn the_comparison_is_gradbench_s() {
    assert!(mismatch("", &json!(1.0), &json!(1.0001)).is_none());
    assert!(mismatch("", &json!(1.0), &json!(1.001)).is_some());
    assert!(
        mismatch("", &json!(1e-5), &json!(5e-5)).is_none(),
        "absolute below 0.5"
    );
    assert!(mismatch("", &json!([1.0]), &json!([1.0, 2.0])).is_some());
    assert!(mismatch("", &json!({"a": 1}), &json!({"b": 1})).is_some());
}

#[test]
fn recorded_workloads_match_the_reference() {
    let Some(dir) = data_dir() else {
        eprintln!("no GradBench data beside the checkout (set GRADBENCH_DATA): nothing replayed");
        return;
    };
    let mut messages = Vec::new();
    let mut expected = Vec::new();
    for eval in EVALS {
        let mut files: Vec<_> = std::fs::read_dir(dir.join(eval))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(eval).display()))
            .map(|f| f.expect("a directory entry").path())
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("a readable workload");
            let w: Value = serde_json::from_str(&text).expect("a JSON workload");
            let mut input = w["input"].clone();
            if let Some(o) = input.as_object_mut() {
                o.insert("min_runs".into(), json!(1));
                o.insert("min_seconds".into(), json!(0.0));
            }
            let id = messages.len();
            messages.push(json!({"id": id, "kind": "evaluate", "module": w["module"],
                                 "function": w["function"], "input": input}));
            expected.push((f.display().to_string(), w["output"].clone()));
        }
    }
    let responses = run_tool(messages);
    assert_eq!(responses.len(), expected.len());
    for (r, (file, e)) in responses.iter().zip(&expected) {
        assert_eq!(r["success"], json!(true), "{file}: {r}");
        if let Some(m) = mismatch("output", &r["output"], e) {
            panic!("{file}: {m}");
        }
    }
}

/// `particle` and `saddle` have no recorded data: the eval compares with
/// fixed constants (the default inputs `w = 0` and `start = [1, 1]`).
#[test]
fn nested_evals_give_the_fixed_expected_values() {
    let mut messages = Vec::new();
    let mut expected = Vec::new();
    for function in ["rr", "rf", "fr", "ff"] {
        let input = json!({"w": 0.0, "min_runs": 1, "min_seconds": 0.0});
        messages.push(
            json!({"id": messages.len(), "kind": "evaluate", "module": "particle",
                             "function": function, "input": input}),
        );
        expected.push((format!("particle {function}"), json!(0.2071918746486116)));
        let input = json!({"start": [1.0, 1.0], "min_runs": 1, "min_seconds": 0.0});
        messages.push(
            json!({"id": messages.len(), "kind": "evaluate", "module": "saddle",
                             "function": function, "input": input}),
        );
        expected.push((
            format!("saddle {function}"),
            json!([8.2463e-6, 8.2463e-6, 8.2463e-6, 8.2463e-6]),
        ));
    }
    let responses = run_tool(messages);
    for (r, (what, e)) in responses.iter().zip(&expected) {
        assert_eq!(r["success"], json!(true), "{what}: {r}");
        if let Some(m) = mismatch("output", &r["output"], e) {
            panic!("{what}: {m}");
        }
    }
}

/// Sends `messages` to the tool and returns its responses.
fn run_tool(messages: Vec<Value>) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_macrograd-gradbench"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the tool starts");
    // written from another thread: the tool answers while it reads, and
    // its answers would fill the pipe if nobody read them meanwhile
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        for m in &messages {
            writeln!(stdin, "{m}").expect("write a message");
        }
    });
    let out = child.wait_with_output().expect("the tool exits");
    writer.join().expect("the writer thread");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    text.lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect()
}
