//! Calls of other functions, whose bodies a graph does not hold: what the
//! interpreter asks for their results.

use super::EvalError;
use crate::ir::Call;

/// What the interpreter asks for a call of another function, whose body
/// the graph does not hold.
pub trait Callees<T> {
    /// The results of `c` in [`Call::results`] order (its value, its further
    /// elements, then its partials), given the values of [`Call::reads`] (its
    /// arguments' elements, then the cotangents or tangents of its sweep).
    fn call(&self, c: &Call, reads: &[T]) -> Result<Vec<T>, EvalError>;
}

/// No function's body is known: every call is an [`EvalError::OpaqueCall`].
pub(super) struct NoCallees;

impl<T> Callees<T> for NoCallees {
    fn call(&self, c: &Call, _: &[T]) -> Result<Vec<T>, EvalError> {
        Err(EvalError::OpaqueCall(c.path.join("::")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::eval::{eval_outputs, eval_outputs_with};

    /// `h(a, b) = (a·b, a + b)`, its value only.
    struct Pair;

    impl Callees<f64> for Pair {
        fn call(&self, c: &Call, reads: &[f64]) -> Result<Vec<f64>, EvalError> {
            assert_eq!(c.path, ["h"]);
            Ok(vec![reads[0] * reads[1], reads[0] + reads[1]])
        }
    }

    #[test]
    fn a_call_takes_its_results_from_the_callees() {
        let st = crate::pipeline(quote::quote! {
            fn f(x: f64, y: f64) -> f64 {
                let (p, s) = h(x, y);
                p - 2.0 * s
            }
        })
        .expect("accepted");
        let args = [vec![3.0], vec![0.5]];
        assert_eq!(
            eval_outputs(&st.lowered, &args),
            Err(EvalError::OpaqueCall("h".to_string()))
        );
        assert_eq!(
            eval_outputs_with(&st.lowered, &args, &Pair),
            Ok(vec![3.0 * 0.5 - 2.0 * 3.5])
        );
    }
}
