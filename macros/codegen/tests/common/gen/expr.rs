//! Expressions: operations of the rules table with their arguments moved
//! into safe domains, leaves, and conditions.

use std::f64::consts::PI;
use std::fmt::Write;

use super::iv::Iv;
use super::{Gen, Kind, LIM};

/// A generated expression: atomic source text (a name, a call, or
/// parenthesised) and an interval holding its value.
#[derive(Clone, Debug)]
pub(super) struct E {
    pub(super) src: String,
    pub(super) iv: Iv,
}

impl E {
    pub(super) fn new(src: String, iv: Iv) -> Self {
        E { src, iv }
    }
}

/// A float literal as Rust source, typed (`2.0_f64`: a method on an
/// unsuffixed literal, `2.0.cosh()`, is rustc's ambiguous-type error E0689)
/// and parenthesised when negative.
pub(super) fn lit(x: f64) -> String {
    if x < 0.0 {
        format!("({x:?}_f64)")
    } else {
        format!("{x:?}_f64")
    }
}

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

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

impl Gen<'_> {
    /// Starts a new expression with an operation budget.
    pub(super) fn begin_expr(&mut self, budget: usize) {
        self.budget = budget;
        self.memo.clear();
    }

    /// An expression of depth at most `maxd` (roughly) and at least `mind`.
    pub(super) fn expr(&mut self, maxd: usize, mind: usize) -> E {
        if mind == 0 && (maxd == 0 || self.budget == 0 || !self.c.chance(60)) {
            return self.leaf();
        }
        self.budget = self.budget.saturating_sub(1);
        let e = self.op(maxd.saturating_sub(1), mind);
        if e.src.len() < 160 {
            self.memo.push(e.clone());
        }
        e
    }

    pub(super) fn leaf(&mut self) -> E {
        match self.c.weighted(&[45, 15, 14, 12, 6]) {
            1 => self.constant(),
            2 => self.array_elem().unwrap_or_else(|| self.var()),
            3 if !self.memo.is_empty() => {
                let k = self.c.below(self.memo.len());
                self.memo[k].clone()
            }
            4 => self.int_as_float().unwrap_or_else(|| self.var()),
            _ => self.var(),
        }
    }

    /// A scalar variable, preferring `let` bindings (so they are reused).
    pub(super) fn var(&mut self) -> E {
        let all = self.scalars();
        let lets: Vec<usize> = all.iter().copied().filter(|&i| self.env[i].local).collect();
        let pool = if !lets.is_empty() && self.c.chance(55) {
            lets
        } else {
            all
        };
        if pool.is_empty() {
            return self.array_elem().unwrap_or_else(|| self.constant());
        }
        let v = &mut self.env[pool[self.c.below(pool.len())]];
        let Kind::Scalar(iv) = v.kind else {
            unreachable!("scalars() returns scalars")
        };
        v.read[0] = true;
        E::new(v.name.clone(), iv)
    }

    /// A constant leaf: typed, since it may receive a method call (an
    /// unsuffixed `2.0.cosh()` is rustc's error E0689); unsuffixed literals
    /// still appear as operands (`x * 2.0`).
    pub(super) fn constant(&mut self) -> E {
        const C: &[(&str, f64)] = &[
            ("0.5_f64", 0.5),
            ("1.5f64", 1.5),
            ("2.0_f64", 2.0),
            ("(-1.0_f64)", -1.0),
            ("0.25_f64", 0.25),
            ("3.0_f64", 3.0),
            ("(-0.75_f64)", -0.75),
            ("0.1_f64", 0.1),
            ("std::f64::consts::PI", PI),
            ("std::f64::consts::FRAC_PI_4", std::f64::consts::FRAC_PI_4),
            ("core::f64::consts::E", std::f64::consts::E),
            ("(1.0 as f64)", 1.0),
            ("2f64", 2.0),
            ("0.5_f64", 0.5),
            ("(1.5 as f64)", 1.5),
        ];
        let (s, v) = C[self.c.below(C.len())];
        E::new(s.to_string(), Iv::point(v))
    }

    pub(super) fn array_elem(&mut self) -> Option<E> {
        let arrays = self.arrays();
        if arrays.is_empty() {
            return None;
        }
        let ai = arrays[self.c.below(arrays.len())];
        let a = &self.env[ai];
        let Kind::Array(ivs) = &a.kind else {
            unreachable!("arrays() returns arrays")
        };
        let (name, ivs) = (a.name.clone(), ivs.clone());
        // index with a loop index when one fits, else with a constant
        let ints: Vec<(String, i64)> = self
            .ints()
            .into_iter()
            .filter_map(|i| match self.env[i].kind {
                Kind::Int(max) if (max as usize) < ivs.len() => {
                    Some((self.env[i].name.clone(), max))
                }
                _ => None,
            })
            .collect();
        if !ints.is_empty() && self.c.chance(60) {
            let (i, max) = ints[self.c.below(ints.len())].clone();
            self.env[ai].read[..=max as usize].fill(true);
            let iv = ivs[..=max as usize]
                .iter()
                .copied()
                .reduce(Iv::hull)
                .expect("arrays have elements");
            // sometimes index from the other end: `a[max - i]`
            let index = if self.c.chance(25) {
                format!("{max} - {i}")
            } else {
                i
            };
            return Some(E::new(format!("{name}[{index}]"), iv));
        }
        let k = self.c.below(ivs.len());
        self.env[ai].read[k] = true;
        Some(E::new(format!("{name}[{k}]"), ivs[k]))
    }

    pub(super) fn int_as_float(&mut self) -> Option<E> {
        let ints = self.ints();
        if ints.is_empty() {
            return None;
        }
        let v = &self.env[ints[self.c.below(ints.len())]];
        let Kind::Int(max) = v.kind else {
            unreachable!("ints() returns ints")
        };
        Some(E::new(
            format!("({} as f64)", v.name),
            Iv::new(0.0, max as f64),
        ))
    }

    /// Two operands, one of them carrying the minimum depth.
    pub(super) fn two(&mut self, maxd: usize, mind: usize) -> (E, E) {
        if self.c.chance(50) {
            let b = self.expr(maxd, mind);
            let a = self.expr(maxd, 0);
            (a, b)
        } else {
            let a = self.expr(maxd, mind);
            let b = self.expr(maxd, 0);
            (a, b)
        }
    }

    /// `recv.name(args)`, sometimes as `f64::name(recv, args)`.
    pub(super) fn method(&mut self, name: &str, recv: &E, args: &[&E]) -> String {
        let args: Vec<&str> = args.iter().map(|a| a.src.as_str()).collect();
        if self.c.chance(15) {
            let mut all = vec![recv.src.as_str()];
            all.extend(args);
            format!("f64::{name}({})", all.join(", "))
        } else {
            format!("{}.{name}({})", recv.src, args.join(", "))
        }
    }

    /// A `macrograd::ops` function, by one of the paths it may be named by.
    pub(super) fn ops_fn(&mut self, name: &str, args: &[&E]) -> String {
        let args: Vec<&str> = args.iter().map(|a| a.src.as_str()).collect();
        let path = match self.c.weighted(&[70, 15, 15]) {
            0 => "",
            1 => "ops::",
            _ => "macrograd::ops::",
        };
        format!("{path}{name}({})", args.join(", "))
    }

    pub(super) fn unary(&mut self, name: &str, a: &E, iv: Iv) -> E {
        E::new(self.method(name, a, &[]), iv)
    }

    pub(super) fn bin(a: &E, op: &str, b: &E, iv: Iv) -> E {
        E::new(format!("({} {op} {})", a.src, b.src), iv)
    }

    /// Moves `e` into [−m, m] if its interval is not already inside.
    pub(super) fn fit(&mut self, e: E, m: f64) -> E {
        if e.iv.mag() <= m {
            return e;
        }
        let s = self.squash(e);
        if m == 1.0 {
            s
        } else {
            E::new(format!("({} * {})", s.src, lit(m)), s.iv.scale(m))
        }
    }

    /// A bounded function of `e`, with values in [−1, 1].
    pub(super) fn squash(&mut self, e: E) -> E {
        match self.c.below(6) {
            0 => E::new(format!("{}.tanh()", e.src), e.iv.inc(f64::tanh)),
            1 => E::new(format!("{}.sin()", e.src), Iv::sym(1.0)),
            2 => E::new(
                format!("({}.atan() * 0.63)", e.src),
                e.iv.inc(f64::atan).scale(0.63),
            ),
            3 => E::new(
                format!("((sigmoid({}) * 2.0) - 1.0)", e.src),
                e.iv.inc(sigmoid).scale(2.0).shift(-1.0),
            ),
            4 => E::new(format!("{}.cos()", e.src), Iv::sym(1.0)),
            _ if e.src.len() < 120 => E::new(
                format!("({} / ({}.abs() + 1.0))", e.src, e.src),
                Iv::sym(1.0),
            ),
            _ => E::new(format!("{}.tanh()", e.src), e.iv.inc(f64::tanh)),
        }
    }

    /// A function of `e` with values in [0.25, ~6].
    pub(super) fn positive(&mut self, e: E) -> E {
        match self.c.below(12) {
            0 if e.src.len() < 120 => {
                let e = self.fit(e, 2.0);
                E::new(
                    format!("(({} * {}) + 0.5)", e.src, e.src),
                    e.iv.sq().shift(0.5),
                )
            }
            1 => E::new(format!("({}.sin() + 1.5)", e.src), Iv::new(0.5, 2.5)),
            2 => E::new(
                format!("(sigmoid({}) + 0.25)", e.src),
                e.iv.inc(sigmoid).shift(0.25),
            ),
            3 => {
                let e = self.fit(e, 1.5);
                E::new(format!("{}.exp()", e.src), e.iv.inc(f64::exp))
            }
            4 => {
                let e = self.fit(e, 4.0);
                let f = self.ops_fn("softplus", &[&e]);
                E::new(format!("({f} + 0.5)"), e.iv.inc(softplus).shift(0.5))
            }
            5 => {
                let e = self.fit(e, 2.0);
                E::new(format!("{}.cosh()", e.src), e.iv.abs().inc(f64::cosh))
            }
            6 => {
                let e = self.fit(e, 4.0);
                E::new(
                    format!("{}.hypot(0.75)", e.src),
                    e.iv.abs().inc(|x| x.hypot(0.75)),
                )
            }
            7 => {
                let e = self.fit(e, 4.0);
                E::new(format!("({}.abs() + 0.5)", e.src), e.iv.abs().shift(0.5))
            }
            8 => {
                let e = self.fit(e, 2.0);
                E::new(format!("{}.exp2()", e.src), e.iv.inc(f64::exp2))
            }
            9 => E::new(
                format!("({}.tanh() + 1.25)", e.src),
                e.iv.inc(f64::tanh).shift(1.25),
            ),
            10 => E::new(
                format!("({}.atan() + 2.0)", e.src),
                e.iv.inc(f64::atan).shift(2.0),
            ),
            _ => {
                let e = self.fit(e, 2.0);
                E::new(format!("({}.powi(2) + 0.25)", e.src), e.iv.sq().shift(0.25))
            }
        }
    }

    /// `positive(e)` or its negation: a value at least 0.25 away from 0.
    pub(super) fn nonzero(&mut self, e: E) -> E {
        let p = self.positive(e);
        if self.c.chance(30) {
            E::new(format!("(-{})", p.src), p.iv.neg())
        } else {
            p
        }
    }

    /// A function of `e` with values in [1, ~5].
    pub(super) fn at_least_one(&mut self, e: E) -> E {
        match self.c.below(4) {
            0 => {
                let e = self.fit(e, 2.0);
                E::new(format!("({}.powi(2) + 1.0)", e.src), e.iv.sq().shift(1.0))
            }
            1 => {
                let e = self.fit(e, 2.0);
                E::new(format!("{}.cosh()", e.src), e.iv.abs().inc(f64::cosh))
            }
            2 => {
                let e = self.fit(e, 3.0);
                E::new(format!("({}.abs() + 1.0)", e.src), e.iv.abs().shift(1.0))
            }
            _ => E::new(
                format!("(sigmoid({}) + 1.0)", e.src),
                e.iv.inc(sigmoid).shift(1.0),
            ),
        }
    }

    /// A function of `e` with values in [−0.8, 0.8].
    pub(super) fn unit(&mut self, e: E) -> E {
        match self.c.below(5) {
            0 => E::new(format!("({}.sin() * 0.8)", e.src), Iv::sym(0.8)),
            1 => E::new(
                format!("({}.tanh() * 0.75)", e.src),
                e.iv.inc(f64::tanh).scale(0.75),
            ),
            2 => E::new(
                format!("(sigmoid({}) - 0.5)", e.src),
                e.iv.inc(sigmoid).shift(-0.5),
            ),
            3 => E::new(format!("({}.cos() * 0.5)", e.src), Iv::sym(0.5)),
            _ => E::new(
                format!("({}.atan() * 0.5)", e.src),
                e.iv.inc(f64::atan).scale(0.5),
            ),
        }
    }

    fn op(&mut self, maxd: usize, mind: usize) -> E {
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

    /// A condition: comparisons joined by `&&`, `||`, `!`.
    pub(super) fn cond(&mut self, depth: usize) -> String {
        let has_int = !self.ints().is_empty();
        let w = [
            60,
            if depth > 0 { 12 } else { 0 },
            if depth > 0 { 12 } else { 0 },
            if depth > 0 { 8 } else { 0 },
            if has_int { 6 } else { 0 },
            3,
        ];
        match self.c.weighted(&w) {
            1 => format!("({} && {})", self.cond(depth - 1), self.cond(depth - 1)),
            2 => format!("({} || {})", self.cond(depth - 1), self.cond(depth - 1)),
            3 => format!("!{}", self.cond(depth - 1)),
            4 => {
                let ints = self.ints();
                let v = &self.env[ints[self.c.below(ints.len())]];
                let Kind::Int(max) = v.kind else {
                    unreachable!("ints() returns ints")
                };
                let name = v.name.clone();
                let op = ["==", "<", ">=", "!="][self.c.below(4)];
                let k = self.c.below(max as usize + 1);
                format!("({name} {op} {k})")
            }
            5 => {
                let b = if self.c.chance(50) { "true" } else { "false" };
                let c = self.cond(0);
                if self.c.chance(50) {
                    format!("({b} && {c})")
                } else {
                    format!("({c} || {b})")
                }
            }
            _ => {
                let a = self.expr(2, 0);
                let b = if self.c.chance(40) {
                    self.constant()
                } else {
                    self.expr(2, 0)
                };
                let op =
                    ["<", ">", "<=", ">=", "!=", "=="][self.c.weighted(&[30, 30, 15, 15, 6, 4])];
                format!("({} {op} {})", a.src, b.src)
            }
        }
    }
}
