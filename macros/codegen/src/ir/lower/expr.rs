//! Lowering of expressions: literals, names, operators, calls, indexing.

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;

use super::{Cond, Lowerer, Val};
use crate::ir::{Cmp, IntOp, Op};
use crate::rules::Prim;

impl Lowerer<'_> {
    /// An expression's value; a struct field path read here is a float.
    pub(super) fn expr(&mut self, e: &syn::Expr) -> Val {
        let v = self.expr_raw(e);
        if !matches!(v, Val::Field { .. } | Val::Item { .. } | Val::Res { .. }) {
            return v;
        }
        self.settle(v, crate::parse::flat::span_of(e))
    }

    /// An expression's value, a struct path kept as a path (for a call
    /// argument, a binding, a field of a struct value, a deeper access).
    pub(super) fn expr_keep(&mut self, e: &syn::Expr) -> Val {
        self.expr_raw(e)
    }

    /// Lowers one expression whose first operands may already be lowered
    /// (see `stack.rs`, whose [`Lowerer::expr`] every caller uses).
    pub(super) fn expr_node(&mut self, e: &syn::Expr) -> Val {
        match e {
            syn::Expr::Lit(l) => self.literal(&l.lit),
            syn::Expr::Path(p) => self.path(p),
            syn::Expr::Paren(p) => self.expr_keep(&p.expr),
            syn::Expr::Group(g) => self.expr_keep(&g.expr),
            syn::Expr::Binary(b) => self.binary(b),
            syn::Expr::Unary(u) => self.unary(u),
            syn::Expr::MethodCall(m) => self.method_call(m),
            syn::Expr::Call(c) => self.call(c),
            syn::Expr::Index(ix) => self.index(ix),
            syn::Expr::Array(a) => self.array(a),
            syn::Expr::Repeat(r) => self.repeat(r),
            syn::Expr::Cast(c) => self.cast(c),
            syn::Expr::Macro(m) => self.vec_macro(m),
            syn::Expr::Block(b) if b.label.is_none() => self.block(&b.block),
            syn::Expr::If(i) => self.if_expr(i),
            syn::Expr::Reference(r) if r.mutability.is_none() => self.expr_keep(&r.expr),
            syn::Expr::Tuple(t) if t.elems.is_empty() => Val::Unit,
            syn::Expr::Tuple(t) => Val::Tuple(t.elems.iter().map(|e| self.expr(e)).collect()),
            syn::Expr::Field(f) => self.field(f),
            syn::Expr::Struct(s) => self.struct_lit(s),
            syn::Expr::Break(_) | syn::Expr::Continue(_) | syn::Expr::Return(_)
                if self.exit_statement(e) =>
            {
                Val::Unit
            }
            syn::Expr::Assign(_)
            | syn::Expr::ForLoop(_)
            | syn::Expr::While(_)
            | syn::Expr::Loop(_) => {
                self.statement(e);
                Val::Unit
            }
            other => {
                self.unsupported(other);
                Val::Poison
            }
        }
    }

    /// `t.0`: a part of a tuple; `s.x`: a field of a struct (see `strukt`).
    fn field(&mut self, f: &syn::ExprField) -> Val {
        let ix = match &f.member {
            syn::Member::Unnamed(ix) => ix.clone(),
            syn::Member::Named(_) => syn::Index::from(0),
        };
        let base = self.expr_keep(&f.base);
        if matches!(
            base,
            Val::Field { .. } | Val::Struct(_) | Val::Item { .. } | Val::Res { .. }
        ) || !matches!(f.member, syn::Member::Unnamed(_))
        {
            return self.struct_field_of(base, f);
        }
        match base {
            Val::Poison => Val::Poison,
            // `p.0` for `let p = f(…);`: a tuple struct's field or a
            // tuple's part, read alike (`struct_res`)
            Val::Num(n) if self.struct_result_call(n).is_some() => {
                let call = self.struct_result_call(n).expect("checked by the guard");
                self.result_member(call, ix.index.to_string())
            }
            Val::Num(n) if self.call_of(n).is_some() => {
                self.tuple_field_of_call(n, f);
                Val::Poison
            }
            Val::Tuple(mut parts) => {
                let i = ix.index as usize;
                if i < parts.len() {
                    parts.swap_remove(i)
                } else {
                    self.cx.error_spanned_by(
                        &f.member,
                        format!("this tuple has {} parts, numbered from 0", parts.len()),
                    );
                    Val::Poison
                }
            }
            _ => {
                self.cx.error_spanned_by(
                    f,
                    "field access is only supported on tuples (`t.0`): pass other values as parameters",
                );
                Val::Poison
            }
        }
    }

    fn unsupported(&mut self, e: &syn::Expr) {
        let (at, msg): (&dyn ToTokens, &str) = match e {
            syn::Expr::While(w) => (&w.while_token, "`while` loops are supported as statements: `while cond { … }`"),
            syn::Expr::Loop(l) => (&l.loop_token, "`loop` is not supported yet: write the exit condition as `while cond { … }`, or loop over a range `for i in 0..n`"),
            syn::Expr::Closure(c) => (&c.or1_token, "closures are not supported inside a differentiable body: write a `#[differentiable]` function and call it"),
            syn::Expr::Macro(m) => (&m.mac, "macro calls are not supported in a differentiable body: the macro cannot see what they expand to"),
            syn::Expr::Return(r) => (&r.return_token, "`return` is supported as a statement of a function body (`if c { return x; }`), not inside a value or a closure: compute the value with `if`/`else`"),
            syn::Expr::Break(b) if b.expr.is_some() => (b, "`break` with a value is not supported: assign the value to a variable, then `break;`"),
            syn::Expr::Break(b) => (&b.break_token, "`break` outside a loop: it can only end a `for`, `while` or `loop`"),
            syn::Expr::Continue(c) => (&c.continue_token, "`continue` outside a loop: it can only skip to the next iteration of a `for`, `while` or `loop`"),
            syn::Expr::Block(b) if b.label.is_some() => (&b.label, "labeled blocks are not supported: compute the value with `if`/`else`, or label a loop (`'outer: for …`) to leave it with `break 'outer`"),
            syn::Expr::Match(m) => (&m.match_token, "`match` is not supported: use `if` / `else if` / `else`"),
            syn::Expr::Reference(r) => (r, "`&mut` is not supported: a differentiable body computes values and does not mutate through references"),
            syn::Expr::Field(f) => (f, "field access is not supported: pass the value as a parameter"),
            syn::Expr::Struct(s) => (s, "struct values are not supported in a differentiable body"),
            syn::Expr::Unsafe(u) => (&u.unsafe_token, "`unsafe` is not supported in a differentiable body"),
            syn::Expr::Range(r) => (r, "a range is only supported as the head of a `for` loop"),
            syn::Expr::Let(l) => (l, "`if let` is not supported: compare values with `<`, `>`, `==` ..."),
            syn::Expr::Try(t) => (&t.question_token, "`?` is not supported in a differentiable body"),
            syn::Expr::Async(a) => (&a.async_token, "`async` is not supported in a differentiable body"),
            syn::Expr::Await(a) => (&a.await_token, "`.await` is not supported in a differentiable body"),
            _ => (e, "this expression is not supported in a differentiable body"),
        };
        self.cx.error_spanned_by(at, msg);
    }

    /// A float operand: reports integers, arrays and conditions used as floats.
    pub(super) fn num(&mut self, v: Val, at: &syn::Expr) -> Option<crate::ir::NodeId> {
        match v {
            Val::Num(n) => Some(n),
            Val::Poison => None,
            Val::Idx(_) => {
                self.cx.error_spanned_by(
                    at,
                    "this is an integer: convert it with `as f64` (or `as f32`) to use it as a float",
                );
                None
            }
            Val::Buf(_) | Val::Vec(_) | Val::Row(..) | Val::Window(..) => {
                self.cx.error_spanned_by(
                    at,
                    "expected a number, found a slice: index it (`xs[i]`) or loop over it",
                );
                None
            }
            Val::Int(i) => {
                let msg = if matches!(at, syn::Expr::Lit(_)) {
                    format!("integer literal used as a float: write `{i}.0`")
                } else {
                    "this is an integer: convert it with `as f64` (or `as f32`) to use it as a float".to_string()
                };
                self.cx.error_spanned_by(at, msg);
                None
            }
            Val::Array(a) => {
                self.cx.error_spanned_by(
                    at,
                    format!(
                        "expected a number, found an array of {}: index it or loop over it",
                        a.len()
                    ),
                );
                None
            }
            Val::Cond(_) => {
                self.cx
                    .error_spanned_by(at, "expected a number, found a condition");
                None
            }
            Val::Tuple(parts) => {
                self.cx.error_spanned_by(
                    at,
                    format!(
                        "expected a number, found a tuple of {}: take it apart with `let (a, b) = ...;` or read a part with `.0`",
                        parts.len()
                    ),
                );
                None
            }
            Val::Unit => {
                self.cx
                    .error_spanned_by(at, "expected a number, found a statement with no value");
                None
            }
            v @ (Val::Field { .. } | Val::Struct(_) | Val::Item { .. }) => {
                self.struct_as_number(&v, at);
                None
            }
            Val::Res { .. } => {
                self.result_used_whole(at);
                None
            }
            Val::Opaque(_) => {
                self.cx.error_spanned_by(
                    at,
                    "this `#[nograd]` input is not a float: it can only be passed on to other functions",
                );
                None
            }
        }
    }

    /// `a ⊕ b` for `+ - * /` on floats or compile-time integers.
    pub(super) fn arith(
        &mut self,
        prim: Prim,
        a: Val,
        b: Val,
        ea: &syn::Expr,
        eb: &syn::Expr,
        op: Span,
    ) -> Val {
        if let Some(v) = self.int_arith(super::index::int_op(prim), &a, &b, ea, eb, op) {
            return v;
        }
        if let (Val::Int(x), Val::Int(y)) = (&a, &b) {
            let r = match prim {
                Prim::Add => x.checked_add(*y),
                Prim::Sub => x.checked_sub(*y),
                Prim::Mul => x.checked_mul(*y),
                _ => x.checked_div(*y),
            };
            return match r {
                Some(r) => Val::Int(r),
                None => {
                    self.cx
                        .error_at(op, "this integer arithmetic overflows or divides by zero");
                    Val::Poison
                }
            };
        }
        let (Some(x), Some(y)) = (self.num(a, ea), self.num(b, eb)) else {
            return Val::Poison;
        };
        Val::Num(self.push(Op::Prim(prim, vec![x, y]), op))
    }

    fn binary(&mut self, b: &syn::ExprBinary) -> Val {
        use syn::BinOp as B;
        let span = b.op.span();
        let arith = match b.op {
            B::Add(_) => Some(Prim::Add),
            B::Sub(_) => Some(Prim::Sub),
            B::Mul(_) => Some(Prim::Mul),
            B::Div(_) => Some(Prim::Div),
            _ => None,
        };
        if let Some(prim) = arith {
            let (l, r) = (self.expr(&b.left), self.expr(&b.right));
            return self.arith(prim, l, r, &b.left, &b.right, span);
        }
        let cmp = match b.op {
            B::Lt(_) => Some(Cmp::Lt),
            B::Le(_) => Some(Cmp::Le),
            B::Gt(_) => Some(Cmp::Gt),
            B::Ge(_) => Some(Cmp::Ge),
            B::Eq(_) => Some(Cmp::Eq),
            B::Ne(_) => Some(Cmp::Ne),
            _ => None,
        };
        if let Some(cmp) = cmp {
            let (l, r) = (self.expr(&b.left), self.expr(&b.right));
            if let (Val::Int(x), Val::Int(y)) = (&l, &r) {
                return Val::Cond(Cond::Const(cmp.apply(x, y)));
            }
            if let Some(v) = self.int_cmp(cmp, &l, &r, &b.left, &b.right, span) {
                return v;
            }
            let (Some(x), Some(y)) = (self.num(l, &b.left), self.num(r, &b.right)) else {
                return Val::Poison;
            };
            return Val::Cond(Cond::Node(self.push(Op::Cmp(cmp, x, y), span)));
        }
        match b.op {
            B::And(_) | B::Or(_) => {
                let and = matches!(b.op, B::And(_));
                let l = self.cond(&b.left);
                // short-circuit at compile time: the right side of `false && …`
                // (or `true || …`) is never evaluated, so it is not lowered
                // (its indices may not exist in this unrolled iteration)
                if l == Some(Cond::Const(!and)) {
                    return Val::Cond(Cond::Const(!and));
                }
                if let Some(Cond::Node(a)) = l {
                    return self
                        .lazy_logic(and, a, &b.right, span)
                        .map_or(Val::Poison, Val::Cond);
                }
                let r = self.cond(&b.right);
                match (l, r) {
                    (Some(l), Some(r)) => Val::Cond(self.logic(and, l, r, span)),
                    _ => Val::Poison,
                }
            }
            B::Rem(_) => {
                let (l, r) = (self.expr(&b.left), self.expr(&b.right));
                if let Some(v) = self.int_arith(IntOp::Rem, &l, &r, &b.left, &b.right, span) {
                    return v;
                }
                match (l, r) {
                    (Val::Int(x), Val::Int(y)) => match x.checked_rem(y) {
                        Some(v) => Val::Int(v),
                        None => {
                            self.cx.error_spanned_by(
                                b.op,
                                "this integer remainder divides by zero or overflows",
                            );
                            Val::Poison
                        }
                    },
                    (Val::Poison, _) | (_, Val::Poison) => Val::Poison,
                    _ => {
                        self.cx.error_spanned_by(
                            b.op,
                            "operator `%` on floats is not supported: macrograd has no rule for the float remainder; \
                             compute it outside and pass it in as a `#[nograd]` parameter, \
                             or write the function with `#[differentiable(custom = ...)]`",
                        );
                        Val::Poison
                    }
                }
            }
            _ => {
                self.cx.error_spanned_by(
                    b.op,
                    format!(
                        "operator `{}` is not supported: bit operations and shifts have no derivative; use `+ - * /` and float methods",
                        b.op.to_token_stream()
                    ),
                );
                Val::Poison
            }
        }
    }

    pub(super) fn logic(&mut self, and: bool, l: Cond, r: Cond, span: Span) -> Cond {
        match (l, r) {
            (Cond::Const(a), Cond::Const(b)) => Cond::Const(if and { a && b } else { a || b }),
            (Cond::Const(c), other) | (other, Cond::Const(c)) => match (and, c) {
                (true, true) | (false, false) => other,
                (true, false) => Cond::Const(false),
                (false, true) => Cond::Const(true),
            },
            (Cond::Node(a), Cond::Node(b)) => {
                Cond::Node(self.push(if and { Op::And(a, b) } else { Op::Or(a, b) }, span))
            }
        }
    }

    /// A condition: a comparison, `&&`, `||`, `!`, `true`, `false`.
    pub(super) fn cond(&mut self, e: &syn::Expr) -> Option<Cond> {
        match self.expr(e) {
            Val::Cond(c) => Some(c),
            Val::Poison => None,
            _ => {
                self.cx
                    .error_spanned_by(e, "expected a condition such as `x > 0.0`");
                None
            }
        }
    }

    fn unary(&mut self, u: &syn::ExprUnary) -> Val {
        let v = self.expr(&u.expr);
        match (&u.op, v) {
            (_, Val::Poison) => Val::Poison,
            (syn::UnOp::Neg(t), Val::Int(i)) => match i.checked_neg() {
                Some(v) => Val::Int(v),
                None => {
                    self.cx.error_at(t.span, "this integer negation overflows");
                    Val::Poison
                }
            },
            (syn::UnOp::Neg(t), Val::Idx(_)) => {
                self.cx.error_at(
                    t.span,
                    "cannot negate a `usize`: indices are never negative",
                );
                Val::Poison
            }
            (syn::UnOp::Neg(t), v) => match self.num(v, &u.expr) {
                Some(x) => Val::Num(self.push(Op::Prim(Prim::Neg, vec![x]), t.span)),
                None => Val::Poison,
            },
            (syn::UnOp::Not(t), Val::Cond(c)) => match c {
                Cond::Const(b) => Val::Cond(Cond::Const(!b)),
                Cond::Node(n) => Val::Cond(Cond::Node(self.push(Op::Not(n), t.span))),
            },
            (syn::UnOp::Deref(_), v) => v,
            (op, _) => {
                self.cx
                    .error_spanned_by(op, "`!` applies to conditions only");
                Val::Poison
            }
        }
    }

    fn index(&mut self, ix: &syn::ExprIndex) -> Val {
        if self.captured_needs_type(&ix.expr) {
            return Val::Poison;
        }
        let base = self.expr_keep(&ix.expr);
        let i = self.expr(&ix.index);
        if let Val::Field { param, path } = base {
            return self.struct_index(param, path, &i, &ix.index);
        }
        // `p.w[i]` into a call's struct result: a constant index, as into
        // a struct parameter's array field
        if let Val::Res { call, path } = base {
            return match self.struct_index(0, path, &i, &ix.index) {
                Val::Field { path, .. } => Val::Res { call, path },
                other => other,
            };
        }
        if let Val::Item { param, row, path } = base {
            return match self.struct_index(param, path, &i, &ix.index) {
                Val::Field { param, path } => Val::Item { param, row, path },
                other => other,
            };
        }
        if let Some(v) = self.slice_index(ix, &base, &i) {
            return v;
        }
        match (base, i) {
            (Val::Poison, _) | (_, Val::Poison) => Val::Poison,
            (Val::Array(a), Val::Int(i)) => match usize::try_from(i).ok().and_then(|i| a.get(i)) {
                Some(n) => Val::Num(*n),
                None => {
                    self.cx.error_spanned_by(
                        &ix.index,
                        format!(
                            "index {i} is out of bounds for an array of length {}",
                            a.len()
                        ),
                    );
                    Val::Poison
                }
            },
            (Val::Array(_), _) => {
                self.cx.error_spanned_by(
                    &ix.index,
                    "the index must be known at compile time: a constant, a loop index, or arithmetic on them",
                );
                Val::Poison
            }
            (Val::Num(n), _) if self.call_of(n).is_some() => {
                self.indexed_call(n, &ix.expr);
                Val::Poison
            }
            _ => {
                self.cx
                    .error_spanned_by(&ix.expr, "only arrays can be indexed");
                Val::Poison
            }
        }
    }

    fn array(&mut self, a: &syn::ExprArray) -> Val {
        let mut out = Vec::new();
        for e in &a.elems {
            let v = self.expr(e);
            match self.num(v, e) {
                Some(n) => out.push(n),
                None => return Val::Poison,
            }
        }
        Val::Array(out)
    }

    fn repeat(&mut self, r: &syn::ExprRepeat) -> Val {
        let v = self.expr(&r.expr);
        let Some(n) = self.num(v, &r.expr) else {
            return Val::Poison;
        };
        match self.expr(&r.len) {
            Val::Int(len) if (0..=super::NODE_LIMIT as i64).contains(&len) => {
                Val::Array(vec![n; len as usize])
            }
            Val::Int(len) if len > 0 => {
                self.cx.error_spanned_by(
                    &r.len,
                    format!(
                        "an array of {len} values is more than macrograd unrolls ({})",
                        super::NODE_LIMIT
                    ),
                );
                Val::Poison
            }
            Val::Poison => Val::Poison,
            _ => {
                self.cx
                    .error_spanned_by(&r.len, "the array length must be a constant integer");
                Val::Poison
            }
        }
    }

    fn cast(&mut self, c: &syn::ExprCast) -> Val {
        let v = self.expr(&c.expr);
        if let Some(v) = self.int_cast(&v, c) {
            return v;
        }
        let Some((f, None)) = crate::types::float_of_type(&c.ty) else {
            self.cx.error_spanned_by(
                &c.ty,
                "only casts to the function's float type are supported",
            );
            return Val::Poison;
        };
        if !self.check_float(f, &c.ty) {
            return Val::Poison;
        }
        match v {
            Val::Int(i) => {
                let from = crate::parse::flat::span_of(&c.expr);
                let span = from.join(c.ty.span()).unwrap_or(from);
                Val::Num(self.constant(i as f64, span))
            }
            Val::Num(n) => Val::Num(n),
            Val::Poison => Val::Poison,
            other => {
                let _ = self.num(other, &c.expr);
                Val::Poison
            }
        }
    }
}
