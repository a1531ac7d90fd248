//! Forward-mode dual numbers: the oracle the reverse sweep is checked against.
//!
//! A [`Dual`] carries a value and one tangent; running the interpreter on
//! duals seeded with tangent 1 on one parameter element gives the derivative
//! with respect to that element. Every rule below is written from calculus,
//! independently of `rules.rs` (where a formula has several equivalent forms,
//! a different one is chosen on purpose; σ′ is the one exception, see
//! [`sigmoid_slope`]). Values are computed exactly as the
//! `f64` interpreter computes them, so a dual run takes the same branches as
//! an `f64` run.
//!
//! Kinks follow the conventions macrograd documents: relu′(0) = 0,
//! abs′(0) = 0, `max`/`min` split a tie evenly, `clamp` passes the
//! derivative through on its closed interval. Test points avoid kinks
//! anyway: every kink the interpreter passes is recorded (see
//! [`KinkWatch`]), and a point too close to one is not used.

use std::cell::Cell;
use std::cmp::Ordering;
use std::ops::{Add, Div, Mul, Neg, Sub};

use macrograd_codegen::ir::eval::Scalar;

/// A value and its derivative along one direction.
#[derive(Clone, Copy, Debug)]
pub struct Dual {
    /// The value.
    pub v: f64,
    /// The derivative (tangent).
    pub d: f64,
}

impl Dual {
    /// A value with a tangent.
    pub fn new(v: f64, d: f64) -> Self {
        Dual { v, d }
    }

    /// The chain rule for a unary function: value `v`, derivative `slope`.
    fn chain(self, v: f64, slope: f64) -> Self {
        Dual::new(v, slope * self.d)
    }
}

thread_local! {
    /// The smallest relative distance to a kink seen since the last reset.
    static NEAREST_KINK: Cell<f64> = const { Cell::new(f64::INFINITY) };
}

/// Records how close an evaluation comes to a kink: comparisons, and the
/// points where relu, abs, signum, leaky_relu, max, min and clamp change
/// formula.
pub struct KinkWatch;

impl KinkWatch {
    /// Forgets what was recorded.
    pub fn reset() {
        NEAREST_KINK.with(|k| k.set(f64::INFINITY));
    }

    /// The smallest relative distance to a kink since the last reset.
    pub fn nearest() -> f64 {
        NEAREST_KINK.with(Cell::get)
    }
}

/// A kink between the formulas on either side of `a == b`. It matters only
/// when the two sides move apart along the tangent (a tie that holds in a
/// whole neighbourhood, like `relu(x - x)`, is not a kink there).
fn kink(a: Dual, b: Dual) {
    if a.d != b.d {
        let rel = (a.v - b.v).abs() / (1.0 + a.v.abs() + b.v.abs());
        NEAREST_KINK.with(|k| k.set(k.get().min(rel)));
    }
}

const ZERO: Dual = Dual { v: 0.0, d: 0.0 };

impl PartialEq for Dual {
    fn eq(&self, other: &Self) -> bool {
        kink(*self, *other);
        self.v == other.v
    }
}

impl PartialOrd for Dual {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        kink(*self, *other);
        self.v.partial_cmp(&other.v)
    }
}

impl Add for Dual {
    type Output = Dual;
    fn add(self, o: Dual) -> Dual {
        Dual::new(self.v + o.v, self.d + o.d)
    }
}

impl Sub for Dual {
    type Output = Dual;
    fn sub(self, o: Dual) -> Dual {
        Dual::new(self.v - o.v, self.d - o.d)
    }
}

impl Mul for Dual {
    type Output = Dual;
    /// Product rule.
    fn mul(self, o: Dual) -> Dual {
        Dual::new(self.v * o.v, self.d * o.v + self.v * o.d)
    }
}

impl Div for Dual {
    type Output = Dual;
    /// Quotient rule: (u/w)′ = (u′·w − u·w′)/w².
    fn div(self, o: Dual) -> Dual {
        Dual::new(self.v / o.v, (self.d * o.v - self.v * o.d) / (o.v * o.v))
    }
}

impl Neg for Dual {
    type Output = Dual;
    fn neg(self) -> Dual {
        Dual::new(-self.v, -self.d)
    }
}

/// tanh-approximation GELU constants: √(2/π) and the cubic coefficient.
const GELU_K: f64 = 0.797_884_560_802_865_4;
const GELU_C: f64 = 0.044_715;

/// σ′(x) = σ(x)·(1 − σ(x)).
///
/// The one rule that deliberately shares its form with `rules.rs` (and with
/// PyTorch and JAX). In saturation, `1 − σ` loses relative precision, so this
/// form is off by about ε in absolute terms from an independent form such as
/// e^(−|x|)/(1 + e^(−|x|))². A large adjoint downstream magnifies that
/// difference past the gradient tolerance. Proptest found such a body, which
/// now runs as `sigmoid_saturation_with_a_large_adjoint`. This form is itself
/// checked against central differences by
/// `dual_rules_agree_with_central_differences`.
fn sigmoid_slope(x: f64) -> f64 {
    let s = <f64 as Scalar>::sigmoid(x);
    s * (1.0 - s)
}

impl Scalar for Dual {
    fn from_f64(x: f64) -> Self {
        Dual::new(x, 0.0)
    }
    fn value(self) -> f64 {
        self.v
    }
    /// (√x)′ = 1/(2√x)
    fn sqrt(self) -> Self {
        let r = self.v.sqrt();
        self.chain(r, 0.5 / r)
    }
    /// (∛x)′ = x^(−2/3)/3, written as ∛x/(3x) (x ≠ 0)
    fn cbrt(self) -> Self {
        let r = self.v.cbrt();
        self.chain(r, r / (3.0 * self.v))
    }
    fn exp(self) -> Self {
        let e = self.v.exp();
        self.chain(e, e)
    }
    /// (2^x)′ = 2^x·ln 2
    fn exp2(self) -> Self {
        self.chain(self.v.exp2(), self.v.exp2() * std::f64::consts::LN_2)
    }
    /// (e^x − 1)′ = e^x
    fn exp_m1(self) -> Self {
        self.chain(self.v.exp_m1(), self.v.exp())
    }
    fn ln(self) -> Self {
        self.chain(self.v.ln(), 1.0 / self.v)
    }
    fn ln_1p(self) -> Self {
        self.chain(self.v.ln_1p(), 1.0 / (1.0 + self.v))
    }
    /// log_b(x) = ln x / ln b, by the quotient rule on ln x and ln b
    fn log(self, base: Self) -> Self {
        let (lx, lb) = (self.v.ln(), base.v.ln());
        let d = (self.d / self.v * lb - lx * base.d / base.v) / (lb * lb);
        Dual::new(self.v.log(base.v), d)
    }
    /// log₂ x = ln x / ln 2
    fn log2(self) -> Self {
        self.chain(self.v.log2(), std::f64::consts::LOG2_E / self.v)
    }
    /// log₁₀ x = ln x / ln 10
    fn log10(self) -> Self {
        self.chain(self.v.log10(), std::f64::consts::LOG10_E / self.v)
    }
    fn sin(self) -> Self {
        self.chain(self.v.sin(), self.v.cos())
    }
    fn cos(self) -> Self {
        self.chain(self.v.cos(), -self.v.sin())
    }
    /// (tan x)′ = 1/cos²x
    fn tan(self) -> Self {
        let c = self.v.cos();
        self.chain(self.v.tan(), 1.0 / (c * c))
    }
    /// (asin x)′ = 1/√((1 − x)(1 + x))
    fn asin(self) -> Self {
        self.chain(
            self.v.asin(),
            1.0 / ((1.0 - self.v) * (1.0 + self.v)).sqrt(),
        )
    }
    /// acos x = π/2 − asin x
    fn acos(self) -> Self {
        self.chain(
            self.v.acos(),
            -1.0 / ((1.0 - self.v) * (1.0 + self.v)).sqrt(),
        )
    }
    fn atan(self) -> Self {
        self.chain(self.v.atan(), 1.0 / (1.0 + self.v * self.v))
    }
    /// θ = atan2(y, x): dθ = (x·dy − y·dx)/(x² + y²)
    fn atan2(self, other: Self) -> Self {
        let (y, x) = (self, other);
        let r2 = x.v * x.v + y.v * y.v;
        Dual::new(y.v.atan2(x.v), (x.v * y.d - y.v * x.d) / r2)
    }
    fn sinh(self) -> Self {
        self.chain(self.v.sinh(), self.v.cosh())
    }
    fn cosh(self) -> Self {
        self.chain(self.v.cosh(), self.v.sinh())
    }
    /// (tanh x)′ = 1/cosh²x
    fn tanh(self) -> Self {
        let c = self.v.cosh();
        self.chain(self.v.tanh(), 1.0 / (c * c))
    }
    /// asinh x = ln(x + √(x² + 1)), derivative 1/√(x² + 1)
    fn asinh(self) -> Self {
        self.chain(self.v.asinh(), 1.0 / self.v.hypot(1.0))
    }
    /// acosh x = ln(x + √(x² − 1)), derivative 1/√((x − 1)(x + 1))
    fn acosh(self) -> Self {
        self.chain(
            self.v.acosh(),
            1.0 / ((self.v - 1.0) * (self.v + 1.0)).sqrt(),
        )
    }
    /// atanh x = ½ ln((1 + x)/(1 − x)), derivative ½(1/(1 + x) + 1/(1 − x))
    fn atanh(self) -> Self {
        let x = self.v;
        self.chain(x.atanh(), 0.5 * (1.0 / (1.0 + x) + 1.0 / (1.0 - x)))
    }
    /// |x|′ = sign x, 0 at 0
    fn abs(self) -> Self {
        kink(self, ZERO);
        let s = if self.v > 0.0 {
            1.0
        } else if self.v < 0.0 {
            -1.0
        } else {
            0.0
        };
        self.chain(self.v.abs(), s)
    }
    /// piecewise constant
    fn signum(self) -> Self {
        kink(self, ZERO);
        Dual::new(self.v.signum(), 0.0)
    }
    /// the larger side's derivative; the mean of both on a tie
    fn max(self, other: Self) -> Self {
        kink(self, other);
        let d = match self.v.partial_cmp(&other.v) {
            Some(Ordering::Greater) => self.d,
            Some(Ordering::Less) => other.d,
            _ => 0.5 * (self.d + other.d),
        };
        Dual::new(self.v.max(other.v), d)
    }
    /// the smaller side's derivative; the mean of both on a tie
    fn min(self, other: Self) -> Self {
        kink(self, other);
        let d = match self.v.partial_cmp(&other.v) {
            Some(Ordering::Less) => self.d,
            Some(Ordering::Greater) => other.d,
            _ => 0.5 * (self.d + other.d),
        };
        Dual::new(self.v.min(other.v), d)
    }
    /// h = √(x² + y²): dh = (x·dx + y·dy)/h
    fn hypot(self, other: Self) -> Self {
        let h = self.v.hypot(other.v);
        Dual::new(h, (self.v * self.d + other.v * other.d) / h)
    }
    /// a·b + c, fused: the product rule plus c′
    fn mul_add(self, a: Self, b: Self) -> Self {
        Dual::new(self.v.mul_add(a.v, b.v), self.d * a.v + self.v * a.d + b.d)
    }
    /// (1/x)′ = −1/x²
    fn recip(self) -> Self {
        self.chain(self.v.recip(), -1.0 / (self.v * self.v))
    }
    /// the derivative of whichever of `lo`, `x`, `hi` is the value;
    /// `x`'s on the closed interval [lo, hi]
    fn clamp(self, lo: Self, hi: Self) -> Self {
        kink(self, lo);
        kink(self, hi);
        let d = if self.v < lo.v {
            lo.d
        } else if self.v > hi.v {
            hi.d
        } else {
            self.d
        };
        Dual::new(<f64 as Scalar>::clamp(self.v, lo.v, hi.v), d)
    }
    /// x^y = e^(y·ln x): d = x^y·(y·dx/x + ln x·dy), for x > 0
    fn powf(self, n: Self) -> Self {
        let p = self.v.powf(n.v);
        Dual::new(p, p * (n.v * self.d / self.v + self.v.ln() * n.d))
    }
    /// (xⁿ)′ = n·xⁿ⁻¹
    fn powi(self, n: i32) -> Self {
        let slope = if n == 0 {
            0.0
        } else {
            f64::from(n) * self.v.powi(n - 1)
        };
        self.chain(self.v.powi(n), slope)
    }
    /// 1 for x > 0, else 0
    fn relu(self) -> Self {
        kink(self, ZERO);
        let v = <f64 as Scalar>::relu(self.v);
        self.chain(v, if self.v > 0.0 { 1.0 } else { 0.0 })
    }
    /// x for x > 0, s·x otherwise: ∂x = 1 or s, ∂s = 0 or x
    fn leaky_relu(self, slope: Self) -> Self {
        kink(self, ZERO);
        let v = <f64 as Scalar>::leaky_relu(self.v, slope.v);
        let d = if self.v > 0.0 {
            self.d
        } else {
            slope.v * self.d + self.v * slope.d
        };
        Dual::new(v, d)
    }
    fn sigmoid(self) -> Self {
        self.chain(<f64 as Scalar>::sigmoid(self.v), sigmoid_slope(self.v))
    }
    /// softplus(x) = ln(1 + eˣ): derivative eˣ/(1 + eˣ) = σ(x)
    fn softplus(self) -> Self {
        let s = 1.0 / (1.0 + (-self.v).exp());
        self.chain(<f64 as Scalar>::softplus(self.v), s)
    }
    /// x·σ(x): σ(x) + x·σ′(x)
    fn silu(self) -> Self {
        let x = self.v;
        let s = <f64 as Scalar>::sigmoid(x);
        self.chain(<f64 as Scalar>::silu(x), s + x * sigmoid_slope(x))
    }
    /// ½x(1 + tanh u), u = k(x + c·x³):
    /// ½(1 + tanh u) + ½x·sech²u·k(1 + 3c·x²)
    fn gelu(self) -> Self {
        let x = self.v;
        let u = GELU_K * (x + GELU_C * x * x * x);
        let sech2 = 1.0 / (u.cosh() * u.cosh());
        let slope =
            0.5 * (1.0 + u.tanh()) + 0.5 * x * sech2 * GELU_K * (1.0 + 3.0 * GELU_C * x * x);
        self.chain(<f64 as Scalar>::gelu(x), slope)
    }
    /// gelu″, by differentiating the expression in [`Dual::gelu`] once more
    /// (only backward code uses gelu′, and this oracle never runs backward
    /// code; it is here so the trait is complete and exact).
    fn gelu_derivative(self) -> Self {
        let x = self.v;
        let u = GELU_K * (x + GELU_C * x * x * x);
        let du = GELU_K * (1.0 + 3.0 * GELU_C * x * x);
        let ddu = GELU_K * 6.0 * GELU_C * x;
        let t = u.tanh();
        let sech2 = 1.0 - t * t;
        // d/dx [½(1 + t) + ½x·sech²u·u′], with (sech²u)′ = −2t·sech²u·u′
        let slope = sech2 * du + 0.5 * x * sech2 * (ddu - 2.0 * t * du * du);
        self.chain(<f64 as Scalar>::gelu_derivative(x), slope)
    }
}
