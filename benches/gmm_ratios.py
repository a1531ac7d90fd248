#!/usr/bin/env python3
"""Ratio table from criterion's estimates of `cargo bench -p macrograd-benches --bench gmm`.

    python3 benches/gmm_ratios.py [CRITERION_DIR]   (default $CARGO_TARGET_DIR/criterion or target/criterion)

Reads <dir>/gmm_<d>_<k>/<impl>/new/estimates.json (median) for the 25 ADBench
sizes and prints one markdown row per size: the three times, generated /
forward (target <= 3), hand / forward and generated / hand.
"""
import json
import os
import sys


def fmt(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.3g} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.3g} µs"
    return f"{ns:.3g} ns"


def main():
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(target, "criterion")
    print("| d | k | generated | hand | forward | generated / forward (≤ 3) | hand / forward | generated / hand |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for d in [2, 10, 20, 32, 64]:
        for k in [5, 10, 25, 50, 100]:
            med = {}
            for impl in ["generated", "hand", "forward"]:
                path = os.path.join(root, f"gmm_{d}_{k}", impl, "new", "estimates.json")
                with open(path) as f:
                    med[impl] = json.load(f)["median"]["point_estimate"]
            g, h, f = med["generated"], med["hand"], med["forward"]
            print(f"| {d} | {k} | {fmt(g)} | {fmt(h)} | {fmt(f)} | {g / f:.2f} | {h / f:.2f} | {g / h:.2f} |")


if __name__ == "__main__":
    main()
