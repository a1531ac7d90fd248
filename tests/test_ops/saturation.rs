//! Saturated activations: far from 0 the generated derivatives stay finite
//! and equal the closed forms (no ∞·0 or ∞/∞), in f64 and f32.

use super::*;
use macrograd::differentiable;
use macrograd::ops::{gelu, sigmoid, silu, softplus};

macro_rules! both {
    ($($name:ident: |$x:ident| $body:expr;)*) => {$(
        #[allow(dead_code)]
        mod $name {
            use super::*;
            #[differentiable]
            pub fn in_f64(x: f64) -> f64 {
                let $x = x;
                $body
            }
            #[differentiable]
            pub fn in_f32(x: f32) -> f32 {
                let $x = x;
                $body
            }
        }
    )*};
}

both! {
    sig: |x| sigmoid(x);
    soft: |x| softplus(x);
    swish: |x| silu(x);
    ge: |x| gelu(x);
    th: |x| x.tanh();
}

#[test]
fn activations_far_from_zero() {
    for x in [-1000.0, -100.0, -40.0, 40.0, 100.0, 1000.0] {
        let s = sigma(x);
        let cases: [(&str, f64, f32, f64); 5] = [
            (
                "sigmoid",
                sig::in_f64_grad(x).1,
                sig::in_f32_grad(x as f32).1,
                s * (1.0 - s),
            ),
            (
                "softplus",
                soft::in_f64_grad(x).1,
                soft::in_f32_grad(x as f32).1,
                s,
            ),
            (
                "silu",
                swish::in_f64_grad(x).1,
                swish::in_f32_grad(x as f32).1,
                s + x * s * (1.0 - s),
            ),
            (
                "gelu",
                ge::in_f64_grad(x).1,
                ge::in_f32_grad(x as f32).1,
                gelu_tanh_prime(x),
            ),
            (
                "tanh",
                th::in_f64_grad(x).1,
                th::in_f32_grad(x as f32).1,
                1.0 / x.cosh().powi(2),
            ),
        ];
        for (name, g64, g32, want) in cases {
            assert!(
                g64.is_finite() && g32.is_finite(),
                "{name} at {x}: {g64}, {g32}"
            );
            assert_close!(g64, want, TOL_CLOSED, "{name} f64 at {x}");
            assert_close!(g32, want, TOL_32, "{name} f32 at {x}");
        }
    }
}
