//! Gradient check: a gradient against central finite differences.
//!
//! For every scalar parameter `x` the numeric derivative is
//! `(f(x + h) − f(x − h)) / ((x + h) − (x − h))` (dividing by the step as it
//! is actually represented, which removes one rounding error), and a
//! component passes when `|analytic − numeric| ≤ atol + rtol·|numeric|`, the
//! criterion of `torch.autograd.gradcheck`. The [`Report`] lists the worst
//! components first, by parameter name and multi-index.
//!
//! ```
//! use macrograd_runtime::gradcheck::{gradcheck, Options};
//! // f(w, b) = (w·x + b − y)² with x = 2, y = 1
//! let f = |p: &(f64, f64)| (p.0 * 2.0 + p.1 - 1.0).powi(2);
//! let p = (0.5_f64, -0.25_f64);
//! let r = 2.0 * (p.0 * 2.0 + p.1 - 1.0);
//! let report = gradcheck(&p, &(r * 2.0, r), f, &Options::default()).unwrap();
//! assert!(report.passed(), "{report}");
//! ```

use core::fmt;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::ops::Real;
use crate::params::{count, for_each_mut, for_each_with_grad, Params};

/// Step and tolerances of a gradient check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// finite-difference step `h` (`1e-6`, suited to `f64`; use ~`1e-3` for `f32`)
    pub eps: f64,
    /// absolute tolerance (`1e-5`)
    pub atol: f64,
    /// relative tolerance (`1e-3`)
    pub rtol: f64,
    /// how many of the worst components the report keeps (`5`)
    pub worst: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            eps: 1e-6,
            atol: 1e-5,
            rtol: 1e-3,
            worst: 5,
        }
    }
}

/// One scalar parameter's analytic and numeric derivative.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    /// dotted name of the tensor
    pub name: String,
    /// position inside the tensor, outermost dimension first (`[]` for a scalar)
    pub index: Vec<usize>,
    /// the gradient under test
    pub analytic: f64,
    /// the central finite difference
    pub numeric: f64,
    /// `|analytic − numeric| / (atol + rtol·|numeric|)`: above 1 fails
    pub ratio: f64,
}

/// Outcome of [`gradcheck`]: how many components failed, and the worst ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// the options used
    pub options: Options,
    /// number of scalar parameters checked
    pub checked: usize,
    /// number out of tolerance (a NaN counts as out)
    pub failed: usize,
    /// the worst components, worst first (at most `options.worst`)
    pub worst: Vec<Component>,
}

impl Report {
    /// Every component within tolerance.
    pub fn passed(&self) -> bool {
        self.failed == 0
    }

    /// `Ok` if [`Report::passed`], else [`Error::GradCheck`] with this report.
    pub fn check(&self) -> Result<()> {
        if self.passed() {
            Ok(())
        } else {
            Err(Error::GradCheck(self.to_string()))
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.options;
        writeln!(
            f,
            "gradcheck: {} of {} components out of tolerance (|analytic − numeric| ≤ {:e} + {:e}·|numeric|, h = {:e})",
            self.failed, self.checked, o.atol, o.rtol, o.eps
        )?;
        if self.worst.is_empty() {
            return Ok(());
        }
        let label = |c: &Component| {
            if c.index.is_empty() {
                c.name.clone()
            } else {
                let idx: Vec<String> = c.index.iter().map(usize::to_string).collect();
                format!("{}[{}]", c.name, idx.join(", "))
            }
        };
        let width = self
            .worst
            .iter()
            .map(|c| label(c).len())
            .max()
            .unwrap_or(0)
            .max(9);
        writeln!(
            f,
            "  {:<width$}  {:>14}  {:>14}  {:>10}  {:>8}",
            "component", "analytic", "numeric", "abs error", "ratio"
        )?;
        for c in &self.worst {
            writeln!(
                f,
                "  {:<width$}  {:>14.7e}  {:>14.7e}  {:>10.3e}  {:>8.2}{}",
                label(c),
                c.analytic,
                c.numeric,
                (c.analytic - c.numeric).abs(),
                c.ratio,
                if c.ratio <= 1.0 { "" } else { "  FAIL" }
            )?;
        }
        Ok(())
    }
}

/// Checks `grad`, the claimed gradient of `f` at `params`, against central
/// differences of `f`. `params` is not modified (a clone is perturbed).
///
/// Fails only if `grad` does not have the structure of `params`.
pub fn gradcheck<P, F>(
    params: &P,
    grad: &P::Gradient,
    mut f: F,
    options: &Options,
) -> Result<Report>
where
    P: Params + Clone,
    F: FnMut(&P) -> P::Scalar,
{
    // Pair each parameter tensor with its gradient through the visitor, so
    // the order and names are the parameters' own.
    let mut analytic: Vec<(String, Vec<usize>, Vec<f64>)> = Vec::new();
    let mut probe = params.clone();
    for_each_with_grad(&mut probe, grad, |leaf| {
        analytic.push((
            leaf.name.to_owned(),
            leaf.shape.to_vec(),
            leaf.grad.iter().map(|g| g.to_f64()).collect(),
        ));
        Ok(())
    })?;

    let h = P::Scalar::from_f64(options.eps);
    let mut all = Vec::with_capacity(count(params));
    let mut flat = 0;
    for (name, shape, grads) in &analytic {
        for (offset, &a) in grads.iter().enumerate() {
            let x0 = component(&mut probe, flat, None);
            let up = x0 + h;
            let down = x0 - h;
            component(&mut probe, flat, Some(up));
            let f_up = f(&probe).to_f64();
            component(&mut probe, flat, Some(down));
            let f_down = f(&probe).to_f64();
            component(&mut probe, flat, Some(x0));
            let numeric = (f_up - f_down) / (up - down).to_f64();
            let ratio = (a - numeric).abs() / (options.atol + options.rtol * numeric.abs());
            all.push(Component {
                name: name.clone(),
                index: unravel(offset, shape),
                analytic: a,
                numeric,
                ratio: if ratio.is_nan() { f64::INFINITY } else { ratio },
            });
            flat += 1;
        }
    }
    let failed = all.iter().filter(|c| c.ratio > 1.0).count();
    all.sort_by(|a, b| b.ratio.total_cmp(&a.ratio));
    all.truncate(options.worst);
    Ok(Report {
        options: *options,
        checked: flat,
        failed,
        worst: all,
    })
}

/// Like [`gradcheck`] for a function that returns `(value, gradient)`, the
/// shape of every generated `*_grad` function.
pub fn gradcheck_value_and_grad<P, F>(params: &P, mut f: F, options: &Options) -> Result<Report>
where
    P: Params + Clone,
    F: FnMut(&P) -> (P::Scalar, P::Gradient),
{
    let (_, grad) = f(params);
    gradcheck(params, &grad, |p| f(p).0, options)
}

/// Reads the `k`-th scalar of `params` (visit order), writing `set` first if given.
fn component<P: Params>(params: &mut P, k: usize, set: Option<P::Scalar>) -> P::Scalar {
    let mut rest = k;
    let mut out = P::Scalar::default();
    let _ = for_each_mut(params, |leaf| {
        if rest < leaf.data.len() {
            if let Some(v) = set {
                leaf.data[rest] = v;
            }
            out = leaf.data[rest];
            // Found: stop the walk (this error is discarded).
            return Err(Error::Data(String::new()));
        }
        rest -= leaf.data.len();
        Ok(())
    });
    out
}

/// Row-major multi-index of flat `offset` in a tensor of `shape`.
fn unravel(mut offset: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (i, &n) in index.iter_mut().zip(shape).rev() {
        *i = offset % n.max(1);
        offset /= n.max(1);
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f(W, b) = Σ_i tanh(Σ_j W_ij x_j + b_i), gradient by hand.
    fn layer(p: &([[f64; 2]; 3], [f64; 3])) -> (f64, ([[f64; 2]; 3], [f64; 3])) {
        let x = [0.3, -1.1];
        let mut value = 0.0;
        let mut g = ([[0.0; 2]; 3], [0.0; 3]);
        for i in 0..3 {
            let z = p.0[i][0] * x[0] + p.0[i][1] * x[1] + p.1[i];
            let t = z.tanh();
            value += t;
            let dz = 1.0 - t * t;
            g.0[i] = [dz * x[0], dz * x[1]];
            g.1[i] = dz;
        }
        (value, g)
    }

    #[test]
    fn a_correct_gradient_passes() {
        let p = ([[0.1, -0.2], [0.4, 0.05], [-0.7, 0.3]], [0.0, 0.2, -0.1]);
        let report = gradcheck_value_and_grad(&p, layer, &Options::default()).unwrap();
        assert!(report.passed(), "{report}");
        assert_eq!(report.checked, 9);
        assert!(report.worst[0].ratio < 1e-3, "{report}");
    }

    #[test]
    fn a_wrong_component_is_reported_by_name_and_index() {
        let p = ([[0.1, -0.2], [0.4, 0.05], [-0.7, 0.3]], [0.0, 0.2, -0.1]);
        let (_, mut g) = layer(&p);
        g.0[2][1] += 0.01;
        let report = gradcheck(&p, &g, |p| layer(p).0, &Options::default()).unwrap();
        assert_eq!(report.failed, 1);
        assert_eq!(report.worst[0].name, "0");
        assert_eq!(report.worst[0].index, [2, 1]);
        let text = report.to_string();
        assert!(text.contains("0[2, 1]") && text.contains("FAIL"), "{text}");
        assert!(matches!(report.check(), Err(Error::GradCheck(_))));
    }
}
