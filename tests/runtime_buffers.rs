//! Local run-time buffers in differentiable bodies: `let mut v = vec![x; n];`
//! read `v[i]` and written `v[i] = …` / `v[i] += …` at run-time indices
//! inside run-time loops, as differentiable state (an ODE state vector of
//! run-time length), walked by `for x in &v`, `v.iter()`, `.zip` and
//! `.enumerate()`, and a fixed array written at a run-time index.
//!
//! Every function is written once in `corpus!` and instantiated in f64 and
//! f32; each gradient is checked against a closed form derived by hand and
//! against central finite differences of the f64 function, including empty
//! slices, one element and zero trips.

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

        /// Explicit Euler for the system `x' = -k·x` with a state vector of
        /// run-time length, written the way one writes a coupled system: a
        /// derivative buffer, then the update. Returns `Σ x_i²`.
        #[differentiable]
        pub fn euler(x0: &[$F], k: $F, #[nograd] h: $F, steps: usize) -> $F {
            let n = x0.len();
            let mut x = vec![0.0; n];
            for i in 0..n {
                x[i] = x0[i];
            }
            let mut dx = vec![0.0; n];
            for _ in 0..steps {
                for i in 0..n {
                    dx[i] = -k * x[i];
                }
                for i in 0..n {
                    x[i] += h * dx[i];
                }
            }
            let mut s = 0.0;
            for i in 0..n {
                s += x[i] * x[i];
            }
            s
        }

        /// A chain of coupled decays `x_i' = −k·x_i + x_{i−1}` (the
        /// `state_vector` bench): the update reads the derivative buffer
        /// only linearly, so the reverse sweep needs none of its values.
        #[differentiable]
        pub fn chain(x0: &[$F], k: $F, #[nograd] h: $F, steps: usize) -> $F {
            let n = x0.len();
            let mut x = vec![0.0; n];
            for i in 0..n {
                x[i] = x0[i];
            }
            let mut dx = vec![0.0; n];
            for _ in 0..steps {
                for i in 0..n {
                    let left = if i > 0 { x[i - 1] } else { 0.0 };
                    dx[i] = -k * x[i] + left;
                }
                for i in 0..n {
                    x[i] += h * dx[i];
                }
            }
            let mut s = 0.0;
            for i in 0..n {
                s += x[i] * x[i];
            }
            s
        }

        /// The same chain with an update that reads the derivative buffer
        /// twice (`x_i += h·dx_i²`): its reverse needs each step's `dx`.
        #[differentiable]
        pub fn chain_squared(x0: &[$F], k: $F, #[nograd] h: $F, steps: usize) -> $F {
            let n = x0.len();
            let mut x = vec![0.0; n];
            for i in 0..n {
                x[i] = x0[i];
            }
            let mut dx = vec![0.0; n];
            for _ in 0..steps {
                for i in 0..n {
                    let left = if i > 0 { x[i - 1] } else { 0.0 };
                    dx[i] = -k * x[i] + left;
                }
                for i in 0..n {
                    x[i] += h * dx[i] * dx[i];
                }
            }
            let mut s = 0.0;
            for i in 0..n {
                s += x[i] * x[i];
            }
            s
        }

        /// The midpoint rule (RK2) for the same system, with stage buffers
        /// made fresh in every step.
        #[differentiable]
        pub fn midpoint(x0: &[$F], k: $F, #[nograd] h: $F, steps: usize) -> $F {
            let n = x0.len();
            let mut x = vec![0.0; n];
            for i in 0..n {
                x[i] = x0[i];
            }
            for _ in 0..steps {
                let mut mid = vec![0.0; n];
                for i in 0..n {
                    mid[i] = x[i] + 0.5 * h * (-k * x[i]);
                }
                for i in 0..n {
                    x[i] = x[i] + h * (-k * mid[i]);
                }
            }
            let mut s = 0.0;
            for i in 0..n {
                s += x[i] * x[i];
            }
            s
        }

        /// An in-place recurrence `v[i + 1] = w·v[i] + xs[i]`: each
        /// iteration writes one element.
        #[differentiable]
        pub fn recurrence(w: $F, #[nograd] xs: &[$F]) -> $F {
            let n = xs.len();
            let mut v = vec![1.0; n + 1];
            for i in 0..n {
                v[i + 1] = v[i] * w + xs[i];
            }
            v[n]
        }

        /// Each iteration writes its own element, then reads it back:
        /// `x_i ← w·x_i` `steps` times, summing `x_i²` after every write.
        #[differentiable]
        pub fn rescale(x0: &[$F], w: $F, steps: usize) -> $F {
            let n = x0.len();
            let mut x = vec![0.0; n];
            for i in 0..n {
                x[i] = x0[i];
            }
            let mut s = 0.0;
            for _ in 0..steps {
                for i in 0..n {
                    x[i] = x[i] * w;
                    s += x[i] * x[i];
                }
            }
            s
        }

        /// One differentiable scalar (forward mode): `Σ_{i=1}^{n} x^i`.
        #[differentiable]
        pub fn powers(x: $F, n: usize) -> $F {
            let mut v = vec![x; n];
            for i in 1..n {
                v[i] = v[i - 1] * x;
            }
            let mut s = 0.0;
            for i in 0..v.len() {
                s += v[i];
            }
            s
        }

        /// A fixed array written at a run-time index.
        #[differentiable]
        pub fn scale_one(a: [$F; 3], w: $F, k: usize) -> $F {
            let mut b = a;
            b[k] = w * b[k];
            b[0] * b[1] + b[2]
        }

        /// `w²·Σ x_i² + w·Σ x_i² + w·Σ i·x_i` from `v = w·xs`, walked as
        /// `for x in &v`, `v.iter().zip(xs)` and `v.iter().enumerate()`.
        #[differentiable]
        pub fn walk_vec(w: $F, xs: &[$F]) -> $F {
            let mut v = vec![0.0; xs.len()];
            for i in 0..v.len() {
                v[i] = w * xs[i];
            }
            let mut s = 0.0;
            for x in &v {
                s += x * x;
            }
            for (a, b) in v.iter().zip(xs) {
                s += a * b;
            }
            for (i, &x) in v.iter().enumerate() {
                s += x * (i as $F);
            }
            s
        }

        /// One differentiable scalar (forward mode): `Σ_{i<n} w·(i + 1)`
        /// over `let v = vec![w; n]` walked by `v.iter()`.
        #[differentiable]
        pub fn walk_vec_fwd(w: $F, n: usize) -> $F {
            let v = vec![w; n];
            let mut s = 0.0;
            let mut k = 1.0;
            for &x in v.iter() {
                s += x * k;
                k += 1.0;
            }
            s
        }

        /// Own-element writes over part of a state buffer, whose previous
        /// values the reverse sweep restores slice by slice: an inclusive
        /// range walked backwards writing a branch's value, and a loop that
        /// leaves at `stop`.
        #[differentiable]
        pub fn partial_sweeps(x0: &[$F], w: $F, steps: usize, stop: usize) -> $F {
            let n = x0.len();
            let mut x = vec![0.0; n];
            for i in 0..n {
                x[i] = x0[i];
            }
            for _ in 0..steps {
                for i in (1..=n / 2).rev() {
                    x[i] = if x[i] > 0.0 { w * x[i] } else { x[i] - w * w };
                }
                for i in 0..n {
                    if i == stop {
                        break;
                    }
                    x[i] = w * x[i] + 0.1 * x[i] * x[i];
                }
            }
            let mut s = 0.0;
            for i in 0..n {
                s += x[i] * x[i];
            }
            s
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

const X0: [f64; 3] = [0.5, -1.25, 2.0];

/// `Σ x_i²` after `steps` steps that each multiply the state by `g(k)`,
/// and its gradient: `(value, ∂/∂x0, ∂/∂k)` with `dg = g'(k)`.
fn linear_closed_form(x0: &[f64], g: f64, dg: f64, steps: i32) -> (f64, Vec<f64>, f64) {
    let sq: f64 = x0.iter().map(|x| x * x).sum();
    let value = g.powi(2 * steps) * sq;
    let d_x0 = x0.iter().map(|x| 2.0 * x * g.powi(2 * steps)).collect();
    let d_k = if steps == 0 {
        0.0
    } else {
        sq * f64::from(2 * steps) * g.powi(2 * steps - 1) * dg
    };
    (value, d_x0, d_k)
}

#[test]
fn euler_state_vector_matches_closed_form_and_differences() {
    let (k, h) = (0.75, 0.1);
    for n in [0, 1, 3] {
        for steps in [0, 1, 6] {
            let x0 = &X0[..n];
            let (value, want_x0, want_k) = linear_closed_form(x0, 1.0 - h * k, -h, steps);
            let (v, (d_x0, d_k)) = c64::euler_grad(x0, k, h, steps as usize);
            let what = format!("n = {n}, steps = {steps}");
            assert_all_close(&[v, d_k], &[value, want_k], TOL_64, &what);
            assert_all_close(&d_x0, &want_x0, TOL_64, &what);
            let mut p = x0.to_vec();
            p.push(k);
            let fd = numeric_grad(|p| c64::euler(&p[..n], p[n], h, steps as usize), &p);
            assert_all_close(&[d_x0.clone(), vec![d_k]].concat(), &fd, TOL_FD, &what);
            let (v32, (d32, dk32)) = c32::euler_grad(&f32s(x0), k as f32, h as f32, steps as usize);
            assert_all_close(&to64(&[v32, dk32]), &[value, want_k], TOL_32, &what);
            assert_all_close(&to64(&d32), &want_x0, TOL_32, &what);
        }
    }
}

/// The two chains against central differences (f64), and the f32
/// gradient against the f64 one: the reverse of a step recomputes the
/// derivative buffer only when the update's adjoint reads it.
#[test]
fn coupled_chains_match_differences_in_f64_and_f32() {
    let (k, h) = (0.75, 0.1);
    type Grad64 = fn(&[f64], f64, f64, usize) -> (f64, (Vec<f64>, f64));
    type Fn64 = fn(&[f64], f64, f64, usize) -> f64;
    type Grad32 = fn(&[f32], f32, f32, usize) -> (f32, (Vec<f32>, f32));
    let cases: [(&str, Grad64, Fn64, Grad32); 2] = [
        ("chain", c64::chain_grad, c64::chain, c32::chain_grad),
        (
            "chain_squared",
            c64::chain_squared_grad,
            c64::chain_squared,
            c32::chain_squared_grad,
        ),
    ];
    for (name, grad, f, grad32) in cases {
        for n in [0, 1, 3] {
            for steps in [0, 1, 2, 7] {
                let x0 = &X0[..n];
                let what = format!("{name}: n = {n}, steps = {steps}");
                let (v, (d_x0, d_k)) = grad(x0, k, h, steps);
                assert_all_close(&[v], &[f(x0, k, h, steps)], TOL_64, &what);
                let mut p = x0.to_vec();
                p.push(k);
                let fd = numeric_grad(|p| f(&p[..n], p[n], h, steps), &p);
                let both = [d_x0.clone(), vec![d_k]].concat();
                assert_all_close(&both, &fd, TOL_FD, &what);
                let (_, (d32, dk32)) = grad32(&f32s(x0), k as f32, h as f32, steps);
                assert_all_close(&to64(&[d32, vec![dk32]].concat()), &both, TOL_32, &what);
            }
        }
    }
}

#[test]
fn midpoint_state_vector_matches_closed_form_and_differences() {
    let (k, h) = (0.75, 0.1);
    // one step multiplies by g = 1 − hk + (hk)²/2
    let g = 1.0 - h * k + 0.5 * (h * k) * (h * k);
    let dg = -h + h * h * k;
    for n in [0, 1, 3] {
        for steps in [0, 1, 5] {
            let x0 = &X0[..n];
            let (value, want_x0, want_k) = linear_closed_form(x0, g, dg, steps);
            let (v, (d_x0, d_k)) = c64::midpoint_grad(x0, k, h, steps as usize);
            let what = format!("n = {n}, steps = {steps}");
            assert_all_close(&[v, d_k], &[value, want_k], TOL_64, &what);
            assert_all_close(&d_x0, &want_x0, TOL_64, &what);
            let mut p = x0.to_vec();
            p.push(k);
            let fd = numeric_grad(|p| c64::midpoint(&p[..n], p[n], h, steps as usize), &p);
            assert_all_close(&[d_x0, vec![d_k]].concat(), &fd, TOL_FD, &what);
            let (_, (d32, dk32)) =
                c32::midpoint_grad(&f32s(x0), k as f32, h as f32, steps as usize);
            assert_all_close(&to64(&d32), &want_x0, TOL_32, &what);
            assert_all_close(&to64(&[dk32]), &[want_k], TOL_32, &what);
        }
    }
}

#[test]
fn grad_into_form_accumulates_into_the_callers_buffer() {
    let (k, h) = (0.75, 0.1);
    let (_, want, _) = linear_closed_form(&X0, 1.0 - h * k, -h, 4);
    let mut d_x0 = vec![1.0; 3];
    c64::euler_grad_into(&X0, k, h, 4, &mut d_x0);
    let plus_one: Vec<f64> = want.iter().map(|w| w + 1.0).collect();
    assert_all_close(&d_x0, &plus_one, TOL_64, "added into");
}

#[test]
fn own_element_written_then_read_back() {
    let w: f64 = 0.9;
    for (n, steps) in [(0, 3), (1, 0), (1, 1), (3, 4)] {
        let x0 = &X0[..n];
        // s = Σ_t Σ_i x0_i²·w^(2t) over t = 1..=steps
        let sq: f64 = x0.iter().map(|x| x * x).sum();
        let value = sq * (1..=steps).map(|t| w.powi(2 * t)).sum::<f64>();
        let dw = sq
            * (1..=steps)
                .map(|t| 2.0 * t as f64 * w.powi(2 * t - 1))
                .sum::<f64>();
        let dx: Vec<f64> = x0
            .iter()
            .map(|x| 2.0 * x * (1..=steps).map(|t| w.powi(2 * t)).sum::<f64>())
            .collect();
        let steps = steps as usize;
        let (v, (g_x, g_w)) = c64::rescale_grad(x0, w, steps);
        let at = format!("n = {n}, steps = {steps}");
        assert_all_close(&[v, g_w], &[value, dw], TOL_64, &at);
        assert_all_close(&g_x, &dx, TOL_64, &at);
        let mut p = x0.to_vec();
        p.push(w);
        let fd = numeric_grad(|p| c64::rescale(&p[..n], p[n], steps), &p);
        let mut g = g_x.clone();
        g.push(g_w);
        assert_all_close(&g, &fd, TOL_FD, &at);
        let (_, (g32, w32)) = c32::rescale_grad(&f32s(x0), w as f32, steps);
        assert_all_close(&to64(&g32), &dx, TOL_32, &at);
        assert_all_close(&to64(&[w32]), &[dw], TOL_32, &at);
    }
}

#[test]
fn in_place_recurrence() {
    let w: f64 = 0.9;
    for n in [0, 1, 4] {
        let xs = &[0.5, -1.0, 2.0, 0.25][..n];
        // v_n = w^n + Σ_i xs_i·w^(n−1−i)
        let value = w.powi(n as i32)
            + xs.iter()
                .enumerate()
                .map(|(i, x)| x * w.powi((n - 1 - i) as i32))
                .sum::<f64>();
        let d = n as f64 * w.powi(n as i32 - 1)
            + xs.iter()
                .enumerate()
                .filter(|(i, _)| n - 1 - i > 0)
                .map(|(i, x)| x * (n - 1 - i) as f64 * w.powi((n - 2 - i) as i32))
                .sum::<f64>();
        let (v, dw) = c64::recurrence_grad(w, xs);
        assert_all_close(&[v, dw], &[value, d], TOL_64, &format!("n = {n}"));
        let fd = numeric_grad(|p| c64::recurrence(p[0], xs), &[w]);
        assert_all_close(&[dw], &fd, TOL_FD, "finite differences");
        let (_, d32) = c32::recurrence_grad(w as f32, &f32s(xs));
        assert_all_close(&to64(&[d32]), &[d], TOL_32, "f32");
    }
}

#[test]
fn forward_mode_through_a_buffer() {
    let x: f64 = 0.8;
    for n in [0usize, 1, 5] {
        let value: f64 = (1..=n).map(|i| x.powi(i as i32)).sum();
        let d: f64 = (1..=n).map(|i| i as f64 * x.powi(i as i32 - 1)).sum();
        let (v, dx) = c64::powers_grad(x, n);
        assert_all_close(&[v, dx], &[value, d], TOL_64, &format!("n = {n}"));
        let fd = numeric_grad(|p| c64::powers(p[0], n), &[x]);
        assert_all_close(&[dx], &fd, TOL_FD, "finite differences");
        let (_, d32) = c32::powers_grad(x as f32, n);
        assert_all_close(&to64(&[d32]), &[d], TOL_32, "f32");
    }
}

#[test]
fn fixed_array_written_at_a_run_time_index() {
    let (a, w) = ([0.5, 2.0, -1.0], 3.0);
    for k in 0..3 {
        let mut b = a;
        b[k] *= w;
        let value = b[0] * b[1] + b[2];
        // ∂/∂a_j = ∂f/∂b_j · (w if j = k else 1); ∂/∂w = ∂f/∂b_k · a_k
        let df_db = [b[1], b[0], 1.0];
        let mut want: Vec<f64> = (0..3)
            .map(|j| df_db[j] * if j == k { w } else { 1.0 })
            .collect();
        want.push(df_db[k] * a[k]);
        let (v, (da, dw)) = c64::scale_one_grad(a, w, k);
        assert_all_close(&[v], &[value], TOL_64, "value");
        assert_all_close(
            &[da.to_vec(), vec![dw]].concat(),
            &want,
            TOL_64,
            &format!("k = {k}"),
        );
        let fd = numeric_grad(
            |p| c64::scale_one([p[0], p[1], p[2]], p[3], k),
            &[a[0], a[1], a[2], w],
        );
        assert_all_close(&want, &fd, TOL_FD, "finite differences");
        let (_, (da32, dw32)) = c32::scale_one_grad([0.5, 2.0, -1.0], 3.0, k);
        assert_all_close(
            &to64(&[da32[0], da32[1], da32[2], dw32]),
            &want,
            TOL_32,
            "f32",
        );
    }
}

#[test]
#[should_panic(expected = "index out of bounds")]
fn fixed_array_write_out_of_bounds_panics_like_rust() {
    let _ = c64::scale_one_grad([0.5, 2.0, -1.0], 3.0, 3);
}

#[test]
fn forward_and_reverse_agree_on_the_buffer_functions() {
    // `powers` is differentiated in forward mode; the same body with a
    // second (unused) differentiable parameter goes through reverse mode
    #[macrograd::differentiable]
    fn powers_rev(x: f64, unused: f64, n: usize) -> f64 {
        let mut v = vec![x; n];
        for i in 1..n {
            v[i] = v[i - 1] * x;
        }
        let mut s = 0.0 * unused;
        for i in 0..v.len() {
            s += v[i];
        }
        s
    }
    for n in [0, 1, 6] {
        let (_, fwd) = c64::powers_grad(0.7, n);
        let (_, (rev, _)) = powers_rev_grad(0.7, 2.0, n);
        assert_all_close(&[fwd], &[rev], TOL_64, &format!("n = {n}"));
    }
}

#[test]
fn a_local_buffer_walked_by_iterators() {
    let w = 0.6;
    for xs in [vec![], vec![2.0], vec![1.0, -0.5, 3.0, 0.25]] {
        let sq: f64 = xs.iter().map(|x| x * x).sum();
        let ix: f64 = xs.iter().enumerate().map(|(i, x)| i as f64 * x).sum();
        let value = w * w * sq + w * sq + w * ix;
        let dw = 2.0 * w * sq + sq + ix;
        let dx: Vec<f64> = (0..xs.len())
            .map(|j| 2.0 * w * w * xs[j] + 2.0 * w * xs[j] + w * j as f64)
            .collect();
        let what = format!("{xs:?}");
        let (v, (gw, gx)) = c64::walk_vec_grad(w, &xs);
        assert_all_close(&[v, gw], &[value, dw], TOL_64, &what);
        assert_all_close(&gx, &dx, TOL_64, &what);
        let mut p = vec![w];
        p.extend(&xs);
        let fd = numeric_grad(|q| c64::walk_vec(q[0], &q[1..]), &p);
        assert_all_close(&[vec![gw], gx].concat(), &fd, TOL_FD, &what);
        let (_, (gw32, gx32)) = c32::walk_vec_grad(w as f32, &f32s(&xs));
        assert_all_close(&to64(&[gw32]), &[dw], TOL_32, &what);
        assert_all_close(&to64(&gx32), &dx, TOL_32, &what);
    }
    for n in [0usize, 1, 5] {
        // Σ_{i<n} w·(i + 1) = w·n(n + 1)/2
        let t = (n * (n + 1) / 2) as f64;
        let (v, g) = c64::walk_vec_fwd_grad(w, n);
        assert_all_close(&[v, g], &[w * t, t], TOL_64, &format!("n = {n}"));
        let (_, g32) = c32::walk_vec_fwd_grad(w as f32, n);
        assert_all_close(&to64(&[g32]), &[t], TOL_32, &format!("n = {n}"));
    }
}

#[test]
fn partial_own_element_sweeps_match_differences() {
    let xs = [0.5, -1.0, 2.0, 0.25, -0.3];
    let w = 0.7;
    for (n, steps, stop) in [
        (0, 2, 0),
        (1, 0, 1),
        (1, 2, 0),
        (4, 3, 2),
        (5, 2, 9),
        (5, 1, 0),
    ] {
        let x0 = &xs[..n];
        let at = format!("n = {n}, steps = {steps}, stop = {stop}");
        let (v, (g_x, g_w, ..)) = c64::partial_sweeps_grad(x0, w, steps, stop);
        assert_all_close(
            &[v],
            &[c64::partial_sweeps(x0, w, steps, stop)],
            TOL_64,
            &at,
        );
        let mut p = x0.to_vec();
        p.push(w);
        let fd = numeric_grad(|p| c64::partial_sweeps(&p[..n], p[n], steps, stop), &p);
        let mut g = g_x.clone();
        g.push(g_w);
        assert_all_close(&g, &fd, TOL_FD, &at);
        let (_, (g32, w32, ..)) = c32::partial_sweeps_grad(&f32s(x0), w as f32, steps, stop);
        let mut g32 = to64(&g32);
        g32.push(f64::from(w32));
        assert_all_close(&g32, &g, TOL_32, &at);
    }
}
