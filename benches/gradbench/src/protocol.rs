//! GradBench's protocol: messages in, responses out, and the repetition
//! rule for timing.
//!
//! Every response carries the id of its message. `define` succeeds for the
//! modules in the registry; `evaluate` decodes the input (untimed), runs the
//! function until at least `min_runs` runs and `min_seconds` of run time
//! have passed, one `evaluate` timing (integer nanoseconds) per run, and
//! encodes the last run's output (untimed). A malformed message, an unknown
//! module or function, a bad input or a non-finite output is a response with
//! `success: false` and an error saying what and where; it never ends the
//! session.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

/// One eval: its module name and how to evaluate its functions.
pub struct Eval {
    /// The module name the eval sends in `define` and `evaluate`.
    pub module: &'static str,
    /// Runs `function` on `input` through a [`Runner`]; an error names
    /// what is wrong (an unknown function, a malformed input).
    pub evaluate: fn(function: &str, input: &Value, runner: &Runner) -> Result<Evaluated, String>,
}

/// What an evaluation gives back: the output and one timing per run.
pub struct Evaluated {
    /// The last run's output, as JSON.
    pub output: Value,
    /// The duration of each run, in order.
    pub timings: Vec<Duration>,
}

/// How often to run a function: GradBench's `min_runs` and `min_seconds`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Runner {
    /// At least this many runs.
    pub min_runs: u64,
    /// At least this much run time, summed over the runs.
    pub min_time: Duration,
}

impl Runner {
    /// Reads `min_runs` and `min_seconds` from an input object; both default
    /// to 1 as in GradBench (and a bare number, as in `hello`, runs once).
    pub fn from_input(input: &Value) -> Result<Runner, String> {
        let Some(obj) = input.as_object() else {
            return Ok(Runner {
                min_runs: 1,
                min_time: Duration::ZERO,
            });
        };
        let min_runs = match obj.get("min_runs") {
            None => 1,
            Some(v) => v
                .as_u64()
                .ok_or_else(|| format!("`min_runs` must be a non-negative integer, not {v}"))?,
        };
        let min_seconds = match obj.get("min_seconds") {
            None => 1.0,
            Some(v) => v
                .as_f64()
                .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
                .ok_or_else(|| format!("`min_seconds` must be a number of seconds, not {v}"))?,
        };
        Ok(Runner {
            min_runs: min_runs.max(1),
            min_time: Duration::from_secs_f64(min_seconds),
        })
    }

    /// Runs `f` until both minimums are met; returns the last output and
    /// every run's duration.
    pub fn run<T>(&self, mut f: impl FnMut() -> T) -> (T, Vec<Duration>) {
        let mut timings = Vec::new();
        let mut total = Duration::ZERO;
        loop {
            let start = Instant::now();
            let out = std::hint::black_box(f());
            let took = start.elapsed();
            timings.push(took);
            total += took;
            if timings.len() as u64 >= self.min_runs && total >= self.min_time {
                return (out, timings);
            }
        }
    }
}

/// The response to one line of input.
pub fn respond(line: &str, evals: &[Eval]) -> Value {
    let message: Value = match serde_json::from_str(line) {
        Ok(m) => m,
        Err(e) => return failure(Value::Null, format!("not a JSON message: {e}")),
    };
    let id = message.get("id").cloned().unwrap_or(Value::Null);
    let kind = message.get("kind").and_then(Value::as_str).unwrap_or("");
    match kind {
        "start" => json!({ "id": id, "tool": "macrograd" }),
        "define" => define(id, &message, evals),
        "evaluate" => evaluate(id, &message, evals),
        "analysis" => json!({ "id": id }),
        other => failure(id, format!("unknown message kind `{other}`")),
    }
}

fn define(id: Value, message: &Value, evals: &[Eval]) -> Value {
    let module = message.get("module").and_then(Value::as_str).unwrap_or("");
    if evals.iter().any(|e| e.module == module) {
        json!({ "id": id, "success": true })
    } else {
        failure(
            id,
            format!("macrograd does not implement the module `{module}`"),
        )
    }
}

fn evaluate(id: Value, message: &Value, evals: &[Eval]) -> Value {
    let module = message.get("module").and_then(Value::as_str).unwrap_or("");
    let Some(eval) = evals.iter().find(|e| e.module == module) else {
        return failure(
            id,
            format!("macrograd does not implement the module `{module}`"),
        );
    };
    let function = message
        .get("function")
        .and_then(Value::as_str)
        .unwrap_or("");
    let input = message.get("input").unwrap_or(&Value::Null);
    let result = Runner::from_input(input)
        .and_then(|runner| (eval.evaluate)(function, input, &runner))
        .and_then(|e| check_finite(&e.output).map(|()| e));
    match result {
        Ok(e) => {
            let timings: Vec<Value> = e
                .timings
                .iter()
                .map(|t| json!({ "name": "evaluate", "nanoseconds": nanos(*t) }))
                .collect();
            let mut r = Map::new();
            r.insert("id".into(), id);
            r.insert("success".into(), Value::Bool(true));
            r.insert("output".into(), e.output);
            r.insert("timings".into(), Value::Array(timings));
            Value::Object(r)
        }
        Err(error) => failure(id, format!("{module}.{function}: {error}")),
    }
}

/// Whole nanoseconds, as the protocol's integer (saturating past 584 years).
fn nanos(t: Duration) -> u64 {
    u64::try_from(t.as_nanos()).unwrap_or(u64::MAX)
}

/// JSON has no NaN or infinity: such an output is an error, not a response
/// the eval cannot parse. (serde_json writes non-finite floats as `null`.)
fn check_finite(v: &Value) -> Result<(), String> {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Null => return Err("the output is not finite".into()),
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => stack.extend(o.values()),
            _ => {}
        }
    }
    Ok(())
}

fn failure(id: Value, error: String) -> Value {
    json!({ "id": id, "success": false, "error": error })
}

/// A JSON number from a finite float, `Null` otherwise (caught by
/// [`check_finite`] before the response is written).
pub fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// Reads a float: a JSON number (an integer too).
pub fn float(v: &Value, what: &str) -> Result<f64, String> {
    v.as_f64()
        .ok_or_else(|| format!("`{what}` must be a number, not {v}"))
}

/// A JSON array from finite floats (a non-finite one becomes `Null`, caught
/// by [`check_finite`]).
pub fn numbers(xs: &[f64]) -> Value {
    Value::Array(xs.iter().map(|&x| number(x)).collect())
}

/// Reads an array of floats.
pub fn floats(v: &Value, what: &str) -> Result<Vec<f64>, String> {
    let items = v
        .as_array()
        .ok_or_else(|| format!("`{what}` must be an array of numbers"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_f64()
                .ok_or_else(|| format!("`{what}[{i}]` must be a number, not {x}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_until_both_minimums_are_met() {
        let r = Runner {
            min_runs: 3,
            min_time: Duration::ZERO,
        };
        let mut n = 0;
        let (out, t) = r.run(|| {
            n += 1;
            n
        });
        assert_eq!((out, t.len()), (3, 3));
        let r = Runner {
            min_runs: 1,
            min_time: Duration::from_millis(5),
        };
        let (_, t) = r.run(|| std::thread::sleep(Duration::from_millis(1)));
        // it stops at the first run that brings the total to 5 ms (however
        // long each sleep took on a loaded machine)
        let before_last: Duration = t[..t.len() - 1].iter().sum();
        assert!(before_last < Duration::from_millis(5));
        assert!(before_last + t[t.len() - 1] >= Duration::from_millis(5));
    }

    #[test]
    fn runner_reads_the_input_and_rejects_bad_fields() {
        let r = Runner::from_input(&json!({ "min_runs": 7, "min_seconds": 0.5 })).unwrap();
        assert_eq!(r.min_runs, 7);
        assert_eq!(r.min_time, Duration::from_millis(500));
        assert_eq!(Runner::from_input(&json!(2.0)).unwrap().min_runs, 1);
        assert!(Runner::from_input(&json!({ "min_runs": -1 })).is_err());
        assert!(Runner::from_input(&json!({ "min_seconds": "1" })).is_err());
    }

    #[test]
    fn non_finite_outputs_are_errors() {
        assert!(check_finite(&json!([1.0, { "a": [2.0] }])).is_ok());
        assert!(check_finite(&json!([1.0, { "a": [number(f64::NAN)] }])).is_err());
    }

    #[test]
    fn bad_messages_get_failures_with_their_id() {
        let r = respond("{not json", &[]);
        assert_eq!(r["success"], json!(false));
        let r = respond(r#"{"id": 4, "kind": "dance"}"#, &[]);
        assert_eq!(
            (r["id"].clone(), r["success"].clone()),
            (json!(4), json!(false))
        );
    }
}
