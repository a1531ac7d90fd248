//! Run-time exits and buffers: `if c { break; }` / `if c { continue; }` in
//! run-time loops, `loop` and `while` bounded by a counter, and `Vec`
//! buffers written by index.

use super::{Gen, Kind, Var};

impl Gen<'_> {
    /// `if c { break; }` or `if c { continue; }`, the condition on values
    /// (which a carried variable makes data-dependent), sometimes with an
    /// assignment before the exit. Only in the body of a run-time loop.
    pub(super) fn early_exit(&mut self, out: &mut String, indent: usize) {
        let word = if self.c.chance(50) {
            "break"
        } else {
            "continue"
        };
        self.begin_expr(8);
        let c = self.cond(1);
        if self.c.chance(30) {
            Self::line(out, indent, &format!("if {c} {{"));
            // the assignment happens on the way out only: join it like a
            // branch of an `if` without `else`
            let stay = self.branch(|_| {});
            let leave = self.branch(|g| g.assign(out, indent + 1));
            self.merge_branches(&[stay, leave]);
            Self::line(out, indent + 1, &format!("{word};"));
            Self::line(out, indent, "}");
        } else {
            Self::line(out, indent, &format!("if {c} {{ {word}; }}"));
        }
    }

    /// A loop that a counter bounds to at most 1–3 trips, so that it always
    /// ends; its body may exit early on values:
    ///
    /// - `loop { if n >= K { break; } n += 1; ... }`, sometimes with a
    ///   last `if c { break; }`;
    /// - `while n < K && c { n += 1; ... }` (maybe no trip at all).
    ///
    /// The counter is incremented first, so a `continue` never skips it.
    pub(super) fn loop_stmt(&mut self, out: &mut String, indent: usize) {
        let _ = self.some_mutable(out, indent);
        let k = 1 + self.c.below(3);
        let n = self.fresh("n");
        // (`let mut n: usize = 0;` is rejected by the macro: annotations
        // may only name `f64` or arrays of it)
        Self::line(out, indent, &format!("let mut {n} = 0usize;"));
        let saved = self.enter_loop(k, true);
        let cond = if self.c.chance(35) {
            self.param_cmp()
        } else {
            None
        };
        let is_while = cond.is_some();
        if let Some(c) = cond {
            Self::line(out, indent, &format!("while {n} < {k} && {c} {{"));
        } else {
            Self::line(out, indent, "loop {");
            Self::line(out, indent + 1, &format!("if {n} >= {k} {{"));
            Self::line(out, indent + 2, "break;");
            Self::line(out, indent + 1, "}");
        }
        Self::line(out, indent + 1, &format!("{n} += 1;"));
        let mark = self.env.len();
        // in the body the counter is in 1..=k: it may index and be read,
        // never name an element to assign (it is a run-time value)
        self.env
            .push(Var::new(n.clone(), Kind::Int(k as i64), false, true));
        self.rt_indices.push(n.clone());
        let len = 1 + self.c.below(3);
        self.body(out, indent + 1, len);
        if !is_while && self.c.chance(40) {
            self.begin_expr(8);
            let c = self.cond(1);
            Self::line(out, indent + 1, &format!("if {c} {{ break; }}"));
        }
        self.rt_indices.retain(|r| *r != n);
        self.env.truncate(mark);
        Self::line(out, indent, "}");
        self.leave_loop(saved);
    }

    /// A comparison of a (visible) parameter element with an expression: never
    /// constant (the macro rejects a `while` whose condition folds to a
    /// constant, such as `n < 1 && (false && c)`).
    /// `None` when every parameter is shadowed.
    fn param_cmp(&mut self) -> Option<String> {
        let params: Vec<String> = self
            .visible()
            .into_iter()
            .map(|i| &self.env[i])
            .filter(|v| !v.local)
            .map(|v| match v.kind {
                Kind::Array(_) => format!("{}[0]", v.name),
                _ => v.name.clone(),
            })
            .collect();
        if params.is_empty() {
            return None;
        }
        let lhs = params[self.c.below(params.len())].clone();
        self.begin_expr(8);
        let rhs = self.expr(2, 0);
        let op = ["<", ">", "<=", ">="][self.c.below(4)];
        Some(format!("({lhs} {op} {})", rhs.src))
    }

    /// `let mut b = vec![e; n];` with `n` a constant or a slice's length.
    pub(super) fn vec_buffer(&mut self, out: &mut String, indent: usize, name: String) {
        let e = self.stmt_expr();
        let slices: Vec<(String, usize)> = self
            .arrays()
            .into_iter()
            .filter(|&i| !self.env[i].local)
            .map(|i| match &self.env[i].kind {
                Kind::Array(ivs) => (self.env[i].name.clone(), ivs.len()),
                _ => unreachable!("arrays() returns arrays"),
            })
            .collect();
        let (len_src, len) = if !slices.is_empty() && self.c.chance(50) {
            let (s, l) = slices[self.c.below(slices.len())].clone();
            (format!("{s}.len()"), l)
        } else {
            let l = 1 + self.c.below(3);
            (l.to_string(), l)
        };
        Self::line(
            out,
            indent,
            &format!("let mut {name} = vec![{}; {len_src}];", e.src),
        );
        self.push_var(name, Kind::Array(vec![e.iv; len]), true);
        if let Some(v) = self.env.last_mut() {
            v.vec = true;
        }
    }
}
