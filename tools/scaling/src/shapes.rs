//! Input shapes that once took super-linear time in the macro, for
//! `scaling shapes` (the README's macro-scaling section).

/// The shapes of input that once took super-linear time in the macro, each
/// of size `n` (issue 11 §4), as (label, entry point, source): `fn` for
/// `#[differentiable]`, `net` for `grad!`.
pub fn shapes(n: usize) -> Vec<(&'static str, &'static str, String)> {
    let loop_src = format!(
        "fn unrolled(x: f64, y: f64) -> f64 {{\n    let mut s = 0.0;\n    for i in 0..{n} {{\n        s = s * 0.5 + x * y;\n    }}\n    s\n}}\n"
    );
    let one_elem = format!(
        "fn one_element(a: [f64; {n}]) -> f64 {{\n    a[{}] * a[{}]\n}}\n",
        n / 2,
        n / 2
    );
    let mut layers = String::new();
    let mut forward = String::from("        let h = self.l0(x);\n");
    for k in 0..n {
        layers.push_str(&format!("        l{k}: Linear<2, 2>,\n"));
        if k > 0 {
            forward.push_str(&format!("        let h = self.l{k}(h);\n"));
        }
    }
    let net = format!(
        "struct Chain {{\n{layers}    }}\n    fn forward(&self, x: [f64; 2]) -> [f64; 2] {{\n{forward}        h\n    }}\n    fn loss(out: [f64; 2], #[nograd] y: f64) -> f64 {{\n        (out[0] - y).powi(2)\n    }}\n"
    );
    // run-time loops one after another, each a sum over the data: loop
    // fusion (simplify/fuse.rs) looks at each for a loop to join
    let mut loops =
        String::from("fn loops(x: f64, #[nograd] v: &[f64]) -> f64 {\n    let mut s = 0.0;\n");
    for k in 0..n {
        loops.push_str(&format!(
            "    for i in 0..v.len() {{\n        s += x * v[i] * {k}.0;\n    }}\n"
        ));
    }
    loops.push_str("    s\n}\n");
    // run-time loops one after another, each writing a local buffer that the
    // next one reads (buffers, same-loop merging)
    let mut buffers = String::from(
        "fn buffers(x: f64, #[nograd] v: &[f64]) -> f64 {\n    let mut b = vec![0.0; v.len()];\n",
    );
    for _ in 0..n {
        buffers.push_str("    for i in 0..v.len() {\n        b[i] = b[i] * x + v[i];\n    }\n");
    }
    buffers.push_str(
        "    let mut s = 0.0;\n    for i in 0..v.len() {\n        s += b[i];\n    }\n    s\n}\n",
    );
    vec![
        ("unrolled loop of n iterations", "fn", loop_src),
        ("n run-time sum loops in sequence", "fn", loops),
        ("n run-time buffer loops in sequence", "fn", buffers),
        ("[f64; n] parameter, one element read", "fn", one_elem),
        ("n chained network layers", "net", net),
    ]
}

/// The deeply nested or very long shapes of issue 11 §4 (stack overflows
/// found by fuzzing), each of size `n`, as (name, body of one function
/// `f(x: f64, y: f64) -> f64`, extra items it needs). `y` enters once, at
/// the innermost level, so the gradient has two entries (reverse mode); with
/// `y` a `#[nograd]` parameter it has one (forward mode). The same source
/// compiles without the macro, so `scaling deep` can tell the macro's limits
/// from rustc's.
pub fn deep(n: usize) -> Vec<(&'static str, String, &'static str)> {
    let product = format!("{}y", "x * ".repeat(n - 1));
    let sum = format!("{}y", "x + ".repeat(n - 1));
    let mut chain = String::from("if x < 0.0 { x }");
    for k in 1..n {
        chain.push_str(&format!(" else if x < {k}.0 {{ x * {k}.0 }}"));
    }
    chain.push_str(" else { y }");
    let nest = |f: &str| format!("{}x * y{}", format!("{f}(").repeat(n), ")".repeat(n));
    let methods: String = (0..n)
        .map(|k| if k % 2 == 0 { ".sin()" } else { ".cos()" })
        .collect();
    // `relu_h`: a `#[differentiable]` helper in the macro's crate, a plain
    // function in rustc's
    let helper = "fn relu_h(x: f64) -> f64 {\n    if x > 0.0 { x } else { 0.0 }\n}\n";
    // `if` inside `if`, each with an `else`: nested regions, not a chain
    let nested_if = format!(
        "{}x * y{}",
        "if x > 0.0 { ".repeat(n),
        " } else { x }".repeat(n)
    );
    // blocks inside blocks, each with a `let`
    let blocks = format!("{}x * y{}", "{ let x = x * 1.0; ".repeat(n), " }".repeat(n));
    vec![
        ("product", product, ""),
        ("sum", sum, ""),
        ("else_if", chain, ""),
        ("relu_op", nest("relu"), ""),
        ("relu_fn", nest("relu_h"), helper),
        ("methods", format!("(x * y){methods}"), ""),
        ("nested_if", nested_if, ""),
        ("blocks", blocks, ""),
    ]
}

/// Mistakes in deeply nested expressions (issue 11 §4): each body of size
/// `n` is rejected with one error whose span covers an expression nested `n`
/// deep, as (name, body of `f(x: f64, y: f64) -> f64`). Reporting such an
/// error printed the whole expression, recursively, and overflowed the stack.
pub fn deep_errors(n: usize) -> Vec<(&'static str, String)> {
    let product = format!("{}y", "x * ".repeat(n - 1));
    vec![
        ("if_condition", format!("if {product} {{ x }} else {{ y }}")),
        ("index", format!("let a = [x, y];\n    a[{product}]")),
        ("integer_let", format!("let k: usize = {product};\n    x")),
        (
            "loop_bound",
            format!("let mut s = x;\n    for _ in 0..{product} {{ s = s * y; }}\n    s"),
        ),
    ]
}
