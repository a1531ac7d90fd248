//! Formula: the derivative as math text, for the generated rustdoc.
//!
//! Reads the simplified graph. Values with a source name are referred to by
//! that name and defined once above the gradients; a value used more than
//! once is given a short name (`t1`) rather than repeated; adjoints print as
//! `∂f/∂q`, and forward-mode tangents as `∂q/∂x`. Lines past [`MAX_LINES`] are summarised, so a large unrolled
//! function keeps a readable doc.

use std::collections::{HashMap, HashSet};

use crate::ir::{Graph, IntOp, NodeId, Op};
use crate::rules::Math;

/// At most this many lines are written; the rest is counted.
pub const MAX_LINES: usize = 40;

/// Gradients that depend on more values than this are summarised instead of
/// printed: their formulas would not fit the doc anyway, and rendering is
/// recursive, so this also bounds its depth.
pub const MAX_NODES: usize = 400;

/// The formula lines for `g`, whose value is the function `fname`.
pub fn formulas(g: &Graph, fname: &str) -> Vec<String> {
    let roots: Vec<NodeId> = g.grads.iter().flatten().copied().collect();
    let mut f = Formula::new(g, fname, roots);
    if f.uses.len() > MAX_NODES {
        return vec![format!(
            "(the gradient depends on {} values: too many to print as formulas)",
            f.uses.len()
        )];
    }
    let mut lines = Vec::new();
    let diff = g.params.iter().enumerate().filter(|(_, p)| p.diff);
    for (k, (param, _)) in diff.enumerate() {
        for (i, &n) in g.grads[k].iter().enumerate() {
            let wrt = input_name(g, (param, g.params[param].len.map(|_| i)));
            // the output itself is written out, not named and then referred to
            let rhs = match f.named.get(&n) {
                Some(name) => name.clone(),
                None => f.render(n).0,
            };
            lines.push(format!("∂{fname}/∂{wrt} = {rhs}"));
        }
    }
    let mut out = std::mem::take(&mut f.defs);
    out.extend(lines);
    if out.len() > MAX_LINES {
        let more = out.len() - MAX_LINES;
        out.truncate(MAX_LINES);
        out.push(format!("… ({more} more lines)"));
    }
    out
}

/// The second derivatives of a Hessian graph ([`Graph::extra`], row by
/// row over `inputs`), upper triangle only (the Hessian is symmetric):
/// `∂²f/∂x∂y = …`. Empty when they would take more than `max` lines or
/// refer to the sweeps' intermediate derivatives, so only short formulas
/// in the inputs reach the doc.
pub fn hessian_formulas(
    g: &Graph,
    fname: &str,
    inputs: &[(usize, Option<usize>)],
    max: usize,
) -> Vec<String> {
    let n = inputs.len();
    let entries: Vec<(usize, usize)> = (0..n).flat_map(|r| (r..n).map(move |c| (r, c))).collect();
    let roots: Vec<NodeId> = entries.iter().map(|&(r, c)| g.extra[r * n + c]).collect();
    let mut f = Formula::new(g, fname, roots.clone());
    if f.uses.len() > MAX_NODES {
        return Vec::new();
    }
    let mut lines = Vec::new();
    for (&(r, c), &node) in entries.iter().zip(&roots) {
        let (a, b) = (input_name(g, inputs[r]), input_name(g, inputs[c]));
        let wrt = if r == c {
            format!("∂{a}²")
        } else {
            format!("∂{a}∂{b}")
        };
        let rhs = match f.named.get(&node) {
            Some(name) => name.clone(),
            None => f.render(node).0,
        };
        lines.push(format!("∂²{fname}/{wrt} = {rhs}"));
    }
    // only formulas in the inputs and the body's own names: the sweeps'
    // intermediate derivatives would not read as math
    let mut out = std::mem::take(&mut f.defs);
    out.extend(lines);
    let own = |l: &String| {
        !l.split_once(" = ")
            .is_some_and(|(_, rhs)| rhs.contains('∂'))
    };
    if out.len() > max || !out.iter().all(own) {
        return Vec::new();
    }
    out
}

/// `x` or `x[i]`: a parameter element as written.
fn input_name(g: &Graph, (param, index): (usize, Option<usize>)) -> String {
    let name = &g.params[param].name;
    match (index, &g.params[param].fields) {
        (Some(i), Some(f)) => format!("{name}{}", f[i].text()),
        (None, _) => name.clone(),
        (Some(i), None) => format!("{name}[{i}]"),
    }
}

struct Formula<'g> {
    g: &'g Graph,
    fname: &'g str,
    uses: HashMap<NodeId, usize>,
    named: HashMap<NodeId, String>,
    defs: Vec<String>,
    next_temp: usize,
    taken: HashSet<String>,
}

impl<'g> Formula<'g> {
    fn new(g: &'g Graph, fname: &'g str, roots: Vec<NodeId>) -> Self {
        let mut uses = HashMap::new();
        let mut seen = HashSet::new();
        let mut stack = roots;
        while let Some(n) = stack.pop() {
            *uses.entry(n).or_insert(0) += 1;
            if !seen.insert(n) {
                continue;
            }
            stack.extend(deps(g, n));
        }
        Formula {
            g,
            fname,
            uses,
            named: HashMap::new(),
            defs: Vec::new(),
            next_temp: 1,
            taken: g.params.iter().map(|p| p.name.clone()).collect(),
        }
    }

    /// The text of a node and its binding strength (10 = atom).
    fn expr(&mut self, n: NodeId) -> (String, u8) {
        if let Some(name) = self.named.get(&n) {
            return (name.clone(), self.name_prec(n));
        }
        let node = self.g.node(n);
        let shared = self.uses.get(&n).copied().unwrap_or(0) > 1;
        let wants_name = !matches!(node.op, Op::Const(_) | Op::Param { .. })
            && (node.name.is_some()
                || shared
                || node.op.is_multi()
                || matches!(node.op, Op::Result(_)));
        if !wants_name {
            return self.render(n);
        }
        let (body, _) = self.render(n);
        let name = self.name_for(n);
        self.defs.push(format!("{name} = {body}"));
        self.named.insert(n, name.clone());
        (name, self.name_prec(n))
    }

    fn name_prec(&self, n: NodeId) -> u8 {
        if self.g.node(n).adjoint {
            7
        } else {
            10
        }
    }

    fn name_for(&mut self, n: NodeId) -> String {
        let node = self.g.node(n);
        let base = match (&node.name, node.adjoint) {
            (Some(x), true) => match node.along.or(self.g.wrt) {
                None => format!("∂{}/∂{x}", self.fname),
                Some(wrt) => format!("∂{x}/∂{}", input_name(self.g, wrt)),
            },
            (Some(x), false) => x.clone(),
            (None, _) => {
                let t = format!("t{}", self.next_temp);
                self.next_temp += 1;
                t
            }
        };
        let mut name = base.clone();
        let mut k = 1;
        while self.taken.contains(&name) {
            name = format!("{base}′{}", "′".repeat(k - 1));
            k += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    fn wrap(&mut self, n: NodeId, min: u8) -> String {
        let (s, p) = self.expr(n);
        if p < min {
            format!("({s})")
        } else {
            s
        }
    }

    fn render(&mut self, n: NodeId) -> (String, u8) {
        let g = self.g;
        match g.op(n) {
            Op::Extern(p) => (p.clone(), 10),
            Op::Const(c) => {
                // a minus sign as in the rest of the formula, not a hyphen
                let s = format!("{c}").replacen('-', "−", 1);
                let p = if c.is_sign_negative() { 9 } else { 10 };
                (s, p)
            }
            Op::Param { param, index } => (input_name(g, (*param, *index)), 10),
            Op::Prim(p, args) => match p.math() {
                Math::Infix(sym, prec) => {
                    let prec = if prec == 1 { 7 } else { 8 };
                    let l = self.wrap(args[0], prec);
                    let r = self.wrap(args[1], prec + 1);
                    (
                        format!("{l} {sym} {r}")
                            .replace(" · ", "·")
                            .replace(" / ", "/"),
                        prec,
                    )
                }
                Math::Neg => (format!("−{}", self.wrap(args[0], 10)), 9),
                Math::Func(name) => {
                    let xs: Vec<String> = args.iter().map(|a| self.expr(*a).0).collect();
                    (format!("{name}({})", xs.join(", ")), 10)
                }
                Math::Tmpl(t) => {
                    let mut s = t.to_string();
                    for (k, a) in args.iter().enumerate() {
                        let x = self.wrap(*a, 10);
                        s = s.replace(&format!("{{{k}}}"), &x);
                    }
                    (s, 8)
                }
            },
            Op::Powi(a, k) => {
                let x = self.wrap(*a, 10);
                let sup = superscript(*k);
                (format!("{x}{sup}"), 10)
            }
            Op::Cmp(c, a, b) => {
                let (l, r) = (self.wrap(*a, 7), self.wrap(*b, 7));
                (format!("{l} {} {r}", c.symbol()), 6)
            }
            Op::And(a, b) => (format!("{} ∧ {}", self.wrap(*a, 6), self.wrap(*b, 6)), 5),
            Op::Or(a, b) => (format!("{} ∨ {}", self.wrap(*a, 6), self.wrap(*b, 6)), 4),
            Op::Not(a) => (format!("¬{}", self.wrap(*a, 10)), 9),
            Op::Select(c, a, b) => {
                let (c, a, b) = (self.expr(*c).0, self.expr(*a).0, self.expr(*b).0);
                (format!("({a} if {c}, else {b})"), 10)
            }
            Op::Result(owner) => self.result(*owner, n),
            Op::If(_)
            | Op::Call(_)
            | Op::Nested(_)
            | Op::Loop(_)
            | Op::Store { .. }
            | Op::AddStruct(_)
            | Op::StructDot(_) => ("…".to_string(), 10),
            Op::IConst(c) => (c.to_string(), 10),
            Op::IExtern(p) => (p.clone(), 10),
            Op::IParam(k) => (g.params[*k].name.clone(), 10),
            Op::Len(k) => (format!("len({})", g.params[*k].name), 10),
            Op::IArith(op, a, b) => match op.symbol() {
                Some(sym) => {
                    let prec = if matches!(op, IntOp::Add | IntOp::Sub) {
                        7
                    } else {
                        8
                    };
                    let (l, r) = (self.wrap(*a, prec), self.wrap(*b, prec + 1));
                    (format!("{l} {sym} {r}"), prec)
                }
                None => {
                    let (l, r) = (self.expr(*a).0, self.expr(*b).0);
                    let f = op.method().unwrap_or("min");
                    (format!("{f}({l}, {r})"), 10)
                }
            },
            Op::ICmp(c, a, b) => {
                let (l, r) = (self.wrap(*a, 7), self.wrap(*b, 7));
                (format!("{l} {} {r}", c.symbol()), 6)
            }
            Op::ToFloat(a) => self.expr(*a),
            Op::Load { param, row, col } => {
                let name = &g.params[*param].name;
                let r = self.expr(*row).0;
                if let (Some(fields), Some(c)) = (&g.params[*param].fields, col) {
                    if let Op::IConst(i) = g.op(*c) {
                        return (format!("{name}[{r}]{}", fields[*i].text()), 10);
                    }
                }
                match col {
                    Some(c) => {
                        let c = self.expr(*c).0;
                        (format!("{name}[{r}][{c}]"), 10)
                    }
                    None => (format!("{name}[{r}]"), 10),
                }
            }
            Op::Buf(crate::ir::BufOp::Get { buf, idx }) => {
                let name = g.node(*buf).name.clone().unwrap_or_else(|| "v".to_string());
                let i = self.expr(*idx).0;
                (format!("{name}[{i}]"), 10)
            }
            Op::Buf(_) | Op::Recall { .. } | Op::RecallInt { .. } => (
                g.node(n).name.clone().unwrap_or_else(|| "…".to_string()),
                10,
            ),
            Op::Pick(i, elems) => {
                let xs: Vec<String> = elems.iter().map(|e| self.expr(*e).0).collect();
                let i = self.expr(*i).0;
                (format!("[{}][{i}]", xs.join(", ")), 10)
            }
        }
    }

    fn result(&mut self, owner: NodeId, n: NodeId) -> (String, u8) {
        match self.g.op(owner) {
            Op::If(i) => {
                let Some(&(t, e, _)) = i.outs.iter().find(|o| o.2 == n) else {
                    return ("…".to_string(), 10);
                };
                let (c, a, b) = (self.expr(i.cond).0, self.expr(t).0, self.expr(e).0);
                (format!("({a} if {c}, else {b})"), 10)
            }
            Op::Call(c) => {
                let callee = c.path.last().cloned().unwrap_or_default();
                let args: Vec<String> = c
                    .args
                    .iter()
                    .map(|a| match a {
                        crate::ir::CallArg::Opaque(k) => self.g.params[*k].name.clone(),
                        crate::ir::CallArg::Capture(name) => name.clone(),
                        _ => a
                            .elements()
                            .iter()
                            .map(|x| self.expr(*x).0)
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
                    .collect();
                use crate::ir::CallSweep;
                // a vector helper's element `i`, or its JVP's: `rotate(…)[1]`
                if let Some(i) = c.outs.iter().position(|&o| o == n) {
                    let text = match c.sweep {
                        CallSweep::Jvp(_) => format!("(J_{callee}·v)[{i}]"),
                        _ => format!("{callee}({})[{i}]", args.join(", ")),
                    };
                    return (text, 10);
                }
                if c.value == n {
                    return (format!("{callee}({})", args.join(", ")), 10);
                }
                for (k, parts) in c.partials.iter().enumerate() {
                    if let Some(j) = parts.iter().position(|p| *p == Some(n)) {
                        let which = if parts.len() > 1 {
                            format!("{k}[{j}]")
                        } else {
                            format!("{k}")
                        };
                        // a VJP's entry `uᵀ·∂h/∂x`, or its tangent
                        let text = match c.sweep {
                            CallSweep::Vjp(_) => format!("(uᵀ·∂{callee}/∂arg{which})"),
                            CallSweep::VjpJvp(_) => format!("d(uᵀ·∂{callee}/∂arg{which})"),
                            _ => format!("∂{callee}/∂arg{which}"),
                        };
                        return (text, 10);
                    }
                }
                ("…".to_string(), 10)
            }
            Op::Nested(c) => {
                // `∂h/∂x₁` of the gradient, `(H_h·v)₁` of its HVP: short
                // names, the arguments are the call's
                let callee = c.path.last().cloned().unwrap_or_default();
                let Some(i) = c.outs.iter().position(|&o| o == n) else {
                    return ("…".to_string(), 10);
                };
                let text = match (&c.kind, i) {
                    (crate::ir::NestedKind::Grad, 0) => format!("{callee}(…)"),
                    (crate::ir::NestedKind::Grad, i) => format!("(∇{callee})[{}]", i - 1),
                    (crate::ir::NestedKind::Hvp { .. }, i) => format!("(H_{callee}·v)[{i}]"),
                };
                (text, 10)
            }
            _ => ("…".to_string(), 10),
        }
    }
}

/// What a node's formula refers to.
fn deps(g: &Graph, n: NodeId) -> Vec<NodeId> {
    match g.op(n) {
        Op::Result(owner) => match g.op(*owner) {
            Op::If(i) => {
                let mut v = vec![i.cond];
                if let Some(o) = i.outs.iter().find(|o| o.2 == n) {
                    v.push(o.0);
                    v.push(o.1);
                }
                v
            }
            other => other.args(),
        },
        other => other.args(),
    }
}

fn superscript(k: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s = String::new();
    if k < 0 {
        s.push('⁻');
    }
    for c in k.unsigned_abs().to_string().chars() {
        s.push(DIGITS[c.to_digit(10).expect("decimal digit") as usize]);
    }
    s
}
