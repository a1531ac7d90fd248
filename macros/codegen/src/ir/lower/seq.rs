//! The heads of run-time loops: ranges with run-time bounds, slices, and
//! the iterator adaptors over them (`iter`, `rev`, `enumerate`, `zip`,
//! `windows`, `chunks_exact`), read into a [`Seq`]: a constant sequence to
//! unroll, or a run-time range with what each iteration binds.

use syn::spanned::Spanned;

use super::{Lowerer, Val};
use crate::ir::{IntOp, NodeId, Op};

/// What a `for` loop walks.
pub(super) enum Seq {
    /// A constant sequence, unrolled: see `control.rs`.
    Items(Vec<super::control::Item>),
    /// A run-time range.
    Run(Run),
}

/// A run-time range and what each iteration binds.
pub(super) struct Run {
    pub(super) start: NodeId,
    pub(super) end: NodeId,
    pub(super) inclusive: bool,
    pub(super) rev: bool,
    pub(super) bind: Bind,
    /// The condition of a `while` loop (the range is then unused).
    pub(super) cond: Option<syn::Expr>,
    /// The body may `break`, `continue` or `return`: the loop tests its
    /// exit flags before each iteration.
    pub(super) exits: bool,
    /// `loop { … }`: no condition and no range, only the exit flags.
    pub(super) forever: bool,
}

/// What one iteration binds, given its index `i`.
#[derive(Clone, Debug)]
pub(super) enum Bind {
    /// `i` itself.
    Index,
    /// `xs[i]` of a slice parameter.
    Elem(usize),
    /// `v[i]` of a local buffer (its `New` node).
    VecElem(NodeId),
    /// The `width` values of a `&[F]` parameter from `i` (`windows`) or
    /// from `i·width` (`chunks_exact`).
    Window {
        param: usize,
        width: usize,
        chunks: bool,
    },
    /// A tuple: `(i, x)` from `enumerate`, `(x, y)` from `zip`.
    Pair(Box<Bind>, Box<Bind>),
}

impl Lowerer<'_> {
    /// The sequence a `for` loop's head describes, constant or run-time.
    pub(super) fn sequence(&mut self, e: &syn::Expr) -> Option<Seq> {
        if self.captured_needs_type(e) {
            return None;
        }
        match e {
            syn::Expr::Range(r) => self.range_seq(r),
            syn::Expr::Paren(p) => self.sequence(&p.expr),
            syn::Expr::Group(g) => self.sequence(&g.expr),
            syn::Expr::Reference(r) if r.mutability.is_none() => self.sequence(&r.expr),
            syn::Expr::MethodCall(m) if m.args.is_empty() && m.method == "rev" => {
                match self.sequence(&m.receiver)? {
                    Seq::Items(mut v) => {
                        v.reverse();
                        Some(Seq::Items(v))
                    }
                    Seq::Run(r) => Some(Seq::Run(Run { rev: !r.rev, ..r })),
                }
            }
            syn::Expr::MethodCall(m)
                if m.args.is_empty()
                    && ["iter", "into_iter", "copied", "cloned"]
                        .iter()
                        .any(|n| m.method == n) =>
            {
                self.sequence(&m.receiver)
            }
            syn::Expr::MethodCall(m)
                if m.args.len() == 1 && (m.method == "windows" || m.method == "chunks_exact") =>
            {
                self.windows(m)
            }
            syn::Expr::MethodCall(m)
                if [
                    "windows",
                    "chunks_exact",
                    "chunks",
                    "step_by",
                    "skip",
                    "take",
                    "filter",
                    "map",
                ]
                .iter()
                .any(|n| m.method == n) =>
            {
                self.cx.error_spanned_by(
                    &m.method,
                    format!(
                        "`{}` is not supported yet in a loop head: use `windows(n)` or `chunks_exact(n)` \
                         (constant `n`), or loop over the indices and index the slice, \
                         e.g. `for i in 0..xs.len() {{ … xs[i] … }}`",
                        m.method
                    ),
                );
                None
            }
            syn::Expr::MethodCall(m) if m.args.is_empty() && m.method == "enumerate" => {
                match self.sequence(&m.receiver)? {
                    Seq::Items(v) => self.enumerate_items(v, m).map(Seq::Items),
                    Seq::Run(r) if !matches!(r.bind, Bind::Index) && !r.rev => {
                        Some(Seq::Run(Run {
                            bind: Bind::Pair(Box::new(Bind::Index), Box::new(r.bind)),
                            ..r
                        }))
                    }
                    Seq::Run(_) => {
                        self.cx.error_spanned_by(
                            &m.method,
                            "`enumerate` is supported on slices and arrays, before `rev`: `for (i, &x) in xs.iter().enumerate()`",
                        );
                        None
                    }
                }
            }
            syn::Expr::MethodCall(m) if m.args.len() == 1 && m.method == "zip" => {
                let a = self.sequence(&m.receiver)?;
                let b = self.sequence(&m.args[0])?;
                match (a, b) {
                    (Seq::Run(a), Seq::Run(b))
                        if !a.rev
                            && !b.rev
                            && !matches!(a.bind, Bind::Index)
                            && !matches!(b.bind, Bind::Index) =>
                    {
                        let span = m.method.span();
                        let end = self.push(Op::IArith(IntOp::Min, a.end, b.end), span);
                        Some(Seq::Run(Run {
                            end,
                            bind: Bind::Pair(Box::new(a.bind), Box::new(b.bind)),
                            ..a
                        }))
                    }
                    _ => {
                        self.cx.error_spanned_by(
                            &m.method,
                            "`zip` is supported between slices, before `rev`: `for (&x, &y) in xs.iter().zip(ys)`",
                        );
                        None
                    }
                }
            }
            other => match self.expr(other) {
                Val::Array(a) => Some(Seq::Items(
                    a.into_iter().map(super::control::Item::Num).collect(),
                )),
                Val::Buf(k) => {
                    let span = other.span();
                    let start = self.push(Op::IConst(0), span);
                    let end = self.push(Op::Len(k), span);
                    Some(Seq::Run(Run {
                        start,
                        end,
                        inclusive: false,
                        rev: false,
                        bind: Bind::Elem(k),
                        cond: None,
                        exits: false,
                        forever: false,
                    }))
                }
                Val::Vec(buf) => {
                    let span = other.span();
                    let start = self.push(Op::IConst(0), span);
                    let end = self.push(Op::Buf(crate::ir::BufOp::Len(buf)), span);
                    Some(Seq::Run(Run {
                        start,
                        end,
                        inclusive: false,
                        rev: false,
                        bind: Bind::VecElem(buf),
                        cond: None,
                        exits: false,
                        forever: false,
                    }))
                }
                row @ (Val::Row(..) | Val::Window(..)) => {
                    match self.row_to_array(row, other.span()) {
                        Val::Array(a) => Some(Seq::Items(
                            a.into_iter().map(super::control::Item::Num).collect(),
                        )),
                        _ => None,
                    }
                }
                Val::Poison => None,
                _ => {
                    self.cx.error_spanned_by(
                        other,
                        "a `for` loop runs over a range `a..b`, a slice, a `vec!` or an array",
                    );
                    None
                }
            },
        }
    }

    /// `xs.windows(n)` (`len + 1 − n` windows, none when `xs` is shorter)
    /// and `xs.chunks_exact(n)` (`len / n` chunks) over a `&[F]`, `n` a
    /// constant.
    fn windows(&mut self, m: &syn::ExprMethodCall) -> Option<Seq> {
        let recv = self.expr(&m.receiver);
        let n = self.expr(&m.args[0]);
        let span = m.method.span();
        let chunks = m.method == "chunks_exact";
        let flat = |l: &Self, k: usize| l.g.params[k].slice.is_some_and(|s| s.row.is_none());
        let (k, width) = match (recv, n) {
            (Val::Buf(k), Val::Int(n)) if n >= 1 && flat(self, k) => (k, n as usize),
            (Val::Poison, _) | (_, Val::Poison) => return None,
            _ => {
                self.cx.error_spanned_by(
                    &m.method,
                    format!(
                        "`{}` is supported on a `&[f64]` parameter with a constant size of at least 1: `xs.{}(2)`",
                        m.method, m.method
                    ),
                );
                return None;
            }
        };
        let zero = self.push(Op::IConst(0), span);
        let len = self.push(Op::Len(k), span);
        let w = self.push(Op::IConst(width), span);
        let end = if chunks {
            self.push(Op::IArith(IntOp::Div, len, w), span)
        } else {
            // what `windows` yields: `(len + 1).saturating_sub(n)`, none when shorter
            let one = self.push(Op::IConst(1), span);
            let up = self.push(Op::IArith(IntOp::Add, len, one), span);
            self.push(Op::IArith(IntOp::SatSub, up, w), span)
        };
        Some(Seq::Run(Run {
            start: zero,
            end,
            inclusive: false,
            rev: false,
            bind: Bind::Window {
                param: k,
                width,
                chunks,
            },
            cond: None,
            exits: false,
            forever: false,
        }))
    }

    fn range_seq(&mut self, r: &syn::ExprRange) -> Option<Seq> {
        let (Some(lo), Some(hi)) = (&r.start, &r.end) else {
            self.cx
                .error_spanned_by(r, "the range needs both ends: `a..b`");
            return None;
        };
        let (l, h) = (self.expr(lo), self.expr(hi));
        // `0..N` with a constant item `N`: a bound known when the code runs
        let (l, h) = (self.intish(l), self.intish(h));
        let inclusive = matches!(r.limits, syn::RangeLimits::Closed(_));
        match (&l, &h) {
            (Val::Int(a), Val::Int(b)) => self.constant_range(r, *a, *b).map(Seq::Items),
            (Val::Poison, _) | (_, Val::Poison) => None,
            (Val::Int(_) | Val::Idx(_), Val::Int(_) | Val::Idx(_)) => {
                let span = r.span();
                let start = self.int_node(&l, lo, span)?;
                let end = self.int_node(&h, hi, span)?;
                Some(Seq::Run(Run {
                    start,
                    end,
                    inclusive,
                    rev: false,
                    bind: Bind::Index,
                    cond: None,
                    exits: false,
                    forever: false,
                }))
            }
            _ => {
                let bad = if matches!(l, Val::Int(_) | Val::Idx(_)) {
                    hi
                } else {
                    lo
                };
                self.cx.error_spanned_by(
                    bad,
                    "the loop bound must be an integer: a literal, `xs.len()`, a `usize` parameter, or arithmetic on them",
                );
                None
            }
        }
    }
}
