//! Degenerate and deeply nested bodies, loops in branches, `mut` parameters,
//! bodies written by `macro_rules!`, raw identifiers.

use super::*;

#[test]
fn degenerate_bodies_give_exact_zeros_and_ones() {
    assert_eq!(c64::identity_grad(-1.5), (-1.5, 1.0));
    assert_eq!(c32::identity_grad(-1.5), (-1.5, 1.0));
    assert_eq!(c64::ignores_y_grad(0.75, 3.0), (1.5, (2.0, 0.0)));
    assert_eq!(c32::ignores_y_grad(0.75, 3.0), (1.5, (2.0, 0.0)));
    assert_eq!(
        c64::first_only_grad([0.5, 2.0, -3.0]),
        (0.5, [1.0, 0.0, 0.0])
    );
    assert_eq!(
        c32::first_only_grad([0.5, 2.0, -3.0]),
        (0.5, [1.0, 0.0, 0.0])
    );
    assert_eq!(c64::constant_grad(4.0), (-2.5, 0.0));
    assert_eq!(c32::constant_grad(4.0), (-2.5, 0.0));
}

#[test]
fn shadowing_inside_branches_and_blocks() {
    for [x, y] in XY {
        // x > 0: f = x·3xy = 3x²y, else f = xy
        let want = if x > 0.0 {
            [6.0 * x * y, 3.0 * x * x]
        } else {
            [y, x]
        };
        let (v64, g64) = c64::branch_shadow_grad(x, y);
        let (v32, g32) = c32::branch_shadow_grad(x as f32, y as f32);
        check_values(
            "branch_shadow",
            v64,
            c64::branch_shadow(x, y),
            v32,
            c32::branch_shadow(x as f32, y as f32),
        );
        check("branch_shadow", &[x, y], &want, &g64, &g32, |v| {
            c64::branch_shadow(v[0], v[1])
        });

        // f = 2x²
        let (v64, g64) = c64::block_assign_grad(x);
        let (v32, g32) = c32::block_assign_grad(x as f32);
        check_values(
            "block_assign",
            v64,
            c64::block_assign(x),
            v32,
            c32::block_assign(x as f32),
        );
        check("block_assign", &[x], &[4.0 * x], &g64, &g32, |v| {
            c64::block_assign(v[0])
        });

        // f = 10y + 2x
        let (v64, g64) = c64::array_swap_grad(x, y);
        let (v32, g32) = c32::array_swap_grad(x as f32, y as f32);
        check_values(
            "array_swap",
            v64,
            c64::array_swap(x, y),
            v32,
            c32::array_swap(x as f32, y as f32),
        );
        check("array_swap", &[x, y], &[2.0, 10.0], &g64, &g32, |v| {
            c64::array_swap(v[0], v[1])
        });
    }
}

#[test]
fn subscripts_from_index_arithmetic() {
    for x in [
        [0.5_f64, -1.25, 2.0, 0.75, -0.5, 1.5],
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        [-2.0, 0.25, 1.5, -0.5, 1.0, -3.0],
    ] {
        // s = x1·x5 + x3·x4 + x5·x3
        let want = [0.0, x[5], 0.0, x[4] + x[5], x[3], x[1] + x[3]];
        let (v64, g64) = c64::index_arithmetic_grad(x);
        let (v32, g32) = c32::index_arithmetic_grad(arr32(&x));
        check_values(
            "index_arithmetic",
            v64,
            c64::index_arithmetic(x),
            v32,
            c32::index_arithmetic(arr32(&x)),
        );
        check("index_arithmetic", &x, &want, &g64, &g32, |v| {
            c64::index_arithmetic(arr(v))
        });
    }
}

#[test]
fn loop_inside_branch_inside_loop() {
    let cases = [
        ([0.5_f64, -1.0, 2.0], 0.25),
        ([1.5, 0.75, -0.5], 1.0),
        ([-2.0, -1.5, -0.25], 0.5),
        ([3.0, 2.5, 2.0], -1.0),
        ([0.125, 0.5, -0.75], 0.25),
    ];
    for (x, y) in cases {
        // for each i with xᵢ > y: a += xᵢ·x (every j); else aᵢ −= y; f = Σ wⱼ·aⱼ, w = (1, 2, 3)
        let w = [1.0, 2.0, 3.0];
        let hot: Vec<usize> = (0..3).filter(|&i| x[i] > y).collect();
        let sum_hot: f64 = hot.iter().map(|&i| x[i]).sum();
        let wx: f64 = (0..3).map(|j| w[j] * x[j]).sum();
        let mut want: Vec<f64> = (0..3)
            .map(|k| w[k] * sum_hot + if hot.contains(&k) { wx } else { 0.0 })
            .collect();
        want.push(
            -(0..3)
                .filter(|i| !hot.contains(i))
                .map(|i| w[i])
                .sum::<f64>(),
        );
        let (v64, g64) = c64::loop_if_loop_grad(x, y);
        let (v32, g32) = c32::loop_if_loop_grad(arr32(&x), y as f32);
        check_values(
            "loop_if_loop",
            v64,
            c64::loop_if_loop(x, y),
            v32,
            c32::loop_if_loop(arr32(&x), y as f32),
        );
        let pt = [&x[..], &[y][..]].concat();
        check("loop_if_loop", &pt, &want, &g64, &g32, |v| {
            c64::loop_if_loop(arr(&v[..3]), v[3])
        });
    }
}

/// `x ↦ x·sin x + cos x` has derivative `x·cos x`, so n steps give
/// `∏ xₖ·cos xₖ` over the iterates (chain rule, computed here forward).
fn composition(x0: f64, n: usize) -> (f64, f64) {
    let (mut x, mut d) = (x0, 1.0);
    for _ in 0..n {
        d *= x * x.cos();
        x = x.sin() * x + x.cos();
    }
    (x, d)
}

#[test]
fn deep_nested_composition() {
    for x0 in [-2.0, 0.3, 3.0, 5.0, -4.5] {
        let (value, want) = composition(x0, 3);
        let (v64, g64) = c64::composition_3_grad(x0);
        let (v32, g32) = c32::composition_3_grad(x0 as f32);
        assert_eq!(v64, value);
        check_values(
            "composition_3",
            v64,
            c64::composition_3(x0),
            v32,
            c32::composition_3(x0 as f32),
        );
        // relative: the derivative is small near the fixed points ±π/2
        assert!(
            (g64 - want).abs() <= 1e-12 * want.abs(),
            "composition_3 at {x0}: {g64} vs {want}"
        );
        // the map is steep and the difference step grows with |x0| (5e-3 at
        // 5), so the quotient is good to ~1e-6 here
        assert_close!(
            g64,
            central_diff(c64::composition_3, x0),
            1e-5,
            "composition_3 at {x0}"
        );
        assert_close!(g32, want, 1e-3, "composition_3 f32 at {x0}");

        // thirty deep the iterates reach a superattracting fixed point, so
        // the derivative is ~0: check it against the product, without NaN
        let (value, want) = composition(x0, 30);
        let (v64, g64) = c64::composition_30_grad(x0);
        let (_, g32) = c32::composition_30_grad(x0 as f32);
        assert_eq!(v64, value);
        assert!(g64.is_finite() && g32.is_finite());
        assert!(
            (g64 - want).abs() <= 1e-12 * want.abs() + 1e-300,
            "composition_30 at {x0}: {g64} vs {want}"
        );
    }
}

#[test]
fn arrays_of_one_and_zero_elements_and_empty_loops() {
    assert_eq!(c64::len_one_grad([1.5]), (3.0, [2.0]));
    assert_eq!(c32::len_one_grad([1.5]), (3.0, [2.0]));
    assert_eq!(c64::len_one([-0.25]), -0.5);
    // f = y², f' = 2y; the empty array's gradient is empty
    for y in [-1.5_f64, 0.5, 2.0] {
        assert_eq!(c64::len_zero_grad([], y), (y * y, ([], 2.0 * y)));
        assert_eq!(
            c32::len_zero_grad([], y as f32),
            ((y * y) as f32, ([], 2.0 * y as f32))
        );
        assert_eq!(c64::len_zero([], y), y * y);
        assert_eq!(c32::len_zero([], y as f32), (y * y) as f32);
    }
}

#[derive(Clone, Copy, Debug)]
struct D {
    v: f64,
    d: [f64; 4],
}
impl D {
    fn c(v: f64) -> D {
        D { v, d: [0.0; 4] }
    }
    fn var(v: f64, i: usize) -> D {
        let mut d = [0.0; 4];
        d[i] = 1.0;
        D { v, d }
    }
    fn add(self, o: D) -> D {
        D {
            v: self.v + o.v,
            d: std::array::from_fn(|i| self.d[i] + o.d[i]),
        }
    }
    fn sub(self, o: D) -> D {
        D {
            v: self.v - o.v,
            d: std::array::from_fn(|i| self.d[i] - o.d[i]),
        }
    }
    fn mul(self, o: D) -> D {
        D {
            v: self.v * o.v,
            d: std::array::from_fn(|i| self.d[i] * o.v + self.v * o.d[i]),
        }
    }
    fn scale(self, k: f64) -> D {
        D {
            v: self.v * k,
            d: self.d.map(|x| x * k),
        }
    }
    fn neg(self) -> D {
        self.scale(-1.0)
    }
    fn abs(self) -> D {
        if self.v > 0.0 {
            self
        } else if self.v < 0.0 {
            self.neg()
        } else {
            D {
                v: 0.0,
                d: [0.0; 4],
            }
        }
    }
    fn ln_1p(self) -> D {
        D {
            v: self.v.ln_1p(),
            d: self.d.map(|x| x / (1.0 + self.v)),
        }
    }
}

/// `dynamics`, line for line, on dual numbers.
fn dynamics_dual(p: [f64; 3], y0: f64) -> D {
    let p = [D::var(p[0], 0), D::var(p[1], 1), D::var(p[2], 2)];
    let mut y = D::var(y0, 3);
    let mut v = D::c(0.0);
    for i in 0..12 {
        let force = if y.v > p[0].v {
            p[1].neg().mul(y.sub(p[0]))
        } else if y.v < -p[0].v {
            p[1].mul(p[0].neg().sub(y))
        } else {
            D::c(0.0)
        };
        v = v
            .scale(0.9)
            .add(force.scale(0.1))
            .add(p[2].scale((i as f64 * 0.3).sin()));
        if v.v.abs() > 1.0 {
            v = D::c(v.v.signum()).mul(D::c(1.0).add(v.abs().sub(D::c(1.0)).ln_1p()));
        }
        y = y.add(v.scale(0.1));
        let mut t = y;
        if t.v > 0.5 && v.v < 0.0 || t.v < -0.5 && v.v >= 0.0 {
            t = t.scale(0.5).add(v);
            y = t;
        }
    }
    y.mul(y).add(v)
}

#[test]
fn branches_on_loop_carried_values_match_forward_mode() {
    let cases = [
        ([0.8, 2.0, 1.5], 0.3),
        ([0.3, 5.0, 3.0], -1.0),
        ([1.2, 0.5, -2.0], 2.0),
        ([0.1, 10.0, 0.7], 0.0),
        ([0.6, 1.0, 5.0], -0.4),
    ];
    for (p, y0) in cases {
        let d = dynamics_dual(p, y0);
        let (v64, g64) = c64::dynamics_grad(p, y0);
        let (v32, g32) = c32::dynamics_grad(arr32(&p), y0 as f32);
        assert_eq!(v64, d.v);
        assert_eq!(v64, c64::dynamics(p, y0));
        assert_eq!(v32, c32::dynamics(arr32(&p), y0 as f32));
        assert_all_close(
            &g64.flat(),
            &d.d,
            TOL_64,
            &format!("dynamics f64 at {p:?}, {y0}"),
        );
        // f32 follows the same branches at these points; tolerance for 12 steps
        assert_all_close(
            &g32.flat(),
            &d.d,
            1e-4,
            &format!("dynamics f32 at {p:?}, {y0}"),
        );
    }
}

#[test]
fn mut_parameters() {
    for [x, y] in XY {
        // f = xy + sin y + y
        let want = [y, x + y.cos() + 1.0];
        let (v64, g64) = c64::mut_param_grad(x, y);
        let (v32, g32) = c32::mut_param_grad(x as f32, y as f32);
        check_values(
            "mut_param",
            v64,
            c64::mut_param(x, y),
            v32,
            c32::mut_param(x as f32, y as f32),
        );
        check("mut_param", &[x, y], &want, &g64, &g32, |v| {
            c64::mut_param(v[0], v[1])
        });
    }
}

/// `#[differentiable]` on functions a `macro_rules!` writes, with the caller's names
/// for the function, its parameters and its body.
macro_rules! product {
    ($name:ident($($p:ident),+)) => {
        #[macrograd::differentiable]
        fn $name($($p: f64),+) -> f64 {
            1.0 $(* $p)+
        }
    };
}

product!(product3(a, b, c));

#[test]
fn functions_written_by_macro_rules() {
    for [a, b] in XY {
        let c = a - b;
        let (v, g) = product3_grad(a, b, c);
        assert_eq!(v, product3(a, b, c));
        assert_all_close(&g.flat(), &[b * c, a * c, a * b], TOL_64, "product3");
    }
}

#[test]
fn compile_time_short_circuit_guards_subscripts() {
    let points = [
        [0.5_f64, -1.25, 2.0],
        [-2.0, 0.25, 1.5],
        [1.0, 1.5, -1.0],
        [0.125, -0.75, -2.5],
        [3.0, 2.5, 0.5],
    ];
    for x in points {
        // i = 1, 2: x[i]·x[i−1] where x[i−1] > 0; i = 0, 1: x[i] where x[i+1] < x[i]; and x[2]
        let mut want = [0.0, 0.0, 1.0];
        for i in 1..3 {
            if x[i - 1] > 0.0 {
                want[i] += x[i - 1];
                want[i - 1] += x[i];
            }
        }
        for i in 0..2 {
            if x[i + 1] < x[i] {
                want[i] += 1.0;
            }
        }
        let (v64, g64) = c64::short_circuit_grad(x);
        let (v32, g32) = c32::short_circuit_grad(arr32(&x));
        check_values(
            "short_circuit",
            v64,
            c64::short_circuit(x),
            v32,
            c32::short_circuit(arr32(&x)),
        );
        check("short_circuit", &x, &want, &g64, &g32, |v| {
            c64::short_circuit(arr(v))
        });
    }
}

#[test]
fn raw_identifiers_and_path_form_powi() {
    for x in [-1.5_f64, -0.25, 0.125, 0.75, 2.0] {
        // 3x², and x³ + x²
        let (v64, g64) = c64::raw_names_grad(x);
        let (v32, g32) = c32::raw_names_grad(x as f32);
        check_values(
            "raw_names",
            v64,
            c64::raw_names(x),
            v32,
            c32::raw_names(x as f32),
        );
        check("raw_names", &[x], &[6.0 * x], &g64, &g32, |v| {
            c64::raw_names(v[0])
        });

        let (v64, g64) = c64::path_powi_grad(x);
        let (v32, g32) = c32::path_powi_grad(x as f32);
        check_values(
            "path_powi",
            v64,
            c64::path_powi(x),
            v32,
            c32::path_powi(x as f32),
        );
        check(
            "path_powi",
            &[x],
            &[3.0 * x * x + 2.0 * x],
            &g64,
            &g32,
            |v| c64::path_powi(v[0]),
        );
    }
}
