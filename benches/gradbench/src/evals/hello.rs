//! `hello`: `square(x) = x²` and `double`, its derivative, on a bare float.

use macrograd::differentiable;
use serde_json::Value;

use crate::protocol::{float, number, Evaluated, Runner};

/// The primal.
#[differentiable]
pub fn square(x: f64) -> f64 {
    x * x
}

/// `square`, then `double` = d square / dx, from the generated gradient.
pub fn evaluate(function: &str, input: &Value, runner: &Runner) -> Result<Evaluated, String> {
    let x = float(input, "input")?;
    let (y, timings) = match function {
        "square" => runner.run(|| square(std::hint::black_box(x))),
        "double" => runner.run(|| square_grad(std::hint::black_box(x)).1),
        other => {
            return Err(format!(
                "no function `{other}`: hello has `square` and `double`"
            ))
        }
    };
    Ok(Evaluated {
        output: number(y),
        timings,
    })
}
