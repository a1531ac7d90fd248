//! Unit tests of `macrograd_codegen::ir::eval::calls`.
use macrograd_codegen::ir::eval::{eval_outputs, eval_outputs_with, Callees, EvalError};
use macrograd_codegen::ir::{Call, CallSweep};
use macrograd_codegen::types::Seg;

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
    let st = macrograd_codegen::pipeline(quote::quote! {
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

/// `h(s: S, a) = s.p·a + s.q²` with `S { p, q }`, taking `s` whole.
struct Whole;

impl Callees<f64> for Whole {
    fn call(&self, c: &Call, _: &[f64]) -> Result<Vec<f64>, EvalError> {
        Err(EvalError::OpaqueCall(c.path.join("::")))
    }

    fn layout(&self, ty: &str) -> Option<Vec<Vec<Seg>>> {
        (ty == "S").then(|| vec![vec![Seg::Field("p".into())], vec![Seg::Field("q".into())]])
    }

    fn call_structs(
        &self,
        c: &Call,
        reads: &[f64],
        structs: &[Vec<f64>],
        entries: bool,
    ) -> Result<(Vec<f64>, Vec<Vec<f64>>), EvalError> {
        assert_eq!(c.path, ["h"]);
        let (&[p, q], &[a]) = (&structs[0][..], reads) else {
            panic!("h(s, a): {structs:?} {reads:?}")
        };
        let mut results = vec![p * a + q * q];
        // the partial of the scalar argument, when the call holds it
        results.extend(c.partials.iter().flatten().flatten().map(|_| p));
        let entry = if entries {
            vec![vec![a, 2.0 * q]]
        } else {
            Vec::new()
        };
        Ok((results, entry))
    }
}

/// A struct parameter passed whole: the callee's entry is added into
/// its gradient field by field, the field the body does not read
/// (`q`, the argument's last element) included.
#[test]
fn a_struct_passed_whole_takes_the_callees_entry() {
    let st = macrograd_codegen::pipeline(quote::quote! {
        fn f(s: S, x: f64) -> f64 {
            s.p * x + h(s, x)
        }
    })
    .expect("accepted");
    // f = 2·p·x + q²: ∂p = 2x, ∂q = 2q, ∂x = 2p
    let (p, q, x) = (0.75, -1.25, 1.5);
    let args = [vec![p, q], vec![x]];
    let out = eval_outputs_with(&st.gradient, &args, &Whole).expect("interpreted");
    assert_eq!(out, [2.0 * p * x + q * q, 2.0 * x, 2.0 * q, 2.0 * p]);
    // without the unread field in the argument: no value for `q`
    assert!(matches!(
        eval_outputs_with(&st.lowered, &[vec![p], vec![x]], &Whole),
        Err(EvalError::OpaqueCall(_))
    ));
}

/// `sq(v) = Σ vᵢ²` over a slice, its value, VJP and JVP.
struct Squares;

impl Callees<f64> for Squares {
    fn call(&self, c: &Call, _: &[f64]) -> Result<Vec<f64>, EvalError> {
        Err(EvalError::OpaqueCall(c.path.join("::")))
    }

    fn call_buffers(
        &self,
        c: &Call,
        reads: &[f64],
        bufs: &[(Vec<f64>, Option<Vec<f64>>)],
    ) -> Result<(Vec<f64>, Vec<Vec<f64>>), EvalError> {
        assert_eq!(c.path, ["sq"]);
        let [(v, t)] = bufs else {
            panic!("sq(v): {bufs:?}")
        };
        let value: f64 = v.iter().map(|x| x * x).sum();
        Ok(match &c.sweep {
            CallSweep::Vjp(_) => {
                let grad = v.iter().map(|x| 2.0 * x * reads[0]).collect();
                (vec![value], vec![grad])
            }
            CallSweep::Jvp(_) => {
                let t = t.clone().unwrap_or_else(|| vec![0.0; v.len()]);
                let dot = v.iter().zip(&t).map(|(x, d)| 2.0 * x * d).sum();
                (vec![value, dot], Vec::new())
            }
            _ => (vec![value], Vec::new()),
        })
    }
}

/// A local buffer passed whole: the callee reads it as it is when the
/// call runs (a write after the call does not change its value), and
/// its VJP's gradient is added into the buffer's adjoint buffer.
#[test]
fn a_local_buffer_passed_whole_is_read_when_the_call_runs() {
    let st = macrograd_codegen::pipeline(quote::quote! {
        fn f(x: f64, y: f64) -> f64 {
            let mut v = vec![0.0; 2];
            v[0] = x * y;
            v[1] = x;
            let s = sq(&v);
            v[1] = y;
            s + v[0] * v[1]
        }
    })
    .expect("accepted");
    // f = (xy)² + x² + xy²: ∂x = 2xy² + 2x + y², ∂y = 2x²y + 2xy
    let (x, y) = (1.5, -0.5);
    let args = [vec![x], vec![y]];
    let f = x * x * y * y + x * x + x * y * y;
    let out = eval_outputs_with(&st.lowered, &args, &Squares).expect("interpreted");
    assert_eq!(out, [f]);
    let out = eval_outputs_with(&st.gradient, &args, &Squares).expect("interpreted");
    let expected = [
        f,
        2.0 * x * y * y + 2.0 * x + y * y,
        2.0 * x * x * y + 2.0 * x * y,
    ];
    for (a, e) in out.iter().zip(expected) {
        assert!((a - e).abs() < 1e-12, "{out:?} != {expected:?}");
    }
}
