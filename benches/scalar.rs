//! Scalar gradients: what `#[differentiable]` writes against the same gradient derived
//! by hand, a micrograd-style runtime tape, and the forward value alone.
//!
//! Groups are `scalar/<case>/<impl>` with `<impl>` one of `generated`
//! (`*_grad`, written by the macro), `hand` (derived by hand below), `tape`
//! (`tape::Value`, an `Rc<RefCell<Node>>` graph) and `forward` (the original
//! function, value only). Before measuring, `check_agreement` asserts that the
//! hand-written and tape gradients agree with the generated ones.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-bench cargo bench -p macrograd-benches --bench scalar
//! ```
//!
//! Figures and the machine they were taken on: `benches/RESULTS.md`.

mod paired;
mod tape;

use std::hint::black_box;

use criterion::Criterion;
use macrograd::ops::relu;
use macrograd::{differentiable, Float};

use paired::{paired_ratio, ROUNDS};
use tape::Value;

/// Dimension of the extended Rosenbrock case.
const N: usize = 100;
/// Depth of the nested composition.
const DEPTH: usize = 30;

// ---------------------------------------------------------------------------
// Rosenbrock, 2 variables: (1 − x)² + 100·(y − x²)²

#[differentiable]
fn rosenbrock(x: f64, y: f64) -> f64 {
    let a = 1.0 - x;
    let b = y - x * x;
    a * a + 100.0 * b * b
}

/// The same function generic over the float type (monomorphised below for
/// f32 and f64, timed against the concrete versions).
#[differentiable]
fn rosenbrock_generic<T: Float>(x: T, y: T) -> T {
    let a = T::ONE - x;
    let b = y - x * x;
    a * a + T::from_f64(100.0) * b * b
}

/// The concrete f32 twin of [`rosenbrock`].
#[differentiable]
fn rosenbrock_f32(x: f32, y: f32) -> f32 {
    let a = 1.0 - x;
    let b = y - x * x;
    a * a + 100.0 * b * b
}

/// ∂f/∂x = −2·(1 − x) − 400·x·(y − x²), ∂f/∂y = 200·(y − x²).
fn rosenbrock_hand(x: f64, y: f64) -> (f64, (f64, f64)) {
    let a = 1.0 - x;
    let b = y - x * x;
    let value = a * a + 100.0 * b * b;
    let dy = 200.0 * b;
    (value, (-2.0 * a - 2.0 * x * dy, dy))
}

fn rosenbrock_tape(x: f64, y: f64) -> (f64, (f64, f64)) {
    let (x, y) = (Value::new(x), Value::new(y));
    let a = 1.0 - &x;
    let b = &y - &(&x * &x);
    let f = &(&a * &a) + &(&(100.0 * &b) * &b);
    f.backward();
    (f.data(), (x.grad(), y.grad()))
}

// ---------------------------------------------------------------------------
// Extended Rosenbrock, n = 100: Σ_{i<n−1} 100·(x[i+1] − x[i]²)² + (1 − x[i])²

#[differentiable]
fn rosen_ext(x: [f64; 100]) -> f64 {
    let mut sum = 0.0;
    for i in 0..99 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        sum += 100.0 * a * a + b * b;
    }
    sum
}

/// [`rosen_ext`] generic over the float type.
#[differentiable]
fn rosen_ext_generic<T: Float>(x: [T; 100]) -> T {
    let mut sum = T::ZERO;
    for i in 0..99 {
        let a = x[i + 1] - x[i] * x[i];
        let b = T::ONE - x[i];
        sum += T::from_f64(100.0) * a * a + b * b;
    }
    sum
}

/// The concrete f32 twin of [`rosen_ext`].
#[differentiable]
fn rosen_ext_f32(x: [f32; 100]) -> f32 {
    let mut sum = 0.0;
    for i in 0..99 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        sum += 100.0 * a * a + b * b;
    }
    sum
}

/// Term i contributes −400·x[i]·a − 2·b to ∂f/∂x[i] and 200·a to ∂f/∂x[i+1],
/// with a = x[i+1] − x[i]², b = 1 − x[i]. The second part is carried in a
/// register to the next iteration rather than accumulated through `g` (which
/// would chain every iteration through a store and a load). Same signature as
/// the generated function.
fn rosen_ext_hand(x: [f64; N]) -> (f64, [f64; N]) {
    let mut sum = 0.0;
    let mut g = [0.0; N];
    let mut da_prev = 0.0;
    for i in 0..N - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        sum += 100.0 * a * a + b * b;
        let da = 200.0 * a;
        g[i] = da_prev - 2.0 * x[i] * da - 2.0 * b;
        da_prev = da;
    }
    g[N - 1] = da_prev;
    (sum, g)
}

fn rosen_ext_tape(x: [f64; N]) -> (f64, [f64; N]) {
    let xs: Vec<Value> = x.iter().map(|&v| Value::new(v)).collect();
    let mut sum = Value::new(0.0);
    for i in 0..N - 1 {
        let a = &xs[i + 1] - &(&xs[i] * &xs[i]);
        let b = 1.0 - &xs[i];
        sum = &sum + &(&(&(100.0 * &a) * &a) + &(&b * &b));
    }
    sum.backward();
    let mut g = [0.0; N];
    for (gi, xi) in g.iter_mut().zip(&xs) {
        *gi = xi.grad();
    }
    (sum.data(), g)
}

// ---------------------------------------------------------------------------
// Nested composition, 30 deep: x ← sin(x)·x + cos(x). Expanded symbolically,
// the derivative of the k-deep composition doubles in size at every level.

#[differentiable]
fn nested(x: f64) -> f64 {
    let mut x = x;
    for _ in 0..30 {
        x = x.sin() * x + x.cos();
    }
    x
}

/// A shallow instance, only to check `nested_hand` and `nested_tape` against
/// the generated gradient where it is not 0 (see `check_agreement`).
#[differentiable]
fn nested_4(x: f64) -> f64 {
    let mut x = x;
    for _ in 0..4 {
        x = x.sin() * x + x.cos();
    }
    x
}

/// d/dx [sin(x)·x + cos(x)] = cos(x)·x + sin(x) − sin(x) = x·cos(x), so the
/// derivative is the product of x_k·cos(x_k) over the levels: accumulated in
/// the same pass as the value (forward mode), nothing stored.
fn nested_hand<const D: usize>(x: f64) -> (f64, f64) {
    let mut x = x;
    let mut d = 1.0;
    for _ in 0..D {
        let (s, c) = (x.sin(), x.cos());
        d *= x * c;
        x = s * x + c;
    }
    (x, d)
}

fn nested_tape<const D: usize>(x: f64) -> (f64, f64) {
    let x0 = Value::new(x);
    let mut x = x0.clone();
    for _ in 0..D {
        x = &(&x.sin() * &x) + &x.cos();
    }
    x.backward();
    (x.data(), x0.grad())
}

// ---------------------------------------------------------------------------
// micrograd's test_engine.py sanity check, at x = −4: value −20, gradient 46.

#[differentiable]
fn sanity(x: f64) -> f64 {
    let z = 2.0 * x + 2.0 + x;
    let q = relu(z) + z * x;
    let h = relu(z * z);
    h + q + q * x
}

/// z = 3x + 2 (written as the original), dz/dx = 3;
/// dq/dx = 3·[z > 0] + 3x + z; dh/dx = 6z·[z² > 0]; dy/dx = dh/dx + (1 + x)·dq/dx + q.
fn sanity_hand(x: f64) -> (f64, f64) {
    let z = 2.0 * x + 2.0 + x;
    let q = relu(z) + z * x;
    let zz = z * z;
    let h = relu(zz);
    let dq = if z > 0.0 { 3.0 } else { 0.0 } + 3.0 * x + z;
    let dh = if zz > 0.0 { 6.0 * z } else { 0.0 };
    (h + q + q * x, dh + (1.0 + x) * dq + q)
}

fn sanity_tape(x: f64) -> (f64, f64) {
    let x = Value::new(x);
    let z = &(&(2.0 * &x) + 2.0) + &x;
    let q = &z.relu() + &(&z * &x);
    let h = (&z * &z).relu();
    let y = &(&h + &q) + &(&q * &x);
    y.backward();
    (y.data(), x.grad())
}

// ---------------------------------------------------------------------------
// Agreement, then measurements.

/// Test points for the extended Rosenbrock: deterministic, in [−1.5, 1.5].
fn rosen_point() -> [f64; N] {
    let mut x = [0.0; N];
    for (i, xi) in x.iter_mut().enumerate() {
        *xi = 1.5 * ((i as f64) * 0.731 + 0.2).sin();
    }
    x
}

fn assert_close(what: &str, got: f64, want: f64) {
    let tol = 1e-12 * want.abs().max(1.0);
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:e}, generated gives {want:e}"
    );
}

/// Asserts that every hand-written and tape gradient agrees with the
/// generated one (to 1e-12, relative above 1) before anything is timed, and
/// that the sanity case reproduces micrograd's figures.
fn check_agreement() {
    for (x, y) in [(-1.2, 1.0), (0.3, -0.7), (1.0, 1.0), (2.5, 4.1)] {
        let (v, (dx, dy)) = rosenbrock_grad(x, y);
        assert_close("rosenbrock value", rosenbrock(x, y), v);
        for (name, (hv, (hx, hy))) in [
            ("hand", rosenbrock_hand(x, y)),
            ("tape", rosenbrock_tape(x, y)),
        ] {
            assert_close(&format!("rosenbrock {name} value"), hv, v);
            assert_close(&format!("rosenbrock {name} ∂x"), hx, dx);
            assert_close(&format!("rosenbrock {name} ∂y"), hy, dy);
        }
    }

    let x = rosen_point();
    let (v, g) = rosen_ext_grad(x);
    assert_close("rosen_ext value", rosen_ext(x), v);
    for (name, (hv, hg)) in [("hand", rosen_ext_hand(x)), ("tape", rosen_ext_tape(x))] {
        assert_close(&format!("rosen_ext {name} value"), hv, v);
        for i in 0..N {
            assert_close(&format!("rosen_ext {name} ∂x[{i}]"), hg[i], g[i]);
        }
    }

    // The composition converges to π/2, where x·cos(x) ≈ 1e-16: from any
    // start the 30-deep gradient underflows to 0 after ~20 levels. So the
    // rule is checked on a 4-deep instance, where the gradient is O(1).
    for x in [0.5, -4.0, 2.0, 7.0] {
        let (v, d) = nested_4_grad(x);
        assert_close("nested_4 value", nested_4(x), v);
        assert!(d.abs() > 1e-6, "nested_4 gradient should not vanish");
        for (name, (hv, hd)) in [("hand", nested_hand::<4>(x)), ("tape", nested_tape::<4>(x))] {
            assert_close(&format!("nested_4 {name} value"), hv, v);
            assert_close(&format!("nested_4 {name} ∂x"), hd, d);
        }
        let (v, d) = nested_grad(x);
        assert_close("nested value", nested(x), v);
        for (name, (hv, hd)) in [
            ("hand", nested_hand::<DEPTH>(x)),
            ("tape", nested_tape::<DEPTH>(x)),
        ] {
            assert_close(&format!("nested {name} value"), hv, v);
            assert_close(&format!("nested {name} ∂x"), hd, d);
        }
    }

    for x in [-4.0, -0.3, 0.0, 0.7, 3.0] {
        let (v, d) = sanity_grad(x);
        assert_close("sanity value", sanity(x), v);
        for (name, (hv, hd)) in [("hand", sanity_hand(x)), ("tape", sanity_tape(x))] {
            assert_close(&format!("sanity {name} value"), hv, v);
            assert_close(&format!("sanity {name} ∂x"), hd, d);
        }
    }
    assert_eq!(sanity_grad(-4.0), (-20.0, 46.0), "micrograd's figures");

    // generic, monomorphised: the concrete gradients, bit for bit
    for (x, y) in [(-1.2, 1.0), (0.3, -0.7), (2.5, 4.1)] {
        assert_eq!(rosenbrock_generic_grad(x, y), rosenbrock_grad(x, y));
        let (x, y) = (x as f32, y as f32);
        assert_eq!(rosenbrock_generic_grad(x, y), rosenbrock_f32_grad(x, y));
    }
    let x = rosen_point();
    assert_eq!(rosen_ext_generic_grad(x), rosen_ext_grad(x));
    let x = x.map(|v| v as f32);
    assert_eq!(rosen_ext_generic_grad(x), rosen_ext_f32_grad(x));
}

fn bench_rosenbrock(c: &mut Criterion) {
    let mut g = c.benchmark_group("scalar/rosenbrock");
    let (x, y) = (-1.2, 1.0);
    g.bench_function("generated", |b| {
        b.iter(|| rosenbrock_grad(black_box(x), black_box(y)))
    });
    g.bench_function("hand", |b| {
        b.iter(|| rosenbrock_hand(black_box(x), black_box(y)))
    });
    g.bench_function("generated_call", |b| {
        b.iter(|| rosenbrock_grad_call(black_box(x), black_box(y)))
    });
    g.bench_function("hand_call", |b| {
        b.iter(|| rosenbrock_hand_call(black_box(x), black_box(y)))
    });
    g.bench_function("tape", |b| {
        b.iter(|| rosenbrock_tape(black_box(x), black_box(y)))
    });
    g.bench_function("forward", |b| {
        b.iter(|| rosenbrock(black_box(x), black_box(y)))
    });
    g.finish();
}

fn bench_rosen_ext(c: &mut Criterion) {
    let mut g = c.benchmark_group("scalar/rosen_ext_100");
    let x = rosen_point();
    g.bench_function("generated", |b| b.iter(|| rosen_ext_grad(black_box(x))));
    g.bench_function("hand", |b| b.iter(|| rosen_ext_hand(black_box(x))));
    g.bench_function("tape", |b| b.iter(|| rosen_ext_tape(black_box(x))));
    g.bench_function("forward", |b| b.iter(|| rosen_ext(black_box(x))));
    g.finish();
}

fn bench_nested(c: &mut Criterion) {
    let mut g = c.benchmark_group("scalar/nested_30");
    let x = 0.5;
    g.bench_function("generated", |b| b.iter(|| nested_grad(black_box(x))));
    g.bench_function("hand", |b| b.iter(|| nested_hand::<DEPTH>(black_box(x))));
    g.bench_function("tape", |b| b.iter(|| nested_tape::<DEPTH>(black_box(x))));
    g.bench_function("forward", |b| b.iter(|| nested(black_box(x))));
    g.finish();
}

/// The two smallest cases are also timed as calls that are not inlined into
/// the benchmark loop: a few-nanosecond function inlined there is scheduled
/// together with the loop, and how LLVM does that differs between two
/// equivalent bodies by more than the bodies differ.
#[inline(never)]
fn sanity_grad_call(x: f64) -> (f64, f64) {
    sanity_grad(x)
}

#[inline(never)]
fn sanity_hand_call(x: f64) -> (f64, f64) {
    sanity_hand(x)
}

#[inline(never)]
fn rosenbrock_grad_call(x: f64, y: f64) -> (f64, (f64, f64)) {
    rosenbrock_grad(x, y)
}

#[inline(never)]
fn rosenbrock_hand_call(x: f64, y: f64) -> (f64, (f64, f64)) {
    rosenbrock_hand(x, y)
}

fn bench_sanity(c: &mut Criterion) {
    let mut g = c.benchmark_group("scalar/micrograd_sanity");
    let x = -4.0;
    g.bench_function("generated", |b| b.iter(|| sanity_grad(black_box(x))));
    g.bench_function("hand", |b| b.iter(|| sanity_hand(black_box(x))));
    g.bench_function("generated_call", |b| {
        b.iter(|| sanity_grad_call(black_box(x)))
    });
    g.bench_function("hand_call", |b| b.iter(|| sanity_hand_call(black_box(x))));
    g.bench_function("tape", |b| b.iter(|| sanity_tape(black_box(x))));
    g.bench_function("forward", |b| b.iter(|| sanity(black_box(x))));
    g.finish();
}

// ---------------------------------------------------------------------------
// Generic floats: each gradient behind its own `#[inline(never)]` wrapper,
// so that the generic and the concrete version are compiled the same way
// (a call, not code scheduled into criterion's loop, where two equal bodies
// can come out differently)

#[inline(never)]
fn rosenbrock_f64_concrete(x: f64, y: f64) -> (f64, (f64, f64)) {
    rosenbrock_grad(x, y)
}

#[inline(never)]
fn rosenbrock_f64_generic(x: f64, y: f64) -> (f64, (f64, f64)) {
    rosenbrock_generic_grad(x, y)
}

#[inline(never)]
fn rosenbrock_f32_concrete(x: f32, y: f32) -> (f32, (f32, f32)) {
    rosenbrock_f32_grad(x, y)
}

#[inline(never)]
fn rosenbrock_f32_generic(x: f32, y: f32) -> (f32, (f32, f32)) {
    rosenbrock_generic_grad(x, y)
}

#[inline(never)]
fn rosen_ext_f64_concrete(x: &[f64; N]) -> (f64, [f64; N]) {
    rosen_ext_grad(*x)
}

#[inline(never)]
fn rosen_ext_f64_generic(x: &[f64; N]) -> (f64, [f64; N]) {
    rosen_ext_generic_grad(*x)
}

#[inline(never)]
fn rosen_ext_f32_concrete(x: &[f32; N]) -> (f32, [f32; N]) {
    rosen_ext_f32_grad(*x)
}

#[inline(never)]
fn rosen_ext_f32_generic(x: &[f32; N]) -> (f32, [f32; N]) {
    rosen_ext_generic_grad(*x)
}

/// Generic gradients monomorphised for f64 and f32 against the concrete
/// ones, in the same run: `scalar/generic_<case>/<float>_<concrete|generic>`,
/// each timed through its `#[inline(never)]` wrapper for 10 s.
fn bench_generic(c: &mut Criterion) {
    let long = std::time::Duration::from_secs(10);
    let mut g = c.benchmark_group("scalar/generic_rosenbrock");
    g.measurement_time(long);
    let (x, y) = (-1.2, 1.0);
    let (x32, y32) = (-1.2_f32, 1.0_f32);
    g.bench_function("f64_concrete", |b| {
        b.iter(|| rosenbrock_f64_concrete(black_box(x), black_box(y)))
    });
    g.bench_function("f64_generic", |b| {
        b.iter(|| rosenbrock_f64_generic(black_box(x), black_box(y)))
    });
    g.bench_function("f32_concrete", |b| {
        b.iter(|| rosenbrock_f32_concrete(black_box(x32), black_box(y32)))
    });
    g.bench_function("f32_generic", |b| {
        b.iter(|| rosenbrock_f32_generic(black_box(x32), black_box(y32)))
    });
    g.finish();
    let mut g = c.benchmark_group("scalar/generic_rosen_ext_100");
    g.measurement_time(long);
    let x = rosen_point();
    let x32 = x.map(|v| v as f32);
    g.bench_function("f64_concrete", |b| {
        b.iter(|| rosen_ext_f64_concrete(black_box(&x)))
    });
    g.bench_function("f64_generic", |b| {
        b.iter(|| rosen_ext_f64_generic(black_box(&x)))
    });
    g.bench_function("f32_concrete", |b| {
        b.iter(|| rosen_ext_f32_concrete(black_box(&x32)))
    });
    g.bench_function("f32_generic", |b| {
        b.iter(|| rosen_ext_f32_generic(black_box(&x32)))
    });
    g.finish();
}

/// Prints generic / concrete for each case and float type, from
/// [`paired_ratio`] (run by `cargo bench --bench scalar -- generic`).
fn generic_ratios() {
    let (x, y) = (-1.2, 1.0);
    let (x32, y32) = (-1.2_f32, 1.0_f32);
    let xs = rosen_point();
    let xs32 = xs.map(|v| v as f32);
    let rows = [
        (
            "rosenbrock f64",
            paired_ratio(
                || {
                    black_box(rosenbrock_f64_concrete(black_box(x), black_box(y)));
                },
                || {
                    black_box(rosenbrock_f64_generic(black_box(x), black_box(y)));
                },
            ),
        ),
        (
            "rosenbrock f32",
            paired_ratio(
                || {
                    black_box(rosenbrock_f32_concrete(black_box(x32), black_box(y32)));
                },
                || {
                    black_box(rosenbrock_f32_generic(black_box(x32), black_box(y32)));
                },
            ),
        ),
        (
            "rosen_ext_100 f64",
            paired_ratio(
                || {
                    black_box(rosen_ext_f64_concrete(black_box(&xs)));
                },
                || {
                    black_box(rosen_ext_f64_generic(black_box(&xs)));
                },
            ),
        ),
        (
            "rosen_ext_100 f32",
            paired_ratio(
                || {
                    black_box(rosen_ext_f32_concrete(black_box(&xs32)));
                },
                || {
                    black_box(rosen_ext_f32_generic(black_box(&xs32)));
                },
            ),
        ),
    ];
    println!("generic / concrete, {ROUNDS} interleaved pairs of blocks of about 0.1 ms:");
    for (case, [q1, median, q3]) in rows {
        println!("scalar/generic {case:<18} median {median:.3}  (quartiles {q1:.3}–{q3:.3})");
    }
}

fn main() {
    check_agreement();
    let mut c = Criterion::default().configure_from_args();
    bench_rosenbrock(&mut c);
    bench_rosen_ext(&mut c);
    bench_nested(&mut c);
    bench_sanity(&mut c);
    bench_generic(&mut c);
    c.final_summary();
    // the paired measurement, when benches run (not `cargo test`'s single
    // pass) and the filter asks for the generic cases
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--bench") && args.iter().any(|a| a.contains("generic")) {
        generic_ratios();
    }
}
