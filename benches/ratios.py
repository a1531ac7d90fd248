#!/usr/bin/env python3
"""Ratio table from criterion's estimates of `cargo bench -p macrograd-benches --bench scalar`.

    python3 benches/ratios.py [CRITERION_DIR]   (default $CARGO_TARGET_DIR/criterion or target/criterion)

Reads <dir>/scalar_<case>/<impl>/new/estimates.json (median, with its 95%
confidence interval) and prints the markdown table used in benches/RESULTS.md.
The two smallest cases are also timed as calls kept out of line
(`generated_call`, `hand_call`); their ratio is the last column.
"""
import json
import os
import sys

CASES = ["rosenbrock", "rosen_ext_100", "nested_30", "micrograd_sanity"]
IMPLS = ["generated", "hand", "tape", "forward"]


def fmt(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.3g} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.3g} µs"
    return f"{ns:.3g} ns"


def main():
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(target, "criterion")
    print("| case | generated | hand | tape | forward | generated / hand (≤ 1.10) "
          "| generated / forward (≤ 4) | tape / generated (≥ 50) "
          "| generated / hand, calls not inlined |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case in CASES:
        med = {}
        for impl in IMPLS:
            path = os.path.join(root, f"scalar_{case}", impl, "new", "estimates.json")
            with open(path) as f:
                est = json.load(f)["median"]
            med[impl] = (est["point_estimate"], est["confidence_interval"]["lower_bound"],
                         est["confidence_interval"]["upper_bound"])
        g, h, t, fw = (med[i][0] for i in IMPLS)

        def mark(ok):
            return "" if ok else " ✗"

        calls = "–"
        call_paths = [os.path.join(root, f"scalar_{case}", i, "new", "estimates.json")
                      for i in ("generated_call", "hand_call")]
        if all(os.path.exists(p) for p in call_paths):
            gc, hc = (json.load(open(p))["median"]["point_estimate"] for p in call_paths)
            calls = f"{gc / hc:.2f} ({fmt(gc)} / {fmt(hc)})"
        print(f"| {case} | " + " | ".join(fmt(med[i][0]) for i in IMPLS)
              + f" | {g / h:.2f}{mark(g / h <= 1.10)} | {g / fw:.2f}{mark(g / fw <= 4)}"
              f" | {t / g:,.0f}{mark(t / g >= 50)} | {calls} |")


if __name__ == "__main__":
    main()
