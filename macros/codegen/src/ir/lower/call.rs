//! Lowering of calls: methods (`x.sin()`, `x.powi(2)`), functions in path
//! form (`f64::sin(x)`), `macrograd::ops`, and calls of other differentiable
//! functions through their pullback.

use proc_macro2::Span;
use syn::spanned::Spanned;

use super::leaf::float_name;
use super::{Lowerer, Val};
use crate::ir::{Call, CallArg, NodeId, Op};
use crate::rules::{self, Prim};

impl Lowerer<'_> {
    pub(super) fn method_call(&mut self, m: &syn::ExprMethodCall) -> Val {
        let name = m.method.to_string();
        let span = m.method.span();
        if let Some(v) = self.reduction(m) {
            return v;
        }
        if let Some(t) = &m.turbofish {
            self.cx
                .error_spanned_by(t, "type arguments are not supported here");
            return Val::Poison;
        }
        let slice_method = matches!(
            name.as_str(),
            "len" | "iter" | "windows" | "chunks_exact" | "enumerate" | "zip"
        );
        if slice_method && self.captured_needs_type(&m.receiver) {
            return Val::Poison;
        }
        let known = rules::method(&name).is_some()
            || matches!(name.as_str(), "powi" | "sin_cos" | "len" | "iter");
        let recv = if known {
            self.expr(&m.receiver)
        } else {
            match self.expr_keep(&m.receiver) {
                v @ (Val::Field { .. } | Val::Struct(_)) => return self.user_method_call(v, m),
                // `p.energy()` for `let p = f(…);` whose struct result is read by field
                v @ Val::Num(n) if self.is_struct_result(n) => return self.user_method_call(v, m),
                other => self.settle(other, m.receiver.span()),
            }
        };
        if matches!(recv, Val::Int(_) | Val::Idx(_)) {
            return self.int_method(recv, m);
        }
        match name.as_str() {
            "powi" => return self.powi(recv, m),
            "sin_cos" if m.args.is_empty() => return self.sin_cos(recv, &m.receiver, span),
            "len"
                if m.args.is_empty()
                    && matches!(
                        recv,
                        Val::Buf(_) | Val::Vec(_) | Val::Row(..) | Val::Window(..)
                    ) =>
            {
                return self.slice_len(&recv, span).unwrap_or(Val::Poison);
            }
            "iter" if m.args.is_empty() && matches!(recv, Val::Buf(_)) => return recv,
            "len" | "iter" if m.args.is_empty() => {
                return match recv {
                    Val::Array(a) if name == "len" => Val::Int(a.len() as i64),
                    Val::Array(a) => Val::Array(a),
                    row @ (Val::Row(..) | Val::Window(..)) => self.row_to_array(row, span),
                    Val::Poison => Val::Poison,
                    _ => {
                        self.cx
                            .error_spanned_by(&m.method, format!("`{name}` applies to arrays"));
                        Val::Poison
                    }
                };
            }
            _ => {}
        }
        let Some(prim) = rules::method(&name) else {
            self.cx.error_at(
                span,
                format!(
                    "no derivative known for method `{name}`; supported methods: {} (or `powi`); \
                     for anything else write a `#[differentiable]` function or give one a derivative with `#[differentiable(custom = ...)]`",
                    rules::method_names().join(", ")
                ),
            );
            return Val::Poison;
        };
        if m.args.len() + 1 != prim.arity() {
            self.cx.error_at(
                span,
                format!(
                    "`{name}` takes {} argument(s), {} given",
                    prim.arity() - 1,
                    m.args.len()
                ),
            );
            return Val::Poison;
        }
        let mut xs = Vec::new();
        let r = self.num(recv, &m.receiver);
        xs.push(r);
        for a in &m.args {
            let v = self.expr(a);
            xs.push(self.num(v, a));
        }
        match xs.into_iter().collect::<Option<Vec<_>>>() {
            Some(xs) => Val::Num(self.push(Op::Prim(prim, xs), span)),
            None => Val::Poison,
        }
    }

    /// `x.sin_cos()`: the tuple `(x.sin(), x.cos())`, two ordinary nodes of
    /// the same argument (the derivative of each uses the other, which
    /// common-subexpression elimination then shares).
    fn sin_cos(&mut self, recv: Val, recv_expr: &syn::Expr, span: Span) -> Val {
        let Some(x) = self.num(recv, recv_expr) else {
            return Val::Poison;
        };
        let s = self.push(Op::Prim(Prim::Sin, vec![x]), span);
        let c = self.push(Op::Prim(Prim::Cos, vec![x]), span);
        Val::Tuple(vec![Val::Num(s), Val::Num(c)])
    }

    fn powi(&mut self, recv: Val, m: &syn::ExprMethodCall) -> Val {
        let args: Vec<&syn::Expr> = m.args.iter().collect();
        self.powi_parts(recv, &m.receiver, &args, m.method.span())
    }

    /// `recv.powi(args…)`, from method or path (`f64::powi(x, 2)`) syntax.
    fn powi_parts(
        &mut self,
        recv: Val,
        recv_expr: &syn::Expr,
        args: &[&syn::Expr],
        span: Span,
    ) -> Val {
        if args.len() != 1 {
            self.cx.error_at(
                span,
                "`powi` takes one argument, a constant integer exponent",
            );
            return Val::Poison;
        }
        let arg = args[0];
        let n = match self.expr(arg) {
            Val::Int(n) => match i32::try_from(n) {
                Ok(n) => n,
                Err(_) => {
                    self.cx
                        .error_spanned_by(arg, "the exponent does not fit in `i32`");
                    return Val::Poison;
                }
            },
            Val::Poison => return Val::Poison,
            _ => {
                self.cx.error_spanned_by(
                    arg,
                    "the exponent of `powi` must be a constant integer; for a variable exponent use `powf`",
                );
                return Val::Poison;
            }
        };
        match self.num(recv, recv_expr) {
            Some(x) => Val::Num(self.push(Op::Powi(x, n), span)),
            None => Val::Poison,
        }
    }

    pub(super) fn call(&mut self, c: &syn::ExprCall) -> Val {
        let syn::Expr::Path(func) = &*c.func else {
            self.cx
                .error_spanned_by(&c.func, "only calls of named functions are supported");
            return Val::Poison;
        };
        let segs: Vec<String> = func
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        for s in &func.path.segments {
            if !s.arguments.is_none() {
                self.cx
                    .error_spanned_by(&s.arguments, "type arguments are not supported here");
                return Val::Poison;
            }
        }
        if func.qself.is_none() && super::strukt::is_tuple_struct_path(&func.path) {
            return self.tuple_struct_lit(c, &func.path);
        }
        let last = segs.last().cloned().unwrap_or_default();
        let span = func
            .path
            .segments
            .last()
            .map_or_else(|| func.span(), |s| s.ident.span());
        // `f64::sin(x)`: a method in path form
        if segs.len() == 2 {
            if let Some(f) = float_name(&segs[0]) {
                if last == "powi" && c.args.len() == 2 {
                    if !self.check_float(f, func) {
                        return Val::Poison;
                    }
                    let recv = self.expr(&c.args[0]);
                    return self.powi_parts(recv, &c.args[0], &[&c.args[1]], span);
                }
                let Some(prim) = rules::method(&last) else {
                    self.cx.error_at(
                        span,
                        format!(
                            "no derivative known for `{}::{last}`; supported methods: {} (or `powi`); \
                             for anything else write a `#[differentiable]` function or give one a derivative with `#[differentiable(custom = ...)]`",
                            segs[0],
                            rules::method_names().join(", ")
                        ),
                    );
                    return Val::Poison;
                };
                if !self.check_float(f, func) {
                    return Val::Poison;
                }
                return self.prim_call(prim, c, span);
            }
        }
        let ops_path = segs.len() == 1
            || (segs.len() == 2 && segs[0] == "ops")
            || (segs.len() == 3 && segs[0] == "macrograd" && segs[1] == "ops");
        if ops_path {
            if let Some(prim) = rules::ops_fn(&last) {
                return self.prim_call(prim, c, span);
            }
        }
        if segs.len() >= 2 && segs[segs.len() - 2] == "ops" {
            self.cx.error_at(
                span,
                format!(
                    "`{last}` is not in `macrograd::ops`; it has: {}",
                    rules::ops_fn_names().join(", ")
                ),
            );
            return Val::Poison;
        }
        self.user_call(c, func, span)
    }

    fn prim_call(&mut self, prim: Prim, c: &syn::ExprCall, span: Span) -> Val {
        if c.args.len() != prim.arity() {
            self.cx.error_spanned_by(
                &c.func,
                format!(
                    "this function takes {} argument(s), {} given",
                    prim.arity(),
                    c.args.len()
                ),
            );
            return Val::Poison;
        }
        let mut xs = Vec::new();
        for a in &c.args {
            let v = self.expr(a);
            xs.push(self.num(v, a));
        }
        match xs.into_iter().collect::<Option<Vec<_>>>() {
            Some(xs) => Val::Num(self.push(Op::Prim(prim, xs), span)),
            None => Val::Poison,
        }
    }

    /// Whether `a` names a parameter passed by reference (`x: &f64`), still
    /// its own value: passed on as it is written, a reference.
    pub(super) fn names_ref_param(&self, a: &syn::Expr) -> bool {
        let Some(name) = super::plain_ident(a) else {
            return false;
        };
        let param_of = |n: &crate::ir::NodeId| match *self.g.op(*n) {
            Op::Param { param, .. } => Some(param),
            _ => None,
        };
        let k = match self.lookup(&name).map(|b| &b.val) {
            Some(Val::Num(n)) => param_of(n),
            Some(Val::Array(v)) => v.first().and_then(param_of),
            _ => None,
        };
        k.is_some_and(|k| self.g.params[k].by_ref && self.g.params[k].name == name)
    }

    /// The `#[nograd]` tuple parameter whose parts, in order, these are.
    fn whole_nograd_tuple(&self, parts: &[Val]) -> Option<usize> {
        let param_of = |i: usize, v: &Val| match v {
            Val::Num(n) => match *self.g.op(*n) {
                Op::Param { param, index } if index == Some(i) => Some(param),
                _ => None,
            },
            _ => None,
        };
        let k = param_of(0, parts.first()?)?;
        let p = &self.g.params[k];
        let whole = p.tuple
            && !p.diff
            && p.len == Some(parts.len())
            && parts
                .iter()
                .enumerate()
                .all(|(i, v)| param_of(i, v) == Some(k));
        whole.then_some(k)
    }

    /// A call of another differentiable function, through its pullback
    /// (or, for a helper returning several floats, see [`Shape`]).
    fn user_call(&mut self, c: &syn::ExprCall, func: &syn::ExprPath, span: Span) -> Val {
        let shape = self.take_shape(c);
        if let Some(last) = func.path.segments.last() {
            let name = last.ident.to_string();
            let derived = ["_grad", "_jvp", "_vjp", "_jacobian", "_hessian", "_hvp"]
                .into_iter()
                .find(|s| name.len() > s.len() && name.ends_with(s));
            // a bare `h_grad`: the gradient of `h` (see `nested.rs`); a
            // path such as `self::foo_grad` is an ordinary call
            let bare = func.path.segments.len() == 1 && func.path.leading_colon.is_none();
            if let (Some("_grad"), true) = (derived, bare) {
                return self.nested_call(c, func, &name[..name.len() - 5], span);
            }
            if let (Some("_jvp"), true) = (derived, bare) {
                return self.nested_jvp(c, func, &name[..name.len() - 4], span);
            }
            if let (Some("_vjp"), true) = (derived, bare) {
                return self.nested_vjp(c, func, &name[..name.len() - 4], span);
            }
            if let (Some(suffix), true) = (derived, bare) {
                let base = &name[..name.len() - suffix.len()];
                self.cx.error_spanned_by(
                    func,
                    format!(
                        "`{name}` is a derivative function that cannot be differentiated yet: only `{base}_grad`, `{base}_jvp` and `{base}_vjp` can be called in a differentiable body (nested differentiation); \
                         compute `{name}` outside this differentiable function and pass its result in as a `#[nograd]` parameter, or call `{base}`, `{base}_grad`, `{base}_jvp` or `{base}_vjp` here"
                    ),
                );
                return Val::Poison;
            }
        }
        let exprs: Vec<&syn::Expr> = c.args.iter().collect();
        let Some(args) = self.call_args(&exprs) else {
            return Val::Poison;
        };
        let arg_spans =
            crate::ir::SourceSpans(c.args.iter().map(crate::parse::flat::span_of).collect());
        let by_ref = c
            .args
            .iter()
            .map(|a| written_by_ref(a) || self.names_ref_param(a))
            .collect();
        let path = func
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let leading = func.path.leading_colon.is_some();
        let id = self.push_call(path, leading, args, arg_spans, by_ref, false, span);
        match shape {
            Some(shape) => self.vector_result(id, shape, span),
            None => Val::Num(self.call_value(id)),
        }
    }

    /// `recv.method(args)` of a struct value: a call of the method's
    /// pullback, `recv.__method_pullback(args)`, with the receiver as its
    /// first argument.
    pub(super) fn user_method_call(&mut self, recv: Val, m: &syn::ExprMethodCall) -> Val {
        let span = m.method.span();
        let Some(recv) = self.struct_arg(recv, &m.receiver) else {
            return Val::Poison;
        };
        let exprs: Vec<&syn::Expr> = m.args.iter().collect();
        let Some(rest) = self.call_args(&exprs) else {
            return Val::Poison;
        };
        if !self.no_slice_args(&rest, &exprs, "a method") {
            return Val::Poison;
        }
        let args = std::iter::once(CallArg::Struct(Box::new(recv)))
            .chain(rest)
            .collect();
        let arg_spans = crate::ir::SourceSpans(
            std::iter::once(m.receiver.span())
                .chain(m.args.iter().map(syn::spanned::Spanned::span))
                .collect(),
        );
        let by_ref = std::iter::once(false)
            .chain(
                m.args
                    .iter()
                    .map(|a| written_by_ref(a) || self.names_ref_param(a)),
            )
            .collect();
        let shape = self.take_method_shape(m);
        let id = self.push_call(
            vec![m.method.to_string()],
            false,
            args,
            arg_spans,
            by_ref,
            true,
            span,
        );
        match shape {
            Some(shape) => self.vector_result(id, shape, span),
            None => Val::Num(self.call_value(id)),
        }
    }

    /// The arguments of a call; `None` after an error.
    pub(super) fn call_args(&mut self, exprs: &[&syn::Expr]) -> Option<Vec<CallArg>> {
        let mut args = Vec::new();
        let mut ok = true;
        for &a in exprs {
            if let Some(name) = self.captured_name(a) {
                args.push(CallArg::Capture(name));
                continue;
            }
            let val = match self.expr_keep(a) {
                v @ (Val::Field { .. } | Val::Struct(_)) => {
                    match self.struct_arg(v, a) {
                        Some(s) => args.push(CallArg::Struct(Box::new(s))),
                        None => ok = false,
                    }
                    continue;
                }
                other => other,
            };
            match val {
                // a struct result read by field, passed on whole
                v @ Val::Num(n) if self.is_struct_result(n) => match self.struct_arg(v, a) {
                    Some(s) => args.push(CallArg::Struct(Box::new(s))),
                    None => ok = false,
                },
                Val::Num(n) => args.push(CallArg::Scalar(n)),
                Val::Array(v) => args.push(CallArg::Array(v)),
                Val::Opaque(k) => args.push(CallArg::Opaque(k)),
                Val::Idx(n) if matches!(self.g.op(n), Op::IParam(_)) => {
                    let Op::IParam(k) = *self.g.op(n) else {
                        unreachable!("matched above")
                    };
                    args.push(CallArg::Opaque(k));
                }
                Val::Buf(k) if !self.g.params[k].diff => args.push(CallArg::Opaque(k)),
                // a differentiable slice passed whole (`f(xs)`, `f(&xs)`)
                Val::Buf(k) if self.g.params[k].slice.is_some() => args.push(CallArg::Slice(k)),
                // a local buffer passed whole (`f(&v)`)
                Val::Vec(buf) => args.push(CallArg::Local { buf, sink: None }),
                // a `#[nograd]` tuple parameter passed on whole
                Val::Tuple(parts) if self.whole_nograd_tuple(&parts).is_some() => {
                    let k = self
                        .whole_nograd_tuple(&parts)
                        .expect("checked by the guard");
                    args.push(CallArg::Opaque(k));
                }
                // a tuple of numbers, for a tuple parameter of the callee
                Val::Tuple(parts) if parts.iter().all(|v| matches!(v, Val::Num(_))) => {
                    let nodes = parts
                        .into_iter()
                        .filter_map(|v| match v {
                            Val::Num(n) => Some(n),
                            _ => None,
                        })
                        .collect();
                    args.push(CallArg::Tuple(nodes));
                }
                Val::Buf(_) => {
                    ok = false;
                    self.cx.error_spanned_by(
                        a,
                        "passing a differentiable slice to another function is not supported yet: \
                         mark the parameter `#[nograd]`, or compute the value in a loop in this function",
                    );
                }
                row @ (Val::Row(..) | Val::Window(..)) => {
                    match self.row_to_array(row, crate::parse::flat::span_of(a)) {
                        Val::Array(v) => args.push(CallArg::Array(v)),
                        _ => ok = false,
                    }
                }
                Val::Idx(_) => {
                    ok = false;
                    self.cx.error_spanned_by(
                        a,
                        "pass a `usize` parameter itself; computed indices cannot be passed to other functions yet",
                    );
                }
                Val::Poison => ok = false,
                other => {
                    ok = false;
                    let _ = self.num(other, a);
                }
            }
        }
        ok.then_some(args)
    }

    /// Rule: a differentiable slice (or a local buffer) is passed whole
    /// only to a free function (`f(xs)`, whose hidden `vjp_into` adds into
    /// `d_xs`), not to `what` (a method, a nested gradient). `false` after
    /// an error.
    pub(super) fn no_slice_args(
        &mut self,
        args: &[CallArg],
        exprs: &[&syn::Expr],
        what: &str,
    ) -> bool {
        let Some(k) = args
            .iter()
            .position(|a| matches!(a, CallArg::Slice(_) | CallArg::Local { .. }))
        else {
            return true;
        };
        let msg = if matches!(args[k], CallArg::Local { .. }) {
            format!(
                "passing a local buffer to {what} is not supported yet: \
                 pass it to a free `#[differentiable]` function, \
                 or compute the value in a loop in this function"
            )
        } else {
            format!(
                "passing a differentiable slice to {what} is not supported yet: \
                 pass it to a free `#[differentiable]` function, mark the parameter `#[nograd]`, \
                 or compute the value in a loop in this function"
            )
        };
        self.cx.error_spanned_by(exprs[k], msg);
        false
    }

    /// Adds a call node with its value and partials; returns the node.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn push_call(
        &mut self,
        path: Vec<String>,
        leading: bool,
        args: Vec<CallArg>,
        arg_spans: crate::ir::SourceSpans,
        by_ref: Vec<bool>,
        method: bool,
        span: Span,
    ) -> NodeId {
        for (k, a) in args.iter().enumerate() {
            let at = arg_spans.0.get(k).copied().unwrap_or(span);
            self.note_result_uses(a.elements(), at);
        }
        let call_id = self.push(Op::Const(0.0), span);
        let value = self.g.add(Op::Result(call_id), span);
        // a call passing a slice (or a local buffer) on is swept like a
        // vector helper's: no partials in the forward pass (see
        // `CallArg::Slice`)
        let slice = args
            .iter()
            .any(|a| matches!(a, CallArg::Slice(_) | CallArg::Local { .. }));
        let partials = args
            .iter()
            .map(|a| {
                a.elements()
                    .iter()
                    .map(|_| (!slice).then(|| self.g.add(Op::Result(call_id), span)))
                    .collect()
            })
            .collect();
        let mut path: Vec<String> = path;
        if leading {
            path.insert(0, String::new());
        }
        self.g.nodes[call_id.index()].op = Op::Call(Box::new(Call {
            path,
            args,
            value,
            partials,
            arg_spans,
            by_ref,
            method,
            outs: Vec::new(),
            tuple: false,
            struct_out: None,
            sweep: crate::ir::CallSweep::Value,
            scalar_vjp: false,
        }));
        call_id
    }
}

/// An argument written `&x` (also inside parentheses or an invisible group).
pub(super) fn written_by_ref(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Reference(r) => r.mutability.is_none(),
        syn::Expr::Paren(p) => written_by_ref(&p.expr),
        syn::Expr::Group(g) => written_by_ref(&g.expr),
        _ => false,
    }
}
