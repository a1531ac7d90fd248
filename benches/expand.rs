//! Expansion time of `#[differentiable]` on generated functions of 100, 1,000 and
//! 10,000 operations: `macrograd_codegen::expand_differentiable`, the whole
//! pipeline the proc macro runs (parse, lower, differentiate, simplify, emit,
//! rustdoc formulas), without rustc around it.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-bench cargo bench -p macrograd-benches --bench expand
//! ```
//!
//! Token counts and build times come from `tools/scaling` (see
//! `benches/RESULTS.md`); the generator is shared with it.
//!
//! Runs on a thread with a 64 MiB stack: the rustdoc-formula stage recurses
//! once per operation of a dependency chain, and the 10,000-op function
//! overflows an 8 MiB stack (rustc's default too: RESULTS.md has the details).

#[path = "../tools/scaling/src/gen.rs"]
mod gen;

use criterion::{BatchSize, Criterion, Throughput};

fn main() {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(run)
        .expect("spawn the bench thread")
        .join()
        .expect("bench thread");
}

fn run() {
    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("expand/generated");
    g.sample_size(10);
    for n in [100, 1_000, 10_000] {
        let item = gen::source(n).parse().expect("generated source lexes");
        let out = macrograd_codegen::expand_differentiable(Default::default(), Clone::clone(&item));
        let text = out.to_string();
        assert!(
            text.contains(&format!("{}_grad", gen::name(n))) && !text.contains("compile_error"),
            "expansion of the {n}-op function failed"
        );
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("{n}_ops"), |b| {
            b.iter_batched(
                || item.clone(),
                |item| macrograd_codegen::expand_differentiable(Default::default(), item),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
    c.final_summary();
}
