//! `#[differentiable(checkpoint = k)]` over a loop whose state is a local
//! buffer: the forward pass keeps the buffer once per segment of `k`
//! steps, the backward pass reruns one segment at a time from it. Checked
//! against central differences of the f64 function and against the same
//! function without checkpointing, in f64 and f32, for s = 0, 1, k − 1,
//! k, k + 1 and many steps.

// the bodies index buffers in loops on purpose: those are the forms tested
#![allow(clippy::needless_range_loop)]

use super::{assert_all_close, f32s, numeric_grad, to64, TOL_32, TOL_FD};

/// Segments of 4 steps.
const K: usize = 4;

/// Explicit Euler for `y_i' = y_{i−1} − k·y_i²` over a state buffer,
/// returning `Σ y_i²`, under the given attribute.
macro_rules! euler {
    ($F:ident, $(#[$attr:meta])* $name:ident) => {
        $(#[$attr])*
        pub fn $name(x0: &[$F], k: $F, #[nograd] h: $F, steps: usize) -> $F {
            let n = x0.len();
            let mut y = vec![0.0; n];
            for i in 0..n {
                y[i] = x0[i];
            }
            for _ in 0..steps {
                let mut left = 0.0;
                for i in 0..n {
                    let old = y[i];
                    y[i] = old + h * (left - k * old * old);
                    left = old;
                }
            }
            let mut s = 0.0;
            for i in 0..n {
                s += y[i] * y[i];
            }
            s
        }
    };
}

/// Two buffers written per step (a derivative buffer, then the update,
/// which reads it nonlinearly), with a scalar carried inside the sweep.
macro_rules! two_buffers {
    ($F:ident, $(#[$attr:meta])* $name:ident) => {
        $(#[$attr])*
        pub fn $name(x0: &[$F], k: $F, #[nograd] h: $F, steps: usize) -> $F {
            let n = x0.len();
            let mut x = vec![0.0; n];
            for i in 0..n {
                x[i] = x0[i];
            }
            let mut dx = vec![0.0; n];
            for _ in 0..steps {
                let mut left = 0.0;
                for i in 0..n {
                    dx[i] = left - k * x[i] * x[i];
                    left = x[i];
                }
                for i in 0..n {
                    x[i] += h * dx[i] * (1.0 + dx[i]);
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

/// The four functions, plain and checkpointed every 4 steps.
macro_rules! state_buffers {
    ($F:ident) => {
        use macrograd::differentiable;

        euler!(
            $F,
            #[differentiable]
            euler
        );
        euler!(
            $F,
            #[differentiable(checkpoint = 4)]
            euler_checkpointed
        );
        two_buffers!(
            $F,
            #[differentiable]
            two
        );
        two_buffers!(
            $F,
            #[differentiable(checkpoint = 4)]
            two_checkpointed
        );
    };
}

mod c64 {
    state_buffers!(f64);
}

mod c32 {
    state_buffers!(f32);
}

type Grad64 = fn(&[f64], f64, f64, usize) -> (f64, (Vec<f64>, f64));
type Fn64 = fn(&[f64], f64, f64, usize) -> f64;
type Grad32 = fn(&[f32], f32, f32, usize) -> (f32, (Vec<f32>, f32));

/// One checkpointed function against its plain twin (the same value, the
/// gradient up to the rounding of sums taken per segment), central
/// differences and its f32 instance.
fn check(name: &str, fs: (Grad64, Grad64, Fn64, Grad32)) {
    let (plain, checkpointed, f, checkpointed32) = fs;
    let (k, h) = (0.5, 0.05);
    let x0 = [0.75, -0.5, 1.25];
    for n in [0, 1, 3] {
        for steps in [0, 1, K - 1, K, K + 1, 3 * K + 2, 61] {
            let x0 = &x0[..n];
            let what = format!("{name}: n = {n}, steps = {steps}");
            let (v, (d_x0, d_k)) = checkpointed(x0, k, h, steps);
            let (pv, (pd_x0, pd_k)) = plain(x0, k, h, steps);
            assert_eq!(v, pv, "{what}: value");
            let both = [d_x0, vec![d_k]].concat();
            assert_all_close(&both, &[pd_x0, vec![pd_k]].concat(), 1e-12, &what);
            let mut p = x0.to_vec();
            p.push(k);
            let fd = numeric_grad(|p| f(&p[..n], p[n], h, steps), &p);
            assert_all_close(&both, &fd, TOL_FD, &what);
            let (_, (d32, dk32)) = checkpointed32(&f32s(x0), k as f32, h as f32, steps);
            assert_all_close(&to64(&[d32, vec![dk32]].concat()), &both, TOL_32, &what);
        }
    }
}

#[test]
fn checkpointed_state_buffer_matches_differences_and_the_plain_gradient() {
    check(
        "euler",
        (
            c64::euler_grad,
            c64::euler_checkpointed_grad,
            c64::euler_checkpointed,
            c32::euler_checkpointed_grad,
        ),
    );
    check(
        "two buffers",
        (
            c64::two_grad,
            c64::two_checkpointed_grad,
            c64::two_checkpointed,
            c32::two_checkpointed_grad,
        ),
    );
}
