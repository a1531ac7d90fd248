//! A plain-text listing of a graph, one node per line, for tests and debugging.
//!
//! ```text
//! %0 = param w
//! %2 = mul %0 %1
//! %5 = if %4 { … } else { … } -> %6
//! ```

use std::fmt::Write;

use super::{Block, Graph, Op};

/// The listing of the whole graph and its outputs.
pub fn dump(g: &Graph) -> String {
    let mut out = String::new();
    dump_block(g, &g.body, 0, &mut out);
    let _ = writeln!(out, "value %{}", g.value.0);
    for (k, grad) in g.grads.iter().enumerate() {
        let ids: Vec<String> = grad.iter().map(|n| format!("%{}", n.0)).collect();
        let _ = writeln!(out, "grad {k} [{}]", ids.join(" "));
    }
    out
}

fn dump_block(g: &Graph, block: &Block, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    for &id in &block.nodes {
        let node = g.node(id);
        let args = |xs: &[super::NodeId]| {
            xs.iter()
                .map(|x| format!("%{}", x.0))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let text = match &node.op {
            Op::Const(c) => format!("const {c:?}"),
            Op::Extern(p) => format!("extern {p}"),
            Op::Param { param, index } => match index {
                Some(i) => format!("param {}[{i}]", g.params[*param].name),
                None => format!("param {}", g.params[*param].name),
            },
            Op::Prim(p, xs) => format!("{} {}", format!("{p:?}").to_lowercase(), args(xs)),
            Op::Powi(a, n) => format!("powi %{} {n}", a.0),
            Op::Cmp(c, a, b) => format!("cmp %{} {} %{}", a.0, c.symbol(), b.0),
            Op::And(a, b) => format!("and %{} %{}", a.0, b.0),
            Op::Or(a, b) => format!("or %{} %{}", a.0, b.0),
            Op::Not(a) => format!("not %{}", a.0),
            Op::Select(c, a, b) => format!("select %{} %{} %{}", c.0, a.0, b.0),
            Op::If(i) => {
                let _ = writeln!(out, "{pad}%{} = if %{} {{", id.0, i.cond.0);
                dump_block(g, &i.then, depth + 1, out);
                let _ = writeln!(out, "{pad}}} else {{");
                dump_block(g, &i.els, depth + 1, out);
                let outs: Vec<String> = i
                    .outs
                    .iter()
                    .map(|(t, e, r)| format!("%{} = %{}|%{}", r.0, t.0, e.0))
                    .collect();
                format!("}} -> {}", outs.join(", "))
            }
            Op::Call(c) => {
                let a: Vec<String> = c
                    .args
                    .iter()
                    .map(|a| format!("[{}]", args(a.elements())))
                    .collect();
                format!(
                    "call {} {} -> %{}",
                    c.path.join("::"),
                    a.join(" "),
                    c.value.0
                )
            }
            Op::Result(of) => format!("result of %{}", of.0),
        };
        let name = node
            .name
            .as_deref()
            .map(|n| format!("  ; {n}"))
            .unwrap_or_default();
        if matches!(node.op, Op::If(_)) {
            let _ = writeln!(out, "{pad}{text}{name}");
        } else {
            let _ = writeln!(out, "{pad}%{} = {text}{name}", id.0);
        }
    }
}
