//! Local run-time buffers, integer counters, `break`, `continue` and early
//! `return` through the whole pipeline: the simplified
//! gradient graph (reverse or forward mode) against central finite
//! differences of the lowered graph, both run by the IR interpreter.

use macrograd_codegen::ir::eval::eval_outputs;
use macrograd_codegen::pipeline;
use quote::quote;

/// Gradient (from the gradient graph) and the central differences of the
/// lowered graph over every element of the parameters in `diff`.
fn check(item: proc_macro2::TokenStream, args: &[Vec<f64>], diff: &[usize]) {
    let st = pipeline(item).expect("differentiates");
    let out = eval_outputs(&st.gradient, args).expect("gradient runs");
    let value = eval_outputs(&st.lowered, args).expect("function runs")[0];
    assert!(
        (out[0] - value).abs() <= 1e-12 * value.abs().max(1.0),
        "{out:?} vs {value}"
    );
    let mut k = 1;
    for &p in diff {
        for e in 0..args[p].len() {
            let h = 1e-6 * args[p][e].abs().max(1.0);
            let mut a = args.to_vec();
            a[p][e] += h;
            let up = eval_outputs(&st.lowered, &a).unwrap()[0];
            a[p][e] -= 2.0 * h;
            let down = eval_outputs(&st.lowered, &a).unwrap()[0];
            let fd = (up - down) / (2.0 * h);
            let got = out[k];
            assert!(
                (got - fd).abs() <= 1e-6 * fd.abs().max(1.0),
                "parameter {p} element {e}: gradient {got}, differences {fd}; all {out:?}"
            );
            k += 1;
        }
    }
    assert_eq!(k, out.len(), "one gradient entry per element: {out:?}");
}

fn euler() -> proc_macro2::TokenStream {
    quote! {
        fn f(x0: &[f64], k: f64, #[nograd] h: f64, steps: usize) -> f64 {
            let n = x0.len();
            let mut x = vec![0.0; n];
            for i in 0..n { x[i] = x0[i]; }
            for _ in 0..steps {
                let mut dx = vec![0.0; n];
                for i in 0..n {
                    let left = if i > 0 { x[i - 1] } else { 0.0 };
                    dx[i] = -k * x[i] * x[i] + left;
                }
                for i in 0..n { x[i] += h * dx[i]; }
            }
            let mut s = 0.0;
            for i in 0..n { s += x[i] * x[i]; }
            s
        }
    }
}

#[test]
fn euler_with_a_state_vector() {
    for steps in [0.0, 1.0, 7.0] {
        check(
            euler(),
            &[vec![0.5, -0.25, 1.0], vec![0.75], vec![0.1], vec![steps]],
            &[0, 1],
        );
    }
    check(
        euler(),
        &[vec![], vec![0.75], vec![0.1], vec![3.0]],
        &[0, 1],
    );
    check(
        euler(),
        &[vec![2.0], vec![0.75], vec![0.1], vec![3.0]],
        &[0, 1],
    );
}

#[test]
fn one_element_overwritten_every_iteration() {
    let item = quote! {
        fn f(w: f64, b: f64, steps: usize) -> f64 {
            let mut v = vec![w; 2];
            for _ in 0..steps {
                v[0] = v[0] * v[1] + b;
                v[1] = (v[1] * v[0]).sin();
            }
            v[0] + v.len() as f64 * v[1]
        }
    };
    for steps in [0.0, 1.0, 5.0] {
        check(item.clone(), &[vec![0.7], vec![0.3], vec![steps]], &[0, 1]);
    }
}

#[test]
fn prefix_recurrence_in_place() {
    let item = quote! {
        fn f(w: f64, #[nograd] xs: &[f64]) -> f64 {
            let mut v = vec![1.0; xs.len() + 1];
            for i in 0..xs.len() {
                v[i + 1] = v[i] * w + xs[i];
            }
            v[xs.len()] * v[xs.len()]
        }
    };
    check(item.clone(), &[vec![0.9], vec![0.5, -1.0, 2.0]], &[0]);
    check(item, &[vec![0.9], vec![]], &[0]);
}

#[test]
fn forward_mode_through_a_buffer() {
    // one differentiable scalar: forward mode
    let item = quote! {
        fn f(x: f64, n: usize) -> f64 {
            let mut v = vec![x; n];
            for i in 1..n {
                v[i] = v[i - 1].sin() * x;
            }
            let mut s = 0.0;
            for i in 0..n { s += v[i]; }
            s
        }
    };
    for n in [0.0, 1.0, 4.0] {
        check(item.clone(), &[vec![0.8], vec![n]], &[0]);
    }
}

#[test]
fn fixed_array_written_at_a_run_time_index() {
    let item = quote! {
        fn f(a: [f64; 3], w: f64, k: usize) -> f64 {
            let mut b = a;
            b[k] = w * b[k];
            b[0] * b[1] + b[2]
        }
    };
    for k in [0.0, 1.0, 2.0] {
        check(
            item.clone(),
            &[vec![0.5, 2.0, -1.0], vec![3.0], vec![k]],
            &[0, 1],
        );
    }
    let st = pipeline(item).unwrap();
    assert!(eval_outputs(&st.gradient, &[vec![0.5, 2.0, -1.0], vec![3.0], vec![3.0]]).is_err());
}

#[test]
fn integer_counters_are_recorded_for_the_reverse_sweep() {
    let item = quote! {
        fn f(w: f64, v: f64, n: usize) -> f64 {
            let mut s = 0.0;
            let mut k = 0;
            let mut buf = vec![0.0; 2 * n];
            for _ in 0..n {
                s += w * v * (k as f64) + (s * w).sin();
                buf[k] = s * v;
                k += 2;
            }
            let mut t = 0.0;
            for i in 0..buf.len() { t += buf[i] * buf[i]; }
            s + t
        }
    };
    for n in [0.0, 1.0, 4.0] {
        check(item.clone(), &[vec![0.6], vec![1.3], vec![n]], &[0, 1]);
    }
}

#[test]
fn break_out_of_a_run_time_range() {
    // multiply until the product passes a threshold
    let item = quote! {
        fn f(w: f64, #[nograd] xs: &[f64], #[nograd] cap: f64) -> f64 {
            let mut p = 1.0;
            for i in 0..xs.len() {
                if p > cap {
                    break;
                }
                p *= w * xs[i];
            }
            p
        }
    };
    let xs = vec![2.0, 1.5, 3.0, 0.5, 4.0];
    // exits after 0, 1, 2 products, or never
    for cap in [0.5, 1.2, 2.5, 100.0] {
        check(item.clone(), &[vec![1.1], xs.clone(), vec![cap]], &[0]);
    }
    check(item, &[vec![1.1], vec![], vec![0.5]], &[0]);
}

#[test]
fn continue_skips_the_rest_of_an_iteration() {
    let item = quote! {
        fn f(w: f64, #[nograd] xs: &[f64]) -> f64 {
            let mut s = 0.0;
            for i in 0..xs.len() {
                let x = xs[i];
                if x < 0.0 {
                    continue;
                }
                let y = w * x;
                s += y * y;
            }
            s
        }
    };
    check(item.clone(), &[vec![0.7], vec![1.0, -2.0, 3.0, -0.5]], &[0]);
    check(item, &[vec![0.7], vec![-1.0]], &[0]);
}

#[test]
fn loop_with_a_break_on_values() {
    // halve until below 1, counting: a `loop` with a data-dependent exit
    let item = quote! {
        fn f(x: f64, k: f64) -> f64 {
            let mut y = x;
            let mut n = 0usize;
            loop {
                if y < 1.0 {
                    break;
                }
                y = 0.5 * y * k;
                n += 1;
            }
            y + n as f64
        }
    };
    for x in [0.5, 3.0, 20.0] {
        check(item.clone(), &[vec![x], vec![0.9]], &[0, 1]);
    }
}

#[test]
fn early_return_from_a_loop_and_from_a_branch() {
    let item = quote! {
        fn f(w: f64, #[nograd] xs: &[f64]) -> f64 {
            if w < 0.0 {
                return -w;
            }
            let mut s = 0.0;
            for i in 0..xs.len() {
                s += w * xs[i];
                if s > 3.0 {
                    return s * s;
                }
            }
            s.sin()
        }
    };
    for w in [-0.5, 0.25, 1.5] {
        check(item.clone(), &[vec![w], vec![1.0, 2.0, 0.5]], &[0]);
    }
    check(item, &[vec![1.5], vec![]], &[0]);
}

#[test]
fn unrolled_loop_with_break_and_forward_mode() {
    // one differentiable scalar: forward mode; a constant range: unrolled
    let item = quote! {
        fn f(x: f64) -> f64 {
            let mut s = 0.0;
            for i in 0..6 {
                if s > 2.0 {
                    break;
                }
                if i == 2 {
                    continue;
                }
                s += x * (i as f64);
            }
            s
        }
    };
    for x in [0.1, 0.3, 1.7] {
        check(item.clone(), &[vec![x]], &[0]);
    }
}

#[test]
fn buffer_written_in_a_branch() {
    // a conditional write, read back later in the same and later iterations
    let item = quote! {
        fn f(w: f64, #[nograd] xs: &[f64]) -> f64 {
            let n = xs.len();
            let mut v = vec![1.0; n + 1];
            for i in 0..n {
                if xs[i] > 0.0 {
                    v[i + 1] = v[i] * w + xs[i];
                } else {
                    let t = v[i];
                    v[i] = t * t;
                    v[i + 1] = v[i] - w;
                }
            }
            v[n] + v[0]
        }
    };
    check(
        item.clone(),
        &[vec![0.8], vec![1.0, -2.0, 0.5, -0.25]],
        &[0],
    );
    check(item, &[vec![0.8], vec![]], &[0]);
}

#[test]
fn buffer_written_after_a_break_guard() {
    let item = quote! {
        fn f(x0: &[f64], k: f64, steps: usize) -> f64 {
            let n = x0.len();
            let mut x = vec![0.0; n];
            for i in 0..n { x[i] = x0[i]; }
            for _ in 0..steps {
                if x[0] < 0.2 {
                    break;
                }
                for i in 0..n { x[i] = x[i] - 0.1 * k * x[i]; }
            }
            let mut s = 0.0;
            for i in 0..n { s += x[i]; }
            s
        }
    };
    for steps in [0.0, 3.0, 40.0] {
        check(
            item.clone(),
            &[vec![1.0, 0.5], vec![0.9], vec![steps]],
            &[0, 1],
        );
    }
}

#[test]
fn while_loop_and_inner_break_over_a_buffer() {
    // bubble the largest value to the end, pass after pass, while something
    // moved; the inner loop stops at the first pair in order after a swap
    let item = quote! {
        fn f(#[nograd] xs: &[f64], w: f64) -> f64 {
            let n = xs.len();
            let mut v = vec![0.0; n];
            for i in 0..n { v[i] = w * xs[i]; }
            let mut moved = 1usize;
            let mut passes = 0usize;
            while moved > 0 && passes < n {
                moved = 0;
                for i in 1..n {
                    if v[i - 1] > v[i] {
                        let t = v[i];
                        v[i] = v[i - 1];
                        v[i - 1] = t * w;
                        moved += 1;
                    } else if moved > 0 {
                        break;
                    }
                }
                passes += 1;
            }
            let mut s = 0.0;
            for i in 0..n { s += v[i] * (i + 1) as f64; }
            s
        }
    };
    check(
        item.clone(),
        &[vec![3.0, 1.0, 2.0, -1.0, 0.5], vec![0.9]],
        &[1],
    );
    check(item.clone(), &[vec![1.0, 2.0], vec![0.9]], &[1]);
    check(item, &[vec![], vec![0.9]], &[1]);
}

#[test]
fn forward_mode_through_loop_and_return() {
    let item = quote! {
        fn f(x: f64, #[nograd] cap: f64) -> f64 {
            let mut y = x;
            let mut n = 0usize;
            loop {
                y = y * y + 0.25;
                n += 1;
                if y > cap {
                    return y * n as f64;
                }
                if n > 8 {
                    break;
                }
            }
            y.sqrt()
        }
    };
    for x in [0.1, 0.9, 1.5] {
        check(item.clone(), &[vec![x], vec![2.0]], &[0]);
    }
}

#[test]
fn checkpointed_state_loops_give_the_same_gradient() {
    let item = quote! {
        fn f(x0: f64, k: f64, #[nograd] h: f64, steps: usize) -> f64 {
            let mut x = x0;
            let mut t = 0.0;
            for _ in 0..steps {
                x = x + h * (-k * x * x + t.sin());
                t += h;
            }
            x
        }
    };
    let plain = pipeline(item.clone()).unwrap();
    for k in ["1", "3", "64"] {
        let attr: proc_macro2::TokenStream = format!("checkpoint = {k}").parse().unwrap();
        let st = macrograd_codegen::pipeline_with(attr, item.clone()).unwrap();
        let text = macrograd_codegen::ir::dump::dump(&st.gradient);
        // a loop over segments around a loop over one segment: `min(from + k, end)`
        assert!(text.contains("imin"), "{text}");
        for steps in [0.0, 1.0, 3.0, 7.0, 10.0] {
            let args = [vec![0.8], vec![1.3], vec![0.1], vec![steps]];
            let a = eval_outputs(&st.gradient, &args).unwrap();
            let b = eval_outputs(&plain.gradient, &args).unwrap();
            for (x, y) in a.iter().zip(&b) {
                assert!(
                    (x - y).abs() <= 1e-14 * y.abs().max(1.0),
                    "k = {k}: {a:?} vs {b:?}"
                );
            }
        }
    }
}

#[test]
fn break_in_reversed_and_inclusive_ranges() {
    // the reverse sweep runs exactly the indices that ran, the other way
    for head in ["(1..n).rev()", "(1..=n).rev()", "1..=n", "2..n"] {
        let head: proc_macro2::TokenStream = head.parse().unwrap();
        let item = quote! {
            fn f(w: f64, #[nograd] xs: &[f64], n: usize) -> f64 {
                let mut p = 1.0;
                for i in #head {
                    if p > 3.0 {
                        break;
                    }
                    p = p * w * xs[i] + (i as f64) * 0.125;
                }
                p
            }
        };
        let xs = vec![1.5, 2.0, 1.25, 3.0, 0.5, 2.5];
        for n in [0.0, 1.0, 3.0, 5.0] {
            for w in [0.6, 1.3] {
                check(item.clone(), &[vec![w], xs.clone(), vec![n]], &[0]);
            }
        }
    }
}
