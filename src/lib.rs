//! # macrograd
//!
//! Compile-time reverse-mode differentiation for Rust. `#[differentiable]` on a
//! function writes its gradient beside it as plain Rust; `grad!` does
//! the same for a closure. Nothing is recorded at run time: the generated
//! code is what you would derive by hand.
//!
//! ```
//! use macrograd::differentiable;
//!
//! #[differentiable]
//! fn loss(w: f64, b: f64, #[nograd] x: f64, #[nograd] y: f64) -> f64 {
//!     let pred = w * x + b;
//!     (pred - y).powi(2)
//! }
//!
//! let (value, (dw, db)) = loss_grad(0.5, 0.0, 2.0, 3.0);
//! assert_eq!((value, dw, db), (4.0, -8.0, -4.0));
//! ```
//!
//! ## The contract
//!
//! `#[differentiable] fn name(params) -> F` (with `F` = `f32` or `f64`) keeps `name`
//! as written and adds, with the same visibility:
//!
//! - `fn name_grad(params) -> (F, gradient)`: the value, then one gradient
//!   entry per parameter not marked `#[nograd]`, in order, each of that
//!   parameter's type (`[F; N]` parameters get `[F; N]` gradients; a slice
//!   `&[F]`, `&Vec<F>` or `&[[F; N]]` gets a `Vec<F>` / `Vec<[F; N]>` of its
//!   length). With exactly one differentiable parameter the gradient is that
//!   entry itself. Its rustdoc shows the derivative formulas and what the
//!   gradient keeps in memory per loop iteration.
//! - for a function with differentiable slices, also
//!   `fn name_grad_into(params, d_xs: &mut [F], ...) -> (F, rest)`: the
//!   allocation-free form. It *adds* each slice's gradient into the caller's
//!   buffer `d_<name>` (one per differentiable slice, in order; not zeroed,
//!   so calls over batches accumulate; it panics if a buffer's length differs
//!   from its slice's) and returns the value with the gradient entries of the
//!   other parameters (the value alone when there are none).
//! - a hidden `struct name {}` (type namespace only) whose
//!   `name::pullback(params) -> (F, (entry, ...,))` has one entry per
//!   parameter (`()` for `#[nograd]` ones): other differentiable functions
//!   call `name` through it, so `use m::name` brings both along.
//!
//! `grad!(|x: F, y: F| body)` evaluates to a closure returning
//! `(F, gradient)` by the same convention.
//!
//! The gradient is written in reverse mode: one backward sweep after the
//! forward pass. A function with exactly one differentiable scalar gets
//! forward mode instead, where each value's derivative follows it in the
//! forward pass: nothing is stored for a second sweep. The generated rustdoc
//! says which mode was used.
//!
//! ## What a body may contain
//!
//! - parameters of type `f32`/`f64` or `[f32; N]`/`[f64; N]` (literal `N`),
//!   slices of run-time length `&[F]`, `&Vec<F>`, `&[[F; N]]` (differentiable
//!   or `#[nograd]` data), and `usize` (an index, a length, a step count:
//!   never differentiated, no `#[nograd]` needed);
//! - parameters by shared reference, `&f64` and `&[f64; N]`: the gradient
//!   entry is the value's type (`f64`, `[f64; N]`), and the generated code
//!   reads the value once (`let x = *x;`). A call `g(&(x * y), &w)` of a
//!   `#[differentiable] fn g(a: &f64, w: &[f64; 3])` passes references as
//!   written;
//! - tuple parameters of up to 8 floats, `p: (f64, f64)`: read as `p.0` or
//!   taken apart (`let (a, b) = p;`); the gradient entry is a tuple of the
//!   same shape, and a `#[nograd]` one is data. A call passes a tuple value
//!   `g((x, y))` or a `#[nograd]` tuple parameter whole;
//! - float literals (an integer literal in float context is an error with a
//!   suggestion, as in plain Rust), `std::f64::consts::*`, `f64::EPSILON` …,
//!   and constant items of the surrounding code (`G`, `physics::G`: any
//!   path whose last name is `UPPER_CASE`), read when the gradient runs;
//! - `let` (shadowing allowed), `let mut` with `=`, `+=`, `-=`, `*=`, `/=`,
//!   also on array elements;
//! - tuples inside the body: tuple values `(x * y, x + y)`, destructuring
//!   `let (a, (b, _)) = …;`, parts `t.0`, tuples as the value of an `if`, and
//!   `let (s, c) = x.sin_cos();` (lowered to `x.sin()` and `x.cos()` of the
//!   same argument, so each part's derivative shares the other's value). A
//!   tuple is taken apart, not reassigned (`let mut t = (…)` is an error:
//!   write `let (mut a, mut b) = …;`), and the body's value stays one float;
//! - `if` / `else if` / `else` as expression or statement, on comparisons
//!   combined with `&&`, `||`, `!`: the branch taken is the one
//!   differentiated. Conditions on loop indices are decided at compile time;
//! - `for i in a..b` (and `..=`, `.rev()`) with constant bounds (literals,
//!   `x.len()` of an array, arithmetic on them), `for v in array`,
//!   `for &v in &array`, `for (i, &v) in array.iter().enumerate()`: unrolled
//!   at compile time;
//! - loops whose trip count is known only at run time, kept as loops:
//!   `for i in a..b` / `..=` / `.rev()` with `usize` bounds (`xs.len()`, a
//!   `usize` parameter, `usize` arithmetic, triangular `for j in i + 1..n`),
//!   `for x in xs`, `xs.iter()`, `.enumerate()`, `.zip(ys)`,
//!   `xs.windows(n)` and `xs.chunks_exact(n)` (constant `n`), nested loops;
//!   `xs.iter().map(|x| …).sum::<F>()` and `.fold(init, |acc, x| …)`;
//!   `while cond { … }` with a data-dependent exit. Their backward pass is a
//!   loop: sums (`s += f(x[i])`) need no memory, carried state (an ODE
//!   step) is kept once per iteration on a tape sized once per call;
//! - `usize` arithmetic and comparisons, `i as F`; run-time indexing
//!   `xs[i]`, `xs[i * d + j]`, `rows[i][j]`, `logits[label]` with Rust's own
//!   bounds checks (the gradient panics where the function does);
//! - indexing with constant or loop-index subscripts (`x[i + 1]`), checked
//!   against the array length at compile time; local arrays `[a, b]`, `[0.0; N]`;
//! - `+ - * /`, unary `-`, `x.powi(n)` (constant `n`), and the methods
//!   `powf sqrt cbrt exp exp2 exp_m1 ln ln_1p log log2 log10 sin cos tan asin
//!   acos atan atan2 sinh cosh tanh asinh acosh atanh abs signum max min
//!   hypot mul_add recip clamp` (also as `f64::sin(x)`);
//! - the functions of [`ops`]: `relu sigmoid softplus leaky_relu gelu silu`;
//! - calls of other `#[differentiable]` functions, by name or path, any number of times;
//! - structs marked `#[derive(Differentiable)]` (fields: floats, fixed float
//!   arrays, other such structs) as parameters, by value or `&`: the
//!   gradient entry is a value of the struct, zero where the body does not
//!   read. Bodies read fields (`s.x`, `s.arm.l1`, `s.w[i]` with a constant
//!   or constant-loop index), build struct values (`State { x, v }`,
//!   `State { x, ..s }`) and pass structs to other differentiable functions.
//!   A slice of structs `&[Sample]` is `#[nograd]` data read by field in
//!   run-time loops (no derive needed). See [`Differentiable`] for why the
//!   macro never needs the struct's definition;
//! - methods: `#[differentiable]` on a method differentiates `&self` / `self`
//!   (gradient a `Self`) unless it is marked `#[nograd]`; `name_grad` is a
//!   method of the same `impl`, and bodies call other differentiable
//!   methods (`self.kinetic()`), associated functions (`Self::spring(self)`)
//!   and free functions;
//! - the derived functions of struct parameters and methods: `name_jvp`,
//!   `name_hvp`/`name_hessian` under `hessian`, `name_vjp`/`name_jacobian`
//!   for a vector result, with tangents, directions and gradients of the
//!   struct's type (a function passing a struct on to another function has
//!   no `name_jacobian` and no `hessian`, for now);
//! - a struct result (`-> State`, the body's value a literal listing every
//!   field or taking the rest from `..s`): `name_vjp` takes a cotangent of
//!   the struct's type, `name_jvp` gives a tangent of it, and
//!   `name_jacobian` (without `..base` from a parameter) has one row per
//!   float of the struct in declaration order; a differentiable body calls it as
//!   `let State { x, v } = step(s, h);` (a struct pattern naming the
//!   fields it reads).
//!
//! ```
//! use macrograd::{differentiable, Differentiable};
//!
//! #[derive(Clone, Copy, Debug, PartialEq, Differentiable)]
//! struct Arm { l1: f64, l2: f64 }
//!
//! #[differentiable]
//! fn reach(a: &Arm, #[nograd] q: f64) -> f64 {
//!     a.l1 * q.cos() + a.l2 * (2.0 * q).cos()
//! }
//!
//! impl Arm {
//!     #[differentiable]
//!     fn loss(&self, #[nograd] q: f64, #[nograd] target: f64) -> f64 {
//!         (reach(self, q) - target).powi(2)
//!     }
//! }
//!
//! let arm = Arm { l1: 1.0, l2: 0.5 };
//! let (_, g) = arm.loss_grad(0.0, 1.0); // reach = 1.5, residual 0.5
//! assert_eq!(g, Arm { l1: 1.0, l2: 1.0 }); // 2 · 0.5 · (cos 0, cos 0)
//! // a tangent of `reach` is an `Arm` too: ∂reach/∂l1 · 2 + ∂reach/∂l2 · 1
//! let (_, t) = reach_jvp(&arm, 0.0, Arm { l1: 2.0, l2: 1.0 });
//! assert_eq!(t, 3.0);
//!
//! // a struct result: the arm scaled, pulled back along a cotangent `Arm`
//! #[differentiable]
//! fn scaled(a: &Arm, k: f64) -> Arm {
//!     Arm { l1: k * a.l1, l2: k * a.l2 }
//! }
//! let (v, (da, dk)) = scaled_vjp(&arm, 2.0, Arm { l1: 1.0, l2: 0.0 });
//! assert_eq!((v, da, dk), (Arm { l1: 2.0, l2: 1.0 }, Arm { l1: 2.0, l2: 0.0 }, 1.0));
//! // rows (l1, l2) as `Arm` declares them, columns (a.l1, a.l2, k) as the
//! // body first reads them
//! let (_, j) = scaled_jacobian(&arm, 2.0);
//! assert_eq!(j, [[2.0, 0.0, 1.0], [0.0, 2.0, 0.5]]);
//!
//! // `..base`: `l2` copied from `a`, its derivative the identity
//! #[differentiable]
//! fn stretch(a: &Arm, k: f64) -> Arm {
//!     Arm { l1: k * a.l1, ..*a }
//! }
//! let (_, (da, _)) = stretch_vjp(&arm, 2.0, Arm { l1: 1.0, l2: 3.0 });
//! assert_eq!(da, Arm { l1: 2.0, l2: 3.0 });
//!
//! // called in a differentiable body: its result taken apart by a pattern
//! #[differentiable]
//! fn spread(a: &Arm) -> f64 {
//!     let Arm { l1, l2 } = scaled(a, 2.0);
//!     l1 - l2
//! }
//! assert_eq!(spread_grad(&arm), (1.0, Arm { l1: 2.0, l2: -2.0 }));
//! ```
//!
//! Anything else is a compile error on the offending token that says what to
//! do instead (the UI tests in `tests/ui/` show every message).
//!
//! A loss over a data set, and an ODE integrated for a run-time number of
//! steps (the gradient of `euler` keeps one value per step):
//!
//! ```
//! use macrograd::differentiable;
//!
//! #[differentiable]
//! fn least_squares(w: f64, b: f64, #[nograd] xs: &[f64], #[nograd] ys: &[f64]) -> f64 {
//!     let mut s = 0.0;
//!     for (&x, &y) in xs.iter().zip(ys) {
//!         let r = w * x + b - y;
//!         s += r * r;
//!     }
//!     s
//! }
//!
//! #[differentiable]
//! fn euler(x0: f64, k: f64, #[nograd] h: f64, steps: usize) -> f64 {
//!     let mut x = x0;
//!     for _ in 0..steps {
//!         x = x - h * k * x;
//!     }
//!     x
//! }
//!
//! let (loss, (dw, db)) = least_squares_grad(1.0, 0.0, &[1.0, 2.0], &[1.0, 3.0]);
//! assert_eq!((loss, dw, db), (1.0, -4.0, -2.0));
//! // x = x0·(1 − h·k)², so ∂x/∂x0 = (1 − h·k)² and ∂x/∂k = −2·h·x0·(1 − h·k)
//! let (x, (dx0, dk)) = euler_grad(2.0, 1.0, 0.5, 2);
//! assert_eq!((x, dx0, dk), (0.5, 0.25, -1.0));
//! ```
//!
//! ## Generic floats
//!
//! One function for both precisions: a single type parameter bounded by
//! [`Float`] (`<T: Float>`). Constants are written `T::from_f64(c)`,
//! `T::ONE`, `T::ZERO`; the generated gradient is generic too, and each
//! constant it needs is converted once per call. [`Float`] has every
//! method listed above (`x.sin()`, `x.powf(y)`, `y.atan2(x)`, …), so a
//! generic body calls what a concrete one does. Other generic parameters
//! are an error saying what to write.
//!
//! ```
//! use macrograd::{differentiable, Float};
//!
//! #[differentiable]
//! fn rosenbrock<T: Float>(x: T, y: T) -> T {
//!     let a = T::ONE - x;
//!     let b = y - x * x;
//!     a * a + T::from_f64(100.0) * b * b
//! }
//!
//! // ∂f/∂x = −2·(1 − x) − 400·x·(y − x²), ∂f/∂y = 200·(y − x²)
//! assert_eq!(rosenbrock_grad(0.5_f64, 0.5_f64), (6.5, (-51.0, 50.0)));
//! assert_eq!(rosenbrock_grad(0.5_f32, 0.5_f32), (6.5, (-51.0, 50.0)));
//! ```
//!
//! ## Giving a derivative by hand
//!
//! For a function the macro should not (or cannot) differentiate, write its
//! value-and-gradient function yourself, with the `name_grad` convention,
//! and point `#[differentiable(custom = ...)]` at it. The body is then not read, and
//! differentiable callers use your derivative:
//!
//! ```
//! use macrograd::differentiable;
//!
//! #[differentiable(custom = soft_limit_grad)]
//! fn soft_limit(x: f64) -> f64 {
//!     x / (1.0 + x.abs())
//! }
//!
//! fn soft_limit_grad(x: f64) -> (f64, f64) {
//!     let d = 1.0 + x.abs();
//!     (x / d, 1.0 / (d * d))
//! }
//!
//! #[differentiable]
//! fn twice(x: f64) -> f64 {
//!     2.0 * soft_limit(x)
//! }
//!
//! assert_eq!(twice_grad(1.0), (1.0, 0.5));
//! ```
//!
//! For a function you do not own (`libm::erf`, a function of another
//! crate), [`derivative!`] declares a local wrapper and its derivative in
//! one place, near the use: the wrapper's value expression, then
//! `gradient =` the derivative with respect to each parameter (the entry
//! itself for one parameter, a tuple for several, as `name_grad` returns).
//! It writes `fn name`, `name_grad` and what `#[differentiable]` callers
//! look for; the signature is checked as a `#[differentiable]` one is, and
//! a gradient of the wrong shape is rustc's "mismatched types" on the
//! gradient expression.
//!
//! ```
//! mod other_crate {
//!     pub fn softsign(x: f64) -> f64 { x / (1.0 + x.abs()) }
//! }
//!
//! macrograd::derivative! {
//!     /// `other_crate::softsign`, differentiable.
//!     fn softsign(x: f64) -> f64 = other_crate::softsign(x);
//!     gradient = 1.0 / ((1.0 + x.abs()) * (1.0 + x.abs()));
//! }
//!
//! #[macrograd::differentiable]
//! fn scaled(x: f64, w: f64) -> f64 {
//!     w * softsign(x)
//! }
//!
//! assert_eq!(scaled_grad(1.0, 4.0), (2.0, (1.0, 0.5)));
//! ```
//!
//! Calling a function that is neither `#[differentiable]`, nor
//! `#[differentiable(custom = ...)]`, nor declared by `derivative!` (a
//! function of another crate called directly, `libm::erf(x)`) fails to
//! compile with one error on the call: "`erf` has no derivative", with a
//! note saying to give it one in one of these three ways.
//!
//! ## `grad!`: closures, functions and networks written inline
//!
//! `grad!` reads one of three forms, told apart by the first keyword:
//! a closure, one or more `fn` items, or a network that starts with its
//! `struct` (next section).
//!
//! ```
//! use macrograd::grad;
//!
//! let f = grad!(|x: f64, y: f64| x * y + (x / y).sin());
//! let (v, (dx, dy)) = f(2.0, 3.0);
//! assert!((dx - (3.0 + (2.0_f64 / 3.0).cos() / 3.0)).abs() < 1e-15);
//! # let _ = (v, dy);
//!
//! // the same as `#[differentiable]` on each function; an item may carry
//! // `#[differentiable(custom = path)]` for its arguments
//! grad! {
//!     fn square(x: f64) -> f64 { x * x }
//!     fn twice_square(x: f64) -> f64 { 2.0 * square(x) }
//! }
//! assert_eq!(twice_square_grad(3.0), (18.0, 12.0));
//! ```
//!
//! A closure may read variables of its surroundings, as Rust closures do
//! (it borrows them). The macro cannot see their types, so a name the
//! closure does not bind, written in lowercase, is a captured variable and
//! its use decides its type: passed to a function it is passed on as
//! written (`&data` to a `#[nograd] xs: &[f64]` parameter), in arithmetic
//! it is a float (read as `scale as f64`), in index arithmetic a `usize`.
//! It is never differentiated. Indexing a captured variable or looping over
//! it is a compile error that says to make it a `#[nograd]` closure
//! parameter instead; a captured value of another type used as a number
//! is rustc's "non-primitive cast" on its name, and a misspelled name is
//! rustc's "cannot find value".
//!
//! ```
//! use macrograd::{differentiable, grad};
//!
//! #[differentiable]
//! fn loss(w: [f64; 2], #[nograd] xs: &[f64], #[nograd] ys: &[f64]) -> f64 {
//!     let mut s = 0.0;
//!     for i in 0..xs.len() {
//!         s += (w[0] * xs[i] + w[1] - ys[i]).powi(2);
//!     }
//!     s
//! }
//!
//! let (xs, ys) = (vec![1.0, 2.0], vec![3.0, 5.0]);
//! let ridge = 0.1;
//! let f = grad!(|w: [f64; 2]| loss(w, &xs, &ys) + ridge * (w[0] * w[0] + w[1] * w[1]));
//! let (_, g) = f([2.0, 1.0]);
//! assert!((g[0] - 0.4).abs() < 1e-12 && (g[1] - 0.2).abs() < 1e-12);
//! ```
//!
//! Rust gives attribute and function-like macros one namespace, so the
//! attribute is `#[differentiable]`; `#[grad]` is rustc's error "cannot
//! find attribute `grad`".
//!
//! ## Networks
//!
//! `grad! { struct .. }` declares a network once: layers with compile-time sizes,
//! `forward`, and `loss` (a differentiable function of the output and
//! `#[nograd]` targets). It generates the struct (PyTorch's `nn.Linear`
//! layout and names), its [`Params`] visitor, `zeros`, `forward`, `loss`,
//! `backward_add` (one sample, adding into a gradient), `batch_loss` (mean
//! loss, no gradient), `batch_backward` (mean over a batch, sample by
//! sample, overwriting the gradient) and `batch_backward_gemm` (the same,
//! one matrix product per layer, with a reusable workspace), and the
//! [`train::Network`] impl through which [`train::Trainer::fit_network`]
//! trains it. The gradient convention is in [`params`]; a `batch_*` method
//! given an empty batch returns [`Error::EmptyBatch`], never a NaN.
//!
//! ```
//! use macrograd::prelude::*;
//!
//! grad! {
//!     struct Net {
//!         l1: Linear<2, 8>,
//!         l2: Linear<8, 1>,
//!     }
//!     fn forward(&self, x: [f64; 2]) -> [f64; 1] {
//!         let h = self.l1(x).tanh();
//!         self.l2(h)
//!     }
//!     fn loss(out: [f64; 1], #[nograd] y: f64) -> f64 {
//!         (out[0] - y).powi(2)
//!     }
//! }
//!
//! let mut net = Net::zeros();
//! macrograd::init::init_uniform(&mut net, 1).unwrap();
//! let (xs, ys) = ([[0.0, 1.0], [1.0, 0.0]], [1.0, -1.0]);
//! let (mut grad, mut sgd) = (Net::zeros(), Sgd::with_lr(0.1));
//! let first = net.batch_loss(&xs, &ys)?;
//! for _ in 0..200 {
//!     net.batch_backward(&xs, &ys, &mut grad)?; // overwrites `grad`
//!     sgd.step(&mut net, &grad)?;
//! }
//! assert!(net.batch_loss(&xs, &ys)? < first / 100.0);
//! assert!(matches!(net.batch_loss(&[], &[]), Err(Error::EmptyBatch { .. })));
//! # Ok::<(), macrograd::Error>(())
//! ```
//!
//! A width mismatch (`self.l2(x)` with a 2-wide `x` into `Linear<8, 1>`), an
//! unknown layer or a loss whose first parameter is not the output's type is
//! a compile error on that span.
#![forbid(unsafe_code)]

pub use macrograd_macros::{derivative, differentiable, grad, Differentiable, Params};
#[doc(inline)]
pub use macrograd_runtime::*;

/// What a training program needs, in one `use macrograd::prelude::*;`: the
/// macros, the traits whose methods it calls, the optimizers, the training
/// loop, the data sets and initialisers, and the error type.
///
/// ```
/// use macrograd::prelude::*;
///
/// grad! {
///     struct Line { l: Linear<1, 1> }
///     fn forward(&self, x: [f64; 1]) -> [f64; 1] { self.l(x) }
///     fn loss(out: [f64; 1], #[nograd] y: f64) -> f64 { (out[0] - y).powi(2) }
/// }
///
/// // y = 2x − 1 on eight points
/// let x: Vec<f64> = (0..8).map(|i| i as f64 / 4.0).collect();
/// let y = x.iter().map(|x| 2.0 * x - 1.0).collect();
/// let data = Dataset::new(x, 1, y, 1)?;
/// let mut line = Line::zeros();
/// let config = TrainConfig { epochs: 300, batch_size: 4, progress: Progress::Off, ..TrainConfig::default() };
/// Trainer::new(Sgd::with_lr(0.1), config).fit_network(&mut line, &data)?;
/// assert!((line.l.weight[0][0] - 2.0).abs() < 1e-3 && (line.l.bias[0] + 1.0).abs() < 1e-3);
/// # Ok::<(), macrograd::Error>(())
/// ```
pub mod prelude {
    pub use crate::checkpoint;
    pub use crate::data::{
        load_csv, load_mnist, make_blobs, make_circles, make_moons, make_regression,
        train_test_split, CsvOptions, Dataset,
    };
    pub use crate::init::{init_layers, init_uniform, Init};
    pub use crate::nn::add_l2_penalty;
    pub use crate::optim::{Adagrad, Adam, AdamW, Optimizer, RmsProp, Sgd, SgdConfig};
    pub use crate::rng;
    pub use crate::schedule::Schedule;
    pub use crate::train::{
        accuracy, batch_mean, Batch, Control, EarlyStopping, Network, Progress, TrainConfig,
        Trainer,
    };
    pub use crate::{differentiable, grad, Differentiable, Error, Float, Params, Real, Result};
}

/// What generated code refers to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use macrograd_runtime::private::*;
}
