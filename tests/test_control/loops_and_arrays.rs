//! Loops over constant ranges and arrays, local arrays, constants, `#[nograd]`
//! and typed bindings.

use super::*;

#[test]
fn for_range_with_cast_index() {
    for x in X4 {
        let want: Vec<f64> = (0..4).map(|i| 2.0 * (i as f64 + 1.0) * x[i]).collect();
        let (v64, g64) = c64::weighted_grad(x);
        let (v32, g32) = c32::weighted_grad(arr32(&x));
        check_values(
            "weighted",
            v64,
            c64::weighted(x),
            v32,
            c32::weighted(arr32(&x)),
        );
        check("weighted", &x, &want, &g64, &g32, |v| c64::weighted(arr(v)));
    }
}

#[test]
fn loop_index_subscripts() {
    let points = [
        [0.5_f64, -1.25, 2.0, 0.75, -0.5],
        [-2.0, 0.25, 1.5, -0.5, 1.0],
        [1.0, 1.0, -1.0, 3.0, 0.25],
        [0.125, -0.75, -2.5, 1.75, 2.0],
        [3.0, 2.5, 0.5, -1.5, -3.0],
    ];
    for x in points {
        // s = Σ(x[i+1] − x[i])² + ¼Σ x[i−1]·x[i] + x[0]·x[4]
        let mut want = vec![0.0; 5];
        for i in 0..4 {
            want[i + 1] += 2.0 * (x[i + 1] - x[i]);
            want[i] -= 2.0 * (x[i + 1] - x[i]);
            want[i] += 0.25 * x[i + 1];
            want[i + 1] += 0.25 * x[i];
        }
        want[0] += x[4];
        want[4] += x[0];
        let (v64, g64) = c64::neighbours_grad(x);
        let (v32, g32) = c32::neighbours_grad(arr32(&x));
        check_values(
            "neighbours",
            v64,
            c64::neighbours(x),
            v32,
            c32::neighbours(arr32(&x)),
        );
        check("neighbours", &x, &want, &g64, &g32, |v| {
            c64::neighbours(arr(v))
        });
    }
}

#[test]
fn reversed_range_horner() {
    let c = [0.5, -1.25, 2.0, 0.75];
    for x in [-1.5_f64, -0.5, 0.25, 1.0, 2.5] {
        // p(x) = c0 + c1·x + c2·x² + c3·x³: ∂x = c1 + 2c2·x + 3c3·x², ∂cᵢ = xⁱ
        let value = c[0] + c[1] * x + c[2] * x * x + c[3] * x * x * x;
        let dx = c[1] + 2.0 * c[2] * x + 3.0 * c[3] * x * x;
        let want = [dx, 1.0, x, x * x, x * x * x];
        let (v64, g64) = c64::horner_grad(x, c);
        let (v32, g32) = c32::horner_grad(x as f32, arr32(&c));
        assert_close!(v64, value, 1e-14);
        check_values(
            "horner",
            v64,
            c64::horner(x, c),
            v32,
            c32::horner(x as f32, arr32(&c)),
        );
        let pt = [&[x][..], &c[..]].concat();
        check("horner", &pt, &want, &g64, &g32, |v| {
            c64::horner(v[0], arr(&v[1..]))
        });

        let (v64, g64) = c64::horner_fixed_grad(x, c);
        let (v32, g32): (f32, f32) = c32::horner_fixed_grad(x as f32, arr32(&c));
        check_values(
            "horner_fixed",
            v64,
            c64::horner_fixed(x, c),
            v32,
            c32::horner_fixed(x as f32, arr32(&c)),
        );
        check("horner_fixed", &[x], &[dx], &g64, &g32, |v| {
            c64::horner_fixed(v[0], c)
        });
    }
}

#[test]
fn for_over_array() {
    for x in [
        [0.5_f64, -1.25, 2.0],
        [-2.0, 0.25, 1.5],
        [1.0, 1.0, -1.0],
        [0.125, -0.75, -2.5],
        [3.0, 2.5, 0.5],
    ] {
        let want: Vec<f64> = x.iter().map(|&v| v.sin() + v * v.cos()).collect();
        let (v64, g64) = c64::for_each_grad(x);
        let (v32, g32) = c32::for_each_grad(arr32(&x));
        check_values(
            "for_each",
            v64,
            c64::for_each(x),
            v32,
            c32::for_each(arr32(&x)),
        );
        check("for_each", &x, &want, &g64, &g32, |v| c64::for_each(arr(v)));
    }
}

#[test]
fn for_over_enumerate() {
    for (x, y) in X4.iter().zip([0.25_f64, 1.0, -0.5, 0.5, 2.75]) {
        // s = Σ i·xᵢ·y + e^xᵢ + [xᵢ > y]·xᵢ
        let mut want: Vec<f64> = (0..4)
            .map(|i| i as f64 * y + x[i].exp() + if x[i] > y { 1.0 } else { 0.0 })
            .collect();
        want.push((0..4).map(|i| i as f64 * x[i]).sum());
        let (v64, g64) = c64::enumerated_grad(*x, y);
        let (v32, g32) = c32::enumerated_grad(arr32(x), y as f32);
        check_values(
            "enumerated",
            v64,
            c64::enumerated(*x, y),
            v32,
            c32::enumerated(arr32(x), y as f32),
        );
        let pt = [&x[..], &[y][..]].concat();
        check("enumerated", &pt, &want, &g64, &g32, |v| {
            c64::enumerated(arr(&v[..4]), v[4])
        });
    }
}

#[test]
fn more_loop_heads() {
    for x in X4 {
        // s = Σⱼ x[3−j]·(j+1) + Σ i·xᵢ + Σ_{i<3} xᵢ·xᵢ₊₁ + 2·x3:
        // ∂xᵢ = (4 − i) + i + xᵢ₊₁ [i < 3] + xᵢ₋₁ [i > 0] + 2 [i = 3]
        let want: Vec<f64> = (0..4)
            .map(|i| {
                4.0 + if i < 3 { x[i + 1] } else { 0.0 }
                    + if i > 0 { x[i - 1] } else { 0.0 }
                    + if i == 3 { 2.0 } else { 0.0 }
            })
            .collect();
        let (v64, g64) = c64::loop_heads_grad(x);
        let (v32, g32) = c32::loop_heads_grad(arr32(&x));
        check_values(
            "loop_heads",
            v64,
            c64::loop_heads(x),
            v32,
            c32::loop_heads(arr32(&x)),
        );
        check("loop_heads", &x, &want, &g64, &g32, |v| {
            c64::loop_heads(arr(v))
        });
    }
}

#[test]
fn compile_time_condition_on_loop_index() {
    for x in X4 {
        // s = x0 + x0·x1 + x1·x2 + x2·x3
        let want = [1.0 + x[1], x[0] + x[2], x[1] + x[3], x[2]];
        let (v64, g64) = c64::index_conditions_grad(x);
        let (v32, g32) = c32::index_conditions_grad(arr32(&x));
        check_values(
            "index_conditions",
            v64,
            c64::index_conditions(x),
            v32,
            c32::index_conditions(arr32(&x)),
        );
        check("index_conditions", &x, &want, &g64, &g32, |v| {
            c64::index_conditions(arr(v))
        });
    }
}

// ---------------------------------------------------------------------------
// arrays, constants, #[nograd]

#[test]
fn local_arrays() {
    // s = 4x² + 4x²y + 2xy² + 2x + 2xy
    for [x, y] in XY {
        let want = [
            8.0 * x + 8.0 * x * y + 2.0 * y * y + 2.0 + 2.0 * y,
            4.0 * x * x + 4.0 * x * y + 2.0 * x,
        ];
        let (v64, g64) = c64::local_array_grad(x, y);
        let (v32, g32) = c32::local_array_grad(x as f32, y as f32);
        check_values(
            "local_array",
            v64,
            c64::local_array(x, y),
            v32,
            c32::local_array(x as f32, y as f32),
        );
        check("local_array", &[x, y], &want, &g64, &g32, |v| {
            c64::local_array(v[0], v[1])
        });
    }
}

#[test]
fn array_elements_assigned_in_if() {
    // x > y: f = y·y + xy = y² + xy, else f = xy + 1
    for [x, y] in [
        [2.0_f64, 1.0],
        [0.5, -1.5],
        [-1.0, 0.5],
        [0.25, 3.0],
        [-2.0, -3.0],
    ] {
        let want = if x > y { [y, 2.0 * y + x] } else { [y, x] };
        let (v64, g64) = c64::array_in_if_grad(x, y);
        let (v32, g32) = c32::array_in_if_grad(x as f32, y as f32);
        check_values(
            "array_in_if",
            v64,
            c64::array_in_if(x, y),
            v32,
            c32::array_in_if(x as f32, y as f32),
        );
        check("array_in_if", &[x, y], &want, &g64, &g32, |v| {
            c64::array_in_if(v[0], v[1])
        });
    }
}

#[test]
fn float_constants() {
    use std::f64::consts::{E, FRAC_1_SQRT_2, PI};
    for x in [-1.5_f64, -0.25, 0.125, 0.75, 2.0] {
        let want = [PI * (PI * x).cos() + E + 2.0 * FRAC_1_SQRT_2 * x];
        let (v64, g64) = c64::constants_grad(x);
        let (v32, g32) = c32::constants_grad(x as f32);
        check_values(
            "constants",
            v64,
            c64::constants(x),
            v32,
            c32::constants(x as f32),
        );
        check("constants", &[x], &want, &g64, &g32, |v| {
            c64::constants(v[0])
        });
    }
}

#[test]
fn nograd_parameters() {
    let (a, w) = (1.5, [0.5, -2.0]);
    for [x, y] in XY {
        let want = [2.0 * a * x + w[0] * y, w[0] * x + w[1]];
        let (v64, g64): (f64, (f64, f64)) = c64::nograd_mix_grad(a, x, w, y);
        let (v32, g32): (f32, (f32, f32)) =
            c32::nograd_mix_grad(a as f32, x as f32, arr32(&w), y as f32);
        check_values(
            "nograd_mix",
            v64,
            c64::nograd_mix(a, x, w, y),
            v32,
            c32::nograd_mix(a as f32, x as f32, arr32(&w), y as f32),
        );
        check("nograd_mix", &[x, y], &want, &g64, &g32, |v| {
            c64::nograd_mix(a, v[0], w, v[1])
        });
    }
}

#[test]
fn single_differentiable_parameter_gives_a_bare_entry() {
    for x in [-1.5_f64, -0.25, 0.125, 0.75, 2.0] {
        // the type annotation is the point: `f64`, not `(f64,)`
        let (v64, g64): (f64, f64) = c64::single_grad(x, 2.5);
        let (v32, g32): (f32, f32) = c32::single_grad(x as f32, 2.5);
        check_values(
            "single",
            v64,
            c64::single(x, 2.5),
            v32,
            c32::single(x as f32, 2.5),
        );
        check("single", &[x], &[7.5 * x * x], &g64, &g32, |v| {
            c64::single(v[0], 2.5)
        });
    }
}

#[test]
fn typed_lets_path_methods_and_return() {
    // f = y·sin x + max(x, y)
    for [x, y] in XY {
        let want = [
            y * x.cos() + if x > y { 1.0 } else { 0.0 },
            x.sin() + if y > x { 1.0 } else { 0.0 },
        ];
        let (v64, g64) = c64::typed_and_paths_grad(x, y);
        let (v32, g32) = c32::typed_and_paths_grad(x as f32, y as f32);
        check_values(
            "typed_and_paths",
            v64,
            c64::typed_and_paths(x, y),
            v32,
            c32::typed_and_paths(x as f32, y as f32),
        );
        check("typed_and_paths", &[x, y], &want, &g64, &g32, |v| {
            c64::typed_and_paths(v[0], v[1])
        });
    }
}

#[test]
fn condition_bindings() {
    let cases = [
        [0.5_f64, 1.25],
        [-1.5, -0.75],
        [2.0, -0.5],
        [-0.25, 2.0],
        [0.0, 0.0],
        [-1.0, -1.0],
    ];
    for [x, y] in cases {
        let want = if x > 0.0 && y > 0.0 {
            [y, x]
        } else if (x <= 0.0 && y <= 0.0) || x == y {
            [0.0, 1.0]
        } else {
            [1.0, 0.0]
        };
        let (v64, g64) = c64::bool_bindings_grad(x, y);
        let (v32, g32) = c32::bool_bindings_grad(x as f32, y as f32);
        check_values(
            "bool_bindings",
            v64,
            c64::bool_bindings(x, y),
            v32,
            c32::bool_bindings(x as f32, y as f32),
        );
        assert_all_close(
            &g64.flat(),
            &want,
            TOL_64,
            &format!("bool_bindings f64 at ({x}, {y})"),
        );
        assert_all_close(
            &g32.flat(),
            &want,
            TOL_32,
            &format!("bool_bindings f32 at ({x}, {y})"),
        );
        if x != 0.0 && y != 0.0 {
            check("bool_bindings", &[x, y], &want, &g64, &g32, |v| {
                c64::bool_bindings(v[0], v[1])
            });
        }
    }
}
