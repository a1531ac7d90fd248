//! Calls of helpers returning several floats: `let p: [f64; 2] =
//! project(cam, x);`, `let [u, v] = project(cam, x);`, `let (a, b) =
//! split(x);`, or the body's value of a function returning `[F; m]`.
//!
//! A macro sees only the caller, not the helper's signature: the result's
//! shape is read from the binding (its annotation or its pattern) and the
//! generated call checks it against the helper's. A call without one is a
//! scalar helper's. The call node's elements are its [`Call::outs`]; see
//! [`crate::ir::call`] for how the sweeps differentiate through it.
//!
//! [`Call::outs`]: crate::ir::Call::outs

use proc_macro2::Span;

use super::{Lowerer, Val};
use crate::ir::{NodeId, Op};

/// The shape of a helper's result: `[F; len]`, a `len`-tuple of `F`, or
/// a struct taken apart by a pattern (`let State { theta, omega } = …;`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Shape {
    pub len: usize,
    pub tuple: bool,
    /// A struct pattern, nested ones too, in pre-order (`len` leaves).
    pub fields: Option<Vec<ShapeItem>>,
}

/// A step of a struct pattern in pre-order (see [`crate::ir::PatItem`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum ShapeItem {
    /// A struct pattern begins: its field (none at the top) and path.
    Open(Option<String>, syn::Path),
    /// A field bound to a float.
    Leaf(String),
    /// The struct pattern opened last ends.
    Close,
}

impl Lowerer<'_> {
    /// Before lowering `let pat (: ty) = init;`: when `init` is a call and
    /// the binding gives a result of several floats, remembers that shape
    /// for that call (and only it: calls in its arguments are lowered
    /// first), a method call's too. `true` (the binding is lowered).
    pub(super) fn expect_shape(
        &mut self,
        pat: &syn::Pat,
        ty: Option<&syn::Type>,
        init: &syn::Expr,
    ) -> bool {
        let shape = ty
            .and_then(|t| self.shape_of_type(t))
            .or_else(|| shape_of_pat(pat));
        let Some(call) = strip(init) else {
            // a method's vector result: through its hidden `__f_vjp` and
            // `__f_jvp` (see `emit::vector_method_items`)
            if let (Some(m), Some(shape)) = (strip_method(init), shape) {
                self.call_shapes
                    .insert(m as *const syn::ExprMethodCall as usize, shape);
            }
            return true;
        };
        if let Some(shape) = shape {
            self.call_shapes
                .insert(call as *const syn::ExprCall as usize, shape);
        }
        true
    }

    /// The body's value of a function returning `[F; m]`, when it is a call.
    pub(super) fn expect_out_shape(&mut self, body: &syn::Block) {
        let tail = match body.stmts.last() {
            Some(syn::Stmt::Expr(syn::Expr::Return(r), _)) => r.expr.as_deref(),
            Some(syn::Stmt::Expr(e, None)) => Some(e),
            _ => None,
        };
        if let (Some(call), Some(len)) = (tail.and_then(strip), self.out_len) {
            let shape = Shape {
                len,
                tuple: self.out_tuple,
                fields: None,
            };
            self.call_shapes
                .insert(call as *const syn::ExprCall as usize, shape);
        }
    }

    /// The shape remembered for the method call `m`, taken.
    pub(super) fn take_method_shape(&mut self, m: &syn::ExprMethodCall) -> Option<Shape> {
        self.call_shapes
            .remove(&(m as *const syn::ExprMethodCall as usize))
    }

    /// The shape remembered for the call `c`, taken.
    pub(super) fn take_shape(&mut self, c: &syn::ExprCall) -> Option<Shape> {
        self.call_shapes
            .remove(&(c as *const syn::ExprCall as usize))
    }

    /// `[F; m]` or `(F, …, F)` of the function's float type.
    fn shape_of_type(&self, ty: &syn::Type) -> Option<Shape> {
        let float = self.g.float;
        match ty {
            syn::Type::Paren(p) => self.shape_of_type(&p.elem),
            syn::Type::Group(g) => self.shape_of_type(&g.elem),
            syn::Type::Tuple(t) if t.elems.len() >= 2 => t
                .elems
                .iter()
                .all(|e| crate::types::float_of_type(e) == Some((float, None)))
                .then_some(Shape {
                    len: t.elems.len(),
                    tuple: true,
                    fields: None,
                }),
            _ => match crate::types::float_of_type(ty) {
                Some((f, Some(len))) if f == float && len > 0 => Some(Shape {
                    len,
                    tuple: false,
                    fields: None,
                }),
                _ => None,
            },
        }
    }

    /// The value of the call node `id`.
    pub(super) fn call_value(&self, id: NodeId) -> NodeId {
        match self.g.op(id) {
            Op::Call(c) => c.value,
            _ => unreachable!("push_call returns a call node"),
        }
    }

    /// The name of the helper whose call's value `n` is.
    pub(super) fn call_of(&self, n: NodeId) -> Option<String> {
        match self.g.op(n) {
            Op::Result(c) => match self.g.op(*c) {
                Op::Call(call) if call.value == n && !call.is_vector() => call.path.last().cloned(),
                _ => None,
            },
            _ => None,
        }
    }

    /// `e[i]` where `e` is a call's value taken as one float: the helper
    /// may return an array, which its binding has to say.
    pub(super) fn indexed_call(&mut self, n: NodeId, e: &syn::Expr) {
        // one error for the call, however often its value is indexed
        if !self.indexed_calls.insert(n) {
            return;
        }
        let f = self.call_of(n).unwrap_or_default();
        let float = self.g.float.name();
        self.cx.error_spanned_by(
            e,
            format!(
                "a call's result is one float unless its binding says otherwise: if `{f}` returns an array, \
                 bind it with its type, `let r: [{float}; M] = {f}(…);`, or a pattern, `let [a, b] = {f}(…);`, then index `r`"
            ),
        );
    }

    /// `e.0` where `e` is a call's value taken as one float: the helper
    /// may return a tuple, which its binding has to say.
    pub(super) fn tuple_field_of_call(&mut self, n: NodeId, e: &syn::ExprField) {
        if !self.indexed_calls.insert(n) {
            return;
        }
        let f = self.call_of(n).unwrap_or_default();
        let float = self.g.float.name();
        self.cx.error_spanned_by(
            e,
            format!(
                "a call's result is one float unless its binding says otherwise: if `{f}` returns a tuple, \
                 bind it with a pattern, `let (a, b) = {f}(…);`, or its type, `let r: ({float}, {float}) = {f}(…);`, then read `r.0`"
            ),
        );
    }

    /// Makes the call node `id` yield the elements of a result of `shape`.
    pub(super) fn vector_result(&mut self, id: NodeId, shape: Shape, span: Span) -> Val {
        let first = self.call_value(id);
        let outs: Vec<NodeId> = std::iter::once(first)
            .chain((1..shape.len).map(|_| self.g.add(Op::Result(id), span)))
            .collect();
        let Op::Call(c) = &mut self.g.nodes[id.index()].op else {
            unreachable!("push_call returns a call node")
        };
        // no partials: the derivative sweeps call the helper's VJP or JVP
        for p in c.partials.iter_mut().flatten() {
            *p = None;
        }
        c.outs.clone_from(&outs);
        c.tuple = shape.tuple;
        if let Some(items) = shape.fields {
            c.struct_out = Some(
                items
                    .iter()
                    .map(|i| match i {
                        ShapeItem::Open(f, p) => crate::ir::PatItem::Open(
                            f.clone(),
                            quote::ToTokens::to_token_stream(p).to_string(),
                        ),
                        ShapeItem::Leaf(n) => crate::ir::PatItem::Leaf(n.clone()),
                        ShapeItem::Close => crate::ir::PatItem::Close,
                    })
                    .collect(),
            );
            return struct_of_items(items, outs);
        }
        if shape.tuple {
            Val::Tuple(outs.into_iter().map(Val::Num).collect())
        } else {
            Val::Array(outs)
        }
    }
}

/// `[a, b]` (an array of that length) or `(a, b)` (a tuple).
fn shape_of_pat(pat: &syn::Pat) -> Option<Shape> {
    match pat {
        syn::Pat::Paren(p) => shape_of_pat(&p.pat),
        syn::Pat::Slice(s) if !s.elems.is_empty() && !has_rest(&s.elems) => Some(Shape {
            len: s.elems.len(),
            tuple: false,
            fields: None,
        }),
        syn::Pat::Tuple(t) if t.elems.len() >= 2 && !has_rest(&t.elems) => Some(Shape {
            len: t.elems.len(),
            tuple: true,
            fields: None,
        }),
        // `State { theta, omega: w, .. }`: named fields, each bound to a
        // name or taken apart by a struct pattern in turn
        syn::Pat::Struct(_) | syn::Pat::TupleStruct(_) => {
            let items = struct_items(pat)?;
            let len = items
                .iter()
                .filter(|i| matches!(i, ShapeItem::Leaf(_)))
                .count();
            Some(Shape {
                len,
                tuple: false,
                fields: Some(items),
            })
        }
        _ => None,
    }
}

/// A struct pattern in pre-order, walked with an explicit stack; `None`
/// unless every field is named (or numbered, in a tuple struct's pattern
/// `P(a, b)`, where `_` and a final `..` skip fields) and bound to a name
/// or a struct pattern.
fn struct_items(pat: &syn::Pat) -> Option<Vec<ShapeItem>> {
    enum Work<'a> {
        Enter(Option<String>, &'a syn::Pat),
        Item(ShapeItem),
    }
    let mut items = Vec::new();
    let mut work = vec![Work::Enter(None, pat)];
    while let Some(w) = work.pop() {
        let (field, pat) = match w {
            Work::Item(i) => {
                items.push(i);
                continue;
            }
            Work::Enter(field, pat) => (field, pat),
        };
        // (field, its pattern), `None` for one skipped
        let (path, fields): (&syn::Path, Vec<Option<(String, &syn::Pat)>>) = match pat {
            syn::Pat::Struct(ps) if ps.qself.is_none() && !ps.fields.is_empty() => {
                let mut fields = Vec::new();
                for f in &ps.fields {
                    let syn::Member::Named(id) = &f.member else {
                        return None;
                    };
                    fields.push(Some((id.to_string(), &*f.pat)));
                }
                (&ps.path, fields)
            }
            syn::Pat::TupleStruct(ps) if ps.qself.is_none() && !ps.elems.is_empty() => {
                let last = ps.elems.len() - 1;
                let mut fields = Vec::new();
                for (k, p) in ps.elems.iter().enumerate() {
                    match p {
                        syn::Pat::Wild(_) => fields.push(None),
                        syn::Pat::Rest(_) if k == last => fields.push(None),
                        _ => fields.push(Some((k.to_string(), p))),
                    }
                }
                (&ps.path, fields)
            }
            _ => return None,
        };
        items.push(ShapeItem::Open(field, path.clone()));
        work.push(Work::Item(ShapeItem::Close));
        // pushed in reverse, so that fields come out in order
        for (name, p) in fields.into_iter().rev().flatten() {
            match p {
                syn::Pat::Ident(i) if i.subpat.is_none() && i.by_ref.is_none() => {
                    work.push(Work::Item(ShapeItem::Leaf(name)));
                }
                syn::Pat::Struct(_) | syn::Pat::TupleStruct(_) => {
                    work.push(Work::Enter(Some(name), p));
                }
                _ => return None,
            }
        }
    }
    (items.len() > 2).then_some(items)
}

/// The value of a call taken apart by the struct pattern `items`: nested
/// struct values holding `outs` in order, built with an explicit stack.
pub(super) fn struct_of_items(items: Vec<ShapeItem>, outs: Vec<NodeId>) -> Val {
    let mut leaves = outs.into_iter();
    // each struct being built: its field in the parent, path and fields
    type Open = (Option<String>, syn::Path, Vec<(String, Val)>);
    let mut open: Vec<Open> = Vec::new();
    let mut done = Val::Poison;
    for item in items {
        match item {
            ShapeItem::Open(f, p) => open.push((f, p, Vec::new())),
            ShapeItem::Leaf(n) => {
                let v = leaves.next().map_or(Val::Poison, Val::Num);
                if let Some(top) = open.last_mut() {
                    top.2.push((n, v));
                }
            }
            ShapeItem::Close => {
                let Some((f, path, fields)) = open.pop() else {
                    continue;
                };
                let v = Val::Struct(Box::new(super::strukt::StructLit {
                    path,
                    fields,
                    rest: None,
                    rest_span: crate::ir::SourceSpans::default(),
                }));
                match (open.last_mut(), f) {
                    (Some(parent), Some(f)) => parent.2.push((f, v)),
                    _ => done = v,
                }
            }
        }
    }
    done
}

fn has_rest(elems: &syn::punctuated::Punctuated<syn::Pat, syn::Token![,]>) -> bool {
    elems.iter().any(|p| matches!(p, syn::Pat::Rest(_)))
}

/// The call `e` is, under parentheses.
/// A call of a user method, as the value of a binding of several floats.
pub(super) fn strip_method(e: &syn::Expr) -> Option<&syn::ExprMethodCall> {
    match e {
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            let known = crate::rules::method(&name).is_some()
                || matches!(name.as_str(), "powi" | "sin_cos" | "len" | "iter");
            (!known).then_some(m)
        }
        syn::Expr::Paren(p) => strip_method(&p.expr),
        syn::Expr::Group(g) => strip_method(&g.expr),
        _ => None,
    }
}

pub(super) fn strip(e: &syn::Expr) -> Option<&syn::ExprCall> {
    match e {
        syn::Expr::Call(c) => Some(c),
        syn::Expr::Paren(p) => strip(&p.expr),
        syn::Expr::Group(g) => strip(&g.expr),
        _ => None,
    }
}
