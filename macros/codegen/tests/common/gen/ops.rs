//! The operations the generator writes (the rules table, `powi`, `if` and
//! block expressions), with their weights, and one generated operation
//! with its arguments.

use std::f64::consts::PI;
use std::fmt::Write;

use super::domain::{sigmoid, softplus};
use super::expr::{lit, E};
use super::iv::Iv;
use super::{Gen, Kind, LIM};

/// Every operation the generator writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum K {
    Add,
    Sub,
    Mul,
    Div,
    Neg,
    Sqrt,
    Cbrt,
    Exp,
    Exp2,
    ExpM1,
    Ln,
    Ln1p,
    Log,
    Log2,
    Log10,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Atan2,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Abs,
    Signum,
    Max,
    Min,
    Hypot,
    MulAdd,
    Recip,
    Clamp,
    Powf,
    Powi,
    Relu,
    LeakyRelu,
    Sigmoid,
    Softplus,
    Silu,
    Gelu,
    IfExpr,
    BlockExpr,
}

const OPS: &[(K, u32)] = &[
    (K::Add, 10),
    (K::Sub, 8),
    (K::Mul, 10),
    (K::Div, 5),
    (K::Neg, 4),
    (K::Sqrt, 3),
    (K::Cbrt, 2),
    (K::Exp, 3),
    (K::Exp2, 2),
    (K::ExpM1, 2),
    (K::Ln, 3),
    (K::Ln1p, 2),
    (K::Log, 2),
    (K::Log2, 2),
    (K::Log10, 2),
    (K::Sin, 3),
    (K::Cos, 3),
    (K::Tan, 2),
    (K::Asin, 2),
    (K::Acos, 2),
    (K::Atan, 2),
    (K::Atan2, 2),
    (K::Sinh, 2),
    (K::Cosh, 2),
    (K::Tanh, 3),
    (K::Asinh, 2),
    (K::Acosh, 2),
    (K::Atanh, 2),
    (K::Abs, 2),
    (K::Signum, 1),
    (K::Max, 3),
    (K::Min, 3),
    (K::Hypot, 2),
    (K::MulAdd, 2),
    (K::Recip, 2),
    (K::Clamp, 2),
    (K::Powf, 3),
    (K::Powi, 4),
    (K::Relu, 2),
    (K::LeakyRelu, 2),
    (K::Sigmoid, 2),
    (K::Softplus, 2),
    (K::Silu, 2),
    (K::Gelu, 2),
    (K::IfExpr, 3),
    (K::BlockExpr, 2),
];

impl Gen<'_> {
    /// One operation, drawn by weight (no `if` or block deeper than two).
    pub(super) fn op(&mut self, maxd: usize, mind: usize) -> E {
        let weights: Vec<u32> = OPS
            .iter()
            .map(|&(k, w)| match k {
                K::IfExpr | K::BlockExpr if self.nest >= 2 => 0,
                _ => w,
            })
            .collect();
        let k = OPS[self.c.weighted(&weights)].0;
        let e = self.op_of(k, maxd, mind);
        // a safety net: nothing leaves an operation larger than LIM
        self.fit(e, LIM)
    }

    /// Operation `k`; its first argument (or the taken branch's value of an
    /// `if`) carries the minimum depth `mind`, which counts `k` itself.
    fn op_of(&mut self, k: K, maxd: usize, mind: usize) -> E {
        let spine = mind.saturating_sub(1);
        match k {
            K::Add | K::Sub => {
                let (a, b) = self.two(maxd, spine);
                let a = self.fit(a, LIM / 2.0);
                let b = self.fit(b, LIM / 2.0);
                if k == K::Add {
                    Self::bin(&a, "+", &b, a.iv.add(b.iv))
                } else {
                    Self::bin(&a, "-", &b, a.iv.sub(b.iv))
                }
            }
            K::Mul => {
                let (a, b) = self.two(maxd, spine);
                let a = self.fit(a, 5.0);
                let b = self.fit(b, 5.0);
                Self::bin(&a, "*", &b, a.iv.mul(b.iv))
            }
            K::Div => {
                let (a, b) = self.two(maxd, spine);
                let a = self.fit(a, 6.0);
                let b = self.nonzero(b);
                Self::bin(&a, "/", &b, a.iv.div(b.iv))
            }
            K::Neg => {
                let a = self.expr(maxd, spine);
                E::new(format!("(-{})", a.src), a.iv.neg())
            }
            K::Sqrt => {
                let a = self.expr(maxd, spine);
                let a = self.positive(a);
                self.unary("sqrt", &a, a.iv.inc(f64::sqrt))
            }
            K::Cbrt => {
                let a = self.expr(maxd, spine);
                let a = self.nonzero(a);
                self.unary("cbrt", &a, a.iv.inc(f64::cbrt))
            }
            K::Exp | K::Exp2 | K::ExpM1 | K::Sinh | K::Cosh => {
                let a = self.expr(maxd, spine);
                let a = self.fit(a, 2.5);
                let (name, iv) = match k {
                    K::Exp => ("exp", a.iv.inc(f64::exp)),
                    K::Exp2 => ("exp2", a.iv.inc(f64::exp2)),
                    K::ExpM1 => ("exp_m1", a.iv.inc(f64::exp_m1)),
                    K::Sinh => ("sinh", a.iv.inc(f64::sinh)),
                    _ => ("cosh", a.iv.abs().inc(f64::cosh)),
                };
                self.unary(name, &a, iv)
            }
            K::Ln | K::Log2 | K::Log10 => {
                let a = self.expr(maxd, spine);
                let a = self.positive(a);
                let (name, iv) = match k {
                    K::Ln => ("ln", a.iv.inc(f64::ln)),
                    K::Log2 => ("log2", a.iv.inc(f64::log2)),
                    _ => ("log10", a.iv.inc(f64::log10)),
                };
                self.unary(name, &a, iv)
            }
            K::Ln1p => {
                let a = self.expr(maxd, spine);
                let a = if self.c.chance(50) {
                    self.unit(a)
                } else {
                    self.positive(a)
                };
                self.unary("ln_1p", &a, a.iv.inc(f64::ln_1p))
            }
            K::Log => {
                let a = self.expr(maxd, spine);
                let b = self.expr(maxd, 0);
                let a = self.positive(a);
                let base = match self.c.below(5) {
                    0 => E::new("2.0".into(), Iv::point(2.0)),
                    1 => E::new("10.0".into(), Iv::point(10.0)),
                    2 => E::new("0.5".into(), Iv::point(0.5)),
                    3 => {
                        let p = self.positive(b);
                        E::new(format!("({} + 1.25)", p.src), p.iv.shift(1.25))
                    }
                    _ => E::new(
                        format!("((sigmoid({}) * 0.5) + 0.1)", b.src),
                        b.iv.inc(sigmoid).scale(0.5).shift(0.1),
                    ),
                };
                let iv = a.iv.inc(f64::ln).div(base.iv.inc(f64::ln));
                E::new(self.method("log", &a, &[&base]), iv)
            }
            K::Sin | K::Cos => {
                let a = self.expr(maxd, spine);
                let name = if k == K::Sin { "sin" } else { "cos" };
                self.unary(name, &a, Iv::sym(1.0))
            }
            K::Tan => {
                let a = self.expr(maxd, spine);
                let a = self.fit(a, 1.0);
                self.unary("tan", &a, a.iv.inc(f64::tan))
            }
            K::Asin | K::Acos | K::Atanh => {
                let a = self.expr(maxd, spine);
                let a = self.unit(a);
                let (name, iv) = match k {
                    K::Asin => ("asin", a.iv.inc(f64::asin)),
                    K::Acos => ("acos", a.iv.inc(f64::acos)),
                    _ => ("atanh", a.iv.inc(f64::atanh)),
                };
                self.unary(name, &a, iv)
            }
            K::Atan | K::Tanh | K::Asinh => {
                let a = self.expr(maxd, spine);
                let (name, iv) = match k {
                    K::Atan => ("atan", a.iv.inc(f64::atan)),
                    K::Tanh => ("tanh", a.iv.inc(f64::tanh)),
                    _ => ("asinh", a.iv.inc(f64::asinh)),
                };
                self.unary(name, &a, iv)
            }
            K::Acosh => {
                let a = self.expr(maxd, spine);
                let p = self.positive(a);
                let a = E::new(format!("({} + 1.1)", p.src), p.iv.shift(1.1));
                self.unary("acosh", &a, a.iv.inc(f64::acosh))
            }
            K::Atan2 | K::Hypot => {
                // keep the point (b, a) at least 0.25 away from the origin
                let (a, b) = self.two(maxd, spine);
                let (a, b) = if self.c.chance(50) {
                    (self.fit(a, 4.0), self.nonzero(b))
                } else {
                    (self.nonzero(a), self.fit(b, 4.0))
                };
                if k == K::Atan2 {
                    E::new(self.method("atan2", &a, &[&b]), Iv::sym(PI))
                } else {
                    let hi = a.iv.mag().hypot(b.iv.mag());
                    E::new(self.method("hypot", &a, &[&b]), Iv::new(0.0, hi))
                }
            }
            K::Abs => {
                let a = self.expr(maxd, spine);
                self.unary("abs", &a, a.iv.abs())
            }
            K::Signum => {
                let a = self.expr(maxd, spine);
                self.unary("signum", &a, Iv::sym(1.0))
            }
            K::Max | K::Min => {
                let (a, b) = self.two(maxd, spine);
                if k == K::Max {
                    let iv = Iv::new(a.iv.lo.max(b.iv.lo), a.iv.hi.max(b.iv.hi));
                    E::new(self.method("max", &a, &[&b]), iv)
                } else {
                    let iv = Iv::new(a.iv.lo.min(b.iv.lo), a.iv.hi.min(b.iv.hi));
                    E::new(self.method("min", &a, &[&b]), iv)
                }
            }
            K::MulAdd => {
                let a = self.expr(maxd, spine);
                let b = self.expr(maxd, 0);
                let c = self.expr(maxd, 0);
                let a = self.fit(a, 3.0);
                let b = self.fit(b, 3.0);
                let c = self.fit(c, 12.0);
                let iv = a.iv.mul(b.iv).add(c.iv);
                E::new(self.method("mul_add", &a, &[&b, &c]), iv)
            }
            K::Recip => {
                let a = self.expr(maxd, spine);
                let a = self.nonzero(a);
                self.unary("recip", &a, a.iv.recip())
            }
            K::Clamp => {
                let x = self.expr(maxd, spine);
                let lo = if self.c.chance(50) {
                    let b = self.expr(maxd.min(2), 0);
                    let b = self.fit(b, 1.0);
                    E::new(format!("({} - 1.25)", b.src), b.iv.shift(-1.25))
                } else {
                    let c = [-0.5, -1.0, 0.25][self.c.below(3)];
                    E::new(lit(c), Iv::point(c))
                };
                let hi = if self.c.chance(50) {
                    let b = self.expr(maxd.min(2), 0);
                    let b = self.fit(b, 1.0);
                    E::new(format!("({} + 1.25)", b.src), b.iv.shift(1.25))
                } else {
                    let c = [0.5, 2.0, 1.0][self.c.below(3)];
                    E::new(lit(c), Iv::point(c))
                };
                let iv = Iv::new(
                    x.iv.lo.max(lo.iv.lo).min(hi.iv.lo),
                    x.iv.hi.max(lo.iv.hi).min(hi.iv.hi),
                );
                E::new(self.method("clamp", &x, &[&lo, &hi]), iv)
            }
            K::Powf => {
                let a = self.expr(maxd, spine);
                let b = self.expr(maxd, 0);
                let a = self.positive(a);
                let n = if self.c.chance(50) {
                    self.fit(b, 2.0)
                } else {
                    let c = [0.5, 1.5, 2.0, -0.5, 3.0][self.c.below(5)];
                    E::new(lit(c), Iv::point(c))
                };
                let corners = [
                    a.iv.lo.powf(n.iv.lo),
                    a.iv.lo.powf(n.iv.hi),
                    a.iv.hi.powf(n.iv.lo),
                    a.iv.hi.powf(n.iv.hi),
                ];
                let iv = Iv::new(
                    corners.iter().copied().fold(f64::INFINITY, f64::min),
                    corners.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                );
                E::new(self.method("powf", &a, &[&n]), iv)
            }
            K::Powi => {
                let a = self.expr(maxd, spine);
                let n = [2, 3, -1, -2, 4, 0, 1, 5, -3][self.c.below(9)];
                let a = if n < 0 {
                    let p = self.nonzero(a);
                    E::new(format!("({} * 2.0)", p.src), p.iv.scale(2.0))
                } else if n >= 2 {
                    self.fit(a, LIM.powf(1.0 / f64::from(n)))
                } else {
                    a
                };
                E::new(format!("{}.powi({n})", a.src), a.iv.powi(n))
            }
            K::Relu => {
                let a = self.expr(maxd, spine);
                let f = self.ops_fn("relu", &[&a]);
                E::new(f, Iv::new(a.iv.lo.max(0.0), a.iv.hi.max(0.0)))
            }
            K::LeakyRelu => {
                let a = self.expr(maxd, spine);
                let b = self.expr(maxd, 0);
                let s = if self.c.chance(50) {
                    let c = [0.01, 0.1, 0.2][self.c.below(3)];
                    E::new(lit(c), Iv::point(c))
                } else {
                    E::new(format!("(sigmoid({}) * 0.2)", b.src), Iv::new(0.0, 0.2))
                };
                let f = self.ops_fn("leaky_relu", &[&a, &s]);
                E::new(f, Iv::new(a.iv.lo.min(0.0), a.iv.hi.max(0.0)))
            }
            K::Sigmoid => {
                let a = self.expr(maxd, spine);
                let f = self.ops_fn("sigmoid", &[&a]);
                E::new(f, a.iv.inc(sigmoid))
            }
            K::Softplus => {
                let a = self.expr(maxd, spine);
                let f = self.ops_fn("softplus", &[&a]);
                E::new(f, a.iv.inc(softplus))
            }
            K::Silu | K::Gelu => {
                let a = self.expr(maxd, spine);
                let name = if k == K::Silu { "silu" } else { "gelu" };
                let f = self.ops_fn(name, &[&a]);
                E::new(f, Iv::new(-0.3, a.iv.hi.max(0.0)))
            }
            K::IfExpr => {
                self.nest += 1;
                let mark = self.memo.len();
                let c = self.cond(2);
                let t = self.expr(maxd, mind);
                self.memo.truncate(mark);
                let mut src = format!("(if {c} {{ {} }}", t.src);
                let mut iv = t.iv;
                if self.c.chance(30) {
                    let c2 = self.cond(2);
                    let m = self.expr(maxd, mind);
                    self.memo.truncate(mark);
                    let _ = write!(src, " else if {c2} {{ {} }}", m.src);
                    iv = iv.hull(m.iv);
                }
                // every branch carries the depth: a condition may be a
                // compile-time constant, and then only one branch is lowered
                let e = self.expr(maxd, mind);
                self.memo.truncate(mark);
                let _ = write!(src, " else {{ {} }})", e.src);
                self.nest -= 1;
                E::new(src, iv.hull(e.iv))
            }
            K::BlockExpr => {
                self.nest += 1;
                let mark = self.memo.len();
                let first = self.expr(maxd.min(3), 0);
                let name = self.fresh("t");
                self.push_var(name.clone(), Kind::Scalar(first.iv), false);
                let body = self.expr(maxd, mind);
                self.env.pop();
                self.memo.truncate(mark);
                self.nest -= 1;
                E::new(
                    format!("({{ let {name} = {}; {} }})", first.src, body.src),
                    body.iv,
                )
            }
        }
    }
}
