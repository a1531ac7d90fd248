//! micrograd's `test/test_engine.py`, ported: the "sanity check" and "more
//! ops" expressions, with `Value.relu()` as `macrograd::ops::relu`,
//! `x**k` as `powi`, and `+=` on a fresh binding as Rust's `+=`.
//!
//! Expected values are known twice over, neither from the code under test:
//! 1. micrograd's test compares itself with PyTorch and the numbers quoted
//!    here are what PyTorch prints for the same expressions;
//! 2. each is re-derived below by hand as a closed form, and the test also
//!    checks the gradient against central finite differences.

mod common;

use common::{central_diff, numeric_grad};
use macrograd::differentiable;
use macrograd::ops::relu;

/// micrograd `test_sanity_check`:
///
/// ```python
/// x = Value(-4.0)
/// z = 2 * x + 2 + x
/// q = z.relu() + z * x
/// h = (z * z).relu()
/// y = h + q + q * x
/// ```
#[differentiable]
fn sanity(x: f64) -> f64 {
    let z = 2.0 * x + 2.0 + x;
    let q = relu(z) + z * x;
    let h = relu(z * z);
    h + q + q * x
}

/// Closed form near x = −4: z = 3x + 2 = −10 < 0, so relu(z) = 0 and
/// q = z·x = 3x² + 2x; z² > 0, so h = (3x + 2)². Then
/// y = (3x + 2)² + (3x² + 2x)(1 + x), and
/// y' = 6(3x + 2) + (6x + 2)(1 + x) + 3x² + 2x
///    = 6·(−10) + (−22)·(−3) + (48 − 8) = −60 + 66 + 40 = 46 at x = −4,
/// y  = 100 + 40·(1 − 4) = −20.
#[test]
fn sanity_check() {
    let (y, dy) = sanity_grad(-4.0);
    // PyTorch: ypt.data.item() = -20.0, xpt.grad.item() = 46.0
    assert_eq!(y, -20.0);
    assert_eq!(dy, 46.0);
    assert_eq!(y, sanity(-4.0));
    assert_close!(dy, central_diff(sanity, -4.0), 1e-9);
}

/// The same body in f32 (all values are small integers, exact in f32).
#[differentiable]
fn sanity_f32(x: f32) -> f32 {
    let z = 2.0 * x + 2.0 + x;
    let q = relu(z) + z * x;
    let h = relu(z * z);
    h + q + q * x
}

#[test]
fn sanity_check_f32() {
    assert_eq!(sanity_f32_grad(-4.0), (-20.0, 46.0));
    assert_eq!(sanity_f32(-4.0), -20.0);
}

/// micrograd `test_more_ops`:
///
/// ```python
/// a = Value(-4.0)
/// b = Value(2.0)
/// c = a + b
/// d = a * b + b**3
/// c += c + 1
/// c += 1 + c + (-a)
/// d += d * 2 + (b + a).relu()
/// d += 3 * d + (b - a).relu()
/// e = c - d
/// f = e**2
/// g = f / 2.0
/// g += 10.0 / f
/// ```
// `c += c + 1.0` is micrograd's expression, kept as written.
#[allow(clippy::misrefactored_assign_op)]
#[differentiable]
fn more_ops(a: f64, b: f64) -> f64 {
    let mut c = a + b;
    let mut d = a * b + b.powi(3);
    c += c + 1.0;
    c += 1.0 + c + (-a);
    d += d * 2.0 + relu(b + a);
    d += 3.0 * d + relu(b - a);
    let e = c - d;
    let f = e.powi(2);
    let mut g = f / 2.0;
    g += 10.0 / f;
    g
}

/// The values PyTorch prints for `test_more_ops` (gpt.data.item(),
/// apt.grad.item(), bpt.grad.item()).
const MORE_OPS_G: f64 = 24.70408163265306;
const MORE_OPS_DA: f64 = 138.83381924198252;
const MORE_OPS_DB: f64 = 645.5772594752186;

/// Closed form near (a, b) = (−4, 2), where b + a = −2 < 0 (that relu is 0
/// and flat) and b − a = 6 > 0 (that relu is b − a):
/// c = 4(a + b) + 3 − a = 3a + 4b + 3,
/// d = 12(ab + b³) + (b − a),
/// e = c − d = 4a + 3b + 3 − 12ab − 12b³ = −7,
/// g = e²/2 + 10/e² = 24.5 + 10/49,
/// dg/de = e − 20/e³ = −7 + 20/343 = −2381/343,
/// de/da = 4 − 12b = −20 and de/db = 3 − 12a − 36b² = −93, so
/// dg/da = 47620/343 and dg/db = 221433/343.
#[test]
fn more_ops_matches_pytorch_and_closed_form() {
    let (g, (da, db)) = more_ops_grad(-4.0, 2.0);
    assert_eq!(g, more_ops(-4.0, 2.0));

    assert_close!(g, MORE_OPS_G, 1e-14);
    assert_close!(da, MORE_OPS_DA, 1e-14);
    assert_close!(db, MORE_OPS_DB, 1e-14);

    assert_close!(g, 24.5 + 10.0 / 49.0, 1e-14);
    assert_close!(da, 47620.0 / 343.0, 1e-14);
    assert_close!(db, 221433.0 / 343.0, 1e-14);

    // g is steep here (de/db = −93 on e = −7), so the difference quotient is
    // good to about 1e-7 relative, not 1e-12.
    let fd = numeric_grad(|v| more_ops(v[0], v[1]), &[-4.0, 2.0]);
    assert_close!(da, fd[0], 1e-6);
    assert_close!(db, fd[1], 1e-6);
}

/// The closed form above holds on a neighbourhood of (−4, 2) (b + a < 0 <
/// b − a); the gradient matches it there, not only at the one point.
#[test]
fn more_ops_closed_form_near_the_point() {
    for (a, b) in [
        (-4.3_f64, 2.1_f64),
        (-3.5, 1.7),
        (-5.0, 2.6),
        (-4.1, 3.9),
        (-2.5, 0.5),
    ] {
        let e: f64 = 4.0 * a + 3.0 * b + 3.0 - 12.0 * a * b - 12.0 * b.powi(3);
        let g = e * e / 2.0 + 10.0 / (e * e);
        let dg_de = e - 20.0 / e.powi(3);
        let (value, (da, db)) = more_ops_grad(a, b);
        assert_close!(value, g, 1e-12, "at ({a}, {b})");
        assert_close!(da, dg_de * (4.0 - 12.0 * b), 1e-12, "at ({a}, {b})");
        assert_close!(
            db,
            dg_de * (3.0 - 12.0 * a - 36.0 * b * b),
            1e-12,
            "at ({a}, {b})"
        );
        let fd = numeric_grad(|v| more_ops(v[0], v[1]), &[a, b]);
        assert_close!(da, fd[0], 1e-6, "at ({a}, {b})");
        assert_close!(db, fd[1], 1e-6, "at ({a}, {b})");
    }
}

/// Both expressions as `grad!` closures give the same numbers.
#[test]
fn closures_match() {
    let sanity = macrograd::grad!(|x: f64| {
        let z = 2.0 * x + 2.0 + x;
        let q = relu(z) + z * x;
        let h = relu(z * z);
        h + q + q * x
    });
    assert_eq!(sanity(-4.0), (-20.0, 46.0));

    let more = macrograd::grad!(|a: f64, b: f64| {
        let mut c = a + b;
        let mut d = a * b + b.powi(3);
        c += c + 1.0;
        c += 1.0 + c + (-a);
        d += d * 2.0 + relu(b + a);
        d += 3.0 * d + relu(b - a);
        let e = c - d;
        let f = e.powi(2);
        let mut g = f / 2.0;
        g += 10.0 / f;
        g
    });
    let (g, (da, db)) = more(-4.0, 2.0);
    assert_close!(g, MORE_OPS_G, 1e-14);
    assert_close!(da, MORE_OPS_DA, 1e-14);
    assert_close!(db, MORE_OPS_DB, 1e-14);
}
