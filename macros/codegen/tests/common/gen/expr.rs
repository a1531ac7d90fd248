//! Expressions: operations of the rules table with their arguments moved
//! into safe domains, leaves, and conditions.

use std::f64::consts::PI;

use super::iv::Iv;
use super::{Gen, Kind};

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
        // index with a loop index when one fits, else with a constant (an
        // array field of a struct, `s.v`, only with a constant loop's:
        // the macro rejects a run-time index into it)
        let field = name.contains('.');
        let ints: Vec<(String, i64)> = self
            .ints()
            .into_iter()
            .filter(|&i| !field || !self.rt_indices.contains(&self.env[i].name))
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
