//! Assignments: `x = v`, `a[i] = v` and compound `x op= v`; each new
//! value is a new node bound to the name (SSA).

use syn::spanned::Spanned;

use super::{compound_op, plain_ident, Lowerer, Val};
use crate::ir::Op;

impl Lowerer<'_> {
    /// `place op= value`
    pub(super) fn compound(&mut self, b: &syn::ExprBinary) {
        let op = compound_op(&b.op).expect("checked by the caller");
        let Some(prim) = op else {
            self.cx.error_spanned_by(
                b.op,
                "this compound assignment has no derivative: use `+=`, `-=`, `*=` or `/=`",
            );
            return;
        };
        let current = self.expr(&b.left);
        let rhs = self.expr(&b.right);
        let val = self.arith(prim, current, rhs, &b.left, &b.right, b.op.span());
        self.assign(&b.left, val);
    }

    /// Replaces the value of a variable or of one array element.
    pub(super) fn assign(&mut self, place: &syn::Expr, val: Val) {
        let (name_expr, index) = match place {
            syn::Expr::Index(ix) => (&*ix.expr, Some(&*ix.index)),
            other => (other, None),
        };
        let Some(name) = plain_ident(name_expr) else {
            self.cx
                .error_spanned_by(place, "assign to a variable or to an array element `a[i]`");
            return;
        };
        let index = index.map(|ix| (ix, self.expr(ix)));
        let first_new = self.g.nodes.len().saturating_sub(1);
        let Some(pos) = self.env.iter().rposition(|b| b.name == name) else {
            self.cx
                .error_spanned_by(name_expr, format!("cannot find `{name}` in this function"));
            return;
        };
        if !self.env[pos].mutable && matches!(self.env[pos].val, Val::Vec(_)) {
            self.cx.error_spanned_by(
                name_expr,
                format!("cannot write into `{name}`: declare it `let mut {name} = vec![…];`"),
            );
            return;
        }
        if !self.env[pos].mutable {
            self.cx.error_spanned_by(
                name_expr,
                format!("cannot assign twice to `{name}`: declare it `let mut {name}`"),
            );
            return;
        }
        let old = self.env[pos].val.clone();
        let new = match (index, old, val) {
            (_, _, Val::Poison) | (_, Val::Poison, _) | (Some((_, Val::Poison)), _, _) => {
                Val::Poison
            }
            (None, Val::Num(_), Val::Num(n)) => Val::Num(n),
            // an integer counter of a run-time loop, or an integer that a
            // run-time `if` may set (a run-time integer after it)
            (None, Val::Idx(_) | Val::Int(_), v @ (Val::Idx(_) | Val::Int(_))) => v,
            (None, Val::Array(a), Val::Array(b)) if a.len() == b.len() => Val::Array(b),
            // (made known by `expect_struct_assign` before the value)
            (None, old @ Val::Struct(_), v) => self.assign_struct(&old, v, place),
            (None, _, Val::Struct(_)) => {
                self.cx.error_spanned_by(
                    place,
                    "a struct value cannot be assigned to a variable holding another type: bind it to a new name",
                );
                Val::Poison
            }
            (None, Val::Int(_), _) => {
                self.cx.error_spanned_by(
                    name_expr,
                    format!("`{name}` is an integer and can only be assigned an integer: keep the float in a variable of its own"),
                );
                Val::Poison
            }
            (Some((ix, Val::Int(i))), Val::Array(mut a), Val::Num(n)) => {
                match usize::try_from(i).ok().filter(|&i| i < a.len()) {
                    Some(i) => {
                        a[i] = n;
                        Val::Array(a)
                    }
                    None => {
                        self.cx.error_spanned_by(
                            ix,
                            format!(
                                "index {i} is out of bounds for `{name}` of length {}",
                                a.len()
                            ),
                        );
                        Val::Poison
                    }
                }
            }
            (Some((ix, Val::Idx(k))), Val::Array(a), v) => self.array_write_at(a, k, v, ix),
            (Some((ix, i)), Val::Vec(buf), v) => {
                self.vec_write(buf, place, ix, &i, v, &name);
                Val::Vec(buf)
            }
            (Some((ix, _)), Val::Array(_), _) => {
                self.cx
                    .error_spanned_by(ix, "the index must be a constant or a loop index");
                Val::Poison
            }
            _ => {
                self.cx.error_spanned_by(
                    place,
                    "the assigned value does not have the type of the variable",
                );
                Val::Poison
            }
        };
        let _ = first_new;
        if let Val::Num(n) = new {
            if self.g.nodes[n.index()].name.is_none()
                && !matches!(self.g.op(n), Op::Param { .. } | Op::Const(_))
            {
                self.g.nodes[n.index()].name = Some(name.clone());
            }
        }
        self.env[pos].val = new;
    }
}
