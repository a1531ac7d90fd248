#!/usr/bin/env bash
# Deeply nested and very long bodies (issue 11 §4): does each shape of
# `shapes::deep` compile, through `#[differentiable]` and as plain Rust?
#
#   tools/scaling/deep.sh [SIZES] [SHAPES]   (default "1000 10000", all shapes)
#   PROFILE=release tools/scaling/deep.sh    (default dev)
#   MODE=fwd tools/scaling/deep.sh           (default rev)
#
# The function is `f(x: f64, y: f64)`; `y` enters at the innermost level.
# In `rev` mode both are differentiated (reverse mode); in `fwd` mode `y` is
# `#[nograd]` (one input: forward mode).
#
# For each shape and size it prints three results: the expansion in this
# process on an 8 MiB thread with the code generator and syn at opt-level 0
# (`expand`; the tools/scaling dev build, as Cargo builds a user's proc
# macros), then `cargo build` of a throwaway crate depending on this checkout
# by path with the function under `#[differentiable]` (`macro`) and without it
# (`plain`, rustc alone). A user's crate builds its proc macros with the
# build-override profile: opt-level 0, in dev and in release alike.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
SIZES=${1:-1000 10000}
SHAPES=${2:-product sum else_if relu_op relu_fn methods}
PROFILE=${PROFILE:-dev}
MODE=${MODE:-rev}
W=${DEEP_DIR:-/tmp/macrograd-deep}
mkdir -p "$W"
export CARGO_TARGET_DIR=$W/target CARGO_INCREMENTAL=0
scaling() {
    CARGO_TARGET_DIR=$W/tool-target cargo run -q --offline --manifest-path "$root/tools/scaling/Cargo.toml" --bin scaling -- "$@"
}
build() { # shape n macro|plain
    local dir=$W/$1-$2-$3-$MODE
    scaling deep-crate "$dir" "$1" "$2" "$3" "$MODE"
    local t0=$(date +%s.%N)
    (cd "$dir" && cargo build -q --offline --profile "$PROFILE" >"$dir/build.log" 2>&1; exit $?) 2>/dev/null
    local rc=$? dt=$(echo "$(date +%s.%N) - $t0" | bc)
    if grep -q "overflowed its stack" "$dir/build.log"; then
        echo "$1 $2 $3: CRASH, stack overflow ($(printf %.1f "$dt") s)"
    elif [ $rc -ne 0 ]; then
        echo "$1 $2 $3: error rc=$rc: $(grep -m1 -E '^error' "$dir/build.log")"
    else
        echo "$1 $2 $3: builds in $(printf %.1f "$dt") s; runs: $("$CARGO_TARGET_DIR/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")/deep-$1-$2" | cut -c1-60)"
    fi
}
for n in $SIZES; do
    for s in $SHAPES; do
        out=$( (scaling deep "$s" "$n" "$MODE" 2>&1; exit $?) 2>/dev/null)
        rc=$?
        if echo "$out" | grep -q "overflowed its stack"; then
            echo "$s $n expand: CRASH, stack overflow"
        elif [ $rc -ne 0 ]; then
            echo "$s $n expand: failed rc=$rc: $(echo "$out" | grep -m1 -E 'panicked|error' | cut -c1-200)"
        else
            echo "$out" | sed "s/ $MODE: expands/ expand ($MODE): expands/"
        fi
        build "$s" "$n" macro
        build "$s" "$n" plain
    done
done
