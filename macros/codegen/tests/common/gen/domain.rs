//! Moving generated expressions into safe domains: every argument of an
//! operation lands where the operation is smooth and its value moderate
//! (`ln` of a value ≥ 0.25, divisors away from zero, …), read off the
//! interval each expression carries.

use super::expr::{lit, E};
use super::iv::Iv;
use super::Gen;

/// The logistic function, for intervals.
pub(super) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `ln(1 + eˣ)`, for intervals.
pub(super) fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

impl Gen<'_> {
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
}
