//! The end of lowering: the body's value becomes the graph's value (or,
//! for `-> [F; m]`, its elements), or an error says what the body should
//! end with.

use proc_macro2::Span;

use super::{Lowerer, Val};
use crate::ir::Graph;
use crate::types::{FieldPath, Seg};

impl Lowerer<'_> {
    pub(super) fn finish(mut self, val: Val, end: Span) -> Option<Graph> {
        if self.g.out_struct.is_some() {
            self.struct_result(val, end);
            return self.done();
        }
        match val {
            Val::Num(n) => match self.out_len {
                None => self.g.value = n,
                Some(_) => self.vector_mismatch(end),
            },
            Val::Array(v) if self.out_len == Some(v.len()) => {
                self.g.value = v[0];
                self.g.outs = v;
            }
            Val::Array(_) if self.out_len.is_some() => self.vector_mismatch(end),
            // `-> (F, F)`: a tuple of as many floats
            Val::Tuple(parts)
                if self.out_tuple
                    && self.out_len == Some(parts.len())
                    && parts.iter().all(|v| matches!(v, Val::Num(_))) =>
            {
                let v: Vec<_> = parts
                    .into_iter()
                    .filter_map(|v| match v {
                        Val::Num(n) => Some(n),
                        _ => None,
                    })
                    .collect();
                self.g.value = v[0];
                self.g.outs = v;
            }
            Val::Tuple(_) if self.out_tuple => self.vector_mismatch(end),
            Val::Poison => {}
            Val::Unit => self.cx.error_at(
                end,
                "this body has no value: end it with an expression of the float type, without a semicolon",
            ),
            Val::Int(i) => self.cx.error_at(
                end,
                format!("the body's value is an integer: a differentiable function returns a float; write `{i}.0`"),
            ),
            Val::Array(_) => self.cx.error_at(
                end,
                "the body's value is an array: a differentiable function returns one scalar",
            ),
            Val::Cond(_) => self.cx.error_at(end, "the body's value is a condition, not a float"),
            Val::Opaque(_) => self.cx.error_at(end, "the body's value is an opaque input, not a float"),
            Val::Idx(_) => self.cx.error_at(end, "the body's value is an integer: a differentiable function returns a float; convert it with `as f64`"),
            Val::Buf(_) | Val::Vec(_) | Val::Row(..) | Val::Window(..) => self.cx.error_at(end, "the body's value is a slice: a differentiable function returns one scalar"),
            Val::Tuple(_) => self.cx.error_at(end, "the body's value is a tuple: a differentiable function returns one scalar"),
            Val::Field { path, .. } if !path.is_empty() => unreachable!("a field path at the end is settled by `expr`"),
            Val::Field { .. } | Val::Struct(_) | Val::Item { .. } | Val::Res { .. } => self.cx.error_at(end, "the body's value is a struct: a differentiable function returns one scalar; return one of its fields (`s.x`)"),
        }
        self.done()
    }

    fn done(mut self) -> Option<Graph> {
        if self.cx.has_errors() {
            return None;
        }
        self.g.body = self
            .blocks
            .pop()
            .expect("the top-level block is never popped");
        Some(self.g)
    }

    /// `-> State`: the body's value is a struct literal listing every
    /// field, each a float, an array of floats or a nested literal; its
    /// floats become [`Graph::outs`], with their paths. Nested literals are
    /// taken apart with an explicit stack.
    fn struct_result(&mut self, val: Val, end: Span) {
        let lit = match val {
            Val::Struct(lit) => lit,
            Val::Poison => return,
            // `p` for `let p: State = f(…);`, or the call itself: a call's
            // struct result returned whole (`p.arm` a part of one)
            Val::Num(n) if self.struct_result_call(n).is_some() => {
                let call = self.struct_result_call(n).expect("checked");
                if let Some(out) = self.returned_part(call, Vec::new(), Vec::new(), Vec::new(), end)
                {
                    self.g.value = out;
                }
                return;
            }
            Val::Res { call, path } => {
                if let Some(out) = self.returned_part(call, path, Vec::new(), Vec::new(), end) {
                    self.g.value = out;
                }
                return;
            }
            _ => {
                self.cx.error_at(
                    end,
                    "this function returns a struct: end the body with a struct literal listing every field, `State { theta: …, omega: … }`",
                );
                return;
            }
        };
        let mut outs = Vec::new();
        let mut paths = Vec::new();
        let mut work: Vec<(Vec<Seg>, Val)> = vec![(Vec::new(), Val::Struct(lit))];
        while let Some((path, v)) = work.pop() {
            match v {
                Val::Struct(lit) => {
                    let Some(fields) = self.result_rest(*lit, &path, end) else {
                        return;
                    };
                    // pushed in reverse, so that fields come out in order
                    for (name, v) in fields.into_iter().rev() {
                        let mut p = path.clone();
                        p.push(Seg::Field(name));
                        work.push((p, v));
                    }
                }
                Val::Array(elems) => {
                    for (i, n) in elems.into_iter().enumerate().rev() {
                        let mut p = path.clone();
                        p.push(Seg::Index(i));
                        work.push((p, Val::Num(n)));
                    }
                }
                Val::Num(n) => {
                    outs.push(n);
                    paths.push(FieldPath {
                        segs: path,
                        span: end,
                    });
                }
                Val::Poison => return,
                v @ (Val::Field { .. } | Val::Item { .. }) => match self.settle(v, end) {
                    Val::Num(n) => {
                        outs.push(n);
                        paths.push(FieldPath {
                            segs: path,
                            span: end,
                        });
                    }
                    _ => {
                        self.cx.error_at(
                            end,
                            "a field of a struct result is a float, an array of floats or a struct literal: write the parameter's fields one by one",
                        );
                        return;
                    }
                },
                _ => {
                    self.cx.error_at(
                        end,
                        "a field of a struct result is a float, an array of floats or a struct literal",
                    );
                    return;
                }
            }
        }
        if outs.is_empty() && self.g.out_results.is_empty() {
            let msg = if self.g.out_rests.is_empty() {
                "this struct result has no float field"
            } else {
                "this struct result writes no field of its own: write at least one (`State { x: s.x * 2.0, ..s }`)"
            };
            self.cx.error_at(end, msg);
            return;
        }
        self.g.value = match outs.first() {
            Some(&first) => first,
            None => self.g.out_results[0].out,
        };
        self.g.outs = outs;
        if let Some((_, p)) = &mut self.g.out_struct {
            *p = paths;
        }
    }

    /// The fields of a literal in a struct result at `at`, with its
    /// `..base` taken apart: a struct built in the body gives the fields
    /// the literal does not write (following its own `..base` in turn), a
    /// struct parameter (or a part of one) is recorded in
    /// [`Graph::out_rests`](crate::ir::Graph::out_rests), copied whole
    /// before the literal's floats are written over it. `None` after an
    /// error.
    fn result_rest(
        &mut self,
        lit: super::strukt::StructLit,
        at: &[Seg],
        end: Span,
    ) -> Option<Vec<(String, Val)>> {
        let mut fields = lit.fields;
        let mut rest = lit.rest;
        let mut rest_span = lit.rest_span;
        // `..rest` chains are followed one link at a time (no recursion)
        loop {
            match rest {
                None => return Some(fields),
                Some(Val::Struct(inner)) => {
                    let inner = *inner;
                    for (name, v) in inner.fields {
                        if !fields.iter().any(|(n, _)| *n == name) {
                            fields.push((name, v));
                        }
                    }
                    rest = inner.rest;
                    rest_span = inner.rest_span;
                }
                Some(Val::Field { param, path }) => {
                    let zero = own_fields(&fields);
                    self.g.out_rests.push(crate::ir::StructAccum {
                        param,
                        target: path,
                        source: at.to_vec(),
                        zero,
                    });
                    return Some(fields);
                }
                // `..p` for `let p = f(…);`: a part of a call's struct result
                Some(Val::Num(n)) if self.struct_result_call(n).is_some() => {
                    let call = self.struct_result_call(n).expect("checked");
                    let zero = own_fields(&fields);
                    let span = rest_span.0.first().copied().unwrap_or(end);
                    self.returned_part(call, Vec::new(), at.to_vec(), zero, span)?;
                    return Some(fields);
                }
                Some(Val::Res { call, path }) => {
                    let zero = own_fields(&fields);
                    let span = rest_span.0.first().copied().unwrap_or(end);
                    self.returned_part(call, path, at.to_vec(), zero, span)?;
                    return Some(fields);
                }
                Some(Val::Poison) => return None,
                Some(_) => {
                    let at = rest_span.0.first().copied().unwrap_or_else(Span::call_site);
                    self.cx.error_at(
                        at,
                        "`..base` in a struct result takes a struct parameter, a part of one (`..s.arm`) or a struct built in the body: write the fields it would copy instead (`omega: data[0].omega`)",
                    );
                    return None;
                }
            }
        }
    }

    /// The body's value does not have the length the signature gives.
    fn vector_mismatch(&self, end: Span) {
        let m = self.out_len.unwrap_or_default();
        let msg = if self.out_tuple {
            format!("the function returns a tuple of {m} floats: end the body with a tuple of {m} values, `(a, b, …)`")
        } else {
            format!("the function returns `[_; {m}]`: end the body with an array of {m} values, `[a, b, …]`")
        };
        self.cx.error_at(end, msg);
    }
}

/// The paths of the fields a literal writes itself, which a part it
/// copies by `..base` does not give.
fn own_fields(fields: &[(String, Val)]) -> Vec<Vec<Seg>> {
    fields
        .iter()
        .map(|(n, _)| vec![Seg::Field(n.clone())])
        .collect()
}
