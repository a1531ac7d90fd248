//! Statements: `let`, assignment, `if`, `for`, local arrays.

use std::fmt::Write;

use super::expr::E;
use super::iv::Iv;
use super::{Gen, Kind, Var, LIM, LOOP_ADD, LOOP_ADDS};

/// What a loop changes in the generator's state, restored after it.
pub(super) struct LoopSaved {
    carried: Vec<Option<f64>>,
    adds_left: usize,
    exit_ok: bool,
}

impl Gen<'_> {
    pub(super) fn line(out: &mut String, indent: usize, text: &str) {
        let _ = writeln!(out, "{}{text}", "    ".repeat(indent));
    }

    pub(super) fn stmt(&mut self, out: &mut String, indent: usize) {
        let mut w = self.profile.stmt_weights;
        if self.loop_depth >= 2 || self.nest >= 2 {
            w[7] = 0;
            w[9] = 0;
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
            9 => self.loop_stmt(out, indent),
            k @ 10..=12 => self.struct_stmt(out, indent, k - 10),
            _ => self.let_stmt(out, indent, false),
        }
    }

    pub(super) fn stmt_expr(&mut self) -> E {
        self.begin_expr(8);
        let maxd = 2 + self.c.below(4);
        let e = self.expr(maxd, 1);
        self.fit(e, LIM)
    }

    pub(super) fn let_stmt(&mut self, out: &mut String, indent: usize, mutable: bool) {
        let e = self.stmt_expr();
        let name = self.fresh("v");
        let m = if mutable { "mut " } else { "" };
        let ty = if self.c.chance(15) { ": f64" } else { "" };
        Self::line(out, indent, &format!("let {m}{name}{ty} = {};", e.src));
        self.push_var(name, Kind::Scalar(e.iv), mutable);
    }

    pub(super) fn shadow(&mut self, out: &mut String, indent: usize) {
        // (a field or tuple element, `t.p`, is not a name to bind)
        let scalars: Vec<usize> = self
            .scalars()
            .into_iter()
            .filter(|&i| !self.env[i].name.contains('.'))
            .collect();
        if scalars.is_empty() {
            return self.let_stmt(out, indent, false);
        }
        let name = self.env[scalars[self.c.below(scalars.len())]].name.clone();
        let e = self.stmt_expr();
        Self::line(out, indent, &format!("let {name} = {};", e.src));
        self.push_var(name, Kind::Scalar(e.iv), false);
    }

    /// Makes sure a mutable scalar exists; returns its index.
    pub(super) fn some_mutable(&mut self, out: &mut String, indent: usize) -> usize {
        if let Some(&i) = self.mutables().last() {
            if self.c.chance(80) {
                return i;
            }
        }
        self.let_stmt(out, indent, true);
        self.env.len() - 1
    }

    /// `v = e;`, `v op= e;` or the same on an array element.
    pub(super) fn assign(&mut self, out: &mut String, indent: usize) {
        let i = self.some_mutable(out, indent);
        let vec = self.env[i].vec;
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
                        // a `Vec` takes run-time indices; an array only
                        // those of unrolled loops
                        Kind::Int(max)
                            if (*max as usize) < ivs.len()
                                && (vec || !self.rt_indices.contains(n)) =>
                        {
                            Some(n.clone())
                        }
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
    pub(super) fn branch(&mut self, f: impl FnOnce(&mut Self)) -> Vec<(Kind, Vec<bool>)> {
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
    pub(super) fn merge_branches(&mut self, branches: &[Vec<(Kind, Vec<bool>)>]) {
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

    pub(super) fn body(&mut self, out: &mut String, indent: usize, n: usize) {
        for _ in 0..n {
            // in a run-time loop, sometimes leave the iteration or the loop
            if self.exit_ok && self.c.chance(12) {
                self.early_exit(out, indent);
            }
            // inside branches and loops, mostly change what is outside
            if self.c.chance(40) {
                self.stmt(out, indent);
            } else {
                self.assign(out, indent);
            }
        }
    }

    pub(super) fn if_stmt(&mut self, out: &mut String, indent: usize) {
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

    pub(super) fn let_if(&mut self, out: &mut String, indent: usize) {
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
    pub(super) fn branch_value(&mut self) -> (E, String) {
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

    pub(super) fn local_array(&mut self, out: &mut String, indent: usize) {
        let len = 2 + self.c.below(2);
        let name = self.fresh("b");
        if self.profile.runtime && self.loop_depth == 0 && self.nest == 0 && self.c.chance(45) {
            return self.vec_buffer(out, indent, name);
        }
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

    pub(super) fn for_loop(&mut self, out: &mut String, indent: usize) {
        let _ = self.some_mutable(out, indent);
        // an array field (`s.v`) is read by index only
        let arrays: Vec<usize> = self
            .arrays()
            .into_iter()
            .filter(|&i| !self.env[i].name.contains('.'))
            .collect();
        let form = self.c.below(if arrays.is_empty() { 3 } else { 7 });
        let index = ["i", "j"][self.loop_depth].to_string();
        let index_name = index.clone();
        let elem = ["e", "f"][self.loop_depth].to_string();
        // what the loop binds, and how many times it runs
        let mut rt = false;
        let (head, binds, trips): (String, Vec<(String, Kind)>, usize) = match form {
            0..=2 => {
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
                // `a.iter()` borrows `a`, so a loop that may change `a` copies
                // it; a `Vec` would move, so it is looped over by index
                let form = match form {
                    3..=5 if a.vec => 6,
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
                let a_vec = a.vec;
                // a loop over a slice parameter or a `Vec` runs at run time
                rt = self.profile.runtime && (!a.local || a.vec);
                if rt {
                    self.rt_indices.push(index.clone());
                }
                if form != 6 {
                    self.env[ai].read.fill(true);
                }
                match form {
                    3 => (
                        format!("for &{elem} in {name}.iter()"),
                        vec![(elem, Kind::Scalar(hull))],
                        n,
                    ),
                    // a slice yields references: `for &e in xs`
                    4 if rt && !a_vec => (
                        format!("for &{elem} in {name}"),
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
        let saved = self.enter_loop(trips, rt);
        Self::line(out, indent, &format!("{head} {{"));
        let mark = self.env.len();
        for (name, kind) in binds {
            self.env.push(Var::new(name, kind, false, true));
        }
        let n = 1 + self.c.below(3);
        self.body(out, indent + 1, n);
        self.rt_indices.retain(|n| *n != index_name);
        self.env.truncate(mark);
        Self::line(out, indent, "}");
        self.leave_loop(saved);
    }

    /// Gives every mutable binding an envelope for a loop of at most
    /// `trips` iterations, and enters its body (`rt`: a run-time loop, whose
    /// body may exit early). Returns what [`Gen::leave_loop`] restores.
    pub(super) fn enter_loop(&mut self, trips: usize, rt: bool) -> LoopSaved {
        let saved = LoopSaved {
            carried: self.env.iter().map(|v| v.carried).collect(),
            adds_left: self.adds_left,
            exit_ok: self.exit_ok,
        };
        let adds = if self.loop_depth == 0 { LOOP_ADDS } else { 0 };
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
        self.exit_ok = rt;
        self.loop_depth += 1;
        saved
    }

    /// Leaves a loop body entered by [`Gen::enter_loop`] (after the
    /// bindings of the body are gone).
    pub(super) fn leave_loop(&mut self, saved: LoopSaved) {
        self.loop_depth -= 1;
        for (v, c) in self.env.iter_mut().zip(saved.carried) {
            v.carried = c;
        }
        self.adds_left = saved.adds_left;
        self.exit_ok = saved.exit_ok;
    }
}
