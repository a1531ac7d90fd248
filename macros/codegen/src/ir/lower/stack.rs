//! Expressions lowered with an explicit work stack, so that the depth of the
//! Rust stack does not follow the nesting of the input: `x * x * … * x`
//! (a left-nested tree as deep as the product is long), `x.sin().cos()…`,
//! `relu(relu(…))` (issue 11 §4).
//!
//! [`Lowerer::expr`] walks an expression in post-order with a `Vec` as the
//! stack. For each node it knows the operands that [`Lowerer::expr_node`]
//! lowers first, in order, before anything else it does
//! ([`first_operands`]); it lowers those before the node and keeps their
//! values in [`Lowerer::premade`], where `expr_node`'s own call of
//! `self.expr(operand)` finds them. The order of every `expr` call, and so of
//! every node and error, is the same as in plain recursion; only the Rust
//! stack stays flat.

use super::{Lowerer, Val};
use crate::rules;

/// The address of an expression of the body: its identity while lowering
/// (the body is borrowed, unchanged, for the whole lowering).
fn key(e: &syn::Expr) -> usize {
    e as *const syn::Expr as usize
}

impl Lowerer<'_> {
    /// Lowers an expression (see the module documentation).
    pub(super) fn expr_raw(&mut self, e: &syn::Expr) -> Val {
        if let Some(v) = self.premade.remove(&key(e)) {
            return v;
        }
        let mut operands = Vec::new();
        first_operands(e, &mut operands);
        if operands.is_empty() {
            return self.expr_node(e);
        }
        // (expression, its operands are on the stack or done)
        let mut stack = vec![(e, false)];
        let mut made = Vec::new();
        let mut value = Val::Poison;
        while let Some((x, ready)) = stack.pop() {
            if ready {
                let v = self.expr_node(x);
                if std::ptr::eq(x, e) {
                    value = v;
                } else {
                    self.premade.insert(key(x), v);
                    made.push(key(x));
                }
                continue;
            }
            stack.push((x, true));
            operands.clear();
            first_operands(x, &mut operands);
            stack.extend(operands.iter().rev().map(|o| (*o, false)));
        }
        // A value `expr_node` did not read (it stopped at an error first):
        // never read by a later lowering of the same expression (unrolled
        // loops lower one body many times).
        for k in made {
            self.premade.remove(&k);
        }
        value
    }
}

/// The operands of `e` that [`Lowerer::expr_node`] lowers first, in this
/// order, whatever their values, with nothing observable before or between
/// them; leaves (literals, names) are left out, they are shallow.
fn first_operands<'e>(e: &'e syn::Expr, out: &mut Vec<&'e syn::Expr>) {
    use syn::BinOp as B;
    let mut push = |o: &'e syn::Expr| {
        let leaf = |x: &syn::Expr| matches!(x, syn::Expr::Lit(_) | syn::Expr::Path(_));
        // `&name` too: a call argument that may be a captured name
        let leaf_ref = matches!(o, syn::Expr::Reference(r) if leaf(&r.expr));
        if !leaf(o) && !leaf_ref {
            out.push(o);
        }
    };
    match e {
        syn::Expr::Paren(p) => push(&p.expr),
        syn::Expr::Group(g) => push(&g.expr),
        syn::Expr::Reference(r) if r.mutability.is_none() => push(&r.expr),
        syn::Expr::Unary(u) => push(&u.expr),
        syn::Expr::Cast(c) => push(&c.expr),
        syn::Expr::Field(f) if matches!(f.member, syn::Member::Unnamed(_)) => push(&f.base),
        syn::Expr::Binary(b) => match b.op {
            B::Add(_)
            | B::Sub(_)
            | B::Mul(_)
            | B::Div(_)
            | B::Rem(_)
            | B::Lt(_)
            | B::Le(_)
            | B::Gt(_)
            | B::Ge(_)
            | B::Eq(_)
            | B::Ne(_) => {
                push(&b.left);
                push(&b.right);
            }
            // the right side is lowered only if the left does not decide
            B::And(_) | B::Or(_) => push(&b.left),
            _ => {}
        },
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            // reductions read their receiver's syntax; slice methods check
            // for captured names first
            let reduction = matches!((name.as_str(), m.args.len()), ("sum", 0) | ("fold", 2));
            let slice_method = matches!(
                name.as_str(),
                "len" | "iter" | "windows" | "chunks_exact" | "enumerate" | "zip"
            );
            if !reduction && !slice_method && m.turbofish.is_none() {
                push(&m.receiver);
            }
        }
        syn::Expr::Call(c) => {
            if let Some(first) = c.args.first().filter(|_| first_arg_first(c)) {
                push(first);
            }
        }
        _ => {}
    }
}

/// Whether lowering the call `c` starts with its first argument: an op of
/// `macrograd::ops` given the right number of arguments, or a call of
/// another differentiable function (see `call.rs`).
fn first_arg_first(c: &syn::ExprCall) -> bool {
    let syn::Expr::Path(func) = &*c.func else {
        return false;
    };
    let segs = &func.path.segments;
    if func.qself.is_some() || segs.iter().any(|s| !s.arguments.is_none()) {
        return false;
    }
    let names: Vec<String> = segs.iter().map(|s| s.ident.to_string()).collect();
    let last = names.last().map_or("", String::as_str);
    // `f64::sin(x)` checks the float type first
    if names.len() == 2 && super::leaf::float_name(&names[0]).is_some() {
        return false;
    }
    let ops_path = names.len() == 1
        || (names.len() == 2 && names[0] == "ops")
        || (names.len() == 3 && names[0] == "macrograd" && names[1] == "ops");
    if ops_path {
        if let Some(prim) = rules::ops_fn(last) {
            return c.args.len() == prim.arity();
        }
    }
    // an unknown `ops::name` is an error before any argument
    !(names.len() >= 2 && names[names.len() - 2] == "ops")
}
