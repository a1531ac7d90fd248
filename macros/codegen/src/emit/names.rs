//! Every identifier the generated code introduces.
//!
//! Source names are kept (`pred`), adjoints are `d_<name>` (`d_pred`),
//! other values that need a binding are numbered temporaries (`t0`, `t1`…),
//! and a clash gets a numeric suffix (`h_1`). Parameters keep their names
//! and are never shadowed.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Ident, Span};

use crate::ir::{Graph, NodeId};

/// Suffix of the generated value-and-gradient function.
pub const GRAD_SUFFIX: &str = "_grad";
/// The associated function through which differentiable callers reach a
/// `#[differentiable]` function `f`: `f::pullback`, on a hidden type named `f`.
pub const PULLBACK: &str = "pullback";
/// Beside a `#[differentiable]` function `f` returning `[F; m]`, on the same
/// hidden type: `f::vjp` and `f::jvp`, through which callers differentiate
/// it (one gradient or tangent entry per parameter, `()` for `#[nograd]`).
pub const VJP_CALL: &str = "vjp";
/// See [`VJP_CALL`].
pub const JVP_CALL: &str = "jvp";
/// The hidden item through which a caller with `hessian` differentiates a
/// helper returning several floats twice: `f::vjp_jvp` beside a free
/// function, `__f_vjp_jvp` in a method's `impl`.
pub const VJP_JVP_CALL: &str = "vjp_jvp";
/// The hidden item a caller passing a differentiable slice on reaches in
/// its reverse sweep: `f::vjp_into(args, cotangent, sinks…)`, which adds the
/// slices' gradients into the caller's buffers (see `emit::vjp_slices`).
pub const VJP_INTO_CALL: &str = "vjp_into";
/// Its tangent, which a caller with `hvp` passing a slice on reaches in
/// the forward sweep over its reverse one: `f::hvp_into(args, cotangent,
/// tangents, cotangent_tangent, sinks)`, which adds into the caller's H·v
/// buffers (see `emit::slice_hvp`).
pub const HVP_INTO_CALL: &str = "hvp_into";
/// On the hidden type of a function with `hessian`: its HVP for
/// differentiable callers (see `emit::nested`).
pub const HVP_PULLBACK: &str = "hvp_pullback";
/// On the hidden type of every function with a derivative: a no-op a
/// differentiable caller calls first, whose fallback's error says the
/// callee has no derivative (see `emit::missing`).
pub const HAS_DERIVATIVE: &str = "has_derivative";

/// Names given to bound nodes.
pub struct Names {
    taken: HashSet<String>,
    by_node: HashMap<NodeId, String>,
    next_temp: usize,
    /// The next suffix to try for a base name, so that the 10,000th `s`
    /// of an unrolled loop does not try `s_1` … `s_9999` first.
    next_suffix: HashMap<String, usize>,
}

impl Names {
    /// Reserves the parameters' names.
    pub fn new(g: &Graph) -> Self {
        let buffers = g
            .params
            .iter()
            .filter(|p| p.diff && p.slice.is_some())
            .map(|p| grad_buffer_name(&p.name));
        Names {
            taken: g
                .params
                .iter()
                .map(|p| p.name.clone())
                .chain(buffers)
                .collect(),
            by_node: HashMap::new(),
            next_temp: 0,
            next_suffix: HashMap::new(),
        }
    }

    /// The name of a node, choosing one on first use.
    pub fn of(&mut self, g: &Graph, n: NodeId) -> Ident {
        if let Some(s) = self.by_node.get(&n) {
            return ident(s, Span::call_site());
        }
        let base = match source_name(g, n) {
            Some(name) => name,
            None => loop {
                let t = format!("t{}", self.next_temp);
                self.next_temp += 1;
                if !self.taken.contains(&t) {
                    break t;
                }
            },
        };
        let name = self.unique(base);
        self.by_node.insert(n, name.clone());
        ident(&name, Span::call_site())
    }

    /// Gives `n` the name `m` already has: a loop's carried parameter and
    /// its result are one mutable variable.
    pub fn alias(&mut self, g: &Graph, n: NodeId, m: NodeId) -> Ident {
        let id = self.of(g, m);
        self.by_node.insert(n, id.to_string());
        id
    }

    /// A fresh name for something that is no node (a loop's tape position).
    pub fn fresh(&mut self, base: &str) -> Ident {
        let name = self.unique(base.to_string());
        ident(&name, Span::call_site())
    }

    fn unique(&mut self, base: String) -> String {
        let mut name = base.clone();
        let k = self.next_suffix.entry(base.clone()).or_insert(1);
        while self.taken.contains(&name) || !is_ident(&name) {
            name = format!("{base}_{k}");
            *k += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}

/// The pullback of a method or associated function `f`, an item of the
/// same `impl`: `__f_pullback` (hidden).
pub fn assoc_pullback(f: &str) -> String {
    format!("__{}_pullback", f.trim_start_matches("r#"))
}

/// The VJP (`sweep` = `vjp`) or JVP (`jvp`) of a method `f` returning
/// several floats, for differentiable callers: `__f_vjp`, `__f_jvp`
/// (hidden items of the same `impl`).
pub fn assoc_sweep(f: &str, sweep: &str) -> String {
    format!("__{}_{sweep}", f.trim_start_matches("r#"))
}

/// The gradient buffer of a differentiable slice parameter `xs`: `d_xs`.
pub fn grad_buffer_name(param: &str) -> String {
    format!("d_{}", param.trim_start_matches("r#"))
}

/// The H·v buffer of a differentiable slice parameter `xs` in
/// `name_hvp_into`: `hv_xs`.
pub fn hv_buffer_name(param: &str) -> String {
    format!("hv_{}", param.trim_start_matches("r#"))
}

/// An identifier from a source name, raw ones (`r#type`) included.
pub fn ident(name: &str, span: Span) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, span),
        None => Ident::new(name, span),
    }
}

fn is_ident(s: &str) -> bool {
    syn::parse_str::<Ident>(s).is_ok()
}

/// The name a node takes from the source, before any suffix that keeps it
/// unique: `pred`, its adjoint `d_pred`, its tangent along `x` `d_pred_dx`
/// (`d_pred_dx_1` for `x[1]`); `None` for a temporary.
pub fn source_name(g: &Graph, n: NodeId) -> Option<String> {
    let node = g.node(n);
    let name = node.name.as_deref()?;
    if !node.adjoint {
        return Some(name.to_string());
    }
    let name = name.trim_start_matches("r#");
    Some(match node.along {
        None => format!("d_{name}"),
        Some((param, index)) => {
            let p = g.params[param].name.trim_start_matches("r#");
            match index {
                None => format!("d_{name}_d{p}"),
                Some(i) => format!("d_{name}_d{p}_{i}"),
            }
        }
    })
}
