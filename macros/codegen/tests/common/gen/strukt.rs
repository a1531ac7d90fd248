//! Structs, tuples and helpers with several results ([`Profile::STRUCTS`]):
//! a struct parameter `s: S` (floats, a fixed array, a nested struct) read
//! by field, struct values built in the body (`S { p: …, ..s }`, nested
//! `Inner { a: …, ..s.inner }`) and read back, tuples and `sin_cos` taken
//! apart by patterns, and calls of the helpers of [`HELPERS`], which return
//! a tuple, an array and a struct, bound by a pattern or an annotation.
//!
//! A field of a struct value is an ordinary binding of the environment,
//! named by its path (`s.p`, `t3.v`, `t3.inner.a`), so the expression
//! generator reads it like any other binding, and whatever field is never
//! read joins the final value (so every float of every struct literal
//! reaches the result). Such bindings are never assigned, shadowed or
//! looped over (their names hold a dot). Struct statements are written at
//! the top level and inside branches and loop bodies (unrolled `for`,
//! run-time `loop` and `while`); there the bindings end with the block, as
//! any `let` of it does, and the `S` values a block built leave
//! [`Gen::s_values`](super::Gen) with it.
//!
//! [`Profile::STRUCTS`]: super::Profile::STRUCTS

use super::expr::E;
use super::iv::Iv;
use super::{Gen, Kind};

/// The struct types the programs use, as Rust source (the facade's sample
/// of generated programs defines them; the pipeline never sees them).
#[allow(dead_code)] // (gen_sample's only)
pub const STRUCT_DEFS: &str = "\
#[derive(Clone, Copy, Debug, Differentiable)]
pub struct Inner {
    pub a: f64,
    pub b: f64,
}

#[derive(Clone, Copy, Debug, Differentiable)]
pub struct S {
    pub p: f64,
    pub q: f64,
    pub v: [f64; 3],
    pub inner: Inner,
}

#[derive(Clone, Copy, Debug, Differentiable)]
pub struct Pt {
    pub u: f64,
    pub w: f64,
}
";

/// The helpers the programs call, as Rust source: a tuple, an array and a
/// struct result, and two taking a struct whole (`&S`, `Inner`) and
/// reading only some of its fields. The property tests interpret them
/// (`common/callees.rs`); their arguments are kept in [−2, 2].
#[allow(dead_code)] // (not read by prop_second_order)
pub const HELPERS: [&str; 5] = [
    "fn h_pair(a: f64, b: f64) -> (f64, f64) {\n    (a * b, a.sin() + b)\n}\n",
    "fn h_arr(a: f64, v: [f64; 3]) -> [f64; 3] {\n    [a * v[0], v[1] - a, v[2] * v[0] + a.cos()]\n}\n",
    "fn h_pt(a: f64, b: f64) -> Pt {\n    Pt { u: a + b, w: a * b.cos() }\n}\n",
    "fn h_e(s: &S, a: f64) -> f64 {\n    s.p * a + s.v[1] * s.q.sin() + s.inner.b\n}\n",
    "fn h_in(i: Inner, a: f64) -> f64 {\n    i.a * a.cos() + i.b\n}\n",
];

/// The fields of `S` holding floats, by path (`v` holds three).
const S_FIELDS: [&str; 5] = ["p", "q", "v", "inner.a", "inner.b"];

impl Gen<'_> {
    /// Adds the bindings of the fields of an `S` value named `base`, with
    /// the intervals given (`v` has three).
    fn push_s(&mut self, base: &str, ivs: [Vec<Iv>; 5], local: bool) {
        for (field, ivs) in S_FIELDS.iter().zip(ivs) {
            let kind = if *field == "v" {
                Kind::Array(ivs)
            } else {
                Kind::Scalar(ivs[0])
            };
            self.env.push(super::Var::new(
                format!("{base}.{field}"),
                kind,
                false,
                local,
            ));
        }
    }

    /// The parameter `s: S`: every field in [−2, 2] (one program in five
    /// marks it `#[nograd]`: its fields are then constants of the body).
    pub(super) fn push_struct_param(&mut self) {
        let two = Iv::sym(2.0);
        self.push_s(
            "s",
            [vec![two], vec![two], vec![two; 3], vec![two], vec![two]],
            false,
        );
        self.s_values.push("s".to_string());
    }

    /// The current intervals of the fields of the `S` value `base`.
    fn s_ivs(&self, base: &str) -> [Vec<Iv>; 5] {
        S_FIELDS.map(|f| {
            let name = format!("{base}.{f}");
            let v = self
                .env
                .iter()
                .rev()
                .find(|v| v.name == name)
                .expect("an `S` value has every field");
            match &v.kind {
                Kind::Scalar(iv) => vec![*iv],
                Kind::Array(ivs) => ivs.clone(),
                Kind::Int(_) => unreachable!("fields are floats"),
            }
        })
    }

    /// A struct, tuple or helper statement (the weights' last three), at
    /// the top level or inside a branch or a loop body (constant or run
    /// time), where its bindings end with the block.
    pub(super) fn struct_stmt(&mut self, out: &mut String, indent: usize, which: usize) {
        // the `S` values whose block has ended are out of scope
        let env = &self.env;
        self.s_values
            .retain(|b| env.iter().any(|v| v.name == format!("{b}.p")));
        if self.s_values.is_empty() {
            return self.let_stmt(out, indent, false);
        }
        match which {
            0 => self.struct_lit(out, indent),
            1 => self.tuple_stmt(out, indent),
            _ => self.helper_call(out, indent),
        }
    }

    /// The value of a field or a tuple element: an ordinary statement's
    /// expression.
    fn field_expr(&mut self) -> E {
        self.stmt_expr()
    }

    /// `let tN = S { … };`, each field written or taken from `..base`;
    /// sometimes `let uN = base.inner;` instead.
    fn struct_lit(&mut self, out: &mut String, indent: usize) {
        let base = self.s_values[self.c.below(self.s_values.len())].clone();
        let base_ivs = self.s_ivs(&base);
        if self.c.chance(15) {
            // a path into a struct, bound and read through the binding
            let name = self.fresh("u");
            Self::line(out, indent, &format!("let {name} = {base}.inner;"));
            for (f, iv) in [("a", base_ivs[3][0]), ("b", base_ivs[4][0])] {
                self.env.push(super::Var::new(
                    format!("{name}.{f}"),
                    Kind::Scalar(iv),
                    false,
                    true,
                ));
            }
            return;
        }
        // (`..s` of an `s: &S` would be `..*s`)
        let rest = self.c.chance(50) && !(base == "s" && self.s_by_ref);
        let mut fields: Vec<String> = Vec::new();
        let mut ivs = base_ivs.clone();
        // p and q: written, or left to `..base`
        for (k, f) in ["p", "q"].into_iter().enumerate() {
            if !rest || self.c.chance(50) {
                let e = self.field_expr();
                ivs[k] = vec![e.iv];
                fields.push(format!("{f}: {}", e.src));
            }
        }
        // v: an array literal, the base's array, or left to `..base`
        match self.c.below(3) {
            0 if rest => {}
            1 => fields.push(format!("v: {base}.v")),
            _ => {
                let es: Vec<E> = (0..3).map(|_| self.field_expr()).collect();
                ivs[2] = es.iter().map(|e| e.iv).collect();
                let srcs: Vec<&str> = es.iter().map(|e| e.src.as_str()).collect();
                fields.push(format!("v: [{}]", srcs.join(", ")));
            }
        }
        // inner: a literal (maybe with `..base.inner`), the base's, or left
        match self.c.below(3) {
            0 if rest => {}
            1 => fields.push(format!("inner: {base}.inner")),
            _ => {
                let inner_rest = self.c.chance(40);
                let mut inner = Vec::new();
                for (k, f) in [(3, "a"), (4, "b")] {
                    if !inner_rest || self.c.chance(50) {
                        let e = self.field_expr();
                        ivs[k] = vec![e.iv];
                        inner.push(format!("{f}: {}", e.src));
                    }
                }
                if inner_rest {
                    inner.push(format!("..{base}.inner"));
                }
                fields.push(format!("inner: Inner {{ {} }}", inner.join(", ")));
            }
        }
        // the fields in any order
        if !fields.is_empty() {
            let k = self.c.below(fields.len());
            fields.rotate_left(k);
        }
        if rest {
            fields.push(format!("..{base}"));
        }
        let name = self.fresh("t");
        Self::line(
            out,
            indent,
            &format!("let {name} = S {{ {} }};", fields.join(", ")),
        );
        self.push_s(&name, ivs, true);
        self.s_values.push(name);
    }

    /// A tuple taken apart: `let (a, b) = (e, e);`, `let (s, c) =
    /// e.sin_cos();`, or bound whole and read as `t.0`, `t.1`.
    fn tuple_stmt(&mut self, out: &mut String, indent: usize) {
        match self.c.below(3) {
            0 => {
                let e = self.field_expr();
                let (s, c) = (self.fresh("s"), self.fresh("c"));
                Self::line(
                    out,
                    indent,
                    &format!("let ({s}, {c}) = {}.sin_cos();", e.src),
                );
                self.push_var(s, Kind::Scalar(Iv::new(-1.0, 1.0)), false);
                self.push_var(c, Kind::Scalar(Iv::new(-1.0, 1.0)), false);
            }
            1 => {
                let (a, b) = (self.field_expr(), self.field_expr());
                let (na, nb) = (self.fresh("a"), self.fresh("a"));
                Self::line(
                    out,
                    indent,
                    &format!("let ({na}, {nb}) = ({}, {});", a.src, b.src),
                );
                self.push_var(na, Kind::Scalar(a.iv), false);
                self.push_var(nb, Kind::Scalar(b.iv), false);
            }
            _ => {
                let (a, b) = (self.field_expr(), self.field_expr());
                let name = self.fresh("p");
                Self::line(
                    out,
                    indent,
                    &format!("let {name} = ({}, {});", a.src, b.src),
                );
                self.push_var(format!("{name}.0"), Kind::Scalar(a.iv), false);
                self.push_var(format!("{name}.1"), Kind::Scalar(b.iv), false);
            }
        }
    }

    /// An argument of a helper: in [−2, 2].
    fn helper_arg(&mut self) -> E {
        let e = self.stmt_expr();
        self.fit(e, 2.0)
    }

    /// A call of one of [`HELPERS`], its result bound by a pattern or by an
    /// annotated name.
    fn helper_call(&mut self, out: &mut String, indent: usize) {
        if self.c.chance(30) {
            return self.struct_helper_call(out, indent);
        }
        match self.c.below(3) {
            0 => {
                let (a, b) = (self.helper_arg(), self.helper_arg());
                let ivs = [a.iv.mul(b.iv), Iv::new(-1.0, 1.0).add(b.iv)];
                let call = format!("h_pair({}, {})", a.src, b.src);
                if self.c.chance(50) {
                    let (n0, n1) = (self.fresh("m"), self.fresh("m"));
                    Self::line(out, indent, &format!("let ({n0}, {n1}) = {call};"));
                    self.push_var(n0, Kind::Scalar(ivs[0]), false);
                    self.push_var(n1, Kind::Scalar(ivs[1]), false);
                } else {
                    let name = self.fresh("m");
                    Self::line(out, indent, &format!("let {name}: (f64, f64) = {call};"));
                    self.push_var(format!("{name}.0"), Kind::Scalar(ivs[0]), false);
                    self.push_var(format!("{name}.1"), Kind::Scalar(ivs[1]), false);
                }
            }
            1 => {
                let a = self.helper_arg();
                let v: Vec<E> = (0..3).map(|_| self.helper_arg()).collect();
                let ivs = [
                    a.iv.mul(v[0].iv),
                    v[1].iv.sub(a.iv),
                    v[2].iv.mul(v[0].iv).add(Iv::new(-1.0, 1.0)),
                ];
                let vs: Vec<&str> = v.iter().map(|e| e.src.as_str()).collect();
                let call = format!("h_arr({}, [{}])", a.src, vs.join(", "));
                if self.c.chance(50) {
                    let names: Vec<String> = (0..3).map(|_| self.fresh("r")).collect();
                    Self::line(
                        out,
                        indent,
                        &format!("let [{}] = {call};", names.join(", ")),
                    );
                    for (n, iv) in names.into_iter().zip(ivs) {
                        self.push_var(n, Kind::Scalar(iv), false);
                    }
                } else {
                    let name = self.fresh("r");
                    Self::line(out, indent, &format!("let {name}: [f64; 3] = {call};"));
                    self.push_var(name, Kind::Array(ivs.to_vec()), false);
                }
            }
            _ => {
                let (a, b) = (self.helper_arg(), self.helper_arg());
                let ivs = [a.iv.add(b.iv), a.iv.mul(Iv::new(-1.0, 1.0))];
                let call = format!("h_pt({}, {})", a.src, b.src);
                // both fields, one renamed, or one field and `..`
                let (nu, nw) = (self.fresh("n"), self.fresh("n"));
                let pat = match self.c.below(4) {
                    0 => format!("Pt {{ u: {nu}, .. }}"),
                    1 => format!("Pt {{ w: {nw}, u: {nu} }}"),
                    _ => format!("Pt {{ u: {nu}, w: {nw} }}"),
                };
                Self::line(out, indent, &format!("let {pat} = {call};"));
                self.push_var(nu, Kind::Scalar(ivs[0]), false);
                if pat.contains("w:") {
                    self.push_var(nw, Kind::Scalar(ivs[1]), false);
                }
            }
        }
    }
}

impl Gen<'_> {
    /// A call of a helper taking a struct whole: `h_e(s, e)` (`&s` for
    /// `s: S`), `h_e(&t3, e)`, `h_in(s.inner, e)`.
    fn struct_helper_call(&mut self, out: &mut String, indent: usize) {
        let base = self.s_values[self.c.below(self.s_values.len())].clone();
        let f = self.s_ivs(&base);
        let a = self.helper_arg();
        let name = self.fresh("e");
        let (call, iv) = if self.c.chance(50) {
            let by_ref = if base == "s" && self.s_by_ref {
                ""
            } else {
                "&"
            };
            let iv = f[0][0]
                .mul(a.iv)
                .add(f[2][1].mul(Iv::new(-1.0, 1.0)))
                .add(f[4][0]);
            (format!("h_e({by_ref}{base}, {})", a.src), iv)
        } else {
            let iv = f[3][0].mul(Iv::new(-1.0, 1.0)).add(f[4][0]);
            (format!("h_in({base}.inner, {})", a.src), iv)
        };
        Self::line(out, indent, &format!("let {name} = {call};"));
        self.push_var(name, Kind::Scalar(iv), false);
    }
}

/// The blocks a struct statement of `src` (a generated program) sits in,
/// as labels: `"struct value in a branch"`, `"helper call in a run-time
/// loop"`, … (`branch`: of an `if`; `for`: an unrolled `for`; `run-time
/// loop`: a `loop` or `while`). Read from the source text, whose layout
/// the generator fixes: a block opens at a line ending in `{` and closes
/// at a line starting with `}`. Also `"struct helper call after an exit"`
/// and `"struct value after an exit"` for an `h_pt` call or an `S` value
/// after a `break` or `continue` of a run-time loop around it.
#[allow(dead_code)] // (not read by prop_second_order)
pub fn nested_struct_forms(src: &str) -> Vec<String> {
    let mut blocks: Vec<&str> = Vec::new();
    // for each open block: a `break` or `continue` of it was written
    let mut exited: Vec<bool> = Vec::new();
    let mut found = Vec::new();
    for line in src.lines().skip(1) {
        let t = line.trim_start();
        if t.starts_with('}') {
            blocks.pop();
            exited.pop();
        }
        if t.contains("break;") || t.contains("continue;") {
            if let Some(k) = blocks.iter().rposition(|b| *b == "run-time loop") {
                exited[k] = true;
            }
        }
        let after_exit = blocks
            .iter()
            .zip(&exited)
            .any(|(b, e)| *b == "run-time loop" && *e);
        for (w, pat) in [
            ("struct helper call", " = h_pt("),
            ("struct value", " = S { "),
        ] {
            let label = format!("{w} after an exit");
            if after_exit && t.starts_with("let ") && t.contains(pat) && !found.contains(&label) {
                found.push(label);
            }
        }
        let what = if t.starts_with("let t") && t.contains(" = S { ") {
            Some("struct value")
        } else if t.starts_with("let ") && t.contains(" = h_") {
            Some("helper call")
        } else {
            None
        };
        for (w, b) in what
            .into_iter()
            .flat_map(|w| blocks.iter().map(move |b| (w, b)))
        {
            let label = format!("{w} in a {b}");
            if !found.contains(&label) {
                found.push(label);
            }
        }
        if t.ends_with('{') {
            exited.push(false);
            blocks.push(if t.starts_with("for ") {
                "for"
            } else if t.starts_with("loop ") || t.starts_with("while ") {
                "run-time loop"
            } else {
                "branch"
            });
        }
    }
    found
}
