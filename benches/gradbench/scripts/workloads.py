#!/usr/bin/env python3
"""Times macrograd's GradBench tool on the evals' default workload sizes.

Generates each default workload (the sizes of ../shared/gradbench/PROTOCOL.md,
x ~ U[0,1) from a fixed seed), sends it to the tool with GradBench's
repetition rule (min_runs 1, min_seconds 1 unless given), and prints, per
eval, GradBench's statistics: the sum over workloads of the mean and of the
fastest per-run `evaluate` timing, for the primal and the derivative, and
their ratios (derivative / primal), as REFERENCE.md reports them.

    cargo build --release -p macrograd-gradbench
    python3 benches/gradbench/scripts/workloads.py [--min-seconds S] [EVAL ...]

Standard library only.
"""
import json
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TOOL = ROOT / "target" / "release" / "macrograd-gradbench"


def llsq():
    rng = random.Random(31337)
    for n in [16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8196, 16392]:
        x = [rng.random() for _ in range(128)]
        yield f"n={n},m=128", ("primal", "gradient"), {"x": x, "n": n}


def lse():
    rng = random.Random(31337)
    for k in range(10):
        n = 2500 * 2**k
        yield f"n={n}", ("primal", "gradient"), {"x": [rng.random() for _ in range(n)]}


def gmm():
    rng = random.Random(31337)
    sizes = sorted(
        ((d, k) for d in [2, 10, 20, 32, 64] for k in [5, 10, 25, 50, 100]),
        key=lambda dk: (dk[0] * dk[1], dk),
    )
    n = 1000
    for d, k in sizes:
        normal = lambda rows, cols: [[rng.gauss(0, 1) for _ in range(cols)] for _ in range(rows)]
        inp = {
            "d": d, "k": k, "n": n, "m": 0, "gamma": 1.0,
            "x": normal(n, d), "alpha": [rng.gauss(0, 1) for _ in range(k)],
            "mu": [[rng.random() for _ in range(d)] for _ in range(k)],
            "q": normal(k, d), "l": normal(k, d * (d - 1) // 2),
        }
        yield f"{d}_{k}_{n}", ("objective", "jacobian"), inp


def det():
    rng = random.Random(31337)
    for ell in range(5, 12):
        yield f"{ell}", ("primal", "gradient"), {"A": [rng.random() for _ in range(ell * ell)], "ell": ell}


def ode():
    rng = random.Random(31337)
    for n, s in [(1000, 1), (1000, 10), (10000, 1), (1000, 100), (10000, 10),
                 (100000, 1), (10000, 100), (100000, 10), (100000, 100)]:
        yield f"n={n},s={s}", ("primal", "gradient"), {"x": [rng.random() for _ in range(n)], "s": s}


def kmeans():
    rng = random.Random(31337)
    sizes = [(k, n, d) for k in [10, 100, 1000] for n in [1000, 10000] for d in [8, 16]]
    for k, n, d in sorted(sizes, key=lambda s: s[0] * s[1] * s[2]):
        points = [[rng.random() for _ in range(d)] for _ in range(n)]
        # the last k points, as the eval's default inputs
        yield f"k={k},n={n},d={d}", ("cost", "dir"), {"points": points, "centroids": points[n - k:]}


def lstm():
    # GradBench draws these without a seed; a fixed one here
    rng = random.Random(31337)
    b = 14
    for l, c in [(2, 1024), (4, 1024), (6, 1024), (2, 4096), (2, 8192), (4, 4096),
                 (6, 4096), (4, 8192), (6, 8192)]:
        matrix = lambda rows, cols: [[rng.random() for _ in range(cols)] for _ in range(rows)]
        inp = {
            "main_params": matrix(2 * l, 4 * b), "extra_params": matrix(3, b),
            "state": matrix(2 * l, b),
            "sequence": [[float(rng.random() < 0.5) for _ in range(b)] for _ in range(c)],
        }
        yield f"l={l},c={c}", ("objective", "jacobian"), inp


def ba():
    # the ADBench files differ only in sizes for the work done: one camera,
    # point, weight and feature (those of ba1), expanded to n, m, p
    inp = {"cam": [-0.758453, -1.109613, -0.845551, 34.556073, 39.676747, 53.881673,
                   419.194514, 5.864426, -8.51887, 0.087812, 0.002739],
           "x": [7.203245, 0.001144, 3.023326], "w": 0.417022, "feat": [271.760969, 834.209256]}
    for k, (n, m, p) in enumerate([
            (49, 7776, 31843), (21, 11315, 36455), (161, 48126, 182072), (372, 47423, 204472),
            (257, 65132, 225911), (539, 65220, 277273), (93, 61203, 287451), (88, 64298, 383937),
            (810, 88814, 393775), (1197, 126327, 563734), (1723, 156502, 678718),
            (253, 163691, 899155), (245, 198739, 1091386), (356, 226730, 1255268)]):
        yield f"ba{k + 1}_n{n}_m{m}_p{p}", ("objective", "jacobian"), dict(inp, n=n, m=m, p=p)


EVALS = {"ba": ba, "det": det, "gmm": gmm, "kmeans": kmeans, "llsq": llsq, "lse": lse, "lstm": lstm, "ode": ode}

# particle and saddle: one default input, four functions (the modes of the
# outer and the inner derivative), all derivatives: timed one by one
NESTED = {"particle": {"w": 0.0}, "saddle": {"start": [1.0, 1.0]}}


def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3f}{unit}"
    return f"{ns:.0f}ns"


def main():
    args = sys.argv[1:]
    min_seconds = 1.0
    if args[:1] == ["--min-seconds"]:
        min_seconds = float(args[1])
        args = args[2:]
    evals = args or list(EVALS) + list(NESTED)
    tool = subprocess.Popen([str(TOOL)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    ident = 0

    def ask(message):
        nonlocal ident
        message["id"] = ident
        ident += 1
        tool.stdin.write(json.dumps(message) + "\n")
        tool.stdin.flush()
        response = json.loads(tool.stdout.readline())
        if response.get("success") is False:
            sys.exit(f"{message.get('module')}: {response['error']}")
        return response

    ask({"kind": "start"})
    for name in [e for e in evals if e in NESTED]:
        ask({"kind": "define", "module": name})
        for function in ["rr", "rf", "fr", "ff"]:
            inp = dict(NESTED[name], min_runs=1, min_seconds=min_seconds)
            r = ask({"kind": "evaluate", "module": name, "function": function, "input": inp})
            t = [x["nanoseconds"] for x in r["timings"] if x["name"] == "evaluate"]
            print(f"| {name} {function} | output {r['output']} | mean {fmt(sum(t) / len(t))} | min {fmt(min(t))} |")
    plain = [e for e in evals if e not in NESTED]
    if plain:
        print("| eval | primal: Σ mean | derivative: Σ mean | ratio (Σ mean) | primal: Σ min | derivative: Σ min | ratio (Σ min) | geomean of ratios |")
        print("|---|---|---|---|---|---|---|---|")
    for name in plain:
        ask({"kind": "define", "module": name})
        sums = {"mean": [0.0, 0.0], "min": [0.0, 0.0]}
        log_ratio, count = 0.0, 0
        for desc, functions, inp in EVALS[name]():
            inp = dict(inp, min_runs=1, min_seconds=min_seconds)
            per = []
            for i, function in enumerate(functions):
                r = ask({"kind": "evaluate", "module": name, "function": function,
                         "input": inp, "description": desc})
                t = [x["nanoseconds"] for x in r["timings"] if x["name"] == "evaluate"]
                sums["mean"][i] += sum(t) / len(t)
                sums["min"][i] += min(t)
                per.append(min(t))
            import math
            log_ratio += math.log(per[1] / per[0])
            count += 1
            print(f"  {name} {desc}: primal {fmt(per[0])}, derivative {fmt(per[1])}", file=sys.stderr)
        import math
        m, n = sums["mean"], sums["min"]
        print(f"| {name} | {fmt(m[0])} | {fmt(m[1])} | **{m[1] / m[0]:.2f}** | {fmt(n[0])} | {fmt(n[1])} "
              f"| {n[1] / n[0]:.2f} | {math.exp(log_ratio / count):.2f} |")
    tool.stdin.close()
    tool.wait()


if __name__ == "__main__":
    main()
