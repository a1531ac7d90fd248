//! Lowering of user structs: fields of struct parameters, struct values
//! built in the body (`State { x, v }`, `State { x, ..s }`).
//!
//! The macro never sees a struct's definition. A struct parameter is read
//! lazily: each float the body reads (`s.x`, `s.arm.l1`, `s.w[2]`) becomes
//! one element of the parameter ([`crate::types::Param::fields`]), created
//! at its first read at the top of the function, so both branches of an
//! `if` and every loop share it. A path is kept as a [`Val::Field`] while
//! the code goes deeper (`s.arm` then `.l1`), is passed on (`g(s.arm)`) or
//! is bound (`let arm = s.arm;`); it becomes a float node when it is used
//! as one. Whether a path really is a float is checked in the generated
//! code, on the user's tokens (`macrograd::__private::float_field`).
//!
//! A struct value built in the body lives only while lowering, like a
//! tuple: its fields are ordinary values, and a read of a field it does not
//! list goes to its `..base`.

use proc_macro2::Span;
use syn::spanned::Spanned;

use super::{Lowerer, Val};
use crate::ir::{NodeId, Op};
use crate::types::{FieldPath, Seg};

/// A struct value written in the body: `Path { field: value, ..rest }`.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct StructLit {
    /// The struct's path as written (`State`, `Self`).
    pub path: syn::Path,
    /// The fields written, in order.
    pub fields: Vec<(String, Val)>,
    /// `..rest`, read for the fields not written.
    pub rest: Option<Val>,
    /// Where `..rest` is written (errors about it point there; ignored
    /// by equality).
    pub rest_span: crate::ir::SourceSpans,
}

/// The most steps a field path may have (`s.a.b.c…`), so that a path
/// cannot grow without bound.
const MAX_DEPTH: usize = 64;

impl Lowerer<'_> {
    /// `base.member` for a named member, or a numbered one of a tuple struct.
    pub(super) fn struct_field_of(&mut self, base: Val, f: &syn::ExprField) -> Val {
        let name = match &f.member {
            syn::Member::Named(id) => id.to_string(),
            syn::Member::Unnamed(ix) => ix.index.to_string(),
        };
        self.member(base, name, f)
    }

    fn member(&mut self, base: Val, name: String, f: &syn::ExprField) -> Val {
        let mut base = base;
        // `..rest` chains are followed one link at a time (no recursion)
        loop {
            match base {
                Val::Poison => return Val::Poison,
                Val::Field { param, mut path } => {
                    if path.len() >= MAX_DEPTH {
                        self.cx
                            .error_spanned_by(&f.member, "this field path is too deep");
                        return Val::Poison;
                    }
                    path.push(Seg::Field(name));
                    return Val::Field { param, path };
                }
                Val::Item {
                    param,
                    row,
                    mut path,
                } => {
                    if path.len() >= MAX_DEPTH {
                        self.cx
                            .error_spanned_by(&f.member, "this field path is too deep");
                        return Val::Poison;
                    }
                    path.push(Seg::Field(name));
                    return Val::Item { param, row, path };
                }
                Val::Res { call, path } => {
                    return self.result_deeper(call, path, Seg::Field(name), &f.member);
                }
                // `p.x` for `let p = f(…);`: the call returns a struct
                Val::Num(n) if self.struct_result_call(n).is_some() => {
                    let call = self.struct_result_call(n).expect("checked by the guard");
                    return self.result_member(call, name);
                }
                Val::Struct(lit) => {
                    let lit = *lit;
                    if let Some((_, v)) = lit.fields.into_iter().find(|(n, _)| *n == name) {
                        return v;
                    }
                    match lit.rest {
                        Some(rest) => base = rest,
                        None => {
                            self.cx.error_spanned_by(
                                &f.member,
                                format!("this struct value has no field `{name}`"),
                            );
                            return Val::Poison;
                        }
                    }
                }
                _ => {
                    self.cx.error_spanned_by(
                        f,
                        "field access is supported on struct parameters, struct values and tuples (`t.0`): \
                         mark the struct `#[derive(Differentiable)]` and take it as a parameter",
                    );
                    return Val::Poison;
                }
            }
        }
    }

    /// `base[i]` on a struct path: a constant index into an array field.
    pub(super) fn struct_index(
        &mut self,
        param: usize,
        path: Vec<Seg>,
        i: &Val,
        at: &syn::Expr,
    ) -> Val {
        match i {
            Val::Int(i) if *i >= 0 && path.len() < MAX_DEPTH => {
                let mut path = path;
                path.push(Seg::Index(*i as usize));
                Val::Field { param, path }
            }
            Val::Poison => Val::Poison,
            _ => {
                self.cx.error_spanned_by(
                    at,
                    "an array field of a struct is indexed with a constant or the index of a loop over a constant range \
                     (`for i in 0..3`); pass the array as its own `[f64; N]` parameter to index it at run time",
                );
                Val::Poison
            }
        }
    }

    /// `Path { a: x, b, ..rest }`
    pub(super) fn struct_lit(&mut self, s: &syn::ExprStruct) -> Val {
        if let Some(q) = &s.qself {
            self.cx
                .error_spanned_by(&q.ty, "write the struct's name: `State { x, v }`");
            return Val::Poison;
        }
        let mut fields = Vec::new();
        for fv in &s.fields {
            let name = match &fv.member {
                syn::Member::Named(id) => id.to_string(),
                syn::Member::Unnamed(ix) => ix.index.to_string(),
            };
            let v = self.expr_keep(&fv.expr);
            fields.push((name, v));
        }
        let rest = s.rest.as_ref().map(|r| self.expr_keep(r));
        if let Some(Val::Poison) = rest {
            return Val::Poison;
        }
        if let Some(r) = &rest {
            // `..p` for `let p = f(…);`: a call's struct result used whole
            // (see `struct_res.rs`)
            if let Val::Num(n) = r {
                if let Some(call) = self.struct_result_call(*n) {
                    self.mark_struct_result(call);
                }
            }
            let result = match r {
                Val::Num(n) => self.is_struct_result(*n),
                _ => matches!(r, Val::Res { .. }),
            };
            if !result && !matches!(r, Val::Field { .. } | Val::Struct(_)) {
                self.cx.error_spanned_by(
                    s.rest.as_ref().expect("rest is some"),
                    "`..` takes a struct value here: a struct parameter or a struct built in the body",
                );
                return Val::Poison;
            }
        }
        Val::Struct(Box::new(StructLit {
            path: s.path.clone(),
            fields,
            rest,
            rest_span: crate::ir::SourceSpans(vec![s
                .rest
                .as_ref()
                .map_or_else(|| s.span(), |r| r.span())]),
        }))
    }

    /// `P(a, b)`: a tuple struct's value, the struct value `P { 0: a, 1: b }`
    /// (see [`is_tuple_struct_path`]).
    pub(super) fn tuple_struct_lit(&mut self, c: &syn::ExprCall, path: &syn::Path) -> Val {
        // (a shape its binding gave, `let P(a, b) = P(x, y);`, is a call's)
        self.take_shape(c);
        let mut fields = Vec::new();
        for (k, a) in c.args.iter().enumerate() {
            let v = self.expr_keep(a);
            fields.push((k.to_string(), v));
        }
        Val::Struct(Box::new(StructLit {
            path: path.clone(),
            fields,
            rest: None,
            rest_span: crate::ir::SourceSpans(vec![c.span()]),
        }))
    }

    /// A path used as a float: the element of its parameter, made at the
    /// first read (see the module docs). Other values pass unchanged.
    #[inline(never)]
    pub(super) fn settle(&mut self, v: Val, span: Span) -> Val {
        match v {
            Val::Field { param, path } if !path.is_empty() => {
                Val::Num(self.field_node(param, path, span))
            }
            Val::Item { param, row, path } if !path.is_empty() => {
                Val::Num(self.row_field(param, row, path, span))
            }
            Val::Res { call, path } => Val::Num(self.result_field(call, path, span)),
            other => other,
        }
    }

    fn field_node(&mut self, param: usize, path: Vec<Seg>, span: Span) -> NodeId {
        if let Some(&n) = self.struct_reads.get(&(param, path.clone())) {
            return n;
        }
        let fields = self.g.params[param].fields.get_or_insert_with(Vec::new);
        let index = fields.len();
        fields.push(FieldPath {
            segs: path.clone(),
            span,
        });
        self.g.params[param].len = Some(index + 1);
        let id = self.g.add(
            Op::Param {
                param,
                index: Some(index),
            },
            span,
        );
        // at the top of the function: every branch and loop reads it
        self.blocks
            .first_mut()
            .expect("the top-level block is open")
            .nodes
            .insert(0, id);
        self.struct_reads.insert((param, path), id);
        id
    }

    /// `rows[row].path` of a `&[S]` parameter: a load whose column is the
    /// index of the path in the parameter's fields.
    fn row_field(&mut self, param: usize, row: NodeId, path: Vec<Seg>, span: Span) -> NodeId {
        let fields = self.g.params[param].fields.get_or_insert_with(Vec::new);
        let index = match fields.iter().position(|f| f.segs == path) {
            Some(i) => i,
            None => {
                fields.push(FieldPath { segs: path, span });
                fields.len() - 1
            }
        };
        let col = self.push(Op::IConst(index), span);
        self.push(
            Op::Load {
                param,
                row,
                col: Some(col),
            },
            span,
        )
    }

    /// The error for a struct used where a number is wanted.
    pub(super) fn struct_as_number(&mut self, v: &Val, at: &syn::Expr) {
        let what = match v {
            Val::Field { param, .. } => format!(
                "expected a number, found the struct `{}`: read one of its float fields (`{}.x`)",
                self.g.params[*param].name, self.g.params[*param].name
            ),
            _ => {
                "expected a number, found a struct value: read one of its fields (`.x`)".to_string()
            }
        };
        self.cx.error_at(at.span(), what);
    }
}

impl Lowerer<'_> {
    /// A struct value passed to another differentiable function (see
    /// `ir::structs`); `None` after an error.
    pub(super) fn struct_arg(&mut self, v: Val, at: &syn::Expr) -> Option<crate::ir::StructArg> {
        let mut arg = crate::ir::StructArg {
            expr: crate::ir::StructExpr::Array(Vec::new()),
            elems: Vec::new(),
            elem_paths: Vec::new(),
            accums: Vec::new(),
            results: Vec::new(),
            deref: written_deref(at),
        };
        arg.expr = self.struct_part(&mut arg, v, Vec::new(), Vec::new(), at)?;
        if !arg.accums.is_empty() {
            self.g.struct_calls = true;
        }
        Some(arg)
    }

    /// One part of a struct argument at `source`; `zero` lists the fields
    /// (relative to it) that an enclosing literal writes itself.
    fn struct_part(
        &mut self,
        arg: &mut crate::ir::StructArg,
        v: Val,
        source: Vec<Seg>,
        zero: Vec<Vec<Seg>>,
        at: &syn::Expr,
    ) -> Option<crate::ir::StructExpr> {
        use crate::ir::{StructAccum, StructExpr};
        Some(match v {
            Val::Field { param, path } => {
                if self.g.params[param].diff {
                    arg.accums.push(StructAccum {
                        param,
                        target: path.clone(),
                        source,
                        zero,
                    });
                }
                StructExpr::Path { param, path }
            }
            // `g(p)` for `let p = f(…);` whose struct result is read by field
            Val::Num(n) if self.is_struct_result(n) => {
                let call = self.struct_result_call(n).expect("a struct result's call");
                return self.whole_result_part(arg, call, Vec::new(), source, zero, at);
            }
            Val::Num(n) => {
                arg.elems.push(n);
                arg.elem_paths.push(source);
                StructExpr::Elem(arg.elems.len() - 1)
            }
            Val::Array(v) => StructExpr::Array(
                v.into_iter()
                    .enumerate()
                    .map(|(j, n)| {
                        let mut p = source.clone();
                        p.push(Seg::Index(j));
                        arg.elems.push(n);
                        arg.elem_paths.push(p);
                        arg.elems.len() - 1
                    })
                    .collect(),
            ),
            Val::Struct(lit) => {
                let lit = *lit;
                let own: Vec<Vec<Seg>> = lit
                    .fields
                    .iter()
                    .map(|(n, _)| vec![Seg::Field(n.clone())])
                    .collect();
                if let Some((n, _)) = lit
                    .fields
                    .iter()
                    .find(|(n, _)| zero.contains(&vec![Seg::Field(n.clone())]))
                {
                    self.cx.error_spanned_by(
                        at,
                        format!("the field `{n}` is written twice (here and in the literal around it): write it once"),
                    );
                    return None;
                }
                let mut fields = Vec::new();
                for (name, fv) in lit.fields {
                    let mut p = source.clone();
                    p.push(Seg::Field(name.clone()));
                    let part = self.struct_part(arg, fv, p, Vec::new(), at)?;
                    fields.push((name, part));
                }
                let rest = match lit.rest {
                    Some(r) => {
                        let z = zero.into_iter().chain(own).collect();
                        let part = match r {
                            // `..p.arm`: a path into a call's struct result
                            Val::Res { call, path } => {
                                self.whole_result_part(arg, call, path, source, z, at)?
                            }
                            r => self.struct_part(arg, r, source, z, at)?,
                        };
                        Some(Box::new(part))
                    }
                    None => None,
                };
                let path = &lit.path;
                StructExpr::Lit {
                    ty: quote::quote!(#path).to_string(),
                    fields,
                    rest,
                }
            }
            Val::Poison => return None,
            other => {
                let _ = self.num(other, at);
                return None;
            }
        })
    }
}

/// An argument written `*s` (also inside parentheses or an invisible group).
fn written_deref(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Deref(_)),
        syn::Expr::Paren(p) => written_deref(&p.expr),
        syn::Expr::Group(g) => written_deref(&g.expr),
        _ => false,
    }
}

/// Whether a call's path names a tuple struct (`P(a, b)`, `Self(a, b)`,
/// `geo::P(a, b)`) rather than a function: its last segment starts with an
/// upper-case letter, as Rust names types and functions never are
/// (`non_snake_case`). `Some`, `Ok` and `Err` are left to the call's own
/// error.
pub(super) fn is_tuple_struct_path(path: &syn::Path) -> bool {
    path.segments.last().is_some_and(|s| {
        let name = s.ident.to_string();
        let name = name.trim_start_matches("r#");
        name.starts_with(|c: char| c.is_ascii_uppercase()) && !matches!(name, "Some" | "Ok" | "Err")
    })
}

impl Lowerer<'_> {
    /// `let P(a, b, ..) = value;` for a tuple struct's value: a struct
    /// value built in the body or taken from a call's result, or a
    /// parameter (or a part of one).
    pub(super) fn bind_tuple_struct(
        &mut self,
        ps: &syn::PatTupleStruct,
        val: Val,
        first_new: usize,
    ) {
        let fields = match val {
            Val::Struct(lit) if lit.rest.is_none() => lit.fields,
            Val::Field { param, path } if path.len() < MAX_DEPTH => (0..ps.elems.len())
                .map(|k| {
                    let mut path = path.clone();
                    path.push(Seg::Field(k.to_string()));
                    (k.to_string(), Val::Field { param, path })
                })
                .collect(),
            Val::Poison => {
                ps.elems.iter().for_each(|p| self.poison_names(p));
                return;
            }
            _ => {
                self.cx.error_spanned_by(
                    ps,
                    "a tuple struct pattern takes apart a tuple struct (a parameter, a value built in the body or a call's result), \
                     naming its fields in order: `let P(a, b) = f(…);` (`_` for a field not needed, `..` only at the end)",
                );
                ps.elems.iter().for_each(|p| self.poison_names(p));
                return;
            }
        };
        self.bind_fields(ps, fields, first_new);
    }

    /// Binds the numbered fields of a struct value (`_` and a final `..`
    /// skip fields; the pattern is as deep as written).
    fn bind_fields(
        &mut self,
        ps: &syn::PatTupleStruct,
        mut fields: Vec<(String, Val)>,
        first_new: usize,
    ) {
        let last = ps.elems.len().saturating_sub(1);
        for (k, p) in ps.elems.iter().enumerate() {
            if matches!(p, syn::Pat::Wild(_)) || (k == last && matches!(p, syn::Pat::Rest(_))) {
                continue;
            }
            let name = k.to_string();
            match fields.iter().position(|(n, _)| *n == name) {
                Some(j) if !matches!(p, syn::Pat::Rest(_)) => {
                    let (_, v) = fields.swap_remove(j);
                    self.bind_pat(p, v, first_new);
                }
                _ if matches!(p, syn::Pat::Rest(_)) => self.cx.error_spanned_by(
                    p,
                    "`..` is supported at the end of a tuple struct pattern only: name the fields before it, `_` for one not needed",
                ),
                _ => {
                    self.cx.error_spanned_by(
                        p,
                        format!(
                            "this value has no field `{name}`: name the tuple struct's fields in order, \
                             `_` for one not needed, `..` only at the end"
                        ),
                    );
                    self.poison_names(p);
                }
            }
        }
    }
}
