#!/usr/bin/env bash
# rustc -g and long runs of `let`s, independent of macrograd:
#
#   tools/scaling/let-depth.sh [N]      (default 3000)
#
# Compiles a function of N sequential `let`s with debuginfo, then the same
# statements grouped in blocks of 64 (`let c = { let v1 = …; …; v64 };`).
# Every `let` opens a lexical scope nested in the previous one, and LLVM's
# DWARF writer recurses once per level: on rustc 1.95, 2,000 pass and 3,000
# overflow rustc's stack (SIGSEGV); the blocked form compiles at any N tried.
set -uo pipefail
N=${1:-3000}
dir=$(mktemp -d)
python3 - "$N" "$dir" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
flat = ["pub fn f(x: f64) -> f64 {", "    let v0 = x.sin();"]
flat += [f"    let v{i} = v{i - 1} * 0.5 + x;" for i in range(1, n)]
flat += [f"    v{n - 1}", "}"]
open(f"{d}/flat.rs", "w").write("\n".join(flat) + "\n")
out, prev, i, k = ["pub fn f(x: f64) -> f64 {", "    let v0 = x.sin();"], "v0", 1, 0
while i < n:
    j = min(n, i + 64)
    out.append(f"    let c{k} = {{")
    p = prev
    for t in range(i, j):
        out.append(f"        let v{t} = {p} * 0.5 + x;")
        p = f"v{t}"
    out += [f"        {p}", "    };"]
    prev, k, i = f"c{k}", k + 1, j
out += [f"    {prev}", "}"]
open(f"{d}/blocked.rs", "w").write("\n".join(out) + "\n")
PY
for f in flat blocked; do
    # in a subshell whose stderr is discarded: the shell's own "Segmentation
    # fault" notice goes there, rustc's output to the log
    if (rustc --edition 2021 --crate-type=lib -g -o "$dir/$f.rlib" "$dir/$f.rs" >"$dir/$f.log" 2>&1; exit $?) 2>/dev/null; then
        echo "$N lets, $f: compiles"
    else
        echo "$N lets, $f: rustc failed: $(grep -m1 -o 'overflowed its stack' "$dir/$f.log" || tail -1 "$dir/$f.log")"
    fi
done
rm -rf "$dir"
