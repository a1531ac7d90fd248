//! `lstm`: ADBench's diagonal LSTM language-model loss and its gradient
//! with respect to the main and extra parameters.
//!
//! The model is element-wise: bit `j` of every layer's state depends only
//! on bit `j` of the input, the weights and the state below it. So each
//! character runs the layers bit by bit (bit outer, layer inner), and the
//! prediction's log-sum-exp is accumulated along the way; only the state
//! (hidden and cell vectors of every layer) lives in a buffer.

use macrograd::differentiable;
use macrograd::ops::sigmoid;
use serde_json::Value;

use crate::protocol::{floats, number, numbers, Evaluated, Runner};

/// The loss `−Σₜ Σⱼ seq[t+1]ⱼ·(yⱼ − ln(Σ exp(y) + 2)) / ((c − 1)·b)`.
///
/// `main` is `main_params` flattened row by row (layer `i`'s weights at
/// row `2i`, biases at `2i + 1`, each four blocks of `b`: forget, ingate,
/// outgate, change), `extra` is `extra_params` (in_weight, out_weight,
/// out_bias), `state` the initial state (layer `i`'s hidden vector at row
/// `2i`, cell at `2i + 1`) and `seq` the characters, `b` values each.
// the state buffer is copied element by element: a body writes a local
// buffer at indices only
#[allow(clippy::manual_memcpy)]
#[differentiable]
pub fn lstm_loss(
    main: &[f64],
    extra: &[f64],
    #[nograd] state: &[f64],
    #[nograd] seq: &[f64],
    b: usize,
) -> f64 {
    let layers = state.len() / (2 * b);
    let c = seq.len() / b;
    let mut st = vec![0.0; state.len()];
    for i in 0..state.len() {
        st[i] = state[i];
    }
    let mut total = 0.0;
    for t in 0..c - 1 {
        let mut sum_exp = 0.0;
        let mut dot = 0.0;
        let mut ones = 0.0;
        for j in 0..b {
            let mut u = seq[t * b + j] * extra[j];
            for layer in 0..layers {
                let w = 8 * layer * b;
                let hidden = st[2 * layer * b + j];
                let cell = st[(2 * layer + 1) * b + j];
                let forget = sigmoid(u * main[w + j] + main[w + 4 * b + j]);
                let ingate = sigmoid(hidden * main[w + b + j] + main[w + 5 * b + j]);
                let outgate = sigmoid(u * main[w + 2 * b + j] + main[w + 6 * b + j]);
                let change = (hidden * main[w + 3 * b + j] + main[w + 7 * b + j]).tanh();
                let next_cell = cell * forget + ingate * change;
                st[(2 * layer + 1) * b + j] = next_cell;
                u = outgate * next_cell.tanh();
                st[2 * layer * b + j] = u;
            }
            let y = u * extra[b + j] + extra[2 * b + j];
            sum_exp += y.exp();
            dot += seq[(t + 1) * b + j] * y;
            ones += seq[(t + 1) * b + j];
        }
        total += dot - ones * (sum_exp + 2.0).ln();
    }
    -total / (((c - 1) * b) as f64)
}

/// The eval's input, flattened row by row.
struct Input {
    b: usize,
    main: Vec<f64>,
    extra: Vec<f64>,
    state: Vec<f64>,
    seq: Vec<f64>,
}

/// Reads an array of rows of `cols` values each (`cols` from the first
/// row when `None`), flattened; returns the values and the row count.
fn matrix(input: &Value, key: &str, cols: Option<usize>) -> Result<(Vec<f64>, usize), String> {
    let rows = input[key]
        .as_array()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| format!("`{key}` must be a non-empty array of rows"))?;
    let mut flat = Vec::new();
    let mut width = cols;
    for (i, row) in rows.iter().enumerate() {
        let values = floats(row, &format!("{key}[{i}]"))?;
        let want = *width.get_or_insert(values.len());
        if values.len() != want {
            return Err(format!(
                "`{key}[{i}]` has {} values, not {want}",
                values.len()
            ));
        }
        flat.extend(values);
    }
    Ok((flat, rows.len()))
}

impl Input {
    fn parse(input: &Value) -> Result<Input, String> {
        let (extra, rows) = matrix(input, "extra_params", None)?;
        let b = extra.len() / rows;
        if rows != 3 || b == 0 {
            return Err(format!(
                "`extra_params` must be 3 non-empty rows (in_weight, out_weight, out_bias), not {rows}"
            ));
        }
        let (main, main_rows) = matrix(input, "main_params", Some(4 * b))?;
        if main_rows % 2 != 0 {
            return Err(format!(
                "`main_params` must have two rows per layer, not {main_rows}"
            ));
        }
        let (state, state_rows) = matrix(input, "state", Some(b))?;
        if state_rows != main_rows {
            return Err(format!(
                "`state` must have two rows per layer ({main_rows}), not {state_rows}"
            ));
        }
        let (seq, c) = matrix(input, "sequence", Some(b))?;
        if c < 2 {
            return Err("`sequence` must have at least 2 characters".into());
        }
        Ok(Input {
            b,
            main,
            extra,
            state,
            seq,
        })
    }
}

/// `objective` and `jacobian`.
pub fn evaluate(function: &str, input: &Value, runner: &Runner) -> Result<Evaluated, String> {
    let p = Input::parse(input)?;
    match function {
        "objective" => {
            let (y, timings) = runner.run(|| lstm_loss(&p.main, &p.extra, &p.state, &p.seq, p.b));
            Ok(Evaluated {
                output: number(y),
                timings,
            })
        }
        "jacobian" => {
            let mut d_main = vec![0.0; p.main.len()];
            let mut d_extra = vec![0.0; p.extra.len()];
            let (_, timings) = runner.run(|| {
                d_main.fill(0.0);
                d_extra.fill(0.0);
                lstm_loss_grad_into(
                    &p.main,
                    &p.extra,
                    &p.state,
                    &p.seq,
                    p.b,
                    &mut d_main,
                    &mut d_extra,
                )
            });
            d_main.extend_from_slice(&d_extra);
            Ok(Evaluated {
                output: numbers(&d_main),
                timings,
            })
        }
        other => Err(format!(
            "no function `{other}`: lstm has `objective` and `jacobian`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evals::testing::{assert_gradient_matches_central_differences, pseudo_random};

    /// The loss as the eval states it: whole vectors per layer, the state
    /// as a matrix of rows, the prediction's log-sum-exp taken afterwards.
    fn by_the_formula(p: &Input) -> f64 {
        let b = p.b;
        let layers = p.main.len() / (8 * b);
        let row = |m: &[f64], r: usize, len: usize| m[r * len..(r + 1) * len].to_vec();
        let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
        let mut state: Vec<Vec<f64>> = (0..2 * layers).map(|r| row(&p.state, r, b)).collect();
        let chars: Vec<Vec<f64>> = (0..p.seq.len() / b).map(|t| row(&p.seq, t, b)).collect();
        let (in_w, out_w, out_b) = (
            row(&p.extra, 0, b),
            row(&p.extra, 1, b),
            row(&p.extra, 2, b),
        );
        let mut total = 0.0;
        for t in 0..chars.len() - 1 {
            let mut input: Vec<f64> = (0..b).map(|j| chars[t][j] * in_w[j]).collect();
            for layer in 0..layers {
                let w = row(&p.main, 2 * layer, 4 * b);
                let bias = row(&p.main, 2 * layer + 1, 4 * b);
                let (h, c) = (state[2 * layer].clone(), state[2 * layer + 1].clone());
                let mut new_h = vec![0.0; b];
                let mut new_c = vec![0.0; b];
                for j in 0..b {
                    let f = sig(input[j] * w[j] + bias[j]);
                    let g = sig(h[j] * w[b + j] + bias[b + j]);
                    let o = sig(input[j] * w[2 * b + j] + bias[2 * b + j]);
                    let ch = (h[j] * w[3 * b + j] + bias[3 * b + j]).tanh();
                    new_c[j] = c[j] * f + g * ch;
                    new_h[j] = o * new_c[j].tanh();
                }
                state[2 * layer] = new_h.clone();
                state[2 * layer + 1] = new_c;
                input = new_h;
            }
            let y: Vec<f64> = (0..b).map(|j| input[j] * out_w[j] + out_b[j]).collect();
            let lse = (y.iter().map(|v| v.exp()).sum::<f64>() + 2.0).ln();
            total += (0..b).map(|j| chars[t + 1][j] * (y[j] - lse)).sum::<f64>();
        }
        -total / ((chars.len() - 1) * b) as f64
    }

    fn sample(layers: usize, b: usize, c: usize, seed: u64) -> Input {
        let bits = pseudo_random(c * b, seed + 3)
            .iter()
            .map(|v| if *v < 0.5 { 0.0 } else { 1.0 })
            .collect();
        Input {
            b,
            main: pseudo_random(8 * layers * b, seed),
            extra: pseudo_random(3 * b, seed + 1),
            state: pseudo_random(2 * layers * b, seed + 2),
            seq: bits,
        }
    }

    #[test]
    fn loss_is_the_stated_formula() {
        for (layers, b, c) in [(1, 1, 2), (2, 3, 5), (3, 4, 7)] {
            let p = sample(layers, b, c, 21);
            let a = lstm_loss(&p.main, &p.extra, &p.state, &p.seq, p.b);
            let e = by_the_formula(&p);
            assert!(
                (a - e).abs() <= 1e-13 * (1.0 + e.abs()),
                "{layers} {b} {c}: {a} vs {e}"
            );
        }
    }

    #[test]
    fn gradient_matches_central_differences() {
        let p = sample(2, 3, 5, 8);
        let (_, (d_main, d_extra)) = lstm_loss_grad(&p.main, &p.extra, &p.state, &p.seq, p.b);
        assert_gradient_matches_central_differences(&p.main, &d_main, |v| {
            by_the_formula(&Input {
                main: v.to_vec(),
                ..sample(2, 3, 5, 8)
            })
        });
        assert_gradient_matches_central_differences(&p.extra, &d_extra, |v| {
            by_the_formula(&Input {
                extra: v.to_vec(),
                ..sample(2, 3, 5, 8)
            })
        });
    }

    #[test]
    fn the_input_is_read_and_checked() {
        let (main, extra, state) = ([[1.0; 8], [2.0; 8]], [[0.0; 2]; 3], [[0.5; 2]; 2]);
        let ok = serde_json::json!({
            "main_params": main, "extra_params": extra,
            "state": state, "sequence": [[0.0, 1.0], [1.0, 0.0]],
        });
        let p = Input::parse(&ok).unwrap();
        assert_eq!((p.b, p.main.len(), p.seq.len()), (2, 16, 4));
        let mut bad = ok.clone();
        bad["state"] = serde_json::json!([[0.5, 0.5]]);
        let err = Input::parse(&bad)
            .err()
            .expect("a state of one row is refused");
        assert!(err.contains("`state`"), "{err}");
    }
}
