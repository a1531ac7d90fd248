//! Macro-scaling figures: for generated functions of 100, 1,000 and 10,000
//! operations, the tokens `#[differentiable]` writes per input operation and the time
//! `macrograd_codegen::expand_differentiable` takes.
//!
//! ```text
//! cargo run --release --manifest-path tools/scaling/Cargo.toml --bin scaling            # table
//! cargo run --release --manifest-path tools/scaling/Cargo.toml --bin scaling -- 2000    # other sizes
//! cargo run --release --manifest-path tools/scaling/Cargo.toml --bin scaling -- crate DIR N
//! cargo run --release --manifest-path tools/scaling/Cargo.toml --bin scaling -- shapes [N...]
//! ```
//!
//! `shapes` times the expansion of the input shapes of `src/shapes.rs` (an
//! unrolled loop, a long array parameter, a chain of network layers) at
//! 10³, 10⁴ and 10⁵ (or the sizes given): the README's macro-scaling table.
//!
//! `deep SHAPE N [fwd|rev]` expands one of the deeply nested shapes of
//! `shapes::deep` on an 8 MiB thread (`deep.sh` runs them all and builds
//! them with and without the macro); `deep-src SHAPE N` prints its body;
//! `deep-error SHAPE N` expands one of `shapes::deep_errors` and checks that it
//! gives exactly one error.
//!
//! `crate DIR N` writes a throwaway binary crate in DIR whose `main.rs` holds
//! the N-op function under `#[differentiable]`, for build-time measurements
//! (`tools/scaling/build-time.sh`).
//!
//! Expansion runs on a thread with a 64 MiB stack: rustc runs proc macros on
//! its own large-stack thread too, and the 10,000-op chain needs more than the
//! default 8 MiB main thread in an unoptimised build (see RESULTS.md).

use std::time::{Duration, Instant};

use macrograd_scaling::gen;
use proc_macro2::{TokenStream, TokenTree};

/// Leaf tokens (identifiers, punctuation, literals) plus one per delimited
/// group, recursively: what rustc has to parse.
fn count_tokens(ts: &TokenStream) -> usize {
    let mut work = vec![ts.clone()];
    let mut n = 0;
    while let Some(ts) = work.pop() {
        for tt in ts {
            n += 1;
            if let TokenTree::Group(g) = tt {
                work.push(g.stream());
            }
        }
    }
    n
}

/// Whether the output holds a `compile_error!`, found with a work list: the
/// output holds the user's body as written, which may nest 10,000 deep
/// (printing it, `to_string`, recurses once per level).
fn has_compile_error(ts: &TokenStream) -> bool {
    let mut work = vec![ts.clone()];
    while let Some(ts) = work.pop() {
        for tt in ts {
            match tt {
                TokenTree::Ident(i) if i == "compile_error" => return true,
                TokenTree::Group(g) => work.push(g.stream()),
                _ => {}
            }
        }
    }
    false
}

/// Bytes of rustdoc text (`#[doc = "..."]` literals) in the output.
fn doc_bytes(ts: &TokenStream) -> usize {
    let mut total = 0;
    let mut prev_doc = false;
    for tt in ts.clone() {
        match &tt {
            TokenTree::Group(g) => {
                total += doc_bytes(&g.stream());
                prev_doc = false;
            }
            TokenTree::Ident(i) => prev_doc = i == "doc",
            TokenTree::Punct(p) if prev_doc && p.as_char() == '=' => {}
            TokenTree::Literal(l) if prev_doc => {
                total += l.to_string().len();
                prev_doc = false;
            }
            _ => prev_doc = false,
        }
    }
    total
}

fn expand(item: TokenStream) -> TokenStream {
    macrograd_codegen::expand_differentiable(TokenStream::new(), item)
}

fn measure(n: usize) {
    let src = gen::source(n);
    let item: TokenStream = src.parse().expect("generated source lexes");
    let out = expand(item.clone());
    let text = out.to_string();
    assert!(
        text.contains(&format!("{}_grad", gen::name(n))) && !text.contains("compile_error"),
        "expansion of the {n}-op function failed"
    );
    // Time: repeat for at least ~2 s (and at least 3 runs), report min and median.
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < 3 || start.elapsed() < Duration::from_secs(2) {
        let it = item.clone();
        let t = Instant::now();
        let o = expand(it);
        times.push(t.elapsed());
        drop(o);
    }
    times.sort();
    let min = times[0];
    let median = times[times.len() / 2];
    let tin = count_tokens(&item);
    let tout = count_tokens(&out);
    let docs = doc_bytes(&out);
    let grad_lets = text.matches("let ").count();
    println!(
        "| {n} | {tin} | {tout} | {} | {:.1} | {grad_lets} | {} | {docs} | {:.2} | {:.2} | {:.2} |",
        tout - tin,
        (tout - tin) as f64 / n as f64,
        text.len(),
        min.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e6 / n as f64,
    );
}

fn write_crate(dir: &str, n: usize) {
    let name = gen::name(n);
    write_crate_files(
        dir,
        &format!("scaling-{n}"),
        &format!(
            "//! {n}-op function under `#[differentiable]`, generated by tools/scaling.\n\
             use macrograd::differentiable;\n\n#[differentiable]\n{}\n\
             fn main() {{\n    // black_box: inputs unknown at compile time, so the whole body is compiled\n    \
             let x = std::hint::black_box([0.1, 0.2, 0.3, 0.4]);\n    \
             let (v, g) = {name}_grad(x[0], x[1], x[2], x[3]);\n    \
             println!(\"{{v}} {{g:?}} {{}}\", {name}(x[0], x[1], x[2], x[3]));\n}}\n",
            gen::source(n)
        ),
    );
}

/// `shapes [N...]`: expansion time of each input shape of [`shapes::shapes`]
/// (default sizes 10³, 10⁴, 10⁵), one run each (the large ones take seconds).
fn shapes(sizes: &[usize]) {
    println!("| shape | n | output tokens | expand (ms) | µs / n |");
    println!("|---|---:|---:|---:|---:|");
    for &n in sizes {
        for (label, entry, src) in macrograd_scaling::shapes::shapes(n) {
            let item: TokenStream = src.parse().expect("generated source lexes");
            let t = Instant::now();
            let out = match entry {
                "fn" => expand(item),
                _ => macrograd_codegen::expand_grad(item),
            };
            let dt = t.elapsed();
            assert!(
                !out.to_string().contains("compile_error"),
                "{label} at {n}: the expansion has errors"
            );
            println!(
                "| {label} | {n} | {} | {:.1} | {:.2} |",
                count_tokens(&out),
                dt.as_secs_f64() * 1e3,
                dt.as_secs_f64() * 1e6 / n as f64
            );
        }
    }
}

/// Forward or reverse mode for the deep shapes: `y` is `#[nograd]` in
/// forward mode (one differentiable input).
#[derive(Clone, Copy)]
enum Mode {
    Forward,
    Reverse,
}

impl Mode {
    fn parse(s: Option<&String>) -> Mode {
        match s.map(String::as_str) {
            Some("fwd") => Mode::Forward,
            _ => Mode::Reverse,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Mode::Forward => "fwd",
            Mode::Reverse => "rev",
        }
    }
    fn nograd(self, with_macro: bool) -> &'static str {
        match (self, with_macro) {
            (Mode::Forward, true) => "#[nograd] ",
            _ => "",
        }
    }
}

/// `deep-crate DIR SHAPE N macro|plain [fwd|rev]`: a throwaway binary crate in DIR
/// whose `main.rs` holds the deep shape SHAPE of size N
/// ([`shapes::deep`]), under `#[differentiable]` (`macro`) or as plain
/// Rust (`plain`), for `tools/scaling/deep.sh`.
fn write_deep_crate(dir: &str, shape: &str, n: usize, with_macro: bool, mode: Mode) {
    let (_, body, helper) = macrograd_scaling::shapes::deep(n)
        .into_iter()
        .find(|(name, ..)| *name == shape)
        .expect("a shape of shapes::deep");
    let attr = if with_macro {
        "#[differentiable]\n"
    } else {
        ""
    };
    let call = if with_macro {
        "let (v, g) = f_grad(x, 0.7);\n    println!(\"{v} {g:?} {}\", f(x, 0.7));"
    } else {
        "println!(\"{}\", f(x, 0.7));"
    };
    let helper = if helper.is_empty() {
        String::new()
    } else {
        format!("{attr}{helper}\n")
    };
    let main = format!(
        "//! `{shape}` of size {n}, generated by tools/scaling.\n\
         #![allow(unused_imports, clippy::all)]\n\
         use macrograd::differentiable;\nuse macrograd::ops::relu;\n\n\
         {helper}{attr}fn f(x: f64, {}y: f64) -> f64 {{\n    {body}\n}}\n\n\
         fn main() {{\n    let x = std::hint::black_box(0.3);\n    {call}\n}}\n",
        mode.nograd(with_macro)
    );
    write_crate_files(dir, &format!("deep-{shape}-{n}"), &main);
}

/// Writes `Cargo.toml` (its own workspace, depending on this checkout's
/// `macrograd` by path, as a user's crate would) and `src/main.rs`.
fn write_crate_files(dir: &str, name: &str, main: &str) {
    let root = std::path::Path::new(dir);
    std::fs::create_dir_all(root.join("src")).expect("create crate dir");
    let macrograd = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("macrograd root");
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [workspace]\n\n[dependencies]\nmacrograd = {{ path = {:?} }}\n",
            macrograd.display().to_string()
        ),
    )
    .expect("write Cargo.toml");
    std::fs::write(root.join("src/main.rs"), main).expect("write main.rs");
}

/// `deep SHAPE N [fwd|rev]`: expands the deep shape in this process, on a thread of
/// `SCALING_STACK_MIB` (default 8 MiB, rustc's own stack); a stack overflow
/// aborts the process, which `deep.sh` reports.
/// `deep-error SHAPE N`: expands one of [`macrograd_scaling::shapes::deep_errors`]
/// and checks that it gives exactly one error.
fn deep_error(shape: &str, n: usize) {
    let (_, body) = macrograd_scaling::shapes::deep_errors(n)
        .into_iter()
        .find(|(name, _)| *name == shape)
        .expect("a shape of shapes::deep_errors");
    let src = format!("fn f(x: f64, y: f64) -> f64 {{\n    {body}\n}}\n");
    let item: TokenStream = src.parse().expect("generated source lexes");
    let t = Instant::now();
    let out = expand(item);
    let errors = count_idents(&out, "compile_error");
    assert_eq!(errors, 1, "{shape} at {n}: {errors} errors, expected one");
    println!(
        "{shape} {n}: one error, {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
}

/// How many times an identifier occurs in the output, found with a work list.
fn count_idents(ts: &TokenStream, name: &str) -> usize {
    let mut work = vec![ts.clone()];
    let mut n = 0;
    while let Some(ts) = work.pop() {
        for tt in ts {
            match tt {
                TokenTree::Ident(i) if i == name => n += 1,
                TokenTree::Group(g) => work.push(g.stream()),
                _ => {}
            }
        }
    }
    n
}

fn deep_expand(shape: &str, n: usize, mode: Mode) {
    let (_, body, helper) = macrograd_scaling::shapes::deep(n)
        .into_iter()
        .find(|(name, ..)| *name == shape)
        .expect("a shape of shapes::deep");
    let t = Instant::now();
    let mut tokens = 0;
    let nograd = mode.nograd(true);
    for src in [
        helper.to_string(),
        format!("fn f(x: f64, {nograd}y: f64) -> f64 {{\n    {body}\n}}\n"),
    ] {
        if src.is_empty() {
            continue;
        }
        let item: TokenStream = src.parse().expect("generated source lexes");
        let out = expand(item);
        assert!(
            !has_compile_error(&out),
            "{shape} at {n}: the expansion has errors"
        );
        tokens += count_tokens(&out);
    }
    println!(
        "{shape} {n} {}: expands, {tokens} tokens, {:.1} ms",
        mode.name(),
        t.elapsed().as_secs_f64() * 1e3
    );
}

fn run() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("deep-crate") {
        let usage = "usage: scaling deep-crate DIR SHAPE N macro|plain [fwd|rev]";
        let n = args.get(3).and_then(|s| s.parse().ok()).expect(usage);
        let with_macro = args.get(4).expect(usage) == "macro";
        write_deep_crate(&args[1], &args[2], n, with_macro, Mode::parse(args.get(5)));
        return;
    }
    if args.first().map(String::as_str) == Some("deep-src") {
        // the body of one deep shape, for tests/deep_bodies.rs
        let usage = "usage: scaling deep-src SHAPE N";
        let n: usize = args.get(2).and_then(|s| s.parse().ok()).expect(usage);
        let shape = args.get(1).expect(usage);
        let (_, body, _) = macrograd_scaling::shapes::deep(n)
            .into_iter()
            .find(|(name, ..)| name == shape)
            .expect("a shape of shapes::deep");
        println!("{body}");
        return;
    }
    if args.first().map(String::as_str) == Some("deep-error") {
        let usage = "usage: scaling deep-error SHAPE N";
        let n = args.get(2).and_then(|s| s.parse().ok()).expect(usage);
        deep_error(args.get(1).expect(usage), n);
        return;
    }
    if args.first().map(String::as_str) == Some("deep") {
        let usage = "usage: scaling deep SHAPE N [fwd|rev]";
        let n = args.get(2).and_then(|s| s.parse().ok()).expect(usage);
        deep_expand(args.get(1).expect(usage), n, Mode::parse(args.get(3)));
        return;
    }
    if args.first().map(String::as_str) == Some("shapes") {
        let sizes: Vec<usize> = if args.len() > 1 {
            args[1..]
                .iter()
                .map(|s| s.parse().expect("a size"))
                .collect()
        } else {
            vec![1_000, 10_000, 100_000]
        };
        shapes(&sizes);
        return;
    }
    if args.first().map(String::as_str) == Some("crate") {
        let dir = args.get(1).expect("usage: scaling crate DIR N");
        let n = args
            .get(2)
            .and_then(|s| s.parse().ok())
            .expect("usage: scaling crate DIR N");
        write_crate(dir, n);
        return;
    }
    let sizes: Vec<usize> = if args.is_empty() {
        vec![100, 1_000, 10_000]
    } else {
        args.iter().map(|s| s.parse().expect("a size")).collect()
    };
    println!("| ops | input tokens | output tokens | generated tokens | generated / op | `let`s in output | output bytes | rustdoc bytes | expand min (ms) | expand median (ms) | median µs / op |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        measure(n);
    }
}

fn main() {
    let stack = std::env::var("SCALING_STACK_MIB")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(if std::env::args().nth(1).as_deref() == Some("deep") {
            8
        } else {
            64
        });
    std::thread::Builder::new()
        .stack_size(stack << 20)
        .spawn(run)
        .expect("spawn")
        .join()
        .expect("measurement thread");
}
