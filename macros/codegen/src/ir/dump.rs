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
            Op::Nested(c) => {
                let a: Vec<String> = c
                    .args
                    .iter()
                    .map(|a| format!("[{}]", args(a.elements())))
                    .collect();
                let kind = match &c.kind {
                    crate::ir::NestedKind::Grad => "grad".to_string(),
                    crate::ir::NestedKind::Hvp { dirs } => {
                        format!("hvp along [{}]", args(&dirs.concat()))
                    }
                };
                format!(
                    "{kind} of {} {} -> [{}]",
                    c.path.join("::"),
                    a.join(" "),
                    args(&c.outs)
                )
            }
            Op::Result(of) => format!("result of %{}", of.0),
            Op::IConst(c) => format!("int {c}"),
            Op::IExtern(p) => format!("int extern {p}"),
            Op::IParam(k) => format!("param {}", g.params[*k].name),
            Op::Len(k) => format!("len {}", g.params[*k].name),
            Op::IArith(op, a, b) => format!("int {op:?} %{} %{}", a.0, b.0)
                .replace("int Add", "iadd")
                .replace("int Sub", "isub")
                .replace("int Mul", "imul")
                .replace("int Div", "idiv")
                .replace("int Rem", "irem")
                .replace("int Min", "imin"),
            Op::ICmp(c, a, b) => format!("icmp %{} {} %{}", a.0, c.symbol(), b.0),
            Op::ToFloat(a) => format!("to_float %{}", a.0),
            Op::Load { param, row, col } => match col {
                Some(c) => format!("load {}[%{}][%{}]", g.params[*param].name, row.0, c.0),
                None => format!("load {}[%{}]", g.params[*param].name, row.0),
            },
            Op::Store {
                param,
                row,
                col,
                value,
            } => {
                let at = match col {
                    Some(c) => format!("[%{}][%{}]", row.0, c.0),
                    None => format!("[%{}]", row.0),
                };
                format!("store d_{}{at} += %{}", g.params[*param].name, value.0)
            }
            Op::AddStruct(a) => format!(
                "add_struct d_{}{} += %{} * entry{}(%{})",
                g.params[a.accum.param].name,
                crate::types::FieldPath {
                    segs: a.accum.target.clone(),
                    span: proc_macro2::Span::call_site()
                }
                .text(),
                a.coeff.0,
                a.arg,
                a.call_value.0
            ),
            Op::StructDot(d) => format!(
                "struct_dot entry{}(%{}) · {}{}",
                d.arg,
                d.call_value.0,
                g.params[d.tangent].name,
                crate::types::FieldPath {
                    segs: d.accum.target.clone(),
                    span: proc_macro2::Span::call_site()
                }
                .text()
            ),
            Op::Recall { of, slot } => format!("recall %{} {slot}", of.0),
            Op::RecallInt { of, slot } => format!("recall_int %{} {slot}", of.0),
            Op::Buf(b) => buf_text(b),
            Op::Pick(i, elems) => format!("pick %{} [{}]", i.0, args(elems)),
            Op::Loop(l) => {
                let range = format!(
                    "%{}..{}%{}{}",
                    l.start.0,
                    if l.inclusive { "=" } else { "" },
                    l.end.0,
                    if l.rev { " rev" } else { "" }
                );
                let carried: Vec<String> = l
                    .carried
                    .iter()
                    .map(|c| format!("%{} = %{}", c.param.0, c.init.0))
                    .collect();
                let mut head = format!("{pad}%{} = loop %{} in {range}", id.0, l.var.0);
                if !carried.is_empty() {
                    let _ = write!(head, " carry [{}]", carried.join(", "));
                }
                if !l.record.is_empty() {
                    let r: Vec<String> = l.record.iter().map(|n| format!("%{}", n.0)).collect();
                    let _ = write!(head, " record [{}]", r.join(" "));
                    if l.stacked {
                        head.push_str(" stacked");
                    }
                }
                if let Some(of) = l.replay {
                    let _ = write!(head, " replay %{}", of.0);
                }
                if let Some(t) = &l.test {
                    let _ = writeln!(out, "{head} while {{");
                    dump_block(g, &t.head, depth + 1, out);
                    let _ = writeln!(out, "{pad}}} %{} trips %{} {{", t.cond.0, t.trips.0);
                } else {
                    let _ = writeln!(out, "{head} {{");
                }
                dump_block(g, &l.body, depth + 1, out);
                let outs: Vec<String> = l
                    .carried
                    .iter()
                    .map(|c| format!("%{} = %{}", c.out.0, c.next.0))
                    .collect();
                format!("}} -> {}", outs.join(", "))
            }
        };
        let name = node
            .name
            .as_deref()
            .map(|n| format!("  ; {n}"))
            .unwrap_or_default();
        if matches!(node.op, Op::If(_) | Op::Loop(_)) {
            let _ = writeln!(out, "{pad}{text}{name}");
        } else {
            let _ = writeln!(out, "{pad}%{} = {text}{name}", id.0);
        }
    }
}

/// One line for a buffer operation.
fn buf_text(b: &crate::ir::BufOp) -> String {
    use crate::ir::BufOp;
    match b {
        BufOp::New {
            len,
            init,
            log,
            adj,
        } => {
            let log = if *log { " logged" } else { "" };
            let adj = adj
                .map(|a| format!(" adjoint %{}", a.0))
                .unwrap_or_default();
            format!("vec [%{}; %{}]{log}{adj}", init.0, len.0)
        }
        BufOp::Len(v) => format!("len %{}", v.0),
        BufOp::Get { buf, idx } => format!("get %{}[%{}]", buf.0, idx.0),
        BufOp::Set { buf, idx, value } => format!("set %{}[%{}] = %{}", buf.0, idx.0, value.0),
        BufOp::Pop(v) => format!("pop %{}", v.0),
        BufOp::Sum(v) => format!("sum %{}", v.0),
        BufOp::Mark(v) => format!("mark %{}", v.0),
        BufOp::Undo { buf, to } => format!("undo %{} to %{}", buf.0, to.0),
        BufOp::Check { idx, len } => format!("check %{} < {len}", idx.0),
    }
}
