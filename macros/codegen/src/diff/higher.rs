//! The derived functions beyond the gradient, each built from the lowered
//! graph by the two sweeps of this module's siblings:
//!
//! - VJP `uᵀJ` of a vector function: one reverse sweep seeded with the
//!   cotangent `u` (the sweep of the scalar `Σ uᵢ·yᵢ`).
//! - `vjp_jvp`: a forward sweep over the VJP's, seeded with the inputs'
//!   tangent and the cotangent's: the tangent of `uᵀJ`, which callers
//!   differentiating through the function twice use.
//! - JVP `J·v`: one forward sweep seeded with the tangent `v`.
//! - Jacobian: one forward sweep per input element (columns) or one reverse
//!   sweep per output (rows), whichever takes fewer sweeps.
//! - Hessian and HVP: forward over reverse. The reverse sweep's nodes are
//!   part of the graph, so a forward sweep seeded with `v` carries the
//!   tangent of every gradient element: `H·v` (Pearlmutter 1994). The
//!   Hessian is that with `v = eⱼ` for each input element `j`, every column
//!   sharing the primal and adjoint computations.
//!
//! Each function returns the extended graph; its extra outputs
//! ([`Graph::extra`]) are listed in the order the emitter reads them.

use proc_macro2::Span;

use super::{diff_elements, reverse, tangents, Seeds};
use crate::ir::{Builder, CallArg, Graph, NodeId, Op, Param};

/// How a Jacobian is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sweeps {
    /// One forward sweep per input element.
    Forward,
    /// One reverse sweep per output.
    Reverse,
}

/// The sweeps that build the Jacobian of `g` the cheaper way: forward when
/// there are no more input elements than outputs (or the body has a
/// run-time loop), reverse otherwise.
pub fn jacobian_sweeps(g: &Graph) -> Sweeps {
    let inputs = diff_elements(g).count();
    let outputs = g.outs.len().max(1);
    // a run-time loop is reversed by a recording loop: one reverse sweep
    // per output would record it once per output; forward sweeps carry
    // their tangents through it instead
    let has_loop = g.nodes.iter().any(|n| matches!(n.op, Op::Loop(_)));
    if inputs <= outputs || has_loop {
        Sweeps::Forward
    } else {
        Sweeps::Reverse
    }
}

/// What the derived functions cannot do yet, for the driver's error:
/// `second_order` is the keyword (`hessian` or `hvp`) asking for second
/// derivatives, if any.
/// A differentiable parameter of run-time length has `name_jvp` and
/// `name_hvp` (its direction is a slice of the same length); the errors
/// for `name_hessian`, `name_vjp` and `name_jacobian` over it are the
/// driver's, on the token asking for them.
pub fn unsupported(g: &Graph, second_order: Option<&str>) -> Option<(Span, String)> {
    let key = second_order?;
    for n in &g.nodes {
        match &n.op {
            Op::Nested(_) => {
                return Some((
                    n.span,
                    format!("`{key}` of a function that calls another function's gradient would need third derivatives, which are not supported: remove `{key}`"),
                ))
            }
            Op::Call(c) if matches!(c.sweep, crate::ir::CallSweep::Vjp(_)) => {
                return Some((
                    n.span,
                    format!("`{key}` of a function that calls another function's VJP would need third derivatives, which are not supported: remove `{key}`"),
                ))
            }
            Op::Call(c) if c.passes_result_whole() => {
                return Some((
                    n.span,
                    format!("`{key}` of a function that passes a call's struct result on whole is not supported yet: take the result apart with a struct pattern, `let State {{ x, v }} = f(…);`, and pass a literal, `State {{ x, v }}`, or remove `{key}`"),
                ))
            }
            Op::Call(c) if !c.buffers().is_empty() => {
                return Some((
                    n.span,
                    format!("`{key}` of a function that passes a local buffer to another function is not supported yet: compute the callee's value in a loop in this function, or remove `{key}`"),
                ))
            }
            // (a helper returning one float is differentiated twice
            // through its hidden `hvp_into`)
            Op::Call(c) if c.has_slice() && (c.is_vector() || c.args.iter().any(|a| matches!(a, CallArg::Struct(_)))) => {
                return Some((
                    n.span,
                    format!("`{key}` of a function that passes a differentiable slice to another function goes through helpers returning one float, passed no struct values; this call (a helper returning several floats, or a struct argument beside the slice) is not supported yet: compute the callee's value in a loop in this function, or remove `{key}`"),
                ))
            }
            _ => {}
        }
    }
    None
}

/// The name of a generated parameter (`tangent`, `v`, `cotangent`): `base`,
/// or `base_1`, `base_2`, … when the user's parameters (`taken`) hold it or,
/// for several differentiable parameters (`diff`), one of the parts
/// `{name}_{parameter}` it is taken apart into.
pub fn fresh_name(taken: &[String], diff: &[String], base: &str) -> String {
    let clashes = |name: &str| {
        taken.iter().any(|t| t == name)
            || (diff.len() > 1
                && diff.iter().any(|d| {
                    let part = format!("{name}_{}", d.trim_start_matches("r#"));
                    taken.contains(&part)
                }))
    };
    let mut name = base.to_string();
    let mut k = 1;
    while clashes(&name) {
        name = format!("{base}_{k}");
        k += 1;
    }
    name
}

/// The user's parameter names and the differentiable ones, for [`fresh_name`].
fn param_names(g: &Graph) -> (Vec<String>, Vec<String>) {
    let taken = g.params.iter().map(|p| p.name.clone()).collect();
    let diff = g
        .params
        .iter()
        .filter(|p| p.diff)
        .map(|p| p.name.clone())
        .collect();
    (taken, diff)
}

/// Appends one parameter of the shape of each differentiable parameter
/// (named `{prefix}_{name}`, or `prefix` when there is one), with a node
/// reading each element at the start of the body; returns the seeds that
/// make these nodes the tangents of the parameters' elements.
fn direction_params(g: &mut Graph, base: &str) -> Seeds {
    let (taken, diff_names) = param_names(g);
    let prefix = fresh_name(&taken, &diff_names, base);
    let diff: Vec<(usize, Param)> = g
        .params
        .iter()
        .cloned()
        .enumerate()
        .filter(|(_, p)| p.diff)
        .collect();
    let one = diff.len() == 1;
    let mut seeds = Seeds::new();
    let mut reads = Vec::new();
    for (k, p) in diff {
        let name = if one {
            prefix.clone()
        } else {
            format!("{prefix}_{}", p.name.trim_start_matches("r#"))
        };
        let t = g.params.len();
        // spanned like the generated signature's name for it (not like the
        // user's parameter, whose hygiene may be a `macro_rules!`'s)
        g.params.push(Param {
            name,
            diff: false,
            by_ref: false,
            span: Span::call_site(),
            ..p.clone()
        });
        if p.struct_ty.is_some() && p.slice.is_none() {
            // a part passed whole to a call takes its tangent from here
            g.struct_directions.push((k, t));
        }
        if p.slice.is_some() {
            // read at the indices the body reads the slice at
            g.directions.insert(t, k);
            seeds.insert((k, None), None);
            continue;
        }
        for i in 0..p.len.unwrap_or(1) {
            let index = p.len.map(|_| i);
            let read = g.add(Op::Param { param: t, index }, p.span);
            reads.push(read);
            seeds.insert((k, index), Some(read));
        }
    }
    g.body.nodes.splice(0..0, reads);
    seeds
}

/// The value's elements: [`Graph::outs`], or the value of a scalar function.
fn values(g: &Graph) -> Vec<NodeId> {
    if g.outs.is_empty() && g.out_struct.is_none() {
        vec![g.value]
    } else {
        g.outs.clone()
    }
}

/// A node holding 0, appended to the body.
fn zero(g: &mut Graph) -> NodeId {
    let span = g.node(g.value).span;
    let mut body = std::mem::take(&mut g.body);
    let z = body.push_const(g, 0.0, span);
    g.body = body;
    z
}

/// `name_vjp`: adds the parameter `cotangent: [F; m]` (a float `u` for a
/// function returning one, whose VJP is `u·∇f`); [`Graph::grads`]
/// becomes `uᵀJ`.
pub fn vjp(g: &mut Graph) {
    let scalar = g.outs.is_empty() && g.out_struct.is_none();
    let m = g.outs.len();
    let span = g.node(g.value).span;
    let c = g.params.len();
    g.params.push(Param {
        name: {
            let (taken, diff) = param_names(g);
            fresh_name(&taken, &diff, "cotangent")
        },
        len: (!scalar).then_some(m),
        diff: false,
        opaque: false,
        slice: None,
        index: false,
        by_ref: false,
        tuple: false,
        // a struct result's cotangent is a value of the struct, read by field
        fields: g.out_struct.as_ref().map(|(_, p)| p.clone()),
        struct_ty: g.out_struct.as_ref().map(|(t, _)| t.clone()),
        span: Span::call_site(),
    });
    let outs = if scalar {
        vec![g.value]
    } else {
        g.outs.clone()
    };
    let mut b = Builder::new(g, span);
    let mut dot = None;
    for (i, y) in outs.into_iter().enumerate() {
        let u = b.push(Op::Param {
            param: c,
            index: (!scalar).then_some(i),
        });
        let term = b.mul(u, y);
        dot = Some(match dot {
            None => term,
            Some(acc) => b.add(acc, term),
        });
    }
    // a call's struct result returned whole: its element's adjoint is 1,
    // the cotangent's part added into the producer's (`emit::vcall_reads`)
    let returned: Vec<NodeId> = b.graph.out_results.iter().map(|r| r.out).collect();
    for out in returned {
        dot = Some(match dot {
            None => out,
            Some(acc) => b.add(acc, out),
        });
    }
    let block = std::mem::take(&mut b.block);
    g.body.nodes.extend(block.nodes);
    let first = g.value;
    g.value = dot.unwrap_or(first);
    reverse(g);
    g.value = first;
}

/// `name_jvp`: adds the tangent parameter(s) `tangent`; [`Graph::extra`]
/// is the tangent of each element of the value.
pub fn jvp(g: &mut Graph) {
    let seeds = direction_params(g, "tangent");
    let limit = g.nodes.len();
    let ts = tangents(g, &seeds, limit, None);
    let mut extra = Vec::new();
    for y in values(g) {
        extra.push(match ts.get(&y) {
            Some(&t) => t,
            None => zero(g),
        });
    }
    // then the tangent of each call's struct result returned whole (the
    // producer's result tangent, a constant 0 where it has none)
    let returned: Vec<NodeId> = g.out_results.iter().map(|r| r.out).collect();
    for out in returned {
        extra.push(match ts.get(&out) {
            Some(&t) => t,
            None => zero(g),
        });
    }
    g.extra = extra;
}

/// `name_jacobian`: [`Graph::extra`] is the Jacobian, row by row (one row
/// per output element, one column per differentiable input element).
pub fn jacobian(g: &mut Graph, sweeps: Sweeps) {
    let inputs: Vec<(usize, Option<usize>)> = diff_elements(g).collect();
    let outs = values(g);
    let mut rows = vec![Vec::with_capacity(inputs.len()); outs.len()];
    match sweeps {
        Sweeps::Forward => {
            let limit = g.nodes.len();
            for &(k, i) in &inputs {
                let seeds = Seeds::from([((k, i), None)]);
                let ts = tangents(g, &seeds, limit, Some((k, i)));
                for (row, y) in rows.iter_mut().zip(&outs) {
                    row.push(match ts.get(y) {
                        Some(&t) => t,
                        None => zero(g),
                    });
                }
            }
        }
        Sweeps::Reverse => {
            let first = g.value;
            for (row, &y) in rows.iter_mut().zip(&outs) {
                g.value = y;
                reverse(g);
                row.extend(g.grads.iter().flatten().copied());
            }
            g.value = first;
            g.grads = Vec::new();
        }
    }
    g.extra = rows.into_iter().flatten().collect();
}

/// `name_hessian`: [`Graph::grads`] is the gradient and [`Graph::extra`]
/// the Hessian, row by row, over the differentiable elements flattened in
/// parameter order.
pub fn hessian(g: &mut Graph) {
    super::nested::calls_as_nested(g);
    reverse(g);
    let inputs: Vec<(usize, Option<usize>)> = diff_elements(g).collect();
    let grads: Vec<NodeId> = g.grads.iter().flatten().copied().collect();
    let limit = g.nodes.len();
    let mut columns = Vec::with_capacity(inputs.len());
    for &(k, i) in &inputs {
        let ts = tangents(g, &Seeds::from([((k, i), None)]), limit, Some((k, i)));
        let mut column = Vec::with_capacity(grads.len());
        for gr in &grads {
            column.push(match ts.get(gr) {
                Some(&t) => t,
                None => zero(g),
            });
        }
        columns.push(column);
    }
    let n = inputs.len();
    g.extra = (0..n)
        .flat_map(|r| (0..n).map(move |c| (r, c)))
        .map(|(r, c)| columns[c][r])
        .collect();
}

/// `name_vjp_jvp` of a function returning `[F; m]` (forward over the
/// reverse sweep of [`vjp`]): adds `cotangent: [F; m]`, the direction
/// `tangent` (the parameters' shape) and `cotangent_tangent: [F; m]`;
/// [`Graph::grads`] is `uᵀJ` and [`Graph::extra`] its tangent
/// `u̇ᵀJ + Σᵢ uᵢ·Hᵢ·ẋ`, flattened like the gradient.
pub fn vjp_jvp(g: &mut Graph) {
    super::nested::calls_as_nested(g);
    vjp(g);
    let c = g.params.len() - 1;
    let mut seeds = direction_params(g, "tangent");
    let m = g.params[c].len.unwrap_or(1);
    let name = {
        let (taken, diff) = param_names(g);
        fresh_name(&taken, &diff, "cotangent_tangent")
    };
    let t = g.params.len();
    g.params.push(Param {
        name,
        ..g.params[c].clone()
    });
    let span = g.params[c].span;
    let mut reads = Vec::with_capacity(m);
    for i in 0..m {
        let read = g.add(
            Op::Param {
                param: t,
                index: Some(i),
            },
            span,
        );
        reads.push(read);
        seeds.insert((c, Some(i)), Some(read));
    }
    g.body.nodes.splice(0..0, reads);
    let grads: Vec<NodeId> = g.grads.iter().flatten().copied().collect();
    let limit = g.nodes.len();
    let ts = tangents(g, &seeds, limit, None);
    let mut extra = Vec::with_capacity(grads.len());
    for gr in grads {
        extra.push(match ts.get(&gr) {
            Some(&t) => t,
            None => zero(g),
        });
    }
    g.extra = extra;
}

/// `name_hvp`: adds the direction parameter(s) `v`; [`Graph::grads`] is
/// the gradient and [`Graph::extra`] is `H·v`, flattened like the gradient.
pub fn hvp(g: &mut Graph) {
    super::nested::calls_as_nested(g);
    reverse(g);
    let seeds = direction_params(g, "v");
    let grads: Vec<NodeId> = g.grads.iter().flatten().copied().collect();
    let limit = g.nodes.len();
    let ts = tangents(g, &seeds, limit, None);
    let mut extra = Vec::with_capacity(grads.len());
    for gr in grads {
        extra.push(match ts.get(&gr) {
            Some(&t) => t,
            None => zero(g),
        });
    }
    g.extra = extra;
}
