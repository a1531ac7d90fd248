//! The rules table: every primitive operation, in one place.
//!
//! Each row says how the operation is written in a `#[differentiable]` body, how it
//! evaluates (for the interpreter), how it is printed as math, and its
//! adjoint rule: given the adjoint `d` of the result `y = f(x…)`, the
//! contribution to the adjoint of each argument, built as IR nodes. The doc
//! comment of each row is its formula. Kinks follow PyTorch's conventions.
//!
//! Adding an operation means adding a row here (and a case to the tests);
//! parsing, evaluation, emission and formulas all read this table.

use crate::ir::eval::Scalar;
use crate::ir::{Builder, Cmp, NodeId};

/// How an operation is written in Rust.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// `a ⊕ b`
    Infix(&'static str),
    /// `-a`
    Prefix(&'static str),
    /// `a.name(b, …)`: the receiver is the first argument.
    Method(&'static str),
    /// `name(a, …)`, a free function of `macrograd::ops`.
    OpsFn(&'static str),
    /// A function of `macrograd::ops` used only by generated backward code.
    Internal(&'static str),
}

/// How an operation is printed in a formula.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Math {
    /// `a ⊕ b` with the given symbol and binding strength.
    Infix(&'static str, u8),
    /// `−a`
    Neg,
    /// `name(a, …)`
    Func(&'static str),
    /// A template where `{0}`, `{1}`… stand for the (parenthesised) arguments.
    Tmpl(&'static str),
}

/// The adjoint contributions of one application, one per argument (`None`
/// when an argument gets nothing, e.g. the exponent of `signum`).
pub type Contributions = Vec<Option<NodeId>>;

macro_rules! prims {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident: $syntax:expr, $math:expr,
            |$($arg:ident),+| $eval:expr,
            |$b:ident, [$($x:ident),+], $y:ident, $d:ident| $grad:expr;
    )*) => {
        /// A primitive operation: one row of the rules table.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Prim {
            $( $(#[doc = $doc])* $name, )*
        }

        impl Prim {
            /// Every primitive, in table order.
            pub const ALL: &'static [Prim] = &[$(Prim::$name),*];

            /// How the operation is written.
            pub fn syntax(self) -> Syntax {
                match self { $(Prim::$name => $syntax,)* }
            }

            /// How the operation is printed as math.
            pub fn math(self) -> Math {
                match self { $(Prim::$name => $math,)* }
            }

            /// Number of arguments, receiver included.
            pub fn arity(self) -> usize {
                match self { $(Prim::$name => [$(stringify!($arg)),+].len(),)* }
            }

            /// Evaluates the operation (the interpreter's definition).
            pub fn eval<T: Scalar>(self, args: &[T]) -> T {
                match self {
                    $(Prim::$name => {
                        let [$($arg),+] = args else { panic!("{:?} takes {} arguments", self, self.arity()) };
                        let ($($arg,)+) = ($(*$arg,)+);
                        $eval
                    })*
                }
            }

            /// Emits the adjoint contributions of `y = self(args)` given `d`, the
            /// adjoint of `y`.
            pub fn adjoint(self, builder: &mut Builder<'_>, args: &[NodeId], y: NodeId, d: NodeId) -> Contributions {
                match self {
                    $(Prim::$name => {
                        let $b = &mut *builder;
                        let [$($x),+] = args else { panic!("{:?} takes {} arguments", self, self.arity()) };
                        let ($($x,)+) = ($(*$x,)+);
                        let ($y, $d) = (y, d);
                        $grad
                    })*
                }
            }
        }
    };
}

use Math::{Func, Infix as MInfix, Tmpl};
use Syntax::{Infix, Internal, Method, OpsFn, Prefix};

prims! {
    /// `a + b`: ∂a = d, ∂b = d
    Add: Infix("+"), MInfix("+", 1), |a, c| a + c,
        |_b, [_a, _c], _y, d| vec![Some(d), Some(d)];
    /// `a − b`: ∂a = d, ∂b = −d
    Sub: Infix("-"), MInfix("−", 1), |a, c| a - c,
        |b, [_a, _c], _y, d| vec![Some(d), Some(b.neg(d))];
    /// `a · b`: ∂a = d·b, ∂b = d·a; a square `a · a` gives ∂a = d·(a + a)
    /// once (one product where `d·a + d·a` takes two and a doubling)
    Mul: Infix("*"), MInfix("·", 2), |a, c| a * c,
        |b, [a, c], _y, d| if a == c {
            let twice = b.add(a, a);
            vec![Some(b.mul(d, twice)), None]
        } else {
            vec![Some(b.mul(d, c)), Some(b.mul(d, a))]
        };
    /// `a / b`: ∂a = d/b, ∂b = −(d/b)·y (d/b as d·(1/b) for a constant
    /// `b`: a multiplication where the primal divides, within a rounding)
    Div: Infix("/"), MInfix("/", 2), |a, c| a / c,
        |b, [_a, c], y, d| {
            let q = match b.graph.constant(c).filter(|v| *v != 0.0 && v.is_finite()) {
                Some(v) => {
                    let r = b.constant(1.0 / v);
                    b.mul(d, r)
                }
                None => b.div(d, c),
            };
            let t = b.mul(q, y);
            vec![Some(q), Some(b.neg(t))]
        };
    /// `−a`: ∂a = −d
    Neg: Prefix("-"), Math::Neg, |a| -a,
        |b, [_a], _y, d| vec![Some(b.neg(d))];
    /// `√a`: ∂a = d/(2·y)
    Sqrt: Method("sqrt"), Tmpl("√{0}"), |a| a.sqrt(),
        |b, [_a], y, d| { let t = b.scale(2.0, y); vec![Some(b.div(d, t))] };
    /// `∛a`: ∂a = d/(3·y²)
    Cbrt: Method("cbrt"), Tmpl("∛{0}"), |a| a.cbrt(),
        |b, [_a], y, d| { let y2 = b.mul(y, y); let t = b.scale(3.0, y2); vec![Some(b.div(d, t))] };
    /// `eᵃ`: ∂a = d·y
    Exp: Method("exp"), Func("exp"), |a| a.exp(),
        |b, [_a], y, d| vec![Some(b.mul(d, y))];
    /// `2ᵃ`: ∂a = d·y·ln 2
    Exp2: Method("exp2"), Tmpl("2^{0}"), |a| a.exp2(),
        |b, [_a], y, d| { let t = b.mul(d, y); vec![Some(b.scale(std::f64::consts::LN_2, t))] };
    /// `eᵃ − 1`: ∂a = d·(y + 1)
    ExpM1: Method("exp_m1"), Func("expm1"), |a| a.exp_m1(),
        |b, [_a], y, d| { let one = b.constant(1.0); let t = b.add(y, one); vec![Some(b.mul(d, t))] };
    /// `ln a`: ∂a = d/a
    Ln: Method("ln"), Func("ln"), |a| a.ln(),
        |b, [a], _y, d| vec![Some(b.div(d, a))];
    /// `ln(1 + a)`: ∂a = d/(1 + a)
    Ln1p: Method("ln_1p"), Func("ln1p"), |a| a.ln_1p(),
        |b, [a], _y, d| { let one = b.constant(1.0); let t = b.add(one, a); vec![Some(b.div(d, t))] };
    /// `log_b a = ln a / ln b`: ∂a = d/(a·ln b), ∂b = −d·y/(b·ln b)
    Log: Method("log"), Func("log"), |a, c| a.log(c),
        |b, [a, c], y, d| {
            let lnc = b.prim(Prim::Ln, &[c]);
            let ta = b.mul(a, lnc);
            let da = b.div(d, ta);
            let tc = b.mul(c, lnc);
            let dy = b.mul(d, y);
            let q = b.div(dy, tc);
            vec![Some(da), Some(b.neg(q))]
        };
    /// `log₂ a`: ∂a = d/(a·ln 2)
    Log2: Method("log2"), Func("log₂"), |a| a.log2(),
        |b, [a], _y, d| { let t = b.scale(std::f64::consts::LN_2, a); vec![Some(b.div(d, t))] };
    /// `log₁₀ a`: ∂a = d/(a·ln 10)
    Log10: Method("log10"), Func("log₁₀"), |a| a.log10(),
        |b, [a], _y, d| { let t = b.scale(std::f64::consts::LN_10, a); vec![Some(b.div(d, t))] };
    /// `sin a`: ∂a = d·cos a
    Sin: Method("sin"), Func("sin"), |a| a.sin(),
        |b, [a], _y, d| { let c = b.prim(Prim::Cos, &[a]); vec![Some(b.mul(d, c))] };
    /// `cos a`: ∂a = −d·sin a
    Cos: Method("cos"), Func("cos"), |a| a.cos(),
        |b, [a], _y, d| { let s = b.prim(Prim::Sin, &[a]); let t = b.mul(d, s); vec![Some(b.neg(t))] };
    /// `tan a`: ∂a = d·(1 + y²)
    Tan: Method("tan"), Func("tan"), |a| a.tan(),
        |b, [_a], y, d| { let one = b.constant(1.0); let y2 = b.mul(y, y); let t = b.add(one, y2); vec![Some(b.mul(d, t))] };
    /// `asin a`: ∂a = d/√(1 − a²)
    Asin: Method("asin"), Func("asin"), |a| a.asin(),
        |b, [a], _y, d| { let r = one_minus_sq_sqrt(b, a); vec![Some(b.div(d, r))] };
    /// `acos a`: ∂a = −d/√(1 − a²)
    Acos: Method("acos"), Func("acos"), |a| a.acos(),
        |b, [a], _y, d| { let r = one_minus_sq_sqrt(b, a); let q = b.div(d, r); vec![Some(b.neg(q))] };
    /// `atan a`: ∂a = d/(1 + a²)
    Atan: Method("atan"), Func("atan"), |a| a.atan(),
        |b, [a], _y, d| { let one = b.constant(1.0); let a2 = b.mul(a, a); let t = b.add(one, a2); vec![Some(b.div(d, t))] };
    /// `atan2(a, b)`, the angle of the point (b, a): ∂a = d·b/(a² + b²), ∂b = −d·a/(a² + b²)
    Atan2: Method("atan2"), Func("atan2"), |a, c| a.atan2(c),
        |b, [a, c], _y, d| {
            let a2 = b.mul(a, a);
            let c2 = b.mul(c, c);
            let r = b.add(a2, c2);
            let q = b.div(d, r);
            let dc = b.mul(q, a);
            vec![Some(b.mul(q, c)), Some(b.neg(dc))]
        };
    /// `sinh a`: ∂a = d·cosh a
    Sinh: Method("sinh"), Func("sinh"), |a| a.sinh(),
        |b, [a], _y, d| { let c = b.prim(Prim::Cosh, &[a]); vec![Some(b.mul(d, c))] };
    /// `cosh a`: ∂a = d·sinh a
    Cosh: Method("cosh"), Func("cosh"), |a| a.cosh(),
        |b, [a], _y, d| { let s = b.prim(Prim::Sinh, &[a]); vec![Some(b.mul(d, s))] };
    /// `tanh a`: ∂a = d·(1 − y²)
    Tanh: Method("tanh"), Func("tanh"), |a| a.tanh(),
        |b, [_a], y, d| { let one = b.constant(1.0); let y2 = b.mul(y, y); let t = b.sub(one, y2); vec![Some(b.mul(d, t))] };
    /// `asinh a`: ∂a = d/√(a² + 1)
    Asinh: Method("asinh"), Func("asinh"), |a| a.asinh(),
        |b, [a], _y, d| { let one = b.constant(1.0); let a2 = b.mul(a, a); let t = b.add(a2, one); let r = b.prim(Prim::Sqrt, &[t]); vec![Some(b.div(d, r))] };
    /// `acosh a`: ∂a = d/√(a² − 1)
    Acosh: Method("acosh"), Func("acosh"), |a| a.acosh(),
        |b, [a], _y, d| { let one = b.constant(1.0); let a2 = b.mul(a, a); let t = b.sub(a2, one); let r = b.prim(Prim::Sqrt, &[t]); vec![Some(b.div(d, r))] };
    /// `atanh a`: ∂a = d/(1 − a²)
    Atanh: Method("atanh"), Func("atanh"), |a| a.atanh(),
        |b, [a], _y, d| { let one = b.constant(1.0); let a2 = b.mul(a, a); let t = b.sub(one, a2); vec![Some(b.div(d, t))] };
    /// `|a|`: ∂a = d·sign(a), with sign(0) = 0 as PyTorch
    Abs: Method("abs"), Tmpl("|{0}|"), |a| a.abs(),
        |b, [a], _y, d| {
            let zero = b.constant(0.0);
            let pos = b.cmp(Cmp::Gt, a, zero);
            let neg = b.cmp(Cmp::Lt, a, zero);
            let nd = b.neg(d);
            let inner = b.select(neg, nd, zero);
            vec![Some(b.select(pos, d, inner))]
        };
    /// `signum a`: piecewise constant, ∂a = 0
    Signum: Method("signum"), Func("sign"), |a| a.signum(),
        |_b, [_a], _y, _d| vec![None];
    /// `max(a, b)`: d goes to the larger; on a tie it is split evenly (PyTorch's `maximum`)
    Max: Method("max"), Func("max"), |a, c| a.max(c),
        |b, [a, c], _y, d| tie_split(b, Cmp::Gt, a, c, d);
    /// `min(a, b)`: d goes to the smaller; on a tie it is split evenly (PyTorch's `minimum`)
    Min: Method("min"), Func("min"), |a, c| a.min(c),
        |b, [a, c], _y, d| tie_split(b, Cmp::Lt, a, c, d);
    /// `hypot(a, b) = √(a² + b²)`: ∂a = d·a/y, ∂b = d·b/y
    Hypot: Method("hypot"), Func("hypot"), |a, c| a.hypot(c),
        |b, [a, c], y, d| { let q = b.div(d, y); vec![Some(b.mul(q, a)), Some(b.mul(q, c))] };
    /// `a·b + c` (fused): ∂a = d·b, ∂b = d·a, ∂c = d
    MulAdd: Method("mul_add"), Tmpl("{0}·{1} + {2}"), |a, c, e| a.mul_add(c, e),
        |b, [a, c, _e], _y, d| vec![Some(b.mul(d, c)), Some(b.mul(d, a)), Some(d)];
    /// `1/a`: ∂a = −d·y²
    Recip: Method("recip"), Tmpl("1/{0}"), |a| a.recip(),
        |b, [_a], y, d| { let y2 = b.mul(y, y); let t = b.mul(d, y2); vec![Some(b.neg(t))] };
    /// `clamp(a, lo, hi)`: ∂a = d where lo ≤ a ≤ hi, ∂lo = d where a < lo, ∂hi = d where a > hi (PyTorch)
    Clamp: Method("clamp"), Func("clamp"), |a, lo, hi| a.clamp(lo, hi),
        |b, [a, lo, hi], _y, d| {
            let below = b.cmp(Cmp::Lt, a, lo);
            let above = b.cmp(Cmp::Gt, a, hi);
            let zero = b.constant(0.0);
            let inner = b.select(above, zero, d);
            let da = b.select(below, zero, inner);
            vec![Some(da), Some(b.mask(below, d)), Some(b.mask(above, d))]
        };
    /// `aᵇ`: ∂a = d·b·a^(b − 1) (0 where b = 0), ∂b = d·y·ln a (0 where a = 0 and b ≥ 0), as PyTorch
    Powf: Method("powf"), Tmpl("{0}^{1}"), |a, c| a.powf(c),
        |b, [a, c], y, d| {
            let one = b.constant(1.0);
            let cm1 = b.sub(c, one);
            let p = b.prim(Prim::Powf, &[a, cm1]);
            let t = b.mul(c, p);
            let full = b.mul(d, t);
            let zero = b.constant(0.0);
            let c0 = b.cmp(Cmp::Eq, c, zero);
            let da = b.select(c0, zero, full);
            let a0 = b.cmp(Cmp::Eq, a, zero);
            let cpos = b.cmp(Cmp::Ge, c, zero);
            let both = b.push(crate::ir::Op::And(a0, cpos));
            let lna = b.prim(Prim::Ln, &[a]);
            let dy = b.mul(d, y);
            let t2 = b.mul(dy, lna);
            vec![Some(da), Some(b.select(both, zero, t2))]
        };
    /// `relu(a) = max(a, 0)`: ∂a = d where a > 0 (so relu'(0) = 0, as PyTorch)
    Relu: OpsFn("relu"), Func("relu"), |a| a.relu(),
        |b, [a], _y, d| { let zero = b.constant(0.0); let pos = b.cmp(Cmp::Gt, a, zero); vec![Some(b.mask(pos, d))] };
    /// `leaky_relu(a, s)`: ∂a = d where a > 0, else d·s; ∂s = d·a where a ≤ 0
    LeakyRelu: OpsFn("leaky_relu"), Func("leaky_relu"), |a, s| a.leaky_relu(s),
        |b, [a, s], _y, d| {
            let zero = b.constant(0.0);
            let pos = b.cmp(Cmp::Gt, a, zero);
            let ds = b.mul(d, s);
            let da = b.select(pos, d, ds);
            let dsa = b.mul(d, a);
            vec![Some(da), Some(b.select(pos, zero, dsa))]
        };
    /// `σ(a) = 1/(1 + e^(−a))`: ∂a = d·y·(1 − y)
    Sigmoid: OpsFn("sigmoid"), Func("σ"), |a| a.sigmoid(),
        |b, [_a], y, d| { let one = b.constant(1.0); let t = b.sub(one, y); let s = b.mul(y, t); vec![Some(b.mul(d, s))] };
    /// `softplus(a) = ln(1 + eᵃ)`: ∂a = d·σ(a)
    Softplus: OpsFn("softplus"), Func("softplus"), |a| a.softplus(),
        |b, [a], _y, d| { let s = b.prim(Prim::Sigmoid, &[a]); vec![Some(b.mul(d, s))] };
    /// `silu(a) = a·σ(a)`: ∂a = d·σ(a)·(1 + a·(1 − σ(a)))
    Silu: OpsFn("silu"), Func("silu"), |a| a.silu(),
        |b, [a], _y, d| {
            let s = b.prim(Prim::Sigmoid, &[a]);
            let one = b.constant(1.0);
            let oms = b.sub(one, s);
            let t = b.mul(a, oms);
            let u = b.add(one, t);
            let g = b.mul(s, u);
            vec![Some(b.mul(d, g))]
        };
    /// `gelu(a)`, tanh approximation: ∂a = d·gelu′(a)
    Gelu: OpsFn("gelu"), Func("gelu"), |a| a.gelu(),
        |b, [a], _y, d| { let g = b.prim(Prim::GeluDerivative, &[a]); vec![Some(b.mul(d, g))] };
    /// `gelu′(a)`, used by backward code only; differentiated by second-order
    /// sweeps: with u = k·(a + c·a³), t = tanh u,
    /// ∂a = d·(1 − t²)·(u′ + a·(u″ − 2t·u′²)/2)
    GeluDerivative: Internal("gelu_derivative"), Func("gelu′"), |a| a.gelu_derivative(),
        |b, [a], _y, d| vec![Some(gelu_second(b, a, d))];
}

impl Prim {
    /// Whether the operation is a call into the math library (`exp`, `ln`,
    /// `sin`, `powf`, `tanh`, …), tens of cycles where the arithmetic is
    /// one: what `#[differentiable(record)]` keeps on a loop's tape rather
    /// than recomputing in the reverse sweep.
    pub fn is_costly(self) -> bool {
        use Prim::*;
        matches!(
            self,
            Cbrt | Exp
                | Exp2
                | ExpM1
                | Ln
                | Ln1p
                | Log
                | Log2
                | Log10
                | Sin
                | Cos
                | Tan
                | Asin
                | Acos
                | Atan
                | Atan2
                | Sinh
                | Cosh
                | Tanh
                | Asinh
                | Acosh
                | Atanh
                | Hypot
                | Powf
                | Sigmoid
                | Softplus
                | Silu
                | Gelu
                | GeluDerivative
        )
    }
}

/// `√(2/π)`, of the tanh approximation of GELU (as in the runtime).
const GELU_K: f64 = 0.797_884_560_802_865_4;
/// The cubic coefficient of the tanh approximation of GELU.
const GELU_C: f64 = 0.044_715;

/// `d·gelu″(a)`: see [`Prim::GeluDerivative`].
fn gelu_second(b: &mut Builder<'_>, a: NodeId, d: NodeId) -> NodeId {
    let one = b.constant(1.0);
    let a2 = b.mul(a, a);
    let a3 = b.mul(a2, a);
    let ca3 = b.scale(GELU_C, a3);
    let inner = b.add(a, ca3);
    let u = b.scale(GELU_K, inner);
    let t = b.prim(Prim::Tanh, &[u]);
    let tt = b.mul(t, t);
    let sech2 = b.sub(one, tt);
    let c3a2 = b.scale(3.0 * GELU_C, a2);
    let up_inner = b.add(one, c3a2);
    let up = b.scale(GELU_K, up_inner);
    let upp = b.scale(6.0 * GELU_K * GELU_C, a);
    let up2 = b.mul(up, up);
    let t_up2 = b.mul(t, up2);
    let two_t_up2 = b.scale(2.0, t_up2);
    let curve = b.sub(upp, two_t_up2);
    let half_a = b.scale(0.5, a);
    let m = b.mul(half_a, curve);
    let bracket = b.add(up, m);
    let g2 = b.mul(sech2, bracket);
    b.mul(d, g2)
}

/// `√(1 − a²)`
fn one_minus_sq_sqrt(b: &mut Builder<'_>, a: NodeId) -> NodeId {
    let one = b.constant(1.0);
    let a2 = b.mul(a, a);
    let t = b.sub(one, a2);
    b.prim(Prim::Sqrt, &[t])
}

/// Adjoints of `max` (`wins = Gt`) or `min` (`wins = Lt`): the winner takes
/// `d`, a tie gives each `d/2`.
fn tie_split(b: &mut Builder<'_>, wins: Cmp, a: NodeId, c: NodeId, d: NodeId) -> Contributions {
    let a_wins = b.cmp(wins, a, c);
    let c_wins = b.cmp(wins, c, a);
    let tie = b.cmp(Cmp::Eq, a, c);
    let half = b.scale(0.5, d);
    let split = b.mask(tie, half);
    let da = b.select(a_wins, d, split);
    let dc = b.select(c_wins, d, split);
    vec![Some(da), Some(dc)]
}

/// Adjoint of `a.powi(n)`: ∂a = d·n·a^(n − 1) (nothing for `n = 0`).
///
/// For `n = i32::MIN`, `n − 1` is not an `i32`: the power is then
/// `a.powi(n) · a.powi(−1)`, both exponents exact in `f32` and `f64` alike
/// (a float exponent −2³¹ − 1 would round to −2³¹ in `f32`, losing the
/// sign of a negative `a`).
pub fn powi_adjoint(b: &mut Builder<'_>, a: NodeId, n: i32, d: NodeId) -> Option<NodeId> {
    match n {
        0 => None,
        1 => Some(d),
        _ => {
            let p = match n.checked_sub(1) {
                Some(m) => b.push(crate::ir::Op::Powi(a, m)),
                None => {
                    let pn = b.push(crate::ir::Op::Powi(a, n));
                    let inv = b.push(crate::ir::Op::Powi(a, -1));
                    b.mul(pn, inv)
                }
            };
            let t = b.scale(f64::from(n), p);
            Some(b.mul(d, t))
        }
    }
}

/// The primitive a method name denotes, if any.
pub fn method(name: &str) -> Option<Prim> {
    Prim::ALL
        .iter()
        .copied()
        .find(|p| matches!(p.syntax(), Syntax::Method(m) if m == name))
}

/// The primitive a free function of `macrograd::ops` denotes, if any.
pub fn ops_fn(name: &str) -> Option<Prim> {
    Prim::ALL
        .iter()
        .copied()
        .find(|p| matches!(p.syntax(), Syntax::OpsFn(m) if m == name))
}

/// Every method name the table knows, for error messages.
pub fn method_names() -> Vec<&'static str> {
    Prim::ALL
        .iter()
        .filter_map(|p| match p.syntax() {
            Syntax::Method(m) => Some(m),
            _ => None,
        })
        .collect()
}

/// Every `macrograd::ops` function the table knows, for error messages.
pub fn ops_fn_names() -> Vec<&'static str> {
    Prim::ALL
        .iter()
        .filter_map(|p| match p.syntax() {
            Syntax::OpsFn(m) => Some(m),
            _ => None,
        })
        .collect()
}
