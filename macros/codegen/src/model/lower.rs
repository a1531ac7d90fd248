//! `forward`'s body -> a graph of vector operations with checked widths.

use super::parse::{Checked, ModelInput};
use crate::ctxt::Ctxt;
use crate::rules::{self, Prim};

/// A vector operation.
#[derive(Clone, Debug, PartialEq)]
pub enum VOp {
    /// The input.
    Input,
    /// `self.layer(x)`: layer index, argument.
    Linear(usize, usize),
    /// An elementwise function: the primitive, its argument, and constant
    /// extra arguments (the slope of `leaky_relu`).
    Map(Prim, usize, Vec<f64>),
    /// Elementwise `a ⊕ b` on vectors of one width.
    Zip(Prim, usize, usize),
    /// `softmax(x)` (`false`) or `log_softmax(x)` (`true`) over the vector.
    Softmax(usize, bool),
}

/// A node: an operation and the width of its result.
#[derive(Clone, Debug)]
pub struct VNode {
    /// What it computes.
    pub op: VOp,
    /// Its number of elements.
    pub width: usize,
    /// The `let` name it was bound to.
    pub name: Option<String>,
}

/// The forward computation; nodes in evaluation order, the last is the output.
pub struct VGraph {
    /// The nodes.
    pub nodes: Vec<VNode>,
}

struct Lower<'a> {
    nodes: Vec<VNode>,
    /// Bindings; `None` for one whose value already produced an error.
    env: Vec<(String, Option<usize>)>,
    checked: &'a Checked,
    /// Each layer's index by name (a search per call was quadratic in the
    /// number of layers).
    layer_index: std::collections::HashMap<String, usize>,
    cx: &'a Ctxt,
}

/// Lowers `forward`; `None` after recording errors.
pub fn lower_forward(m: &ModelInput, c: &Checked, cx: &Ctxt) -> Option<VGraph> {
    let forward = m.forward.as_ref()?;
    let mut l = Lower {
        nodes: vec![VNode {
            op: VOp::Input,
            width: c.input_width,
            name: Some(c.input_name.to_string()),
        }],
        env: vec![(c.input_name.to_string(), Some(0))],
        checked: c,
        layer_index: c
            .layers
            .iter()
            .enumerate()
            .rev()
            .map(|(k, l)| (l.name.to_string(), k))
            .collect(),
        cx,
    };
    let mut out = None;
    let last = forward.block.stmts.len().saturating_sub(1);
    for (k, stmt) in forward.block.stmts.iter().enumerate() {
        match stmt {
            syn::Stmt::Local(local) => {
                let name = match &local.pat {
                    syn::Pat::Ident(id) => id.ident.to_string(),
                    other => {
                        cx.error_spanned_by(other, "bind with a plain name: `let h = ...;`");
                        continue;
                    }
                };
                let Some(init) = &local.init else {
                    cx.error_spanned_by(local, "give the binding its value");
                    continue;
                };
                let n = l.expr(&init.expr);
                if let Some(n) = n {
                    if l.nodes[n].name.is_none() {
                        l.nodes[n].name = Some(name.clone());
                    }
                }
                l.env.push((name, n));
            }
            syn::Stmt::Expr(e, None) if k == last => out = l.expr(e),
            other => cx.error_spanned_by(
                other,
                "`forward` is a sequence of `let` bindings ending with the output, e.g. `self.l3(h)`",
            ),
        }
    }
    let out = match out {
        Some(o) => o,
        None if cx.has_errors() => return None,
        None => {
            cx.error_spanned_by(
                &forward.block,
                "`forward` must end with its output, without a semicolon",
            );
            return None;
        }
    };
    if l.nodes[out].width != c.output_width {
        cx.error_at(
            c.ret_span,
            format!(
                "`forward` is declared to return {} value(s), but its body computes {}",
                c.output_width, l.nodes[out].width
            ),
        );
    }
    if cx.has_errors() {
        return None;
    }
    l.nodes.truncate(out + 1);
    Some(VGraph { nodes: l.nodes })
}

impl Lower<'_> {
    fn push(&mut self, op: VOp, width: usize) -> usize {
        self.nodes.push(VNode {
            op,
            width,
            name: None,
        });
        self.nodes.len() - 1
    }

    fn expr(&mut self, e: &syn::Expr) -> Option<usize> {
        match e {
            syn::Expr::Paren(p) => self.expr(&p.expr),
            syn::Expr::Group(g) => self.expr(&g.expr),
            syn::Expr::Path(p) => {
                let name = p.path.get_ident().map(|i| i.to_string());
                match name.and_then(|n| self.env.iter().rev().find(|(m, _)| *m == n).map(|b| b.1)) {
                    Some(found) => found,
                    None => {
                        self.cx
                            .error_spanned_by(p, "cannot find this value in `forward`");
                        None
                    }
                }
            }
            syn::Expr::MethodCall(m) if is_self(&m.receiver) => self.layer_call(m),
            syn::Expr::MethodCall(m) => self.method_activation(m),
            syn::Expr::Call(c) => self.activation(c),
            syn::Expr::Binary(b) => {
                let prim = match b.op {
                    syn::BinOp::Add(_) => Prim::Add,
                    syn::BinOp::Sub(_) => Prim::Sub,
                    syn::BinOp::Mul(_) => Prim::Mul,
                    syn::BinOp::Div(_) => Prim::Div,
                    _ => {
                        self.cx.error_spanned_by(
                            b.op,
                            "vectors combine elementwise with `+ - * /` only",
                        );
                        return None;
                    }
                };
                let (a, c) = (self.expr(&b.left), self.expr(&b.right));
                let (a, c) = (a?, c?);
                if self.nodes[a].width != self.nodes[c].width {
                    self.cx.error_spanned_by(
                        b.op,
                        format!(
                            "elementwise operands differ in width: {} and {}",
                            self.nodes[a].width, self.nodes[c].width
                        ),
                    );
                    return None;
                }
                Some(self.push(VOp::Zip(prim, a, c), self.nodes[a].width))
            }
            other => {
                self.cx.error_spanned_by(
                    other,
                    "not supported in `forward`: use layers `self.l1(x)`, activations `relu(h)`, `h.tanh()`, and elementwise `+ - * /`",
                );
                None
            }
        }
    }

    /// `h.tanh()`, and the activations of `macrograd::ops` written as
    /// methods, `h.relu()` or `self.l1(x).leaky_relu(0.01)`, as `relu(h)`.
    fn method_activation(&mut self, m: &syn::ExprMethodCall) -> Option<usize> {
        let name = m.method.to_string();
        if (name == "softmax" || name == "log_softmax") && m.args.is_empty() {
            let x = self.expr(&m.receiver)?;
            return Some(self.push(VOp::Softmax(x, name == "log_softmax"), self.nodes[x].width));
        }
        let prim = rules::method(&name)
            .filter(|p| p.arity() == 1)
            .or_else(|| rules::ops_fn(&name));
        let Some(prim) = prim else {
            self.cx.error_spanned_by(
                &m.method,
                format!(
                    "`{name}` is not an elementwise activation a model supports; supported: {}, softmax, log_softmax, and float methods such as `tanh`",
                    rules::ops_fn_names().join(", ")
                ),
            );
            return None;
        };
        if m.args.len() + 1 != prim.arity() {
            self.cx.error_spanned_by(
                &m.method,
                format!("`{name}` takes {} argument(s)", prim.arity() - 1),
            );
            return None;
        }
        let x = self.expr(&m.receiver)?;
        let mut consts = Vec::new();
        for a in &m.args {
            match const_float(a) {
                Some(v) => consts.push(v),
                None => {
                    self.cx
                        .error_spanned_by(a, "this argument must be a float literal, e.g. `0.01`");
                    return None;
                }
            }
        }
        Some(self.push(VOp::Map(prim, x, consts), self.nodes[x].width))
    }

    fn layer_call(&mut self, m: &syn::ExprMethodCall) -> Option<usize> {
        let name = m.method.to_string();
        let Some(&k) = self.layer_index.get(&name) else {
            if self.checked.fields.contains(&name) {
                return None; // its type was already reported
            }
            let known: Vec<String> = self
                .checked
                .layers
                .iter()
                .map(|l| format!("`{}`", l.name))
                .collect();
            self.cx.error_spanned_by(
                &m.method,
                format!(
                    "no layer `{name}` in this model; its layers: {}",
                    known.join(", ")
                ),
            );
            return None;
        };
        if m.args.len() != 1 {
            self.cx
                .error_spanned_by(&m.method, "a layer takes one input vector");
            return None;
        }
        let x = self.expr(&m.args[0])?;
        let layer = &self.checked.layers[k];
        if self.nodes[x].width != layer.input {
            self.cx.error_spanned_by(
                &m.args[0],
                format!(
                    "`self.{name}` takes {} inputs, but this vector has {}",
                    layer.input, self.nodes[x].width
                ),
            );
            return None;
        }
        let out = layer.output;
        Some(self.push(VOp::Linear(k, x), out))
    }

    fn activation(&mut self, c: &syn::ExprCall) -> Option<usize> {
        let name = match &*c.func {
            syn::Expr::Path(p) => p
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default(),
            other => {
                self.cx
                    .error_spanned_by(other, "call an activation by name, e.g. `relu(h)`");
                return None;
            }
        };
        if name == "softmax" || name == "log_softmax" {
            if c.args.len() != 1 {
                self.cx
                    .error_spanned_by(&c.func, format!("`{name}` takes one vector"));
                return None;
            }
            let x = self.expr(&c.args[0])?;
            return Some(self.push(VOp::Softmax(x, name == "log_softmax"), self.nodes[x].width));
        }
        let Some(prim) = rules::ops_fn(&name) else {
            self.cx.error_spanned_by(
                &c.func,
                format!(
                    "`{name}` is not an activation; supported: {}, softmax, log_softmax",
                    rules::ops_fn_names().join(", ")
                ),
            );
            return None;
        };
        if c.args.len() != prim.arity() {
            self.cx.error_spanned_by(
                &c.func,
                format!("`{name}` takes {} argument(s)", prim.arity()),
            );
            return None;
        }
        let x = self.expr(&c.args[0])?;
        let mut consts = Vec::new();
        for a in c.args.iter().skip(1) {
            match const_float(a) {
                Some(v) => consts.push(v),
                None => {
                    self.cx
                        .error_spanned_by(a, "this argument must be a float literal, e.g. `0.01`");
                    return None;
                }
            }
        }
        Some(self.push(VOp::Map(prim, x, consts), self.nodes[x].width))
    }
}

fn is_self(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Path(p) if p.path.is_ident("self"))
}

fn const_float(e: &syn::Expr) -> Option<f64> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(f),
            ..
        }) => f.base10_parse().ok(),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => const_float(expr).map(|v| -v),
        _ => None,
    }
}
