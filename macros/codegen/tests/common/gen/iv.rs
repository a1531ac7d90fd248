//! Conservative intervals: what the generator knows about a value.

/// A closed interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Iv {
    pub lo: f64,
    pub hi: f64,
}

impl Iv {
    pub fn new(a: f64, b: f64) -> Self {
        Iv {
            lo: a.min(b),
            hi: a.max(b),
        }
    }

    pub fn point(c: f64) -> Self {
        Iv { lo: c, hi: c }
    }

    pub fn sym(m: f64) -> Self {
        Iv { lo: -m, hi: m }
    }

    /// The largest magnitude in the interval.
    pub fn mag(self) -> f64 {
        self.lo.abs().max(self.hi.abs())
    }

    /// The smallest magnitude in the interval.
    pub fn mig(self) -> f64 {
        if self.lo <= 0.0 && self.hi >= 0.0 {
            0.0
        } else {
            self.lo.abs().min(self.hi.abs())
        }
    }

    pub fn hull(self, o: Iv) -> Iv {
        Iv {
            lo: self.lo.min(o.lo),
            hi: self.hi.max(o.hi),
        }
    }

    /// The image under an increasing function.
    pub fn inc(self, f: impl Fn(f64) -> f64) -> Iv {
        Iv::new(f(self.lo), f(self.hi))
    }

    pub fn add(self, o: Iv) -> Iv {
        Iv::new(self.lo + o.lo, self.hi + o.hi)
    }

    pub fn neg(self) -> Iv {
        Iv::new(-self.hi, -self.lo)
    }

    pub fn sub(self, o: Iv) -> Iv {
        self.add(o.neg())
    }

    pub fn mul(self, o: Iv) -> Iv {
        let c = [
            self.lo * o.lo,
            self.lo * o.hi,
            self.hi * o.lo,
            self.hi * o.hi,
        ];
        Iv {
            lo: c.iter().copied().fold(f64::INFINITY, f64::min),
            hi: c.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }

    pub fn scale(self, k: f64) -> Iv {
        Iv::new(self.lo * k, self.hi * k)
    }

    pub fn shift(self, k: f64) -> Iv {
        Iv::new(self.lo + k, self.hi + k)
    }

    /// 1/x for an interval that excludes zero.
    pub fn recip(self) -> Iv {
        assert!(
            self.mig() > 0.0,
            "recip of an interval holding zero: {self:?}"
        );
        Iv::new(1.0 / self.lo, 1.0 / self.hi)
    }

    pub fn div(self, o: Iv) -> Iv {
        self.mul(o.recip())
    }

    pub fn sq(self) -> Iv {
        Iv::new(self.mig() * self.mig(), self.mag() * self.mag())
    }

    pub fn powi(self, n: i32) -> Iv {
        match n {
            0 => Iv::point(1.0),
            n if n < 0 => self.powi(-n).recip(),
            n if n % 2 == 0 => Iv::new(self.mig().powi(n), self.mag().powi(n)),
            n => Iv::new(self.lo.powi(n), self.hi.powi(n)),
        }
    }

    /// |x|
    pub fn abs(self) -> Iv {
        Iv::new(self.mig(), self.mag())
    }
}
