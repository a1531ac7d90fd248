#!/usr/bin/env bash
# Build time of a throwaway crate holding one N-op function under #[grad].
#
#   tools/scaling/build-time.sh N [DIR]      (default N = 1000, DIR = /tmp/macrograd-scaling-N)
#
# Writes the crate (its own workspace, depending on this checkout's
# `macrograd` by path), builds its dependencies untimed, then times a rebuild
# of the crate alone three times in the dev and release profiles (`touch
# src/main.rs`, and its incremental cache removed so that the dev build
# compiles it afresh rather than reusing unchanged queries), prints rustc's
# own split of one rebuild (`-Z time-passes`, unlocked on stable with RUSTC_BOOTSTRAP=1, for this
# diagnostic only), and runs the program once. The crate's release profile is
# Cargo's default (no LTO). Offline: dependencies come from the local cache.
#
# Environment:
#   MACRO_OPT=3   also compile the proc macro optimised
#                 ([profile.*.build-override] opt-level = 3); Cargo's default
#                 compiles proc macros at opt-level 0 in both profiles
#   RUNS=1        timed rebuilds per profile (default 3)
#   RUST_MIN_STACK=67108864   needed for N >= 2000 in the dev profile: rustc's
#                 default 8 MiB stack overflows in LLVM's debuginfo writer
#                 (one nested scope per generated `let`, see benches/RESULTS.md)
set -euo pipefail
N=${1:-1000}
DIR=${2:-/tmp/macrograd-scaling-$N}
root=$(cd "$(dirname "$0")/../.." && pwd)
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-bench}" \
    cargo run -q --offline --release --manifest-path "$root/tools/scaling/Cargo.toml" --bin scaling -- crate "$DIR" "$N"
if [ -n "${MACRO_OPT:-}" ]; then
    printf '\n[profile.dev.build-override]\nopt-level = %s\n\n[profile.release.build-override]\nopt-level = %s\n' \
        "$MACRO_OPT" "$MACRO_OPT" >>"$DIR/Cargo.toml"
fi
export CARGO_TARGET_DIR="$DIR/target"
cd "$DIR"
# `-Z time-passes` needs RUSTC_BOOTSTRAP=1, which changes every dependency's
# fingerprint: give it its own target dir so the timed builds stay warm.
fresh() {
    touch src/main.rs
    rm -rf "$CARGO_TARGET_DIR"/debug/incremental/scaling_"$N"-* "$DIR"/target-time-passes/debug/incremental/scaling_"$N"-*
}
time_passes() {
    RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$DIR/target-time-passes" cargo rustc -q --offline "$@" -- -Z time-passes
}
echo "N=$N, macro opt-level ${MACRO_OPT:-0 (default)}; dependencies (untimed)..."
cargo build -q --offline
cargo build -q --offline --release
time_passes >/dev/null 2>&1
time_passes --release >/dev/null 2>&1
for profile in dev release; do
    for run in $(seq "${RUNS:-3}"); do
        fresh
        /usr/bin/time -f "N=$N $profile build, run $run: %e s wall, %M KiB max RSS" \
            cargo build -q --offline --profile "$profile"
    done
    fresh
    echo "N=$N $profile, rustc -Z time-passes (s):"
    time_passes --profile "$profile" 2>&1 |
        grep -E '\s(macro_expand_crate|type_check_crate|codegen_crate|LLVM_passes|finish_ongoing_codegen|run_linker|total)$' |
        awk '{gsub(";", "", $2); printf "    %-24s %s\n", $NF, $2}'
done
echo "runs:"
cargo run -q --offline --release | cut -c1-200
