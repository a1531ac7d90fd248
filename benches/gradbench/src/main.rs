//! macrograd as a GradBench tool.
//!
//! Reads the eval's messages from stdin, one JSON object per line, and
//! answers each on stdout, flushed, before reading the next; logs go to
//! stderr only. Exits with status 0 at the end of input. The protocol is
//! in `protocol`, the evals in `evals` (both in the library, so benches reuse the evals' functions).
//!
//! ```text
//! cargo run --release -p macrograd-gradbench < session.jsonl
//! ```
#![forbid(unsafe_code)]

use std::io::{BufRead, Write};

use macrograd_gradbench::{evals, protocol};

fn main() -> std::process::ExitCode {
    let stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    for (n, line) in stdin.lines().enumerate() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("macrograd-gradbench: reading line {}: {e}", n + 1);
                return std::process::ExitCode::FAILURE;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let response = protocol::respond(&line, &evals::EVALS);
        let written = writeln!(stdout, "{response}").and_then(|()| stdout.flush());
        if let Err(e) = written {
            eprintln!("macrograd-gradbench: writing a response: {e}");
            return std::process::ExitCode::FAILURE;
        }
    }
    std::process::ExitCode::SUCCESS
}
