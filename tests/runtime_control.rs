//! `break`, `continue`, `loop { … }` and early `return` in differentiable
//! bodies, with run-time loops (and a state buffer), in reverse and forward
//! mode.
//!
//! Every function is written once in `corpus!` and instantiated in f64 and
//! f32. Each gradient is checked against a closed form derived by hand (the
//! number of iterations that ran is found by simulating the exit rule in
//! the test) and against central finite differences of the f64 function,
//! including empty slices, zero-trip loops and loops that exit on the first
//! iteration; test points stay away from the values where the exit moves.

// the bodies index buffers in loops and write `v[i] = v[i] …` on purpose: those are the forms tested
#![allow(
    clippy::needless_range_loop,
    clippy::assign_op_pattern,
    clippy::manual_memcpy
)]

mod common;

use common::{assert_all_close, numeric_grad};

/// f64 gradient vs the closed form
const TOL_64: f64 = 1e-12;
/// f64 gradient vs finite differences
const TOL_FD: f64 = 1e-7;
/// f32 gradient vs the (f64) closed form
const TOL_32: f64 = 1e-4;

macro_rules! corpus {
    ($F:ident) => {
        use macrograd::differentiable;

        /// Multiplies by `w·x_i` until the product passes `cap`: `break`.
        #[differentiable]
        pub fn capped_product(w: $F, #[nograd] xs: &[$F], #[nograd] cap: $F) -> $F {
            let mut p = 1.0;
            for i in 0..xs.len() {
                if p > cap {
                    break;
                }
                p *= w * xs[i];
            }
            p
        }

        /// `Σ (w·x)²` over the positive `x`: `continue`.
        #[differentiable]
        pub fn positive_squares(w: $F, #[nograd] xs: &[$F]) -> $F {
            let mut s = 0.0;
            for &x in xs {
                if x <= 0.0 {
                    continue;
                }
                let y = w * x;
                s += y * y;
            }
            s
        }

        /// Scales by `k/2` until below 1, plus the number of steps: `loop`.
        #[differentiable]
        pub fn shrink(x: $F, k: $F) -> $F {
            let mut y = x;
            let mut n = 0usize;
            loop {
                if y < 1.0 {
                    break;
                }
                y = 0.5 * k * y;
                n += 1;
            }
            y + n as $F
        }

        /// Early returns from a branch and from inside a loop.
        #[differentiable]
        pub fn first_over(w: $F, #[nograd] xs: &[$F]) -> $F {
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
            s * 0.5
        }

        /// Explicit Euler for `x' = -k·x` on a state vector, stopped once
        /// its first component falls below `stop`.
        #[differentiable]
        pub fn euler_until(
            x0: &[$F],
            k: $F,
            #[nograd] h: $F,
            #[nograd] stop: $F,
            steps: usize,
        ) -> $F {
            let n = x0.len();
            let mut x = vec![0.0; n];
            for i in 0..n {
                x[i] = x0[i];
            }
            for _ in 0..steps {
                if n == 0 {
                    break;
                }
                if x[0] < stop {
                    break;
                }
                for i in 0..n {
                    x[i] -= h * k * x[i];
                }
            }
            let mut s = 0.0;
            for i in 0..n {
                s += x[i];
            }
            s
        }

        /// Explicit Euler for `x' = -k·x` (scalar state), checkpointed
        /// every 3 steps.
        #[differentiable(checkpoint = 3)]
        pub fn decay_checkpointed(x0: $F, k: $F, #[nograd] h: $F, steps: usize) -> $F {
            let mut x = x0;
            for _ in 0..steps {
                x = x - h * k * x;
            }
            x * x
        }

        /// One differentiable scalar (forward mode): `Σ_{i<m} x·i`, with
        /// `continue` at `i = skip` and `break` once the sum passes 2.
        #[differentiable]
        pub fn stepped(x: $F, n: usize, skip: usize) -> $F {
            let mut s = 0.0;
            for i in 0..n {
                if s > 2.0 {
                    break;
                }
                if i == skip {
                    continue;
                }
                s += x * (i as $F);
            }
            s
        }

        /// `Σ w·x_{i−1}·x_i` over the `i` that follow a positive value: the
        /// right side of `&&` reads `xs[i - 1]`, which only exists when `i > 0`.
        #[differentiable]
        pub fn after_positive(w: $F, xs: &[$F]) -> $F {
            let mut s = 0.0;
            for i in 0..xs.len() {
                if i > 0 && xs[i - 1] > 0.0 {
                    s += w * xs[i - 1] * xs[i];
                }
            }
            s
        }

        /// The same with one differentiable scalar (forward mode), and the
        /// guard in a value.
        #[differentiable]
        pub fn after_positive_fwd(w: $F, #[nograd] xs: &[$F]) -> $F {
            let mut s = 0.0;
            for i in 0..xs.len() {
                let t = if i > 0 && xs[i - 1] > 0.0 {
                    w * xs[i - 1] * xs[i]
                } else {
                    0.0
                };
                s += t;
            }
            s
        }

        /// `w²·Σ x_i` up to the first negative value: the right side of
        /// `||` reads `xs[i]`, which only exists when `i < xs.len()`.
        #[differentiable]
        pub fn until_negative(w: $F, xs: &[$F]) -> $F {
            let mut s = 0.0;
            let mut i = 0;
            loop {
                if i >= xs.len() || xs[i] < 0.0 {
                    break;
                }
                s += w * w * xs[i];
                i += 1;
            }
            s
        }

        /// The same as a `while` whose test guards with `&&`, with one
        /// differentiable scalar (forward mode).
        #[differentiable]
        pub fn until_negative_fwd(w: $F, #[nograd] xs: &[$F]) -> $F {
            let mut s = 0.0;
            let mut i = 0;
            while i < xs.len() && xs[i] >= 0.0 {
                s += w * w * xs[i];
                i += 1;
            }
            s
        }

        /// The number of halvings of `x` below 1 times `k`, after an early
        /// return for `x ≤ 0`: an integer carried by a `loop` after a
        /// `return`.
        #[differentiable]
        pub fn halvings(x: $F, k: $F) -> $F {
            if x <= 0.0 {
                return k;
            }
            let mut y = x;
            let mut n = 0;
            loop {
                if y < 1.0 {
                    break;
                }
                y = y * 0.5;
                n += 1;
            }
            k * (n as $F) + y * k
        }
    };
}

mod c64 {
    corpus!(f64);
}

mod c32 {
    corpus!(f32);
}

fn f32s(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

fn to64(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

const XS: [f64; 5] = [2.0, 1.5, 3.0, 0.5, 4.0];

#[test]
fn break_leaves_the_loop_at_the_first_passing_product() {
    let w: f64 = 1.1;
    // caps that stop before the first, second, third factor, and never;
    // an empty slice runs zero times
    for (cap, n) in [(0.5, 5), (1.2, 5), (2.5, 5), (1e9, 5), (0.5, 0), (1e9, 1)] {
        let xs = &XS[..n];
        let mut m = 0;
        let mut p = 1.0;
        while m < n && p <= cap {
            p *= w * xs[m];
            m += 1;
        }
        // p = w^m · Π x_i: ∂p/∂w = m·p/w
        let d = m as f64 * p / w;
        let (v, g) = c64::capped_product_grad(w, xs, cap);
        let what = format!("cap {cap}, n {n}");
        assert_all_close(&[v, g], &[p, d], TOL_64, &what);
        let fd = numeric_grad(|q| c64::capped_product(q[0], xs, cap), &[w]);
        assert_all_close(&[g], &fd, TOL_FD, &what);
        let (_, g32) = c32::capped_product_grad(w as f32, &f32s(xs), cap as f32);
        assert_all_close(&to64(&[g32]), &[d], TOL_32, &what);
    }
}

#[test]
fn continue_skips_non_positive_values() {
    let w = 0.7;
    for xs in [vec![], vec![-1.0], vec![1.0, -2.0, 3.0, 0.0, 0.5]] {
        let sq: f64 = xs.iter().filter(|&&x| x > 0.0).map(|x| x * x).sum();
        let (v, g) = c64::positive_squares_grad(w, &xs);
        assert_all_close(&[v, g], &[w * w * sq, 2.0 * w * sq], TOL_64, "closed form");
        let fd = numeric_grad(|q| c64::positive_squares(q[0], &xs), &[w]);
        assert_all_close(&[g], &fd, TOL_FD, "finite differences");
        let (_, g32) = c32::positive_squares_grad(w as f32, &f32s(&xs));
        assert_all_close(&to64(&[g32]), &[2.0 * w * sq], TOL_32, "f32");
    }
}

#[test]
fn loop_with_break_runs_until_its_condition() {
    let k: f64 = 0.9;
    // 0.5 exits on the first iteration; 3 and 20 after a few
    for x in [0.5, 3.0, 20.0] {
        let (mut y, mut m) = (x, 0);
        while y >= 1.0 {
            y *= 0.5 * k;
            m += 1;
        }
        let r = 0.5 * k;
        let want = [
            y + m as f64,
            r.powi(m),
            x * m as f64 * 0.5 * r.powi(m - 1).max(0.0),
        ];
        let want = if m == 0 { [x, 1.0, 0.0] } else { want };
        let (v, (gx, gk)) = c64::shrink_grad(x, k);
        assert_all_close(&[v, gx, gk], &want, TOL_64, &format!("x = {x}"));
        let fd = numeric_grad(|q| c64::shrink(q[0], q[1]), &[x, k]);
        assert_all_close(&[gx, gk], &fd, TOL_FD, "finite differences");
        let (_, (gx32, gk32)) = c32::shrink_grad(x as f32, k as f32);
        assert_all_close(&to64(&[gx32, gk32]), &want[1..], TOL_32, "f32");
    }
}

#[test]
fn early_return_from_a_branch_and_from_a_loop() {
    let xs = [1.0, 2.0, 0.5];
    // w < 0: −w; w = 0.25: the loop ends, 0.5·w·Σx; w = 1.5: s = 4.5 > 3 after two terms
    let cases: [(f64, &[f64], f64, f64); 4] = [
        (-0.5, &xs, 0.5, -1.0),
        (0.25, &xs, 0.5 * 0.25 * 3.5, 0.5 * 3.5),
        (1.5, &xs, (1.5 * 3.0f64).powi(2), 2.0 * 1.5 * 9.0),
        (1.5, &[], 0.0, 0.0),
    ];
    for (w, xs, value, d) in cases {
        let (v, g) = c64::first_over_grad(w, xs);
        assert_all_close(&[v, g], &[value, d], TOL_64, &format!("w = {w}"));
        let fd = numeric_grad(|q| c64::first_over(q[0], xs), &[w]);
        assert_all_close(&[g], &fd, TOL_FD, "finite differences");
        let (_, g32) = c32::first_over_grad(w as f32, &f32s(xs));
        assert_all_close(&to64(&[g32]), &[d], TOL_32, "f32");
    }
}

#[test]
fn a_state_vector_integrated_until_a_threshold() {
    let (k, h, stop): (f64, f64, f64) = (0.9, 0.1, 0.6);
    let g = 1.0 - h * k;
    for (x0, steps) in [
        // (initial state, step count)
        (vec![1.0, 0.5, -0.25], 40),
        (vec![1.0, 0.5], 3),
        (vec![0.5, 2.0], 10),
        (vec![], 5),
        (vec![1.0], 0),
    ] {
        let steps: i32 = steps;
        // steps taken: while below the step count and x0[0]·g^m ≥ stop
        let mut m: i32 = 0;
        while m < steps && !x0.is_empty() && x0[0] * g.powi(m) >= stop {
            m += 1;
        }
        let sum: f64 = x0.iter().sum();
        let value = sum * g.powi(m);
        let d_x0 = vec![g.powi(m); x0.len()];
        let d_k = if m == 0 {
            0.0
        } else {
            sum * f64::from(m) * g.powi(m - 1) * -h
        };
        let (v, (gx, gk)) = c64::euler_until_grad(&x0, k, h, stop, steps as usize);
        let what = format!("{x0:?}, {steps} steps ({m} taken)");
        assert_all_close(&[v, gk], &[value, d_k], TOL_64, &what);
        assert_all_close(&gx, &d_x0, TOL_64, &what);
        let n = x0.len();
        let mut p = x0.clone();
        p.push(k);
        let fd = numeric_grad(
            |q| c64::euler_until(&q[..n], q[n], h, stop, steps as usize),
            &p,
        );
        assert_all_close(&[gx, vec![gk]].concat(), &fd, TOL_FD, &what);
        let (_, (gx32, gk32)) =
            c32::euler_until_grad(&f32s(&x0), k as f32, h as f32, stop as f32, steps as usize);
        assert_all_close(&to64(&gx32), &d_x0, TOL_32, &what);
        assert_all_close(&to64(&[gk32]), &[d_k], TOL_32, &what);
    }
}

#[test]
fn forward_mode_through_break_and_continue() {
    for (x, n, skip) in [
        (0.1, 6, 2),
        (0.3, 6, 7),
        (1.7, 6, 2),
        (0.5, 0, 0),
        (5.0, 4, 0),
    ] {
        // simulate the exits to find which i were added
        let (mut s, mut idx) = (0.0, 0.0);
        for i in 0..n {
            if s > 2.0 {
                break;
            }
            if i == skip {
                continue;
            }
            s += x * i as f64;
            idx += i as f64;
        }
        let (v, g) = c64::stepped_grad(x, n, skip);
        let what = format!("x = {x}, n = {n}, skip = {skip}");
        assert_all_close(&[v, g], &[s, idx], TOL_64, &what);
        let fd = numeric_grad(|q| c64::stepped(q[0], n, skip), &[x]);
        assert_all_close(&[g], &fd, TOL_FD, &what);
        let (_, g32) = c32::stepped_grad(x as f32, n, skip);
        assert_all_close(&to64(&[g32]), &[idx], TOL_32, &what);
    }
}

#[test]
fn forward_and_reverse_agree() {
    // the same body as `stepped` with a second differentiable scalar:
    // reverse mode
    #[macrograd::differentiable]
    fn stepped_rev(x: f64, zero: f64, n: usize, skip: usize) -> f64 {
        let mut s = zero;
        for i in 0..n {
            if s > 2.0 {
                break;
            }
            if i == skip {
                continue;
            }
            s += x * (i as f64);
        }
        s
    }
    for (x, n, skip) in [(0.1, 6, 2), (0.3, 6, 7), (1.7, 6, 2), (0.5, 0, 0)] {
        let (_, fwd) = c64::stepped_grad(x, n, skip);
        let (_, (rev, _)) = stepped_rev_grad(x, 0.0, n, skip);
        assert_all_close(&[fwd], &[rev], TOL_64, &format!("x = {x}"));
    }
}

#[test]
fn checkpointed_state_loop_matches_the_closed_form() {
    let (x0, k, h): (f64, f64, f64) = (1.5, 0.8, 0.1);
    let g = 1.0 - h * k;
    // f = x0²·g^(2s): ∂/∂x0 = 2·x0·g^(2s), ∂/∂k = x0²·2s·g^(2s−1)·(−h)
    for steps in [0i32, 1, 3, 7, 10] {
        let value = x0 * x0 * g.powi(2 * steps);
        let d_x0 = 2.0 * x0 * g.powi(2 * steps);
        let d_k = if steps == 0 {
            0.0
        } else {
            x0 * x0 * f64::from(2 * steps) * g.powi(2 * steps - 1) * -h
        };
        let (v, (gx, gk)) = c64::decay_checkpointed_grad(x0, k, h, steps as usize);
        let what = format!("{steps} steps");
        assert_all_close(&[v, gx, gk], &[value, d_x0, d_k], TOL_64, &what);
        let fd = numeric_grad(
            |q| c64::decay_checkpointed(q[0], q[1], h, steps as usize),
            &[x0, k],
        );
        assert_all_close(&[gx, gk], &fd, TOL_FD, &what);
        let (_, (gx32, gk32)) =
            c32::decay_checkpointed_grad(x0 as f32, k as f32, h as f32, steps as usize);
        assert_all_close(&to64(&[gx32, gk32]), &[d_x0, d_k], TOL_32, &what);
    }
}

#[test]
fn and_does_not_evaluate_its_right_side_when_the_left_is_false() {
    let w: f64 = 1.3;
    // the first element would be read at `xs[0 - 1]` by an eager `&&`
    for xs in [
        vec![],
        vec![2.0],
        vec![-1.0, 2.0],
        vec![1.0, 2.0, -3.0, 4.0, 0.5],
    ] {
        let n = xs.len();
        // f = Σ_{i picked} w·x_{i−1}·x_i over the i ≥ 1 with x_{i−1} > 0:
        // ∂f/∂w = Σ x_{i−1}·x_i, and x_j gets w·x_{j+1} if j + 1 is picked
        // and w·x_{j−1} if j is
        let picked: Vec<bool> = (0..n).map(|i| i > 0 && xs[i - 1] > 0.0).collect();
        let sum: f64 = (0..n)
            .filter(|&i| picked[i])
            .map(|i| xs[i - 1] * xs[i])
            .sum();
        let d_xs: Vec<f64> = (0..n)
            .map(|j| {
                let next = if j + 1 < n && picked[j + 1] {
                    w * xs[j + 1]
                } else {
                    0.0
                };
                let this = if picked[j] { w * xs[j - 1] } else { 0.0 };
                next + this
            })
            .collect();
        let what = format!("{xs:?}");
        let (v, (gw, gx)) = c64::after_positive_grad(w, &xs);
        assert_all_close(&[v, gw], &[w * sum, sum], TOL_64, &what);
        assert_all_close(&gx, &d_xs, TOL_64, &what);
        let mut p = vec![w];
        p.extend(&xs);
        let fd = numeric_grad(|q| c64::after_positive(q[0], &q[1..]), &p);
        assert_all_close(&[vec![gw], gx].concat(), &fd, TOL_FD, &what);
        let (_, (gw32, gx32)) = c32::after_positive_grad(w as f32, &f32s(&xs));
        assert_all_close(&to64(&[gw32]), &[sum], TOL_32, &what);
        assert_all_close(&to64(&gx32), &d_xs, TOL_32, &what);
        let (v, g) = c64::after_positive_fwd_grad(w, &xs);
        assert_all_close(&[v, g], &[w * sum, sum], TOL_64, &what);
        let (_, g32) = c32::after_positive_fwd_grad(w as f32, &f32s(&xs));
        assert_all_close(&to64(&[g32]), &[sum], TOL_32, &what);
    }
}

#[test]
fn or_does_not_evaluate_its_right_side_when_the_left_is_true() {
    let w: f64 = 0.8;
    // no negative value: the loop stops only at `i >= xs.len()`, where an
    // eager `||` would read past the end
    for xs in [
        vec![],
        vec![-1.0],
        vec![2.0],
        vec![1.0, 2.0, 0.5],
        vec![1.0, 2.0, -3.0, 4.0],
    ] {
        let m = xs.iter().position(|&x| x < 0.0).unwrap_or(xs.len());
        let sum: f64 = xs[..m].iter().sum();
        // f = w²·Σ_{i<m} x_i
        let d_xs: Vec<f64> = (0..xs.len())
            .map(|i| if i < m { w * w } else { 0.0 })
            .collect();
        let what = format!("{xs:?}");
        let (v, (gw, gx)) = c64::until_negative_grad(w, &xs);
        assert_all_close(&[v, gw], &[w * w * sum, 2.0 * w * sum], TOL_64, &what);
        assert_all_close(&gx, &d_xs, TOL_64, &what);
        let mut p = vec![w];
        p.extend(&xs);
        let fd = numeric_grad(|q| c64::until_negative(q[0], &q[1..]), &p);
        assert_all_close(&[vec![gw], gx].concat(), &fd, TOL_FD, &what);
        let (_, (gw32, gx32)) = c32::until_negative_grad(w as f32, &f32s(&xs));
        assert_all_close(&to64(&[gw32]), &[2.0 * w * sum], TOL_32, &what);
        assert_all_close(&to64(&gx32), &d_xs, TOL_32, &what);
        let (v, g) = c64::until_negative_fwd_grad(w, &xs);
        assert_all_close(&[v, g], &[w * w * sum, 2.0 * w * sum], TOL_64, &what);
        let (_, g32) = c32::until_negative_fwd_grad(w as f32, &f32s(&xs));
        assert_all_close(&to64(&[g32]), &[2.0 * w * sum], TOL_32, &what);
    }
}

#[test]
fn an_integer_counted_by_a_loop_after_an_early_return() {
    let k: f64 = 1.75;
    // x ≤ 0 returns k; else n halvings bring x below 1: k·n + x·k/2ⁿ
    for (x, n) in [(-2.0, 0), (0.5, 0), (1.5, 1), (7.0, 3)] {
        let (value, dx, dk) = if x <= 0.0 {
            (k, 0.0, 1.0)
        } else {
            let s = 0.5f64.powi(n);
            (k * f64::from(n) + x * s * k, s * k, f64::from(n) + x * s)
        };
        let what = format!("x = {x}");
        let (v, (gx, gk)) = c64::halvings_grad(x, k);
        assert_all_close(&[v, gx, gk], &[value, dx, dk], TOL_64, &what);
        let fd = numeric_grad(|q| c64::halvings(q[0], q[1]), &[x, k]);
        assert_all_close(&[gx, gk], &fd, TOL_FD, &what);
        let (_, (gx32, gk32)) = c32::halvings_grad(x as f32, k as f32);
        assert_all_close(&to64(&[gx32, gk32]), &[dx, dk], TOL_32, &what);
    }
}
