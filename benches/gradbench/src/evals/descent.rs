//! The gradient descent `particle` and `saddle` share (GradBench's
//! `multivariate_argmin`): ordinary Rust around a gradient the caller
//! passes in, as the eval describes it.

/// `argmin f` from `start`: steps `x − η·∇f(x)`, with η doubled after 10
/// accepted steps in a row and halved after a rejected one; stops when the
/// gradient or the step is at most 1e-5 in norm.
pub fn argmin<const N: usize>(
    f: impl Fn([f64; N]) -> f64,
    grad: impl Fn([f64; N]) -> [f64; N],
    start: [f64; N],
) -> [f64; N] {
    let norm = |v: [f64; N]| v.iter().map(|a| a * a).sum::<f64>().sqrt();
    let mut x = start;
    let mut fx = f(x);
    let mut g = grad(x);
    let mut eta = 1e-5;
    let mut i = 0;
    loop {
        if norm(g) <= 1e-5 {
            return x;
        }
        if i == 10 {
            eta *= 2.0;
            i = 0;
            continue;
        }
        let next: [f64; N] = std::array::from_fn(|k| x[k] - eta * g[k]);
        let step: [f64; N] = std::array::from_fn(|k| next[k] - x[k]);
        if norm(step) <= 1e-5 {
            return x;
        }
        let fnext = f(next);
        if fnext < fx {
            x = next;
            fx = fnext;
            g = grad(x);
            i += 1;
        } else {
            eta *= 0.5;
            i = 0;
        }
    }
}
