fn captures() {
    let f = {
        #[allow(clippy::all, unused_parens, unused_variables)]
        let value_and_gradient = |w: [f64; 2]| -> (f64, [f64; 2]) {
            let (t0, (t0_partial0, _, _)) = {
                #[allow(
                    non_snake_case,
                    non_camel_case_types,
                    dead_code,
                    clippy::too_many_arguments
                )]
                mod __macrograd_callee {
                    pub mod of_loss {
                        pub struct __callee {}
                        #[diagnostic::on_unimplemented(
                            message = "`loss` has no derivative: a function called in a differentiable body must be `#[differentiable]` too",
                            label = "`loss` is called in a differentiable body",
                            note = "write `#[differentiable]` on `fn loss`; for a function you do not own, declare a wrapper with its derivative near the use with `macrograd::derivative!` and call the wrapper; or compute it outside this function and pass the result in as a `#[nograd]` parameter"
                        )]
                        pub trait NoDerivative {}
                        pub trait MissingDerivative {
                            fn has_derivative()
                            where
                                Self: NoDerivative,
                            {}
                        }
                        impl MissingDerivative for __callee {}
                        impl __callee {
                            pub fn pullback<A0, A1, A2, O>(
                                _a0: A0,
                                _a1: A1,
                                _a2: A2,
                            ) -> O {
                                unreachable!("a fallback's `has_derivative` never compiles")
                            }
                            pub fn vjp<A0, A1, A2, A3, O>(
                                _a0: A0,
                                _a1: A1,
                                _a2: A2,
                                _a3: A3,
                            ) -> O {
                                unreachable!("a fallback's `has_derivative` never compiles")
                            }
                            pub fn jvp<A0, A1, A2, A3, A4, A5, O>(
                                _a0: A0,
                                _a1: A1,
                                _a2: A2,
                                _a3: A3,
                                _a4: A4,
                                _a5: A5,
                            ) -> O {
                                unreachable!("a fallback's `has_derivative` never compiles")
                            }
                            pub fn forward<A0, A1, A2, O, C, R>(
                                _a0: A0,
                                _a1: A1,
                                _a2: A2,
                            ) -> (O, fn(C) -> R) {
                                unreachable!("a fallback's `has_derivative` never compiles")
                            }
                            pub fn hvp_pullback<A0, A1, O>(_a0: A0, _a1: A1) -> O {
                                unreachable!("a fallback's `has_derivative` never compiles")
                            }
                            pub fn vjp_jvp<A0, A1, A2, A3, O>(
                                _a0: A0,
                                _a1: A1,
                                _a2: A2,
                                _a3: A3,
                            ) -> O {
                                unreachable!("a fallback's `has_derivative` never compiles")
                            }
                        }
                    }
                }
                #[allow(unused_imports)]
                use __macrograd_callee::of_loss::*;
                {
                    #[allow(unused_imports)]
                    use loss as __callee;
                    __callee::has_derivative();
                    __callee::pullback(w, &xs, &ys)
                }
            };
            let [t2, t3] = ::macrograd::__private::partial::<[f64; 2], _>(t0_partial0);
            let t1 = n - 1;
            let d_w_0 = (if t1 == 0 { 1.0 } else { 0.0 }) + (scale as f64) * t2;
            let d_w_1 = (if t1 == 1 { 1.0 } else { 0.0 }) + (scale as f64) * t3;
            ((scale as f64) * t0 + [w[0], w[1]][t1], [d_w_0, d_w_1])
        };
        value_and_gradient
    };
}
