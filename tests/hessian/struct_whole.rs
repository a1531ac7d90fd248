//! Hessians of functions and methods that pass a struct parameter (or
//! `self`) on whole to another `#[differentiable(hessian)]` function or
//! method: `pot(s, a)`, `self.square()`. The reverse sweep adds the
//! callee's gradient entry for the struct into the parameter's gradient;
//! the forward sweep over it adds that entry's tangent (the callee's HVP
//! entry, along the struct's direction) into the parameter's `H·v`.
//! `name_hessian` is built from `name_hvp` calls, one per float of the
//! parameters, a struct's rows and columns being all its floats in
//! declaration order.
//!
//! Expected values: closed forms and central differences of the generated
//! gradient (itself checked against differences of the function).

use super::common::{assert_all_close, central_diff, Flat};
use super::{assert_symmetric, numeric_hessian, rows};
use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Debug, Differentiable)]
struct Pend {
    theta: f64,
    omega: f64,
}

/// ½·k·ω² + 1 − cos θ.
#[differentiable(hessian)]
fn pot(s: Pend, k: f64) -> f64 {
    0.5 * k * s.omega * s.omega + (1.0 - s.theta.cos())
}

/// `s` passed whole and read: f = (½aω² + 1 − cos θ)·θ + a²ω.
#[differentiable(hessian)]
fn outer(s: Pend, a: f64) -> f64 {
    pot(s, a) * s.theta + a * a * s.omega
}

/// `s` passed whole twice, the function reading no field itself:
/// f = pot(s, a)·a = ½a²ω² + a(1 − cos θ).
#[differentiable(hessian)]
fn only_whole(s: Pend, a: f64) -> f64 {
    pot(s, a) * a
}

impl Pend {
    /// θ·ω
    #[differentiable(hessian)]
    fn square(&self) -> f64 {
        self.theta * self.omega
    }

    /// `self` passed on to a method (the former UI case): θ²ω.
    #[differentiable(hessian)]
    fn energy(&self) -> f64 {
        self.square() * self.theta
    }

    /// `self` passed on to a free function and a method, with another
    /// parameter: pot(self, k)·k + k·θω = ½k²ω² + k(1 − cos θ) + kθω.
    #[differentiable(hessian)]
    fn mixed(&self, k: f64) -> f64 {
        pot(*self, k) * k + k * self.square()
    }
}

/// The closed-form Hessian of `outer` over (θ, ω, a).
fn outer_closed(t: f64, w: f64, a: f64) -> [[f64; 3]; 3] {
    [
        [t * t.cos() + 2.0 * t.sin(), a * w, 0.5 * w * w],
        [a * w, a * t, w * t + 2.0 * a],
        [0.5 * w * w, w * t + 2.0 * a, 2.0 * w],
    ]
}

fn mat_vec<const N: usize>(h: &[[f64; N]; N], v: &[f64]) -> Vec<f64> {
    h.iter()
        .map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum())
        .collect()
}

#[test]
fn a_struct_parameter_passed_whole_closed_form_differences_and_hvp() {
    for (t, w, a) in [(0.3, -1.2, 0.7), (1.7, 0.4, -1.1), (-2.0, 0.9, 0.25)] {
        let s = Pend { theta: t, omega: w };
        let (value, grad, h) = outer_hessian(s, a);
        let (v0, g0) = outer_grad(s, a);
        assert_all_close(&[value], &[v0], 1e-14, "value");
        let flat = |g: &(Pend, f64)| vec![g.0.theta, g.0.omega, g.1];
        assert_all_close(&flat(&grad), &flat(&g0), 1e-13, "gradient");
        let closed = outer_closed(t, w, a);
        assert_all_close(&h.flat(), &closed.flat(), 1e-12, "closed form");
        let fd = numeric_hessian(
            |q| {
                flat(
                    &outer_grad(
                        Pend {
                            theta: q[0],
                            omega: q[1],
                        },
                        q[2],
                    )
                    .1,
                )
            },
            &[t, w, a],
        );
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, "finite differences");
        assert_symmetric(&rows(h), 1e-12);
        // H·v along (0.5, −2, 1.5)
        let dir = [0.5, -2.0, 1.5];
        let (_, _, hv) = outer_hvp(
            s,
            a,
            (
                Pend {
                    theta: 0.5,
                    omega: -2.0,
                },
                1.5,
            ),
        );
        assert_all_close(&flat(&hv), &mat_vec(&closed, &dir), 1e-12, "hvp vs H·v");
        // d/dτ ∇f(x + τ·v) at τ = 0
        for i in 0..3 {
            let fd = central_diff(
                |tau| {
                    let q = Pend {
                        theta: t + tau * dir[0],
                        omega: w + tau * dir[1],
                    };
                    flat(&outer_grad(q, a + tau * dir[2]).1)[i]
                },
                0.0,
            );
            assert_all_close(&[flat(&hv)[i]], &[fd], 1e-7, &format!("(H·v)[{i}]"));
        }
    }
}

#[test]
fn a_struct_parameter_only_passed_whole() {
    for (t, w, a) in [(0.3, -1.2, 0.7), (-1.4, 0.6, 2.0)] {
        let s = Pend { theta: t, omega: w };
        let (_, _, h) = only_whole_hessian(s, a);
        // f = ½a²ω² + a(1 − cos θ)
        let closed = [
            [a * t.cos(), 0.0, t.sin()],
            [0.0, a * a, 2.0 * a * w],
            [t.sin(), 2.0 * a * w, w * w],
        ];
        assert_all_close(&h.flat(), &closed.flat(), 1e-12, "closed form");
        let (_, _, hv) = only_whole_hvp(
            s,
            a,
            (
                Pend {
                    theta: 1.0,
                    omega: 0.0,
                },
                -1.0,
            ),
        );
        let want = mat_vec(&closed, &[1.0, 0.0, -1.0]);
        assert_all_close(&[hv.0.theta, hv.0.omega, hv.1], &want, 1e-12, "hvp");
    }
}

#[test]
fn self_passed_on_to_methods_and_functions() {
    for (t, w, k) in [(0.3, -1.2, 0.7), (1.7, 0.4, -1.1)] {
        let s = Pend { theta: t, omega: w };
        // θ²ω: H = [[2ω, 2θ], [2θ, 0]]
        let (value, grad, h) = s.energy_hessian();
        assert_all_close(&[value], &[t * t * w], 1e-14, "value");
        assert_all_close(
            &[grad.theta, grad.omega],
            &[2.0 * t * w, t * t],
            1e-13,
            "gradient",
        );
        let closed = [[2.0 * w, 2.0 * t], [2.0 * t, 0.0]];
        assert_all_close(&h.flat(), &closed.flat(), 1e-12, "energy closed form");
        let (_, _, hv) = s.energy_hvp(Pend {
            theta: 0.5,
            omega: 2.0,
        });
        let want = mat_vec(&closed, &[0.5, 2.0]);
        assert_all_close(&[hv.theta, hv.omega], &want, 1e-12, "energy hvp");

        // ½k²ω² + k(1 − cos θ) + kθω over (θ, ω, k)
        let (_, _, h) = s.mixed_hessian(k);
        let closed = [
            [k * t.cos(), k, t.sin() + w],
            [k, k * k, 2.0 * k * w + t],
            [t.sin() + w, 2.0 * k * w + t, w * w],
        ];
        assert_all_close(&h.flat(), &closed.flat(), 1e-12, "mixed closed form");
        let fd = numeric_hessian(
            |q| {
                let (_, (g, gk)) = Pend {
                    theta: q[0],
                    omega: q[1],
                }
                .mixed_grad(q[2]);
                vec![g.theta, g.omega, gk]
            },
            &[t, w, k],
        );
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, "mixed finite differences");
        assert_symmetric(&rows(h), 1e-12);
        let (_, _, hv) = s.mixed_hvp(
            k,
            (
                Pend {
                    theta: -1.0,
                    omega: 0.5,
                },
                2.0,
            ),
        );
        let want = mat_vec(&closed, &[-1.0, 0.5, 2.0]);
        assert_all_close(&[hv.0.theta, hv.0.omega, hv.1], &want, 1e-12, "mixed hvp");
    }
}

/// A struct with an array field, in f32: the rows and columns are its
/// floats in declaration order (`w[0]`, `w[1]`, `l`), including `w`,
/// which the caller never reads itself.
#[derive(Clone, Copy, Debug, Differentiable)]
struct Arm {
    w: [f32; 2],
    l: f32,
}

/// l·(w₀² + w₁·w₀)
#[differentiable(hessian)]
fn reach(a: Arm) -> f32 {
    a.l * (a.w[0] * a.w[0] + a.w[1] * a.w[0])
}

/// reach(a)·l + l² = l²(w₀² + w₁w₀) + l²
#[differentiable(hessian)]
fn arm_cost(a: Arm) -> f32 {
    reach(a) * a.l + a.l * a.l
}

#[test]
fn f32_struct_with_an_array_field() {
    let a = Arm {
        w: [0.8, -0.6],
        l: 1.3,
    };
    let (_, grad, h) = arm_cost_hessian(a);
    let (_, g0) = arm_cost_grad(a);
    assert_eq!((grad.w, grad.l), (g0.w, g0.l));
    let (w0, w1, l) = (f64::from(a.w[0]), f64::from(a.w[1]), f64::from(a.l));
    let q = w0 * w0 + w1 * w0;
    let closed = [
        [2.0 * l * l, l * l, 2.0 * l * (2.0 * w0 + w1)],
        [l * l, 0.0, 2.0 * l * w0],
        [2.0 * l * (2.0 * w0 + w1), 2.0 * l * w0, 2.0 * q + 2.0],
    ];
    assert_all_close(&h.flat(), &closed.flat(), 1e-4, "f32 closed form");
    for (i, row) in h.iter().enumerate() {
        for (j, &hij) in row.iter().enumerate().take(i) {
            assert_eq!(hij, h[j][i], "symmetric [{i}][{j}]");
        }
    }
    let (_, _, hv) = arm_cost_hvp(
        a,
        Arm {
            w: [1.0, 0.0],
            l: -0.5,
        },
    );
    let want = mat_vec(&closed, &[1.0, 0.0, -0.5]);
    assert_all_close(&[hv.w[0], hv.w[1], hv.l].flat(), &want, 1e-4, "f32 hvp");
}

/// `s` passed whole in a run-time loop over data and in a run-time
/// branch: f = Σₓ pot(s, a·x)·x, plus θ·pot(s, a) when θ > 0.
#[differentiable(hessian)]
fn in_loop_and_branch(s: Pend, a: f64, #[nograd] xs: &[f64]) -> f64 {
    let mut total = 0.0;
    for &x in xs {
        total += pot(s, a * x) * x;
    }
    if s.theta > 0.0 {
        total + s.theta * pot(s, a)
    } else {
        total
    }
}

#[test]
fn passed_whole_in_a_run_time_loop_and_a_branch() {
    for xs in [vec![], vec![0.5], vec![0.5, -1.5, 2.0]] {
        for (t, w, a) in [(0.3, -1.2, 0.7), (-0.8, 0.6, -1.3)] {
            let s = Pend { theta: t, omega: w };
            let (_, _, h) = in_loop_and_branch_hessian(s, a, &xs);
            let flat = |g: &(Pend, f64)| vec![g.0.theta, g.0.omega, g.1];
            let fd = numeric_hessian(
                |q| {
                    flat(
                        &in_loop_and_branch_grad(
                            Pend {
                                theta: q[0],
                                omega: q[1],
                            },
                            q[2],
                            &xs,
                        )
                        .1,
                    )
                },
                &[t, w, a],
            );
            let what = format!("xs = {xs:?}, θ = {t}");
            assert_all_close(&h.flat(), &fd.concat(), 1e-6, &what);
            assert_symmetric(&rows(h), 1e-12);
        }
    }
}

/// A nested struct: a part passed whole (`b.p`), a field passed as it is
/// written (`sq(b.k)`), and a literal copying the rest (`Pend { theta:
/// 2.0 * b.k, ..b.p }`).
#[derive(Clone, Copy, Debug, Differentiable)]
struct Body {
    p: Pend,
    k: f64,
}

/// x²
#[differentiable(hessian)]
fn sq(x: f64) -> f64 {
    x * x
}

/// pot(p, k)·k + sq(k)·θ + pot(Pend { θ: 2k, ω }, 1)
/// = ½k²ω² + k(1 − cos θ) + k²θ + ½ω² + 1 − cos 2k.
#[differentiable(hessian)]
fn body_cost(b: Body) -> f64 {
    pot(b.p, b.k) * b.k
        + sq(b.k) * b.p.theta
        + pot(
            Pend {
                theta: 2.0 * b.k,
                ..b.p
            },
            1.0,
        )
}

#[test]
fn parts_fields_and_rest_of_a_nested_struct() {
    for (t, w, k) in [(0.3, -1.2, 0.7), (1.7, 0.4, -1.1)] {
        let b = Body {
            p: Pend { theta: t, omega: w },
            k,
        };
        let (v, _, h) = body_cost_hessian(b);
        let want = 0.5 * k * k * w * w + k * (1.0 - t.cos()) + k * k * t + 0.5 * w * w + 1.0
            - (2.0 * k).cos();
        assert_all_close(&[v], &[want], 1e-13, "value");
        // over (θ, ω, k)
        let closed = [
            [k * t.cos(), 0.0, t.sin() + 2.0 * k],
            [0.0, k * k + 1.0, 2.0 * k * w],
            [
                t.sin() + 2.0 * k,
                2.0 * k * w,
                w * w + 2.0 * t + 4.0 * (2.0 * k).cos(),
            ],
        ];
        assert_all_close(&h.flat(), &closed.flat(), 1e-12, "closed form");
        let flat = |g: &Body| vec![g.p.theta, g.p.omega, g.k];
        let fd = numeric_hessian(
            |q| {
                let b = Body {
                    p: Pend {
                        theta: q[0],
                        omega: q[1],
                    },
                    k: q[2],
                };
                flat(&body_cost_grad(b).1)
            },
            &[t, w, k],
        );
        assert_all_close(&h.flat(), &fd.concat(), 1e-6, "finite differences");
        let dir = Body {
            p: Pend {
                theta: 0.5,
                omega: -1.0,
            },
            k: 2.0,
        };
        let (_, _, hv) = body_cost_hvp(b, dir);
        let want = mat_vec(&closed, &[0.5, -1.0, 2.0]);
        assert_all_close(&flat(&hv), &want, 1e-12, "hvp");
    }
}

/// A caller passing `s` on whole to `outer`, itself passing it on: the
/// second derivative goes through `outer`'s `hvp_pullback`, built on its
/// `name_hvp`. f = outer(s, a) + a·θ.
#[differentiable(hessian)]
fn two_levels(s: Pend, a: f64) -> f64 {
    outer(s, a) + a * s.theta
}

/// `hvp` alone: `name_hvp` without `name_hessian`.
#[differentiable(hvp)]
fn only_hvp(s: Pend, a: f64) -> f64 {
    outer(s, a)
}

#[test]
fn two_levels_of_struct_passing_and_hvp_alone() {
    for (t, w, a) in [(0.3, -1.2, 0.7), (-1.1, 0.5, 1.9)] {
        let s = Pend { theta: t, omega: w };
        let mut closed = outer_closed(t, w, a);
        let (_, _, hv) = only_hvp_hvp(
            s,
            a,
            (
                Pend {
                    theta: 0.0,
                    omega: 1.0,
                },
                0.0,
            ),
        );
        let want = mat_vec(&closed, &[0.0, 1.0, 0.0]);
        assert_all_close(&[hv.0.theta, hv.0.omega, hv.1], &want, 1e-12, "hvp alone");
        // + a·θ: ∂²/∂θ∂a = 1
        closed[0][2] += 1.0;
        closed[2][0] += 1.0;
        let (_, _, h) = two_levels_hessian(s, a);
        assert_all_close(&h.flat(), &closed.flat(), 1e-12, "two levels");
    }
}
