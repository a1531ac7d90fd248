#!/usr/bin/env bash
# Does `cargo build` survive large #[grad] bodies? Prints one line per probe.
#
#   tools/scaling/probes.sh [WORKDIR]      (default /tmp/macrograd-probes)
#
# Each probe is a throwaway crate depending on this checkout's `macrograd` by
# path, built with the default stack: generated functions of 1,500 to 10,000
# operations (tools/scaling), and the extended Rosenbrock of
# benches/scalar.rs over `[f64; 300]` and `[f64; 500]`, in the dev profile
# (debuginfo) and some in release. A crash is attributed to the macro or to
# LLVM's debuginfo writer from rustc's backtrace.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-/tmp/macrograd-probes}
T=$W/target
mkdir -p "$W"
probe() { # name dir [cargo flags]
    local name=$1 dir=$2
    shift 2
    (cd "$dir" && touch src/main.rs && rm -rf "$T"/debug/incremental/scaling_* &&
        CARGO_TARGET_DIR=$T cargo build -q --offline "$@" >"$dir/probe.log" 2>&1)
    local rc=$? where
    local profile=dev
    [ "${1:-}" = --release ] && profile=release
    if grep -q "overflowed its stack" "$dir/probe.log"; then
        if grep -q "libmacrograd_macros" "$dir/probe.log"; then
            where="the macro (libmacrograd_macros)"
        elif grep -q "DwarfCompileUnit" "$dir/probe.log"; then
            where="LLVM DWARF scopes"
        else
            where="rustc"
        fi
        echo "$name $profile: CRASH (stack overflow in $where)"
    elif [ $rc -ne 0 ]; then
        echo "$name $profile: error rc=$rc: $(grep -m1 error "$dir/probe.log")"
    else
        echo "$name $profile: builds"
    fi
}
for n in 1500 2000 3000 10000; do
    CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-bench}" cargo run -q --offline --release \
        --manifest-path "$root/tools/scaling/Cargo.toml" --bin scaling -- crate "$W/ops-$n" "$n"
    probe "generated $n ops" "$W/ops-$n"
done
probe "generated 10000 ops" "$W/ops-10000" --release
for n in 300 500; do
    d=$W/rosen-$n
    mkdir -p "$d/src"
    sed "s/name = \"scaling-1500\"/name = \"scaling-rosen$n\"/" "$W/ops-1500/Cargo.toml" >"$d/Cargo.toml"
    cat >"$d/src/main.rs" <<RS
use macrograd::grad;
#[grad]
fn rosen_ext(x: [f64; $n]) -> f64 {
    let mut sum = 0.0;
    for i in 0..$((n - 1)) {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        sum += 100.0 * a * a + b * b;
    }
    sum
}
fn main() {
    let x = std::hint::black_box([0.5; $n]);
    let (v, g) = rosen_ext_grad(x);
    println!("{v} {} {}", g[0], rosen_ext(x));
}
RS
    probe "extended Rosenbrock n=$n" "$d"
done
probe "extended Rosenbrock n=500" "$W/rosen-500" --release
