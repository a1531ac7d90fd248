//! A generator of random `#[grad]` functions, as Rust source text.
//!
//! Generation is driven by a stream of choices (`&[u32]`), read one at a
//! time; a choice past the end of the stream reads as 0, and 0 always means
//! the simplest option (a leaf, the first parameter, no statement, `+`). So
//! when proptest shrinks the stream (shorter, smaller numbers) the program
//! shrinks with it.
//!
//! Every expression carries a conservative interval of its value over the
//! test domain (parameters in [−2, 2]). Arguments are moved into safe
//! domains by construction (`ln` of a value ≥ 0.25, `asin` of a value in
//! [−0.8, 0.8], `exp` of a value in [−2.5, 2.5], divisors away from zero, …),
//! so values stay moderate and gradients finite. Loops get an envelope for
//! each variable they may change, and every assignment in the loop keeps the
//! variable inside it.

use std::f64::consts::PI;
use std::fmt::Write;

/// The largest magnitude an ordinary expression is allowed to reach.
const LIM: f64 = 25.0;
/// What one `+=` may add to a loop-carried variable, per iteration.
const LOOP_ADD: f64 = 0.5;
/// How many `+=`/`-=` one loop body may do to loop-carried variables.
const LOOP_ADDS: usize = 2;

/// Reads choices from a stream; past its end every choice is 0.
pub struct Choices<'a> {
    raw: &'a [u32],
    pos: usize,
}

impl<'a> Choices<'a> {
    /// A reader at the start of `raw`.
    pub fn new(raw: &'a [u32]) -> Self {
        Choices { raw, pos: 0 }
    }

    fn next(&mut self) -> u32 {
        let v = self.raw.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        v
    }

    /// A number in `0..n` (0 when the stream is exhausted).
    pub fn below(&mut self, n: usize) -> usize {
        self.next() as usize % n.max(1)
    }

    /// True with about `percent`% probability; false for a 0 choice.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.next() % 100 >= 100 - percent
    }

    /// An index into `weights`, chosen in proportion; 0 for a 0 choice.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.next() % total.max(1);
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        0
    }
}

/// A closed interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Iv {
    lo: f64,
    hi: f64,
}

impl Iv {
    fn new(a: f64, b: f64) -> Self {
        Iv {
            lo: a.min(b),
            hi: a.max(b),
        }
    }

    fn point(c: f64) -> Self {
        Iv { lo: c, hi: c }
    }

    fn sym(m: f64) -> Self {
        Iv { lo: -m, hi: m }
    }

    /// The largest magnitude in the interval.
    fn mag(self) -> f64 {
        self.lo.abs().max(self.hi.abs())
    }

    /// The smallest magnitude in the interval.
    fn mig(self) -> f64 {
        if self.lo <= 0.0 && self.hi >= 0.0 {
            0.0
        } else {
            self.lo.abs().min(self.hi.abs())
        }
    }

    fn hull(self, o: Iv) -> Iv {
        Iv {
            lo: self.lo.min(o.lo),
            hi: self.hi.max(o.hi),
        }
    }

    /// The image under an increasing function.
    fn inc(self, f: impl Fn(f64) -> f64) -> Iv {
        Iv::new(f(self.lo), f(self.hi))
    }

    fn add(self, o: Iv) -> Iv {
        Iv::new(self.lo + o.lo, self.hi + o.hi)
    }

    fn neg(self) -> Iv {
        Iv::new(-self.hi, -self.lo)
    }

    fn sub(self, o: Iv) -> Iv {
        self.add(o.neg())
    }

    fn mul(self, o: Iv) -> Iv {
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

    fn scale(self, k: f64) -> Iv {
        Iv::new(self.lo * k, self.hi * k)
    }

    fn shift(self, k: f64) -> Iv {
        Iv::new(self.lo + k, self.hi + k)
    }

    /// 1/x for an interval that excludes zero.
    fn recip(self) -> Iv {
        assert!(
            self.mig() > 0.0,
            "recip of an interval holding zero: {self:?}"
        );
        Iv::new(1.0 / self.lo, 1.0 / self.hi)
    }

    fn div(self, o: Iv) -> Iv {
        self.mul(o.recip())
    }

    fn sq(self) -> Iv {
        Iv::new(self.mig() * self.mig(), self.mag() * self.mag())
    }

    fn powi(self, n: i32) -> Iv {
        match n {
            0 => Iv::point(1.0),
            n if n < 0 => self.powi(-n).recip(),
            n if n % 2 == 0 => Iv::new(self.mig().powi(n), self.mag().powi(n)),
            n => Iv::new(self.lo.powi(n), self.hi.powi(n)),
        }
    }

    /// |x|
    fn abs(self) -> Iv {
        Iv::new(self.mig(), self.mag())
    }
}

/// A generated expression: atomic source text (a name, a call, or
/// parenthesised) and an interval holding its value.
#[derive(Clone, Debug)]
struct E {
    src: String,
    iv: Iv,
}

impl E {
    fn new(src: String, iv: Iv) -> Self {
        E { src, iv }
    }
}

/// A float literal as Rust source (negative ones parenthesised).
fn lit(x: f64) -> String {
    if x < 0.0 {
        format!("({x:?})")
    } else {
        format!("{x:?}")
    }
}

#[derive(Clone, Debug)]
enum Kind {
    Scalar(Iv),
    Array(Vec<Iv>),
    /// A compile-time integer (a loop index) in `0..=max`.
    Int(i64),
}

#[derive(Clone, Debug)]
struct Var {
    name: String,
    kind: Kind,
    mutable: bool,
    /// A `let`, not a parameter.
    local: bool,
    /// Inside a loop that may change it: the magnitude an assignment must
    /// stay within (the variable's interval is the loop's envelope).
    carried: Option<f64>,
    /// Per element: whether its current value has been read. The final
    /// expression adds whatever was never read, so that every parameter and
    /// every binding reaches the value (and gets a gradient to check).
    read: Vec<bool>,
}

impl Var {
    fn new(name: String, kind: Kind, mutable: bool, local: bool) -> Self {
        let n = match &kind {
            Kind::Array(ivs) => ivs.len(),
            _ => 1,
        };
        Var {
            name,
            kind,
            mutable,
            local,
            carried: None,
            read: vec![false; n],
        }
    }
}

/// A parameter of the generated function.
#[derive(Clone, Debug)]
pub struct ParamSpec {
    /// Its name.
    pub name: String,
    /// `None` for a scalar, `Some(n)` for `[f64; n]`.
    pub len: Option<usize>,
    /// Marked `#[nograd]`.
    pub nograd: bool,
}

/// A generated function.
#[derive(Clone, Debug)]
pub struct Program {
    /// Its parameters, in order.
    pub params: Vec<ParamSpec>,
    /// The whole item, `fn f(...) -> f64 { ... }`.
    pub source: String,
}

/// How often the generator writes each kind of statement.
#[derive(Clone, Copy, Debug)]
pub struct Profile {
    /// Most top-level statements before the final expression.
    pub max_stmts: usize,
    /// Weights: let, let mut, assign, compound assign, shadow, `if`
    /// statement, `let .. = if`, `for`, local array.
    pub stmt_weights: [u32; 9],
    /// Minimum depth of the final expression tree.
    pub min_depth: usize,
}

impl Profile {
    /// Mostly deep expression trees over `let` chains.
    pub const EXPRESSIONS: Profile = Profile {
        max_stmts: 6,
        stmt_weights: [40, 10, 8, 10, 12, 4, 4, 4, 2],
        min_depth: 6,
    };
    /// Mostly control flow: `if`, `for`, arrays, reassignment.
    pub const CONTROL: Profile = Profile {
        max_stmts: 7,
        stmt_weights: [14, 12, 10, 12, 6, 16, 12, 18, 8],
        min_depth: 6,
    };
}

/// Generates a function from a choice stream.
pub fn generate(raw: &[u32], profile: Profile) -> Program {
    let mut g = Gen {
        c: Choices::new(raw),
        env: Vec::new(),
        fresh: 0,
        budget: 0,
        memo: Vec::new(),
        loop_depth: 0,
        adds_left: 0,
        nest: 0,
        profile,
    };
    g.program()
}

struct Gen<'a> {
    c: Choices<'a>,
    env: Vec<Var>,
    fresh: usize,
    /// Operations the current expression may still add off its spine.
    budget: usize,
    /// Subexpressions of the current statement, for textual reuse.
    memo: Vec<E>,
    loop_depth: usize,
    adds_left: usize,
    /// Nesting of `if` and block expressions.
    nest: usize,
    profile: Profile,
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

const PARAM_NAMES: [&str; 4] = ["x", "y", "z", "w"];

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

impl Gen<'_> {
    fn program(&mut self) -> Program {
        let n = 2 + self.c.below(3);
        let mut params = Vec::new();
        for (k, name) in PARAM_NAMES.iter().enumerate().take(n) {
            let len = self.c.chance(35).then(|| 2 + self.c.below(2));
            let nograd = k > 0 && self.c.chance(25);
            let iv = Iv::sym(2.0);
            let kind = match len {
                None => Kind::Scalar(iv),
                Some(l) => Kind::Array(vec![iv; l]),
            };
            self.env
                .push(Var::new(name.to_string(), kind, false, false));
            params.push(ParamSpec {
                name: name.to_string(),
                len,
                nograd,
            });
        }
        let sig: Vec<String> = params
            .iter()
            .map(|p| {
                let ty = match p.len {
                    None => "f64".to_string(),
                    Some(l) => format!("[f64; {l}]"),
                };
                let attr = if p.nograd { "#[nograd] " } else { "" };
                format!("{attr}{}: {ty}", p.name)
            })
            .collect();
        let mut out = String::new();
        let _ = writeln!(out, "fn f({}) -> f64 {{", sig.join(", "));
        let n_stmts = self.c.below(self.profile.max_stmts + 1);
        for _ in 0..n_stmts {
            self.stmt(&mut out, 1);
        }
        self.begin_expr(28);
        let tail = self.expr(self.profile.min_depth + 3, self.profile.min_depth);
        // whatever was never read joins the value
        let mut unread = Vec::new();
        for i in self.visible() {
            let v = &self.env[i];
            match &v.kind {
                Kind::Scalar(iv) if !v.read[0] => unread.push(E::new(v.name.clone(), *iv)),
                Kind::Array(ivs) => {
                    for (k, iv) in ivs.iter().enumerate() {
                        if !v.read[k] {
                            unread.push(E::new(format!("{}[{k}]", v.name), *iv));
                        }
                    }
                }
                _ => {}
            }
        }
        let mut value = tail.src;
        for e in unread {
            let e = self.fit(e, 2.0);
            value = format!("({value} + {})", e.src);
        }
        if self.c.chance(5) {
            let _ = writeln!(out, "    return {value};");
        } else {
            let _ = writeln!(out, "    {value}");
        }
        out.push_str("}\n");
        Program {
            params,
            source: out,
        }
    }

    // ---- names and the environment ----

    fn fresh(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("{prefix}{}", self.fresh)
    }

    /// Indices of the bindings not shadowed by a later one.
    fn visible(&self) -> Vec<usize> {
        (0..self.env.len())
            .filter(|&i| !self.env[i + 1..].iter().any(|v| v.name == self.env[i].name))
            .collect()
    }

    fn scalars(&self) -> Vec<usize> {
        self.visible()
            .into_iter()
            .filter(|&i| matches!(self.env[i].kind, Kind::Scalar(_)))
            .collect()
    }

    fn arrays(&self) -> Vec<usize> {
        self.visible()
            .into_iter()
            .filter(|&i| matches!(self.env[i].kind, Kind::Array(_)))
            .collect()
    }

    fn ints(&self) -> Vec<usize> {
        self.visible()
            .into_iter()
            .filter(|&i| matches!(self.env[i].kind, Kind::Int(_)))
            .collect()
    }

    fn mutables(&self) -> Vec<usize> {
        self.visible()
            .into_iter()
            .filter(|&i| self.env[i].mutable)
            .collect()
    }

    fn push_var(&mut self, name: String, kind: Kind, mutable: bool) {
        self.env.push(Var::new(name, kind, mutable, true));
    }

    // ---- expressions ----

    /// Starts a new expression with an operation budget.
    fn begin_expr(&mut self, budget: usize) {
        self.budget = budget;
        self.memo.clear();
    }

    /// An expression of depth at most `maxd` (roughly) and at least `mind`.
    fn expr(&mut self, maxd: usize, mind: usize) -> E {
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

    fn leaf(&mut self) -> E {
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
    fn var(&mut self) -> E {
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

    fn constant(&mut self) -> E {
        const C: &[(&str, f64)] = &[
            ("0.5", 0.5),
            ("1.5", 1.5),
            ("2.0", 2.0),
            ("(-1.0)", -1.0),
            ("0.25", 0.25),
            ("3.0", 3.0),
            ("(-0.75)", -0.75),
            ("0.1", 0.1),
            ("std::f64::consts::PI", PI),
            ("std::f64::consts::FRAC_PI_4", std::f64::consts::FRAC_PI_4),
            ("core::f64::consts::E", std::f64::consts::E),
            ("1.0", 1.0),
            ("2f64", 2.0),
            ("0.5_f64", 0.5),
            ("(1.5 as f64)", 1.5),
        ];
        let (s, v) = C[self.c.below(C.len())];
        E::new(s.to_string(), Iv::point(v))
    }

    fn array_elem(&mut self) -> Option<E> {
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

    fn int_as_float(&mut self) -> Option<E> {
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
    fn two(&mut self, maxd: usize, mind: usize) -> (E, E) {
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
    fn method(&mut self, name: &str, recv: &E, args: &[&E]) -> String {
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
    fn ops_fn(&mut self, name: &str, args: &[&E]) -> String {
        let args: Vec<&str> = args.iter().map(|a| a.src.as_str()).collect();
        let path = match self.c.weighted(&[70, 15, 15]) {
            0 => "",
            1 => "ops::",
            _ => "macrograd::ops::",
        };
        format!("{path}{name}({})", args.join(", "))
    }

    fn unary(&mut self, name: &str, a: &E, iv: Iv) -> E {
        E::new(self.method(name, a, &[]), iv)
    }

    fn bin(a: &E, op: &str, b: &E, iv: Iv) -> E {
        E::new(format!("({} {op} {})", a.src, b.src), iv)
    }

    /// Moves `e` into [−m, m] if its interval is not already inside.
    fn fit(&mut self, e: E, m: f64) -> E {
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
    fn squash(&mut self, e: E) -> E {
        match self.c.below(6) {
            0 => E::new(format!("{}.tanh()", e.src), e.iv.inc(f64::tanh)),
            1 => E::new(format!("{}.sin()", e.src), Iv::sym(1.0)),
            2 => E::new(
                format!("({}.atan() * 0.6366)", e.src),
                e.iv.inc(f64::atan).scale(0.6366),
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
    fn positive(&mut self, e: E) -> E {
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
    fn nonzero(&mut self, e: E) -> E {
        let p = self.positive(e);
        if self.c.chance(30) {
            E::new(format!("(-{})", p.src), p.iv.neg())
        } else {
            p
        }
    }

    /// A function of `e` with values in [1, ~5].
    fn at_least_one(&mut self, e: E) -> E {
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
    fn unit(&mut self, e: E) -> E {
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
    fn cond(&mut self, depth: usize) -> String {
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

    // ---- statements ----

    fn line(out: &mut String, indent: usize, text: &str) {
        let _ = writeln!(out, "{}{text}", "    ".repeat(indent));
    }

    fn stmt(&mut self, out: &mut String, indent: usize) {
        let mut w = self.profile.stmt_weights;
        if self.loop_depth >= 2 || self.nest >= 2 {
            w[7] = 0;
        }
        if self.nest >= 2 {
            w[5] = 0;
        }
        match self.c.weighted(&w) {
            1 => self.let_stmt(out, indent, true),
            2 | 3 => self.assign(out, indent),
            4 => self.shadow(out, indent),
            5 => self.if_stmt(out, indent),
            6 => self.let_if(out, indent),
            7 => self.for_loop(out, indent),
            8 => self.local_array(out, indent),
            _ => self.let_stmt(out, indent, false),
        }
    }

    fn stmt_expr(&mut self) -> E {
        self.begin_expr(10);
        let maxd = 2 + self.c.below(4);
        let e = self.expr(maxd, 1);
        self.fit(e, LIM)
    }

    fn let_stmt(&mut self, out: &mut String, indent: usize, mutable: bool) {
        let e = self.stmt_expr();
        let name = self.fresh("v");
        let m = if mutable { "mut " } else { "" };
        let ty = if self.c.chance(15) { ": f64" } else { "" };
        Self::line(out, indent, &format!("let {m}{name}{ty} = {};", e.src));
        self.push_var(name, Kind::Scalar(e.iv), mutable);
    }

    fn shadow(&mut self, out: &mut String, indent: usize) {
        let scalars = self.scalars();
        if scalars.is_empty() {
            return self.let_stmt(out, indent, false);
        }
        let name = self.env[scalars[self.c.below(scalars.len())]].name.clone();
        let e = self.stmt_expr();
        Self::line(out, indent, &format!("let {name} = {};", e.src));
        self.push_var(name, Kind::Scalar(e.iv), false);
    }

    /// Makes sure a mutable scalar exists; returns its index.
    fn some_mutable(&mut self, out: &mut String, indent: usize) -> usize {
        if let Some(&i) = self.mutables().last() {
            if self.c.chance(80) {
                return i;
            }
        }
        self.let_stmt(out, indent, true);
        self.env.len() - 1
    }

    /// `v = e;`, `v op= e;` or the same on an array element.
    fn assign(&mut self, out: &mut String, indent: usize) {
        let i = self.some_mutable(out, indent);
        let (place, iv, elem) = match &self.env[i].kind {
            Kind::Scalar(iv) => (self.env[i].name.clone(), *iv, None),
            Kind::Array(ivs) => {
                let k = self.c.below(ivs.len());
                // in a loop, sometimes write the element the loop index names
                let index = self
                    .ints()
                    .into_iter()
                    .map(|j| (&self.env[j].name, &self.env[j].kind))
                    .find_map(|(n, kind)| match kind {
                        Kind::Int(max) if (*max as usize) < ivs.len() => Some(n.clone()),
                        _ => None,
                    });
                match index {
                    Some(n) if self.env[i].carried.is_some() && self.c.chance(50) => {
                        (format!("{}[{n}]", self.env[i].name), ivs[k], Some(k))
                    }
                    _ => (format!("{}[{k}]", self.env[i].name), ivs[k], Some(k)),
                }
            }
            Kind::Int(_) => unreachable!("integers are never mutable"),
        };
        let carried = self.env[i].carried;
        let e = self.stmt_expr();
        let may_add = carried.is_none() || self.adds_left > 0;
        let (op, rhs, new_iv) = match self.c.weighted(&[30, if may_add { 25 } else { 0 }, 20, 12]) {
            1 => {
                let m = if carried.is_some() {
                    self.adds_left -= 1;
                    LOOP_ADD
                } else {
                    LIM / 2.0
                };
                let e = self.fit(e, m);
                if self.c.chance(50) {
                    ("+=", e.src, iv.add(e.iv))
                } else {
                    ("-=", e.src, iv.sub(e.iv))
                }
            }
            2 => {
                let m = if carried.is_some() { 1.0 } else { 2.0 };
                let e = self.fit(e, m);
                ("*=", e.src, iv.mul(e.iv))
            }
            3 => {
                let d = if carried.is_some() {
                    self.at_least_one(e)
                } else {
                    self.positive(e)
                };
                ("/=", d.src, iv.div(d.iv))
            }
            _ => {
                let e = self.fit(e, carried.unwrap_or(LIM));
                ("=", e.src, e.iv)
            }
        };
        Self::line(out, indent, &format!("{place} {op} {rhs};"));
        self.env[i].read[elem.unwrap_or(0)] = false;
        if carried.is_some() {
            // the loop's envelope already holds every value it can take
            return;
        }
        match (&mut self.env[i].kind, elem) {
            (Kind::Scalar(v), None) => *v = new_iv,
            (Kind::Array(ivs), Some(k)) => ivs[k] = new_iv,
            _ => unreachable!("the place matches the binding"),
        }
    }

    /// Runs `f` on a copy of the environment and returns the intervals it
    /// left on the bindings that existed before.
    fn branch(&mut self, f: impl FnOnce(&mut Self)) -> Vec<(Kind, Vec<bool>)> {
        let saved = self.env.clone();
        let n = saved.len();
        f(self);
        let after = self.env[..n]
            .iter()
            .map(|v| (v.kind.clone(), v.read.clone()))
            .collect();
        self.env = saved;
        after
    }

    /// After an `if`: intervals are joined, and a value counts as read only
    /// if it was read whichever way the `if` went.
    fn merge_branches(&mut self, branches: &[Vec<(Kind, Vec<bool>)>]) {
        for (k, var) in self.env.iter_mut().enumerate() {
            for b in branches {
                let (kind, read) = &b[k];
                for (r, br) in var.read.iter_mut().zip(read) {
                    *r &= *br;
                }
                var.kind = match (&var.kind, kind) {
                    (Kind::Scalar(a), Kind::Scalar(b)) => Kind::Scalar(a.hull(*b)),
                    (Kind::Array(a), Kind::Array(b)) => {
                        Kind::Array(a.iter().zip(b).map(|(x, y)| x.hull(*y)).collect())
                    }
                    (kind, _) => kind.clone(),
                };
            }
        }
    }

    fn body(&mut self, out: &mut String, indent: usize, n: usize) {
        for _ in 0..n {
            // inside branches and loops, mostly change what is outside
            if self.c.chance(40) {
                self.stmt(out, indent);
            } else {
                self.assign(out, indent);
            }
        }
    }

    fn if_stmt(&mut self, out: &mut String, indent: usize) {
        // make sure the `if` has something to change
        let _ = self.some_mutable(out, indent);
        self.begin_expr(8);
        let c = self.cond(2);
        Self::line(out, indent, &format!("if {c} {{"));
        self.nest += 1;
        let mut branches = Vec::new();
        let n = 1 + self.c.below(2);
        branches.push(self.branch(|g| g.body(out, indent + 1, n)));
        if self.c.chance(30) {
            self.begin_expr(8);
            let c2 = self.cond(1);
            Self::line(out, indent, &format!("}} else if {c2} {{"));
            let n = 1 + self.c.below(2);
            branches.push(self.branch(|g| g.body(out, indent + 1, n)));
        }
        if self.c.chance(70) {
            Self::line(out, indent, "} else {");
            let n = 1 + self.c.below(2);
            branches.push(self.branch(|g| g.body(out, indent + 1, n)));
        }
        Self::line(out, indent, "}");
        self.nest -= 1;
        self.merge_branches(&branches);
    }

    fn let_if(&mut self, out: &mut String, indent: usize) {
        self.begin_expr(8);
        let c = self.cond(2);
        self.nest += 1;
        let (t, tsrc) = self.branch_value();
        let (e, esrc) = self.branch_value();
        self.nest -= 1;
        let name = self.fresh("v");
        let m = if self.c.chance(25) { "mut " } else { "" };
        let pad = "    ".repeat(indent);
        Self::line(
            out,
            indent,
            &format!("let {m}{name} = if {c} {{\n{pad}    {tsrc}\n{pad}}} else {{\n{pad}    {esrc}\n{pad}}};"),
        );
        self.push_var(name, Kind::Scalar(t.iv.hull(e.iv)), !m.is_empty());
    }

    /// The inside of a branch with a value: maybe a `let`, then the value.
    fn branch_value(&mut self) -> (E, String) {
        if self.c.chance(40) {
            let first = self.stmt_expr();
            let name = self.fresh("t");
            self.push_var(name.clone(), Kind::Scalar(first.iv), false);
            let v = self.stmt_expr();
            self.env.pop();
            let src = format!("let {name} = {}; {}", first.src, v.src);
            (v, src)
        } else {
            let v = self.stmt_expr();
            let src = v.src.clone();
            (v, src)
        }
    }

    fn local_array(&mut self, out: &mut String, indent: usize) {
        let len = 2 + self.c.below(2);
        let name = self.fresh("b");
        let ivs = if self.c.chance(30) {
            let e = self.stmt_expr();
            Self::line(
                out,
                indent,
                &format!("let mut {name} = [{}; {len}];", e.src),
            );
            vec![e.iv; len]
        } else {
            let es: Vec<E> = (0..len).map(|_| self.stmt_expr()).collect();
            let srcs: Vec<&str> = es.iter().map(|e| e.src.as_str()).collect();
            Self::line(
                out,
                indent,
                &format!("let mut {name} = [{}];", srcs.join(", ")),
            );
            es.iter().map(|e| e.iv).collect()
        };
        self.push_var(name, Kind::Array(ivs), true);
    }

    fn for_loop(&mut self, out: &mut String, indent: usize) {
        let _ = self.some_mutable(out, indent);
        let arrays = self.arrays();
        let form = self.c.below(if arrays.is_empty() { 3 } else { 7 });
        let depth = self.loop_depth;
        let index = ["i", "j"][depth].to_string();
        let elem = ["e", "f"][depth].to_string();
        // what the loop binds, and how many times it runs
        let (head, binds, trips): (String, Vec<(String, Kind)>, usize) = match form {
            0 | 1 | 2 => {
                let n = 1 + self.c.below(3);
                let head = match form {
                    0 => format!("for {index} in 0..{n}"),
                    1 => format!("for {index} in (0..{n}).rev()"),
                    _ => format!("for {index} in 0..={}", n - 1),
                };
                (head, vec![(index, Kind::Int(n as i64 - 1))], n)
            }
            _ => {
                let ai = arrays[self.c.below(arrays.len())];
                let a = &self.env[ai];
                let Kind::Array(ivs) = &a.kind else {
                    unreachable!("arrays() returns arrays")
                };
                // `a.iter()` borrows `a`, so a loop that may change `a` copies it
                let form = match form {
                    3 | 5 if a.mutable => 4,
                    f => f,
                };
                let n = ivs.len();
                let hull = ivs
                    .iter()
                    .copied()
                    .reduce(Iv::hull)
                    .expect("arrays have elements");
                let name = a.name.clone();
                if form != 6 {
                    self.env[ai].read.fill(true);
                }
                match form {
                    3 => (
                        format!("for &{elem} in {name}.iter()"),
                        vec![(elem, Kind::Scalar(hull))],
                        n,
                    ),
                    4 => (
                        format!("for {elem} in {name}"),
                        vec![(elem, Kind::Scalar(hull))],
                        n,
                    ),
                    5 => (
                        format!("for ({index}, &{elem}) in {name}.iter().enumerate()"),
                        vec![(index, Kind::Int(n as i64 - 1)), (elem, Kind::Scalar(hull))],
                        n,
                    ),
                    _ => (
                        format!("for {index} in 0..{name}.len()"),
                        vec![(index, Kind::Int(n as i64 - 1))],
                        n,
                    ),
                }
            }
        };
        // every mutable binding gets an envelope for the whole loop
        let saved: Vec<Option<f64>> = self.env.iter().map(|v| v.carried).collect();
        let saved_adds = self.adds_left;
        let adds = if depth == 0 { LOOP_ADDS } else { 0 };
        for v in self
            .env
            .iter_mut()
            .filter(|v| v.mutable && v.carried.is_none())
        {
            let widen = |iv: Iv| {
                let m0 = iv.mag().max(1.0);
                (m0, Iv::sym(m0 + LOOP_ADD * (adds * trips) as f64))
            };
            match &mut v.kind {
                Kind::Scalar(iv) => {
                    let (m0, env) = widen(*iv);
                    *iv = env;
                    v.carried = Some(m0);
                }
                Kind::Array(ivs) => {
                    let m0 = ivs.iter().map(|iv| iv.mag()).fold(1.0, f64::max);
                    for iv in ivs.iter_mut() {
                        *iv = Iv::sym(m0 + LOOP_ADD * (adds * trips) as f64);
                    }
                    v.carried = Some(m0);
                }
                Kind::Int(_) => {}
            }
        }
        self.adds_left = adds;
        Self::line(out, indent, &format!("{head} {{"));
        let mark = self.env.len();
        for (name, kind) in binds {
            self.env.push(Var::new(name, kind, false, true));
        }
        self.loop_depth += 1;
        let n = 1 + self.c.below(3);
        self.body(out, indent + 1, n);
        self.loop_depth -= 1;
        self.env.truncate(mark);
        Self::line(out, indent, "}");
        for (v, c) in self.env.iter_mut().zip(saved) {
            v.carried = c;
        }
        self.adds_left = saved_adds;
    }
}
