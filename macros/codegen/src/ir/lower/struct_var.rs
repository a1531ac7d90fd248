//! Struct variables that change: `let mut s = State { theta, omega };`
//! then `s = step(s, h);`, in a run-time loop too.
//!
//! Such a variable holds a struct value whose every field is known (the
//! literal it starts as lists them, and rustc checks that a literal
//! without `..` lists every field), each a float or such a struct. Its
//! floats are ordinary values: a run-time loop carries them like an
//! array's elements, and a call assigned to the variable takes its result
//! apart by the variable's own fields, as `let State { theta, omega } =
//! step(s, h);` would (see [`super::vcall`]). A struct whose fields the
//! macro cannot list (a parameter, `..s` from one) is an error that says
//! how to write it.

use proc_macro2::Span;

use super::vcall::{struct_of_items, Shape, ShapeItem};
use super::{Lowerer, Val};
use crate::ir::NodeId;

/// A known struct value taken apart: its shape in pre-order and its floats.
pub(super) type Parts = (Vec<ShapeItem>, Vec<NodeId>);

impl Lowerer<'_> {
    /// `v` as a struct value with every field known: paths into struct
    /// parameters read as floats, `..base` from a struct built in the body
    /// merged. Walked with an explicit stack. `Ok(None)` after an earlier
    /// error (a poisoned field), `Err` with what to write when a field
    /// cannot be known.
    pub(super) fn known_struct(&mut self, v: Val, span: Span) -> Result<Option<Parts>, String> {
        enum Work {
            Enter(Option<String>, Val),
            Close,
        }
        let (mut items, mut leaves) = (Vec::new(), Vec::new());
        let mut work = vec![Work::Enter(None, v)];
        while let Some(w) = work.pop() {
            let (field, v) = match w {
                Work::Close => {
                    items.push(ShapeItem::Close);
                    continue;
                }
                Work::Enter(field, v) => (field, v),
            };
            match (v, field) {
                (Val::Struct(lit), field) => {
                    let lit = *lit;
                    let mut fields = lit.fields;
                    let mut rest = lit.rest;
                    // `..rest` chains are followed one link at a time
                    while let Some(r) = rest.take() {
                        match r {
                            Val::Struct(inner) => {
                                let inner = *inner;
                                for (n, fv) in inner.fields {
                                    if !fields.iter().any(|(m, _)| *m == n) {
                                        fields.push((n, fv));
                                    }
                                }
                                rest = inner.rest;
                            }
                            Val::Poison => return Ok(None),
                            _ => {
                                return Err(
                                    "its fields are not all written: a struct variable that changes starts as a literal \
                                     listing every field, without `..` from a parameter (`State { theta: s.theta, omega: s.omega }`)"
                                        .to_string(),
                                )
                            }
                        }
                    }
                    items.push(ShapeItem::Open(field, lit.path));
                    work.push(Work::Close);
                    for (n, fv) in fields.into_iter().rev() {
                        work.push(Work::Enter(Some(n), fv));
                    }
                }
                (Val::Poison, _) => return Ok(None),
                (v, Some(name)) => match self.settle(v, span) {
                    Val::Num(n) => {
                        items.push(ShapeItem::Leaf(name));
                        leaves.push(n);
                    }
                    Val::Poison => return Ok(None),
                    _ => {
                        return Err(format!(
                            "its field `{name}` is not a float or a struct literal: a struct variable that changes \
                             holds floats and structs of floats; carry other fields in variables of their own"
                        ))
                    }
                },
                (Val::Field { .. }, None) => {
                    return Err(
                        "it starts as a struct parameter, whose fields the macro cannot list: start it as a literal \
                         listing every field (`let mut s = State { theta: s0.theta, omega: s0.omega };`)"
                            .to_string(),
                    )
                }
                (_, None) => return Err("it is not a struct value".to_string()),
            }
        }
        Ok(Some((items, leaves)))
    }

    /// The struct variable at `pos` in the environment, made known (see
    /// [`Lowerer::known_struct`]) and stored back; `None` after an error,
    /// reported on `at` (with no `at`, the value is left as it was, for
    /// the assignment to report).
    pub(super) fn struct_var(
        &mut self,
        pos: usize,
        at: Option<&dyn quote::ToTokens>,
        span: Span,
    ) -> Option<Parts> {
        let v = self.env[pos].val.clone();
        match self.known_struct(v, span) {
            Ok(Some((items, leaves))) => {
                self.env[pos].val = struct_of_items(items.clone(), leaves.clone());
                Some((items, leaves))
            }
            Ok(None) => None,
            Err(_) if at.is_none() => None,
            Err(why) => {
                let at = at.expect("checked above");
                let name = self.env[pos].name.clone();
                self.cx.error_spanned_by(
                    at,
                    format!("the struct variable `{name}` changes here, but {why}"),
                );
                self.env[pos].val = Val::Poison;
                None
            }
        }
    }

    /// Before `name = f(…);` where `name` holds a struct: the call's
    /// result is taken apart by the variable's fields. `false` after an
    /// error (the assignment is then skipped).
    pub(super) fn expect_struct_assign(&mut self, a: &syn::ExprAssign) -> bool {
        let Some(name) = super::plain_ident(&a.left) else {
            return true;
        };
        let Some(pos) = self.env.iter().rposition(|b| b.name == name) else {
            return true;
        };
        if !self.env[pos].mutable
            || !matches!(self.env[pos].val, Val::Struct(_) | Val::Field { .. })
        {
            return true;
        }
        let span = crate::parse::flat::span_of(&a.left);
        let Some((items, _)) = self.struct_var(pos, Some(&a.left), span) else {
            return false;
        };
        let len = items
            .iter()
            .filter(|i| matches!(i, ShapeItem::Leaf(_)))
            .count();
        let shape = Shape {
            len,
            tuple: false,
            fields: Some(items),
        };
        if let Some(call) = super::vcall::strip(&a.right) {
            self.call_shapes
                .insert(call as *const syn::ExprCall as usize, shape);
        } else if let Some(m) = super::vcall::strip_method(&a.right) {
            // a method's struct result: through its hidden `__f_vjp` and
            // `__f_jvp` (see `emit::vector_method_items`)
            self.call_shapes
                .insert(m as *const syn::ExprMethodCall as usize, shape);
        }
        true
    }

    /// `name = v` for a struct variable whose old value is `old` (known,
    /// see [`Lowerer::struct_var`]): `v` with the same fields.
    pub(super) fn assign_struct(&mut self, old: &Val, v: Val, place: &syn::Expr) -> Val {
        let span = crate::parse::flat::span_of(place);
        let Ok(Some((old_items, _))) = self.known_struct(old.clone(), span) else {
            return Val::Poison;
        };
        match self.known_struct(v, span) {
            Ok(Some((items, leaves))) if same_fields(&old_items, &items) => {
                struct_of_items(items, leaves)
            }
            Ok(None) => Val::Poison,
            Ok(Some(_)) => {
                self.cx.error_spanned_by(
                    place,
                    "the value assigned has other fields than this struct variable: assign a struct of the same type, listing every field",
                );
                Val::Poison
            }
            Err(why) => {
                self.cx.error_spanned_by(
                    place,
                    format!("the value assigned to this struct variable cannot be carried: {why}"),
                );
                Val::Poison
            }
        }
    }
}

/// A known struct value (every field a float or a known struct, no
/// `..`) taken apart without changing anything; `None` otherwise.
pub(super) fn parts_of(v: &Val) -> Option<Parts> {
    enum Work<'a> {
        Enter(Option<&'a String>, &'a Val),
        Close,
    }
    let (mut items, mut leaves) = (Vec::new(), Vec::new());
    let mut work = vec![Work::Enter(None, v)];
    while let Some(w) = work.pop() {
        match w {
            Work::Close => items.push(ShapeItem::Close),
            Work::Enter(field, Val::Struct(lit)) if lit.rest.is_none() => {
                items.push(ShapeItem::Open(field.cloned(), lit.path.clone()));
                work.push(Work::Close);
                for (n, fv) in lit.fields.iter().rev() {
                    work.push(Work::Enter(Some(n), fv));
                }
            }
            Work::Enter(Some(name), Val::Num(n)) => {
                items.push(ShapeItem::Leaf(name.clone()));
                leaves.push(*n);
            }
            Work::Enter(..) => return None,
        }
    }
    Some((items, leaves))
}

/// Two struct shapes with the same fields, nested alike (their paths as
/// written may differ: `Self` and `State`).
fn same_fields(a: &[ShapeItem], b: &[ShapeItem]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (ShapeItem::Open(f, _), ShapeItem::Open(g, _)) => f == g,
            (x, y) => x == y,
        })
}
