//! Unit tests of `macrograd_codegen::emit::uses`.
use macrograd_codegen::emit::uses::{inlined, MAX_INLINE_DEPTH};
use macrograd_codegen::ir::{Graph, NodeId, Op};

/// The longest chain of operations written as one expression.
fn longest_inline_chain(g: &Graph) -> usize {
    let inline = inlined(g);
    let mut depth = vec![0usize; g.nodes.len()];
    for (i, node) in g.nodes.iter().enumerate() {
        if matches!(node.op, Op::Const(_) | Op::Extern(_) | Op::Param { .. }) {
            continue;
        }
        depth[i] = 1 + node
            .op
            .args()
            .into_iter()
            .filter(|a| inline.contains(a))
            .map(|a| depth[a.0 as usize])
            .max()
            .unwrap_or(0);
    }
    (0..g.nodes.len())
        .filter(|&i| inline.contains(&NodeId(i as u32)))
        .map(|i| depth[i])
        .max()
        .unwrap_or(0)
}

#[test]
fn long_chains_are_bound_every_max_inline_depth_levels() {
    // written as one expression, the derivative of a product of 1,000
    // factors (or of `x.sin().sin()…`, or a sum) nested 1,000 deep in
    // the writer's recursion (a stack overflow in a proc macro built at
    // opt-level 0) and took quadratic time to write
    let product = vec!["x"; 1000].join(" * ");
    let chain = format!("x{}", ".sin()".repeat(1000));
    let sum = vec!["x.sin()"; 2000].join(" + ");
    for body in [product, chain, sum] {
        let item: proc_macro2::TokenStream =
            format!("fn f(x: f64, y: f64) -> f64 {{ y * ({body}) }}")
                .parse()
                .unwrap();
        let st = macrograd_codegen::pipeline(item).expect("lowers");
        let chain = longest_inline_chain(&st.gradient);
        assert!(
            chain <= MAX_INLINE_DEPTH,
            "an expression {chain} operations deep"
        );
    }
}
