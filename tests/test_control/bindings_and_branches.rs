//! Bindings, assignment and run-time `if`s.

use super::*;

// ---------------------------------------------------------------------------
// Bindings

#[test]
fn let_shadowing() {
    // f = 2y·(sin(xy) + x)
    for [x, y] in XY {
        let want = [
            2.0 * y * y * (x * y).cos() + 2.0 * y,
            2.0 * (x * y).sin() + 2.0 * x * y * (x * y).cos() + 2.0 * x,
        ];
        let (v64, g64) = c64::shadowing_grad(x, y);
        let (v32, g32) = c32::shadowing_grad(x as f32, y as f32);
        check_values(
            "shadowing",
            v64,
            c64::shadowing(x, y),
            v32,
            c32::shadowing(x as f32, y as f32),
        );
        check("shadowing", &[x, y], &want, &g64, &g32, |v| {
            c64::shadowing(v[0], v[1])
        });
    }
}

#[test]
fn reassignment() {
    // u = x(y + 1), f = u² + u
    for [x, y] in XY {
        let u = x * (y + 1.0);
        let want = [(2.0 * u + 1.0) * (y + 1.0), (2.0 * u + 1.0) * x];
        let (v64, g64) = c64::reassign_grad(x, y);
        let (v32, g32) = c32::reassign_grad(x as f32, y as f32);
        check_values(
            "reassign",
            v64,
            c64::reassign(x, y),
            v32,
            c32::reassign(x as f32, y as f32),
        );
        check("reassign", &[x, y], &want, &g64, &g32, |v| {
            c64::reassign(v[0], v[1])
        });
    }
}

#[test]
fn compound_assignment() {
    // f = (x/2 + y)·y/(x + 2)
    for [x, y] in XY {
        let want = [
            0.5 * y / (x + 2.0) - (0.5 * x + y) * y / (x + 2.0).powi(2),
            (0.5 * x + 2.0 * y) / (x + 2.0),
        ];
        let (v64, g64) = c64::compound_grad(x, y);
        let (v32, g32) = c32::compound_grad(x as f32, y as f32);
        check_values(
            "compound",
            v64,
            c64::compound(x, y),
            v32,
            c32::compound(x as f32, y as f32),
        );
        check("compound", &[x, y], &want, &g64, &g32, |v| {
            c64::compound(v[0], v[1])
        });
    }
}

#[test]
fn compound_assignment_of_itself() {
    // f = (2x² − x)/y
    for [x, y] in XY {
        let want = [(4.0 * x - 1.0) / y, -(2.0 * x * x - x) / (y * y)];
        let (v64, g64) = c64::compound_self_grad(x, y);
        let (v32, g32) = c32::compound_self_grad(x as f32, y as f32);
        check_values(
            "compound_self",
            v64,
            c64::compound_self(x, y),
            v32,
            c32::compound_self(x as f32, y as f32),
        );
        check("compound_self", &[x, y], &want, &g64, &g32, |v| {
            c64::compound_self(v[0], v[1])
        });
    }
}

// ---------------------------------------------------------------------------
// if

#[test]
fn if_else_if_else_expression_each_branch() {
    // (x, y, branch): 1 when x > 0 && y > 0; 2 when x < −1 || y ≥ 2; else 3
    let cases = [
        (1.5_f64, 0.75_f64, 1),
        (2.0, 3.0, 1),
        (-2.0, 0.5, 2),
        (-0.5, 3.0, 2),
        (-1.5, -1.0, 2),
        (0.5, -0.25, 3),
        (-0.5, 1.0, 3),
    ];
    for (x, y, branch) in cases {
        let want = match branch {
            1 => [2.0 * x * y, x * x],              // x²y
            2 => [3.0 * x * x + y, x],              // x³ + xy
            _ => [2.0 * x - y.sin(), -x * y.cos()], // x² − x·sin y
        };
        let (v64, g64) = c64::if_expr_grad(x, y);
        let (v32, g32) = c32::if_expr_grad(x as f32, y as f32);
        check_values(
            "if_expr",
            v64,
            c64::if_expr(x, y),
            v32,
            c32::if_expr(x as f32, y as f32),
        );
        check(
            &format!("if_expr branch {branch}"),
            &[x, y],
            &want,
            &g64,
            &g32,
            |v| c64::if_expr(v[0], v[1]),
        );
    }
}

#[test]
fn if_statements_each_branch() {
    // x > y: r = xy² + 1, else r = xy + eʸ; then r ↦ |r|
    let cases = [
        [2.0_f64, 1.0],
        [2.0, -1.5],
        [-3.0, -4.0],
        [0.5, 1.0],
        [-3.0, 0.5],
        [-5.0, 0.5],
    ];
    let mut signs = Vec::new();
    for [x, y] in cases {
        let (r, dr) = if x > y {
            (x * y * y + 1.0, [y * y, 2.0 * x * y])
        } else {
            (x * y + y.exp(), [y, x + y.exp()])
        };
        let sign = if r >= 0.0 { 1.0 } else { -1.0 };
        signs.push(sign);
        let want = [sign * dr[0], sign * dr[1]];
        let (v64, g64) = c64::if_stmt_grad(x, y);
        let (v32, g32) = c32::if_stmt_grad(x as f32, y as f32);
        check_values(
            "if_stmt",
            v64,
            c64::if_stmt(x, y),
            v32,
            c32::if_stmt(x as f32, y as f32),
        );
        check("if_stmt", &[x, y], &want, &g64, &g32, |v| {
            c64::if_stmt(v[0], v[1])
        });
    }
    // both sides of the `if` without `else` were exercised
    assert!(signs.contains(&1.0) && signs.contains(&-1.0));
}

#[test]
fn comparison_operators_and_ties() {
    for [x, y] in [
        [0.5_f64, 1.5],
        [2.0, 0.75],
        [1.5, 3.0],
        [-1.0, -2.0],
        [0.0, 1.0],
        [0.5, 0.5],
        [1.25, 1.25],
    ] {
        let da = if x <= y { [1.0, 0.0] } else { [0.0, 1.0] };
        let db = if x >= 1.0 { 2.0 * x } else { 2.0 };
        let dc = if x == y {
            [0.0, 0.0]
        } else if x != 0.0 {
            [y, x]
        } else {
            [0.0, 1.0]
        };
        let want = [da[0] + db + dc[0], da[1] + dc[1]];
        let (v64, g64) = c64::comparisons_grad(x, y);
        let (v32, g32) = c32::comparisons_grad(x as f32, y as f32);
        check_values(
            "comparisons",
            v64,
            c64::comparisons(x, y),
            v32,
            c32::comparisons(x as f32, y as f32),
        );
        assert_all_close(
            &g64.flat(),
            &want,
            TOL_64,
            &format!("comparisons f64 at ({x}, {y})"),
        );
        assert_all_close(
            &g32.flat(),
            &want,
            TOL_32,
            &format!("comparisons f32 at ({x}, {y})"),
        );
        // finite differences only where no comparison flips within the stencil
        if x != y && x != 0.0 {
            check("comparisons", &[x, y], &want, &g64, &g32, |v| {
                c64::comparisons(v[0], v[1])
            });
        }
    }
}

#[test]
fn if_as_tail_expression() {
    // s = xy > 1: f = x·ln(xy); s < −1: f = y; else relu(x) + xy
    let cases = [
        [2.0_f64, 1.5],
        [0.75, 4.0],
        [-2.0, 1.5],
        [1.5, -2.0],
        [0.5, 0.5],
        [-0.5, 0.75],
    ];
    for [x, y] in cases {
        let s = x * y;
        let want = if s > 1.0 {
            [s.ln() + 1.0, x / y]
        } else if s < -1.0 {
            [0.0, 1.0]
        } else {
            [if x > 0.0 { 1.0 } else { 0.0 } + y, x]
        };
        let (v64, g64) = c64::if_tail_grad(x, y);
        let (v32, g32) = c32::if_tail_grad(x as f32, y as f32);
        check_values(
            "if_tail",
            v64,
            c64::if_tail(x, y),
            v32,
            c32::if_tail(x as f32, y as f32),
        );
        check("if_tail", &[x, y], &want, &g64, &g32, |v| {
            c64::if_tail(v[0], v[1])
        });
    }
}

// ---------------------------------------------------------------------------
// for

/// Points for two scalar parameters.
#[test]
fn nested_ifs() {
    // every branch: c < 10, c >= 10, b <= 0.1 (twice), x <= 0
    let points: [[f64; 2]; 5] = [
        [0.5, 1.5],
        [1.5, 9.0],
        [0.25, 0.25],
        [1.5, 8.0],
        [-0.5, 1.5],
    ];
    for [x, y] in points {
        let a = x * y;
        let da = [y, x];
        let (r, dr) = if x > 0.0 {
            let b = a.sin() * x;
            let db = [a.cos() * y * x + a.sin(), a.cos() * x * x];
            if b > 0.1 {
                let c = b * y;
                let dc = [db[0] * y, db[1] * y + b];
                if c < 10.0 {
                    let d = |k: usize| dc[k] * a + c * da[k] + db[k];
                    (c * a + b, [d(0), d(1)])
                } else {
                    (c - a, [dc[0] - da[0], dc[1] - da[1]])
                }
            } else {
                (b * b, [2.0 * b * db[0], 2.0 * b * db[1]])
            }
        } else {
            (a * a, [2.0 * a * da[0], 2.0 * a * da[1]])
        };
        let want = [dr[0] * x + r, dr[1] * x];
        let (v64, g64) = c64::nested_ifs_grad(x, y);
        let (v32, g32) = c32::nested_ifs_grad(x as f32, y as f32);
        check_values(
            "nested_ifs",
            v64,
            c64::nested_ifs(x, y),
            v32,
            c32::nested_ifs(x as f32, y as f32),
        );
        check("nested_ifs", &[x, y], &want, &g64, &g32, |v| {
            c64::nested_ifs(v[0], v[1])
        });
    }
}

/// An `if` whose branches are both constants, read by a method: the
/// generated `let r = if c { 2.0 } else { 0.1 };` left `r.cos()` with no
/// type to infer (rustc's E0689). Found by the property tests' compiled
/// sample (`generated_programs/structs.rs`).
#[macrograd::differentiable]
fn constant_branches(x: f64, y: f64) -> f64 {
    (if y > 0.5 { 2.0_f64 } else { 0.1_f64 }).cos() * x
}

#[test]
fn if_of_two_constants_read_by_a_method() {
    // f = cos(y > 0.5 ? 2 : 0.1)·x: ∂x = that cosine, ∂y = 0
    for [x, y] in XY {
        let c: f64 = if y > 0.5 { 2.0 } else { 0.1 };
        let (v, g) = constant_branches_grad(x, y);
        assert_eq!(v, c.cos() * x, "value at {x}, {y}");
        assert_all_close(&[g.0, g.1], &[c.cos(), 0.0], TOL_64, "gradient");
        let fd = numeric_grad(|v| constant_branches(v[0], v[1]), &[x, y]);
        assert_all_close(&[g.0, g.1], &fd, TOL_FD, "gradient vs finite differences");
    }
}
