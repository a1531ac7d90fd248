//! Calls between differentiable functions reached through `use`, and a
//! local `#[differentiable]` function inside a function body.

mod m {
    use macrograd::differentiable;

    /// `a·sin b`
    #[differentiable]
    pub fn pair(a: f64, b: f64) -> f64 {
        a * b.sin()
    }
}

mod user {
    use crate::m::pair;
    use macrograd::differentiable;

    /// `pair(x, 2)`, calling the imported function by its bare name.
    #[differentiable]
    pub fn f(x: f64) -> f64 {
        pair(x, 2.0)
    }
}

#[test]
fn a_use_imported_function_can_be_called() {
    // f(x) = x·sin 2, so f'(x) = sin 2
    let (v, d) = user::f_grad(1.0);
    assert_eq!(v, 2.0_f64.sin());
    assert_eq!(d, 2.0_f64.sin());
}

#[test]
fn local_functions_call_each_other() {
    use macrograd::differentiable;

    #[differentiable]
    fn square(v: f64) -> f64 {
        v * v
    }

    #[differentiable]
    fn twice_square(x: f64) -> f64 {
        2.0 * square(x)
    }

    // 2x², derivative 4x
    assert_eq!(twice_square_grad(3.0), (18.0, 12.0));
}

/// Gravity, a constant item outside the differentiable functions.
const G: f64 = 9.81;

mod units {
    /// A constant reached by path.
    pub const HALF: f64 = 0.5;
}

/// Potential plus kinetic energy with constants from the surrounding code.
#[macrograd::differentiable]
fn energy(h: f64, v: f64) -> f64 {
    G * h + units::HALF * v * v
}

#[test]
fn constant_items_are_read_where_they_are_defined() {
    // ∂/∂h = G, ∂/∂v = v
    let (e, (dh, dv)) = energy_grad(2.0, 3.0);
    assert_eq!(e, G * 2.0 + 0.5 * 9.0);
    assert_eq!((dh, dv), (G, 3.0));
}
