//! The corpus of `runtime_loops`: every function written once, instantiated
//! in f64 (`c64`) and f32 (`c32`) by the parent.

macro_rules! corpus {
    ($F:ident) => {
        use macrograd::differentiable;

        /// Least squares over a data set: an accumulator loop (no tape).
        #[differentiable]
        pub fn least_squares(w: $F, b: $F, #[nograd] xs: &[$F], #[nograd] ys: &[$F]) -> $F {
            let mut s = 0.0;
            for i in 0..xs.len() {
                let r = w * xs[i] + b - ys[i];
                s += r * r;
            }
            s
        }

        /// A differentiable slice through `zip`, then a second loop over it.
        #[differentiable]
        pub fn dot_ridge(w: &[$F], #[nograd] xs: &Vec<$F>) -> $F {
            let mut s = 0.0;
            for (&wi, &x) in w.iter().zip(xs) {
                s += wi * x;
            }
            for wi in w {
                s += wi * wi;
            }
            s
        }

        /// Explicit Euler for `x' = -k·x`: loop-carried state, recorded.
        #[differentiable]
        pub fn euler_linear(x0: $F, k: $F, #[nograd] h: $F, steps: usize) -> $F {
            let mut x = x0;
            for _ in 0..steps {
                x = x + h * (-k * x);
            }
            x
        }

        /// Explicit Euler for `x' = -k·x² + sin t`: state and time carried.
        #[differentiable]
        pub fn euler_nonlinear(x0: $F, k: $F, #[nograd] h: $F, steps: usize) -> $F {
            let mut x = x0;
            let mut t: $F = 0.0;
            for _ in 0..steps {
                x = x + h * (-k * x * x + t.sin());
                t += h;
            }
            x
        }

        /// Logistic regression over rows `[x0, x1]` with labels ±1.
        #[differentiable]
        pub fn logistic(
            w0: $F,
            w1: $F,
            b: $F,
            #[nograd] xs: &[[$F; 2]],
            #[nograd] ys: &[$F],
        ) -> $F {
            let mut loss = 0.0;
            for (i, x) in xs.iter().enumerate() {
                let z = w0 * x[0] + w1 * x[1] + b;
                loss += (1.0 + (-ys[i] * z).exp()).ln();
            }
            loss / (xs.len() as $F)
        }

        /// A triangular double loop: `Σ_{i<j} w_i·w_j`.
        #[differentiable]
        pub fn pairs(w: &[$F]) -> $F {
            let n = w.len();
            let mut s = 0.0;
            for i in 0..n {
                for j in i + 1..n {
                    s += w[i] * w[j];
                }
            }
            s
        }

        /// Horner's scheme, highest coefficient first: `..=` and `.rev()`.
        #[differentiable]
        pub fn horner(x: $F, #[nograd] c: &[$F], degree: usize) -> $F {
            let mut p = 0.0;
            for i in (0..=degree).rev() {
                p = p * x + c[i];
            }
            p
        }

        /// Newton's method for `√a`, until the residual is small: a `while`
        /// loop with a data-dependent exit.
        #[differentiable]
        pub fn newton_sqrt(a: $F, #[nograd] tol: $F) -> $F {
            let mut x = a;
            while (x * x - a).abs() > tol {
                x = 0.5 * (x + a / x);
            }
            x
        }

        /// A fixed point `x = c·cos x`, iterated while it moves.
        #[differentiable]
        pub fn fixed_point(c: $F, #[nograd] tol: $F) -> $F {
            let mut x: $F = 0.0;
            let mut step: $F = 1.0;
            while step.abs() > tol {
                let next = c * x.cos();
                step = next - x;
                x = next;
            }
            x
        }

        /// A quadrature over `[0, t_end)`: the `while` loop's values are sums.
        #[differentiable]
        pub fn integral(w: $F, #[nograd] h: $F, #[nograd] t_end: $F) -> $F {
            let mut s = 0.0;
            let mut t: $F = 0.0;
            while t < t_end {
                s += h * (w * t).sin();
                t += h;
            }
            s
        }

        /// A differentiable slice read inside the branches of an `if`.
        #[differentiable]
        pub fn clipped(w: &[$F], #[nograd] lim: $F) -> $F {
            let mut s = 0.0;
            for i in 0..w.len() {
                if w[i] > lim {
                    s += lim * w[i];
                } else {
                    s += w[i] * w[i];
                }
            }
            s
        }

        /// `logits[label]`: a fixed array at a run-time index.
        #[differentiable]
        pub fn cross_entropy(logits: [$F; 3], label: usize) -> $F {
            let m = logits[0].max(logits[1]).max(logits[2]);
            let z = (logits[0] - m).exp() + (logits[1] - m).exp() + (logits[2] - m).exp();
            z.ln() + m - logits[label]
        }

        /// The negative log-likelihood of a 1-D Gaussian mixture over `n`
        /// points: log-sum-exp over 3 components (unrolled) per point (a
        /// run-time loop).
        #[differentiable]
        pub fn gmm(
            means: [$F; 3],
            log_sigmas: [$F; 3],
            logits: [$F; 3],
            #[nograd] xs: &[$F],
        ) -> $F {
            let m = logits[0].max(logits[1]).max(logits[2]);
            let log_z =
                m + ((logits[0] - m).exp() + (logits[1] - m).exp() + (logits[2] - m).exp()).ln();
            let mut nll = 0.0;
            for &x in xs {
                let mut terms = [0.0; 3];
                for k in 0..3 {
                    let z = (x - means[k]) / log_sigmas[k].exp();
                    terms[k] = logits[k] - log_z - log_sigmas[k] - 0.5 * z * z;
                }
                let t = terms[0].max(terms[1]).max(terms[2]);
                let lse =
                    t + ((terms[0] - t).exp() + (terms[1] - t).exp() + (terms[2] - t).exp()).ln();
                nll -= lse;
            }
            nll
        }

        /// Classical Runge–Kutta for `y' = -k·y²` over a run-time step count.
        #[differentiable]
        pub fn rk4(y0: $F, k: $F, #[nograd] h: $F, steps: usize) -> $F {
            let mut y = y0;
            for _ in 0..steps {
                let k1 = -k * y * y;
                let k2 = -k * (y + 0.5 * h * k1) * (y + 0.5 * h * k1);
                let k3 = -k * (y + 0.5 * h * k2) * (y + 0.5 * h * k2);
                let k4 = -k * (y + h * k3) * (y + h * k3);
                y += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
            }
            y
        }

        /// A smoothness penalty over `windows(2)` of a differentiable slice.
        #[differentiable]
        pub fn roughness(x: &[$F]) -> $F {
            let mut s = 0.0;
            for w in x.windows(2) {
                s += (w[1] - w[0]).powi(2);
            }
            s
        }

        /// Rows of 2 in a flat slice through `chunks_exact(2)`.
        #[differentiable]
        pub fn chunked(w: [$F; 2], #[nograd] xs: &[$F]) -> $F {
            let mut s = 0.0;
            for c in xs.chunks_exact(2) {
                s += (w[0] * c[0] + w[1] * c[1]).tanh();
            }
            s
        }

        /// `if` inside a loop body, `i as F` and a run-time index expression.
        #[differentiable]
        pub fn branchy(w: $F, #[nograd] xs: &[$F]) -> $F {
            let mut s = 0.0;
            for i in 1..xs.len() {
                if xs[i] > xs[i - 1] {
                    s += w * xs[i] * (i as $F);
                } else {
                    s -= (w * xs[i - 1]).sin();
                }
            }
            s
        }
    };
}
