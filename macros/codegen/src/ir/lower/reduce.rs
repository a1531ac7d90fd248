//! Lowering of reductions: `it.sum::<F>()`, `it.map(|x| …).sum::<F>()` and
//! `it.fold(init, |acc, x| …)`, as loops that carry their accumulator.

use super::seq::Seq;
use super::{Binding, Lowerer, Val};

impl Lowerer<'_> {
    /// `it.sum::<F>()`, `it.map(|x| …).sum::<F>()` and
    /// `it.fold(init, |acc, x| …)` over a slice, a run-time range or an
    /// array: a loop (unrolled over an array) with the accumulator carried.
    /// `None` when `m` is not one of these forms.
    pub(super) fn reduction(&mut self, m: &syn::ExprMethodCall) -> Option<Val> {
        let span = m.method.span();
        let name = m.method.to_string();
        let (seq_expr, map, acc_pat, init): (
            &syn::Expr,
            Option<&syn::ExprClosure>,
            Option<&syn::Pat>,
            Option<&syn::Expr>,
        ) = match (name.as_str(), m.args.len()) {
            ("sum", 0) => match &*m.receiver {
                syn::Expr::MethodCall(inner) if inner.method == "map" && inner.args.len() == 1 => {
                    match closure(&inner.args[0], 1, self) {
                        Some(c) => (&inner.receiver, Some(c), None, None),
                        None => return Some(Val::Poison),
                    }
                }
                other => (other, None, None, None),
            },
            ("fold", 2) => {
                let Some(c) = closure(&m.args[1], 2, self) else {
                    return Some(Val::Poison);
                };
                (&m.receiver, Some(c), c.inputs.first(), Some(&m.args[0]))
            }
            _ => return None,
        };
        if let Some(t) = &m.turbofish {
            let ok = t.args.len() == 1
                && matches!(&t.args[0], syn::GenericArgument::Type(ty)
                    if crate::types::float_of_type(ty).is_some_and(|f| f == (self.g.float, None)));
            if !ok {
                self.cx.error_spanned_by(
                    t,
                    format!(
                        "a sum here is in the function's float type: write `.sum::<{}>()`",
                        self.g.float.name()
                    ),
                );
                return Some(Val::Poison);
            }
        }
        let init = match init {
            Some(e) => {
                let v = self.expr(e);
                match self.num(v, e) {
                    Some(n) => n,
                    None => return Some(Val::Poison),
                }
            }
            None => self.constant(0.0, span),
        };
        let Some(seq) = self.sequence(seq_expr) else {
            return Some(Val::Poison);
        };
        let acc_name = match acc_pat {
            Some(syn::Pat::Ident(p)) => p.ident.to_string(),
            Some(syn::Pat::Type(t)) => match &*t.pat {
                syn::Pat::Ident(p) => p.ident.to_string(),
                _ => return self.reduction_pattern_error(&t.pat),
            },
            Some(other) => return self.reduction_pattern_error(other),
            None => name.clone(),
        };
        // the accumulator is a mutable binding only this loop sees (its name
        // is not an identifier unless it is the closure's own)
        let hidden = format!("{acc_name}\u{0}");
        self.env.push(Binding {
            name: hidden.clone(),
            val: Val::Num(init),
            mutable: true,
        });
        let elem_pat: syn::Pat = match map.map(|c| c.inputs.last()) {
            Some(Some(p)) => strip_type(p).clone(),
            _ => syn::parse_quote!(x),
        };
        let is_fold = acc_pat.is_some();
        let mut step = |l: &mut Self| -> Val {
            let pos = l
                .env
                .iter()
                .rposition(|b| b.name == hidden)
                .expect("pushed above");
            let acc = l.env[pos].val.clone();
            if is_fold {
                l.env.push(Binding {
                    name: acc_name.clone(),
                    val: acc.clone(),
                    mutable: false,
                });
            }
            let v = match map {
                Some(c) => l.expr(&c.body),
                None => match elem_pat {
                    syn::Pat::Ident(ref p) => l
                        .lookup(&p.ident.to_string())
                        .map(|b| b.val.clone())
                        .unwrap_or(Val::Poison),
                    _ => Val::Poison,
                },
            };
            if is_fold {
                l.env.pop();
            }
            let new = if is_fold {
                match l.num(v, map.map_or(seq_expr, |c| &*c.body)) {
                    Some(n) => Val::Num(n),
                    None => Val::Poison,
                }
            } else {
                let at: &syn::Expr = map.map_or(seq_expr, |c| &*c.body);
                l.arith(crate::rules::Prim::Add, acc, v, at, at, span)
            };
            if let Val::Num(n) = new {
                if l.g.nodes[n.index()].name.is_none() {
                    l.g.nodes[n.index()].name = Some(acc_name.clone());
                }
            }
            let pos = l
                .env
                .iter()
                .rposition(|b| b.name == hidden)
                .expect("pushed above");
            l.env[pos].val = new;
            Val::Unit
        };
        match seq {
            Seq::Run(run) => self.runtime_loop(span, &elem_pat, run, m, &mut step),
            Seq::Items(items) => {
                for item in items {
                    let mark = self.env.len();
                    if !self.bind_loop_pat(&elem_pat, item) {
                        break;
                    }
                    step(self);
                    self.env.truncate(mark);
                }
            }
        }
        let b = self.env.pop().expect("pushed above");
        Some(b.val)
    }

    fn reduction_pattern_error(&mut self, p: &syn::Pat) -> Option<Val> {
        self.cx
            .error_spanned_by(p, "name the accumulator: `|acc, x| ...`");
        Some(Val::Poison)
    }
}

/// The closure argument of `map`/`fold`, with `n` parameters.
fn closure<'e>(e: &'e syn::Expr, n: usize, l: &mut Lowerer<'_>) -> Option<&'e syn::ExprClosure> {
    match e {
        syn::Expr::Closure(c) if c.inputs.len() == n && c.capture.is_none() => Some(c),
        other => {
            l.cx.error_spanned_by(
                other,
                if n == 1 {
                    "write the function as a closure of one parameter: `.map(|x| x * x)`"
                } else {
                    "write the function as a closure of two parameters: `.fold(0.0, |acc, x| acc + x)`"
                },
            );
            None
        }
    }
}

/// A closure parameter without its type annotation.
fn strip_type(p: &syn::Pat) -> &syn::Pat {
    match p {
        syn::Pat::Type(t) => &t.pat,
        other => other,
    }
}
