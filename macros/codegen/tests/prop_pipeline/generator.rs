//! The generator and the oracle of the property tests, checked: the
//! generated functions cover every operation and form they promise, the
//! dual-number rules agree with central differences, and kinks follow the
//! documented conventions.

use super::*;

/// A fixed sequence of choice streams (xorshift), for deterministic tests.
fn streams(n: usize) -> impl Iterator<Item = Vec<u32>> {
    let mut s = 0x9E37_79B9_7F4A_7C15_u64;
    (0..n).map(move |_| {
        (0..1200)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 32) as u32
            })
            .collect()
    })
}

/// Longest chain of arithmetic (primitives and `powi`) from the parameters
/// to `n`, following `if` results into both branches.
fn depth(
    g: &Graph,
    n: NodeId,
    memo: &mut HashMap<NodeId, usize>,
    results: &HashMap<NodeId, (NodeId, NodeId)>,
) -> usize {
    if let Some(&d) = memo.get(&n) {
        return d;
    }
    let d = match g.op(n) {
        Op::Prim(_, args) => {
            1 + args
                .iter()
                .map(|&a| depth(g, a, memo, results))
                .max()
                .unwrap_or(0)
        }
        Op::Powi(a, _) => 1 + depth(g, *a, memo, results),
        Op::Result(_) => match results.get(&n) {
            Some(&(t, e)) => depth(g, t, memo, results).max(depth(g, e, memo, results)),
            None => 0,
        },
        _ => 0,
    };
    memo.insert(n, d);
    d
}

/// Statement and expression forms every few hundred generated functions
/// should contain, as source text.
const SOURCE_FORMS: &[&str] = &[
    "let mut ",
    ": f64 =",
    " += ",
    " -= ",
    " *= ",
    " /= ",
    "] = ",
    "else if",
    "for ",
    ".rev()",
    ".enumerate()",
    ".iter()",
    "..=",
    "; 3]",
    "return ",
    "f64::",
    "ops::",
    "macrograd::ops::",
    "({ let ",
    "(if ",
];

/// The generator's promises: every generated function is accepted by the
/// pipeline, its value is at least 6 operations deep, and over a few hundred
/// functions every operation of the rules table, `powi`, run-time `if`,
/// every comparison, `&&`/`||`/`!`, array and `#[nograd]` parameters, and
/// every statement form all occur.
#[test]
fn generator_covers_every_operation() {
    let mut prims = BTreeSet::new();
    let mut other = BTreeSet::new();
    for (k, raw) in streams(400).enumerate() {
        let profile = if k % 2 == 0 {
            Profile::EXPRESSIONS
        } else {
            Profile::CONTROL
        };
        let p = gen::generate(&raw, profile);
        let st = pipeline(p.source.parse().expect("lexes"))
            .unwrap_or_else(|e| panic!("rejected: {e}\n{}", p.source));
        let g = &st.lowered;
        let mut results = HashMap::new();
        for node in &g.nodes {
            match &node.op {
                Op::Prim(prim, _) => {
                    prims.insert(*prim);
                }
                Op::Powi(..) => {
                    other.insert("powi".to_string());
                }
                Op::If(i) => {
                    other.insert("if".to_string());
                    for &(t, e, r) in &i.outs {
                        results.insert(r, (t, e));
                    }
                }
                Op::Cmp(c, ..) => {
                    other.insert(format!("cmp {}", c.symbol()));
                }
                Op::And(..) => {
                    other.insert("&&".to_string());
                }
                Op::Or(..) => {
                    other.insert("||".to_string());
                }
                Op::Not(..) => {
                    other.insert("!".to_string());
                }
                _ => {}
            }
        }
        for param in &g.params {
            if param.len.is_some() {
                other.insert("array param".to_string());
            }
            if !param.diff {
                other.insert("nograd param".to_string());
            }
        }
        for form in SOURCE_FORMS {
            if p.source.contains(form) {
                other.insert(format!("source {form}"));
            }
        }
        let d = depth(g, g.value, &mut HashMap::new(), &results);
        assert!(d >= 6, "depth {d} < 6:\n{}", p.source);
    }
    let missing: Vec<Prim> = Prim::ALL
        .iter()
        .copied()
        .filter(|p| !prims.contains(p) && *p != Prim::GeluDerivative)
        .collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
    for want in [
        "powi",
        "if",
        "&&",
        "||",
        "!",
        "cmp <",
        "cmp <=",
        "cmp >",
        "cmp >=",
        "cmp ==",
        "cmp !=",
        "array param",
        "nograd param",
    ] {
        assert!(other.contains(want), "never generated: {want}");
    }
    for form in SOURCE_FORMS {
        let want = format!("source {form}");
        assert!(other.contains(&want), "never generated: {want}");
    }
}

/// One operation of [`Scalar`] on up to three arguments (extra ones unused).
fn apply<T: Scalar>(op: &str, a: T, b: T, c: T) -> T {
    match op {
        "add" => a + b,
        "sub" => a - b,
        "mul" => a * b,
        "div" => a / b,
        "neg" => -a,
        "sqrt" => a.sqrt(),
        "cbrt" => a.cbrt(),
        "exp" => a.exp(),
        "exp2" => a.exp2(),
        "exp_m1" => a.exp_m1(),
        "ln" => a.ln(),
        "ln_1p" => a.ln_1p(),
        "log" => a.log(b),
        "log2" => a.log2(),
        "log10" => a.log10(),
        "sin" => a.sin(),
        "cos" => a.cos(),
        "tan" => a.tan(),
        "asin" => a.asin(),
        "acos" => a.acos(),
        "atan" => a.atan(),
        "atan2" => a.atan2(b),
        "sinh" => a.sinh(),
        "cosh" => a.cosh(),
        "tanh" => a.tanh(),
        "asinh" => a.asinh(),
        "acosh" => a.acosh(),
        "atanh" => a.atanh(),
        "abs" => a.abs(),
        "signum" => a.signum(),
        "max" => a.max(b),
        "min" => a.min(b),
        "hypot" => a.hypot(b),
        "mul_add" => a.mul_add(b, c),
        "recip" => a.recip(),
        "clamp" => a.clamp(b, c),
        "powf" => a.powf(b),
        "powi 3" => a.powi(3),
        "powi -2" => a.powi(-2),
        "powi 0" => a.powi(0),
        "relu" => a.relu(),
        "leaky_relu" => a.leaky_relu(b),
        "sigmoid" => a.sigmoid(),
        "softplus" => a.softplus(),
        "silu" => a.silu(),
        "gelu" => a.gelu(),
        "gelu_derivative" => a.gelu_derivative(),
        other => panic!("no operation {other}"),
    }
}

/// The oracle itself: every dual-number rule agrees with central
/// differences of the `f64` interpreter's definition, for each argument, at
/// five points per operation (moved into the operation's domain, away from
/// kinks; clamp's points cover below, inside and above).
#[test]
fn dual_rules_agree_with_central_differences() {
    const POINTS: [[f64; 3]; 5] = [
        [0.7, -1.3, 2.1],
        [-0.4, 0.9, 1.7],
        [1.9, 0.35, -0.8],
        [-1.6, -0.55, 0.45],
        [0.15, 1.25, 2.6],
    ];
    type Domain = fn([f64; 3]) -> [f64; 3];
    let any: Domain = |p| p;
    let pos: Domain = |p| [p[0].abs() + 0.3, p[1], p[2]];
    let unit: Domain = |p| [p[0] / 2.5, p[1], p[2]];
    let over_one: Domain = |p| [p[0].abs() + 1.2, p[1], p[2]];
    let log: Domain = |p| [p[0].abs() + 0.3, p[1].abs() + 1.4, p[2]];
    let clamp: Domain = |p| [p[0], -p[1].abs() - 0.2, p[2].abs() + 0.2];
    let table: &[(&str, Domain)] = &[
        ("add", any),
        ("sub", any),
        ("mul", any),
        ("div", any),
        ("neg", any),
        ("sqrt", pos),
        ("cbrt", any),
        ("exp", any),
        ("exp2", any),
        ("exp_m1", any),
        ("ln", pos),
        ("ln_1p", pos),
        ("log", log),
        ("log2", pos),
        ("log10", pos),
        ("sin", any),
        ("cos", any),
        ("tan", unit),
        ("asin", unit),
        ("acos", unit),
        ("atan", any),
        ("atan2", any),
        ("sinh", any),
        ("cosh", any),
        ("tanh", any),
        ("asinh", any),
        ("acosh", over_one),
        ("atanh", unit),
        ("abs", any),
        ("signum", any),
        ("max", any),
        ("min", any),
        ("hypot", any),
        ("mul_add", any),
        ("recip", any),
        ("clamp", clamp),
        ("powf", pos),
        ("powi 3", any),
        ("powi -2", any),
        ("powi 0", any),
        ("relu", any),
        ("leaky_relu", any),
        ("sigmoid", any),
        ("softplus", any),
        ("silu", any),
        ("gelu", any),
        ("gelu_derivative", any),
    ];
    for (op, domain) in table {
        for p in POINTS.map(domain) {
            for j in 0..3 {
                let mut d = p.map(Dual::from_f64);
                d[j].d = 1.0;
                let dual = apply(op, d[0], d[1], d[2]);
                assert_eq!(
                    dual.v.to_bits(),
                    apply(op, p[0], p[1], p[2]).to_bits(),
                    "{op} value at {p:?}"
                );
                let h = 1e-6 * p[j].abs().max(1.0);
                let (mut lo, mut hi) = (p, p);
                lo[j] -= h;
                hi[j] += h;
                let fd =
                    (apply(op, hi[0], hi[1], hi[2]) - apply(op, lo[0], lo[1], lo[2])) / (2.0 * h);
                assert!(
                    (dual.d - fd).abs() <= 1e-6 * (1.0 + fd.abs()),
                    "{op}: ∂/∂arg{j} at {p:?} is {} by the dual rule, {fd} by central differences",
                    dual.d
                );
            }
        }
    }
}

/// At the kinks themselves the engine and the oracle follow the documented
/// conventions: relu′(0) = 0, abs′(0) = 0, max/min split a tie evenly,
/// clamp passes the derivative to `x` on the closed interval, leaky_relu
/// takes the negative side at 0. (The property tests stay away from kinks;
/// this pins what happens on them.)
#[test]
fn kinks_follow_the_documented_conventions() {
    let cases: &[(&str, &[f64], &[f64])] = &[
        ("fn f(x: f64) -> f64 { relu(x) }", &[0.0], &[0.0]),
        ("fn f(x: f64) -> f64 { x.abs() }", &[0.0], &[0.0]),
        (
            "fn f(x: f64, y: f64) -> f64 { x.max(y) }",
            &[1.5, 1.5],
            &[0.5, 0.5],
        ),
        (
            "fn f(x: f64, y: f64) -> f64 { x.min(y) }",
            &[-0.5, -0.5],
            &[0.5, 0.5],
        ),
        (
            "fn f(x: f64, lo: f64, hi: f64) -> f64 { x.clamp(lo, hi) }",
            &[-1.0, -1.0, 1.0],
            &[1.0, 0.0, 0.0],
        ),
        (
            "fn f(x: f64, lo: f64, hi: f64) -> f64 { x.clamp(lo, hi) }",
            &[1.0, -1.0, 1.0],
            &[1.0, 0.0, 0.0],
        ),
        (
            "fn f(x: f64, s: f64) -> f64 { leaky_relu(x, s) }",
            &[0.0, 0.1],
            &[0.1, 0.0],
        ),
        ("fn f(x: f64) -> f64 { x.signum() * 3.0 }", &[0.0], &[0.0]),
    ];
    for &(src, point, expected) in cases {
        let st = pipeline(src.parse().expect("lexes")).expect("accepted");
        let args: Vec<Vec<f64>> = point.iter().map(|&x| vec![x]).collect();
        let reverse = eval_outputs(&st.gradient, &args).expect("no calls");
        let (_, forward) = dual_gradient(&st.lowered, &args);
        assert_eq!(&reverse[1..], expected, "engine: {src} at {point:?}");
        assert_eq!(forward, expected, "oracle: {src} at {point:?}");
    }
}

/// Run-time forms every few hundred functions of the run-time profile
/// should contain, as source text.
const RUNTIME_FORMS: &[&str] = &[
    "{ break; }",
    "{ continue; }",
    "break;\n",
    "continue;\n",
    "loop {",
    "while ",
    "0usize;",
    "vec![",
    ".len()];",
    ".len()",
];

/// The run-time profile's promises: every function is accepted, and early
/// exits (`break` and `continue` on values, in run-time `for` loops and in
/// counted `loop`/`while`), bounded `loop` and `while`, and `Vec` buffers
/// written by run-time index all occur.
#[test]
fn generator_covers_early_exits_and_buffers() {
    let mut seen = BTreeSet::new();
    let mut vec_writes = 0;
    for raw in streams(300) {
        let p = gen::generate(&raw, Profile::RUNTIME);
        pipeline(p.source.parse().expect("lexes"))
            .unwrap_or_else(|e| panic!("rejected: {e}\n{}", p.source));
        for form in RUNTIME_FORMS {
            if p.source.contains(form) {
                seen.insert(*form);
            }
        }
        // a buffer element written by a run-time index
        if p.source.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with('b') && (l.contains("[i] ") || l.contains("[n"))
        }) {
            vec_writes += 1;
        }
    }
    for form in RUNTIME_FORMS {
        assert!(seen.contains(form), "never generated: {form:?}");
    }
    assert!(
        vec_writes > 0,
        "no `Vec` element written by a run-time index"
    );
}

/// Forms every few hundred programs of [`Profile::STRUCTS`] should contain,
/// as source text.
const STRUCT_FORMS: &[&str] = &[
    "s: S",
    "s: &S",
    "#[nograd] s: ",
    "s.p",
    "s.v[",
    "s.inner.a",
    " = S { ",
    "..s }",
    "v: [",
    "inner: Inner { ",
    "..s.inner }",
    ".inner;",
    ".sin_cos();",
    "let (a",
    ".0",
    "= h_pair(",
    ": (f64, f64) = h_pair(",
    "= h_arr(",
    ": [f64; 3] = h_arr(",
    "= h_pt(",
    ", .. } = h_pt(",
    "= h_e(s, ",
    "= h_e(&s, ",
    "= h_e(&t",
    "= h_in(s.inner, ",
];

/// The struct profile's promises: every program is accepted, takes a
/// struct parameter read by field, and over a few hundred programs every
/// form of [`STRUCT_FORMS`] occurs, each helper is called, and the
/// pipeline's gradients go through the helpers' VJPs (reverse mode) and
/// JVPs (forward mode, in property (e)), all of which the interpreter runs.
#[test]
fn struct_profile_covers_structs_tuples_and_helpers() {
    let mut seen = BTreeSet::new();
    for raw in streams(300) {
        let p = gen::generate(&raw, Profile::STRUCTS);
        let st = pipeline(p.source.parse().expect("lexes"))
            .unwrap_or_else(|e| panic!("rejected: {e}\n{}", p.source));
        assert!(
            st.lowered.params[0].fields.is_some(),
            "the first parameter is a struct:\n{}",
            p.source
        );
        for form in STRUCT_FORMS {
            if p.source.contains(form) {
                seen.insert(format!("source {form}"));
            }
        }
        seen.extend(gen::nested_struct_forms(&p.source));
        // along the first differentiable parameter's first element (`s`
        // may be `#[nograd]`)
        let mut forward = st.lowered.clone();
        let (k, first) = (st.lowered.params.iter().enumerate())
            .find(|(_, q)| q.diff)
            .expect("`x` is differentiable");
        diff::forward(&mut forward, k, first.len.map(|_| 0));
        // a struct passed whole: the pipeline differentiates in reverse
        // mode only (the helpers' interpreter has no JVP along it)
        let modes = if st.lowered.struct_calls { 2 } else { 3 };
        for (mode, g) in [
            ("lowered", &st.lowered),
            ("gradient", &st.gradient),
            ("forward", &forward),
        ]
        .into_iter()
        .take(modes)
        {
            for node in &g.nodes {
                if let Op::Call(c) = &node.op {
                    let sweep = match c.sweep {
                        macrograd_codegen::ir::CallSweep::Value => "value",
                        macrograd_codegen::ir::CallSweep::Vjp(_) => "vjp",
                        macrograd_codegen::ir::CallSweep::Jvp(_) => "jvp",
                        macrograd_codegen::ir::CallSweep::VjpJvp(_) => "vjp_jvp",
                    };
                    seen.insert(format!("{mode} {} {sweep}", c.path.join("::")));
                }
            }
        }
        // the interpreter runs every call (of the value, the gradient and
        // a forward sweep)
        let lens = lens_of(&p, &st.lowered);
        let args = args_of(&lens, &[0.3, -0.7, 1.1], 0);
        for g in [&st.lowered, &st.gradient, &forward]
            .into_iter()
            .take(modes)
        {
            outputs(g, &args);
        }
    }
    let mut want: Vec<String> = STRUCT_FORMS.iter().map(|f| format!("source {f}")).collect();
    for what in ["struct value", "helper call"] {
        for block in ["branch", "for", "run-time loop"] {
            want.push(format!("{what} in a {block}"));
        }
    }
    want.push("struct helper call after an exit".to_string());
    want.push("struct value after an exit".to_string());
    for h in ["h_pair", "h_arr", "h_pt"] {
        want.push(format!("lowered {h} value"));
        want.push(format!("gradient {h} vjp"));
        want.push(format!("forward {h} jvp"));
    }
    for h in ["h_e", "h_in"] {
        want.push(format!("lowered {h} value"));
        want.push(format!("gradient {h} value"));
    }
    let missing: Vec<&String> = want.iter().filter(|w| !seen.contains(*w)).collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
}
