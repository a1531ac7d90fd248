//! Unit tests of `macrograd_codegen::ir::lower`: IR dumps and interpreter values.
use quote::quote;

use macrograd_codegen::ir::dump::dump;
use macrograd_codegen::ir::eval::eval_outputs;

fn lowered(item: proc_macro2::TokenStream) -> macrograd_codegen::ir::Graph {
    macrograd_codegen::pipeline(item).expect("lowers").lowered
}

fn error(item: proc_macro2::TokenStream) -> String {
    match macrograd_codegen::pipeline(item) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn let_chain_becomes_ssa_with_source_names() {
    let g = lowered(quote! { fn f(w: f64, x: f64) -> f64 { let pred = w * x; pred + 1.0 } });
    let text = dump(&g);
    assert!(text.contains("mul %0 %1  ; pred"), "{text}");
    assert_eq!(
        eval_outputs(&g, &[vec![2.0], vec![3.0]]).unwrap(),
        vec![7.0]
    );
}

#[test]
fn reassignment_and_compound_assignment_make_new_values() {
    let g =
        lowered(quote! { fn f(x: f64) -> f64 { let mut s = x; s += x; s *= 3.0; s = s - 1.0; s } });
    assert_eq!(eval_outputs(&g, &[vec![2.0]]).unwrap(), vec![11.0]);
}

#[test]
fn constant_loops_are_unrolled_and_indices_folded() {
    let g = lowered(quote! {
        fn f(x: [f64; 4]) -> f64 { let mut s = 0.0; for i in 0..3 { s += x[i + 1] * x[i]; } s }
    });
    assert!(!dump(&g).contains("if"), "no control flow remains");
    assert_eq!(
        eval_outputs(&g, &[vec![1.0, 2.0, 3.0, 4.0]]).unwrap(),
        vec![2.0 + 6.0 + 12.0]
    );
}

#[test]
fn compile_time_conditions_pick_one_branch() {
    let g = lowered(quote! {
        fn f(x: [f64; 3]) -> f64 { let mut s = 0.0; for i in 0..3 { if i == 0 { s += x[i]; } else { s *= x[i]; } } s }
    });
    assert!(!dump(&g).contains(" if "), "{}", dump(&g));
    assert_eq!(
        eval_outputs(&g, &[vec![2.0, 3.0, 4.0]]).unwrap(),
        vec![24.0]
    );
}

#[test]
fn runtime_if_merges_changed_bindings() {
    let g = lowered(quote! {
        fn f(x: f64) -> f64 { let mut y = x; if x > 0.0 { y = y * 2.0; } else { y = -y; } y + 1.0 }
    });
    assert!(dump(&g).contains("= if"), "{}", dump(&g));
    assert_eq!(eval_outputs(&g, &[vec![3.0]]).unwrap(), vec![7.0]);
    assert_eq!(eval_outputs(&g, &[vec![-3.0]]).unwrap(), vec![4.0]);
}

#[test]
fn errors_are_accumulated_and_name_the_fix() {
    let e = error(quote! { fn f(x: f64) -> f64 { let a = x % 2.0; let b = x * 2; a + b } });
    assert!(e.contains("operator `%`"), "{e}");
    let all = match macrograd_codegen::pipeline(
        quote! { fn f(x: f64) -> f64 { let a = x % 2.0; let b = x * 2; a + b } },
    ) {
        Err(e) => e.into_iter().count(),
        Ok(_) => 0,
    };
    assert_eq!(all, 2, "both mistakes are reported");
}

#[test]
fn out_of_bounds_and_runtime_index_are_errors() {
    assert!(error(quote! { fn f(x: [f64; 2]) -> f64 { x[2] } }).contains("out of bounds"));
    assert!(error(quote! { fn f(x: [f64; 2], i: f64) -> f64 { x[i] } })
        .contains("known at compile time"));
}

#[test]
fn mut_parameters_can_be_reassigned() {
    let g = lowered(quote! { fn f(mut x: f64) -> f64 { x = x * x; x } });
    assert_eq!(eval_outputs(&g, &[vec![3.0]]).unwrap(), vec![9.0]);
}

#[test]
fn a_return_inside_a_branch_is_an_early_return() {
    let e =
        error(quote! { fn f(x: f64) -> f64 { let y = if x < 0.0 { return 0.0; } else { x }; y } });
    assert!(e.contains("early `return`"), "{e}");
}

#[test]
fn huge_constants_are_errors_not_panics() {
    assert!(
        error(quote! { fn f(x: f64) -> f64 { let a = [x; 9_000_000_000_000_000_000]; a[0] } })
            .contains("more than")
    );
    assert!(error(quote! { fn f(x: f64) -> f64 { let mut y = x; for _ in 0..=9_223_372_036_854_775_807 { y *= x; } y } })
        .contains("more times"));
    assert!(error(quote! { fn f(x: f64) -> f64 { let mut y = x; for _ in 0..((-9_223_372_036_854_775_807 - 1) % -1) { y *= x; } y } })
        .contains("overflows"));
}

#[test]
fn float_types_do_not_mix() {
    assert!(error(quote! { fn f(x: f64) -> f64 { x * 2.0f32 } }).contains("mixes `f32`"));
    assert!(
        error(quote! { fn f(x: f32) -> f32 { x * std::f64::consts::PI } }).contains("mixes `f64`")
    );
}

fn gradient(item: proc_macro2::TokenStream) -> macrograd_codegen::ir::Graph {
    macrograd_codegen::pipeline(item).expect("lowers").gradient
}

#[test]
fn a_runtime_range_becomes_one_loop_region() {
    let g = lowered(quote! {
        fn f(w: f64, #[nograd] xs: &[f64], n: usize) -> f64 {
            let mut s = 0.0;
            let mut unused = w;
            for i in 1..n { s += w * xs[i - 1] * (i as f64); }
            s + unused
        }
    });
    let text = dump(&g);
    assert_eq!(text.matches("loop").count(), 1, "{text}");
    // only `s` changes: `unused` is read from outside, not carried
    assert!(text.contains("carry [%") && !text.contains(", %"), "{text}");
    let args = [vec![2.0], vec![1.0, 2.0, 3.0], vec![3.0]];
    // 2·(1·1 + 2·2) + 2
    assert_eq!(eval_outputs(&g, &args).unwrap(), vec![12.0]);
    // zero trips: the carried value is its initial value
    assert_eq!(
        eval_outputs(&g, &[vec![2.0], vec![], vec![0.0]]).unwrap(),
        vec![2.0]
    );
}

#[test]
fn runtime_indexing_is_bounds_checked_like_rust() {
    let g = lowered(quote! {
        fn f(w: f64, #[nograd] xs: &[f64], n: usize) -> f64 {
            let mut s = 0.0;
            for i in 0..n { s += w * xs[i]; }
            s
        }
    });
    let err =
        macrograd_codegen::ir::eval::eval(&g, &[vec![1.0], vec![1.0], vec![2.0]]).unwrap_err();
    assert!(
        matches!(err, macrograd_codegen::ir::eval::EvalError::Panic(ref m) if m.contains("out of bounds")),
        "{err:?}"
    );
}

#[test]
fn accumulator_loops_keep_no_tape_and_state_loops_record_it() {
    let acc = gradient(quote! {
        fn f(w: f64, b: f64, #[nograd] xs: &[f64]) -> f64 {
            let mut s = 0.0;
            for &x in xs { s += (w * x + b).powi(2); }
            s
        }
    });
    let text = dump(&acc);
    assert!(
        !text.contains("record") && !text.contains("recall"),
        "{text}"
    );
    let xs = vec![0.5, -1.0, 2.0];
    let out = eval_outputs(&acc, &[vec![1.5], vec![0.25], xs.clone()]).unwrap();
    let (dw, db) = xs.iter().fold((0.0, 0.0), |(dw, db), x| {
        let r = 1.5 * x + 0.25;
        (dw + 2.0 * r * x, db + 2.0 * r)
    });
    assert_eq!(&out[1..], &[dw, db]);

    let state = gradient(quote! {
        fn f(x0: f64, k: f64, steps: usize) -> f64 {
            let mut x = x0;
            let mut t = 0.0;
            for _ in 0..steps { x = x - 0.125 * k * x * x; t += 1.0; }
            x + t
        }
    });
    let text = dump(&state);
    // x is read by the reverse sweep, t (inactive, not read) is not
    assert_eq!(text.matches("record [%").count(), 1, "{text}");
    assert!(!text.contains("record [% %"), "{text}");
    // x1 = x0 − k·x0²/8: ∂/∂x0 = 1 − k·x0/4, ∂/∂k = −x0²/8
    let out = eval_outputs(&state, &[vec![2.0], vec![0.5], vec![1.0]]).unwrap();
    assert_eq!(out, vec![2.0 - 0.25 + 1.0, 1.0 - 0.25, -0.5]);
}

#[test]
fn sum_and_fold_are_loops() {
    let g = gradient(quote! {
        fn f(w: f64, #[nograd] xs: &[f64]) -> f64 {
            let a = xs.iter().map(|x| w * x).sum::<f64>();
            let b = xs.iter().fold(1.0, |acc, &x| acc * (1.0 + w * x));
            a + b + [w, 2.0 * w].iter().map(|v| v * v).sum::<f64>()
        }
    });
    let xs = vec![0.5, 2.0];
    // a = 2.5·w, b = (1 + w/2)(1 + 2w), the array term 5w²
    let w: f64 = 0.75;
    let value = 2.5 * w + (1.0 + w / 2.0) * (1.0 + 2.0 * w) + 5.0 * w * w;
    let d = 2.5 + 0.5 * (1.0 + 2.0 * w) + 2.0 * (1.0 + w / 2.0) + 10.0 * w;
    let out = eval_outputs(&g, &[vec![w], xs]).unwrap();
    assert!(
        (out[0] - value).abs() < 1e-12 && (out[1] - d).abs() < 1e-12,
        "{out:?}"
    );
}

#[test]
fn unsupported_loop_forms_name_the_fix() {
    assert!(error(quote! { fn f(w: f64, #[nograd] xs: &[f64]) -> f64 { let mut s = 0.0; for p in xs.chunks(2) { s += w; } s } })
        .contains("not supported yet in a loop head"));
    // a slice parameter passed on to a free function is supported (its
    // `vjp_into`); to a nested gradient it is not yet
    let e = error(quote! { fn f(w: &[f64]) -> f64 { let (_, d) = h_grad(w, 1.0); d.1 } });
    assert!(e.contains("differentiable slice"), "{e}");
}

#[test]
fn a_reverse_loop_that_only_sums_joins_its_forward_loop() {
    let fused = gradient(quote! {
        fn f(w: f64, b: f64, #[nograd] xs: &[f64], #[nograd] ys: &[f64]) -> f64 {
            let mut s = 0.0;
            for i in 0..xs.len() { let r = w * xs[i] + b - ys[i]; s += r * r; }
            s / (xs.len() as f64)
        }
    });
    let text = dump(&fused);
    assert_eq!(text.matches("loop").count(), 1, "{text}");
    let out = eval_outputs(
        &fused,
        &[vec![2.0], vec![0.5], vec![1.0, 2.0], vec![1.0, 1.0]],
    )
    .unwrap();
    // r = 1.5, 3.5: value (2.25 + 12.25)/2, ∂w = (2·1.5·1 + 2·3.5·2)/2, ∂b = (3 + 7)/2
    assert_eq!(out, vec![7.25, 8.5, 5.0]);

    // the adjoint of `s` needs `s`: the reverse loop must wait for the forward one
    let apart = gradient(quote! {
        fn f(w: f64, b: f64, #[nograd] xs: &[f64]) -> f64 {
            let mut s = 1.0;
            for &x in xs { s += (w * x).exp(); }
            s.ln() + b
        }
    });
    let text = dump(&apart);
    assert_eq!(text.matches("loop").count(), 2, "{text}");
    let xs = vec![0.5, -1.0];
    let w: f64 = 0.75;
    let s = 1.0 + (w * 0.5).exp() + (-w).exp();
    let d = (0.5 * (w * 0.5).exp() - (-w).exp()) / s;
    let out = eval_outputs(&apart, &[vec![w], vec![0.0], xs]).unwrap();
    assert!((out[1] - d).abs() < 1e-15, "{out:?}");
}

#[test]
fn stores_to_one_element_are_merged() {
    let g = gradient(quote! {
        fn f(x: &[f64]) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() - 1 {
                let a = x[i + 1] - x[i] * x[i];
                let b = 1.0 - x[i];
                s += 100.0 * a * a + b * b;
            }
            s
        }
    });
    let text = dump(&g);
    assert_eq!(text.matches("store").count(), 2, "{text}");
    let x = vec![0.5, 1.5, -1.0];
    let mut want = [0.0; 3];
    for i in 0..2 {
        let a = x[i + 1] - x[i] * x[i];
        want[i] += -400.0 * a * x[i] - 2.0 * (1.0 - x[i]);
        want[i + 1] += 200.0 * a;
    }
    let out = eval_outputs(&g, &[x]).unwrap();
    for (o, w) in out[1..].iter().zip(want) {
        assert!((o - w).abs() < 1e-12, "{out:?} vs {want:?}");
    }
}

#[test]
fn while_loops_record_their_trip_count() {
    // two inputs: reverse mode, a tape and a trip count
    let item = quote! {
        fn f(a: f64, c: f64) -> f64 {
            let mut x = a;
            while (x * x - a).abs() > 1e-12 { x = 0.5 * (x + a / x); }
            x * c
        }
    };
    let st = macrograd_codegen::pipeline(item).expect("lowers");
    let text = dump(&st.gradient);
    assert!(text.contains("while") && text.contains("trips"), "{text}");
    assert!(text.contains("record [%"), "{text}");
    let out = eval_outputs(&st.gradient, &[vec![2.0], vec![1.0]]).unwrap();
    assert!((out[0] - 2f64.sqrt()).abs() < 1e-12, "{out:?}");
    // the derivative of the converged iterates is that of √a
    assert!((out[1] - 0.5 / 2f64.sqrt()).abs() < 1e-9, "{out:?}");
    // a loop that stops before its first iteration
    let out = eval_outputs(&st.gradient, &[vec![1.0], vec![1.0]]).unwrap();
    assert_eq!(out, vec![1.0, 1.0, 1.0]);
}

#[test]
fn one_input_goes_through_loops_in_forward_mode_without_a_tape() {
    let st = macrograd_codegen::pipeline(quote! {
        fn f(x0: f64, #[nograd] k: f64, steps: usize, #[nograd] xs: &[f64], i: usize) -> f64 {
            let mut x = x0;
            for _ in 0..steps { x = x - 0.125 * k * x * x; }
            let mut y = x;
            while y > 0.5 { y = 0.5 * y; }
            y + [x, 2.0 * x][i] * xs[i]
        }
    })
    .expect("lowers");
    assert!(st.gradient.wrt.is_some(), "forward mode");
    let text = dump(&st.gradient);
    assert!(
        !text.contains("record") && !text.contains("recall"),
        "{text}"
    );
    // one step: x = x0 − k·x0²/8, ∂x/∂x0 = 1 − k·x0/4; y halves once (x = 0.75)
    let args = [vec![1.0], vec![2.0], vec![1.0], vec![3.0, 5.0], vec![1.0]];
    let out = eval_outputs(&st.gradient, &args).unwrap();
    let dx = 1.0 - 2.0 / 4.0;
    assert_eq!(
        out,
        vec![0.375 + 2.0 * 0.75 * 5.0, 0.5 * dx + 2.0 * dx * 5.0]
    );
}

#[test]
fn odd_loop_inputs_give_errors_or_code_never_panics() {
    let bodies = [
        quote! { fn f(w: f64, #[nograd] xs: &[f64]) -> f64 { for i in 0..xs.len() { xs[i] } w } },
        quote! { fn f(w: f64, #[nograd] xs: &[f64], #[nograd] ys: &[f64]) -> f64 { let mut s = 0.0; for (a, b) in xs.iter().zip(ys).enumerate() { s += w; } s } },
        quote! { fn f(w: f64, #[nograd] xs: &[f64], #[nograd] ys: &[f64]) -> f64 { let mut s = 0.0; for (i, (&a, &b)) in xs.iter().zip(ys).enumerate() { s += w * a * b * (i as f64); } s } },
        quote! { fn f(w: f64, n: usize) -> f64 { for _ in 0..n { return w; } w } },
        quote! { fn f(w: f64, n: usize) -> f64 { let mut k = 0; while k < n { k += 1; } w * (k as f64) } },
        quote! { fn f(w: f64, n: usize) -> f64 { let mut s = 0.0; for i in (n..0).rev() { s += w; } s } },
        quote! { fn f(w: f64, n: usize) -> f64 { let mut s = 0.0; for i in 0..n - 1 { s -= w / ((i + 1) as f64); } s } },
        quote! { fn f(w: f64, #[nograd] xs: &[[f64; 2]]) -> f64 { let mut s = 0.0; for x in xs { s += w * x[2]; } s } },
        quote! { fn f(w: f64, #[nograd] xs: &[[f64; 2]]) -> f64 { let mut s = 0.0; for x in xs { for &v in x { s += w * v; } } s } },
        quote! { fn f(w: f64, #[nograd] xs: &[f64]) -> f64 { xs.iter().sum::<f64>() * w + xs.iter().fold(0.0, |a, b| a + b) } },
        quote! { fn f(w: f64, #[nograd] xs: &[f64]) -> f64 { xs.iter().fold(0.0, |(a, b), x| a) } },
        quote! { fn f(w: f64, #[nograd] xs: &[f64]) -> f64 { let mut s = w; while s > 1.0 { s = s / 2.0; } while true { s += 1.0; } s } },
        quote! { fn f(w: f64, #[nograd] xs: &[f64]) -> f64 { let mut s = w; for w2 in xs.windows(0) { s += w2[0]; } s } },
        quote! { fn f(w: f64, #[nograd] xs: &[f64]) -> f64 { let mut s = w; for c in xs.chunks_exact(2) { s += c[2]; } s } },
        quote! { fn f(w: f64, #[nograd] xs: &[f64], i: usize) -> f64 { w * xs[i - 1] * xs[i * 2 % 3] } },
        quote! { fn f(w: &[f64]) -> f64 { let mut m = [0.0; 2]; for i in 0..w.len() { m[0] += w[i]; } m[0] * m[1] } },
    ];
    for item in bodies {
        // either outcome is fine; a panic is not
        let _ = macrograd_codegen::pipeline(item.clone());
        let _ = macrograd_codegen::expand_differentiable(proc_macro2::TokenStream::new(), item);
    }
}

#[test]
fn odd_tuples_give_errors_not_panics() {
    for (body, want) in [
        (
            quote! { fn f(x: f64) -> f64 { let (a, ..) = x.sin_cos(); a } },
            "does not match",
        ),
        (
            quote! { fn f(x: f64) -> f64 { let ((a, b), c) = (x, x); a + b + c } },
            "not a tuple",
        ),
        (
            quote! { fn f(x: f64) -> f64 { let t = (x, (x, x)); t.1 } },
            "value is a tuple",
        ),
        (
            quote! { fn f(x: f64) -> f64 { let t = (x, x); t + 1.0 } },
            "found a tuple",
        ),
        (quote! { fn f(x: f64) -> f64 { let t = (); t } }, "no value"),
        (
            quote! { fn f(x: f64) -> f64 { x.0 } },
            "only supported on tuples",
        ),
        (
            quote! { fn f(x: f64) -> f64 { let t = if x > 0.0 { (x, x) } else { (x, x, x) }; t.0 } },
            "different types",
        ),
        (
            quote! { fn f(x: f64) -> f64 { let (a, b): (f64, [f64; 2]) = (x, x); a + b } },
            "annotation",
        ),
        (
            quote! { fn f(x: f64) -> f64 { x.sin_cos(1.0).0 } },
            "sin_cos",
        ),
    ] {
        let e = error(body.clone());
        assert!(e.contains(want), "{body}: {e}");
    }
}

#[test]
fn tuples_vanish_into_ordinary_nodes() {
    let g = lowered(quote! {
        fn f(x: f64, y: f64) -> f64 { let (s, c) = (x * y).sin_cos(); let t = (s, c); t.0 * t.1 }
    });
    let text = macrograd_codegen::ir::dump::dump(&g);
    assert!(text.contains("sin") && text.contains("cos"), "{text}");
}

#[test]
fn odd_tuple_parameters_and_derivative_inputs_give_errors_not_panics() {
    for body in [
        quote! { fn f(p: (f64, f64)) -> f64 { p.2 } },
        quote! { fn f(p: (f64, f64)) -> f64 { let (a, b, c) = p; a } },
        quote! { fn f(mut p: (f64, f64)) -> f64 { p = (1.0, 2.0); p.0 } },
        quote! { fn f(p: (f64, f64)) -> f64 { p } },
        quote! { fn f(p: (f64, f64)) -> f64 { p[0] } },
    ] {
        assert!(!error(body.clone()).is_empty(), "{body}");
    }
    for input in [
        quote! {},
        quote! { fn f(x: f64) -> f64 },
        quote! { fn f(x: f64) -> f64 = x; },
        quote! { fn f(x: f64) -> f64 = x; gradient = },
        quote! { fn f(x: f64) -> f64 = x; gradient = 1.0; fn g() },
        quote! { fn f() -> f64 = 1.0; gradient = (); },
        quote! { fn f(x: [f64; 99999999999]) -> f64 = 1.0; gradient = x; },
    ] {
        let out = macrograd_codegen::derivative::expand_derivative(input.clone()).to_string();
        assert!(out.contains("compile_error"), "{input}: {out}");
    }
}

/// `f(a, b, x, k, d)`: a product over `k` components (a state loop) of a
/// function of `Σ_r t_r²`, each `t_r` a reduction over `j < r`; the
/// accumulating variant (`p +=`) when `sum`.
fn nested_reductions(sum: bool) -> proc_macro2::TokenStream {
    let update = if sum {
        quote! { p += 0.25 * sq.sin(); }
    } else {
        quote! { p = p * (1.0 + 0.25 * sq.sin()); }
    };
    quote! {
        fn f(a: f64, b: f64, #[nograd] x: &[f64], k: usize, d: usize) -> f64 {
            let mut p = 1.0;
            for c in 0..k {
                let mut sq = 0.0;
                for r in 0..d {
                    let mut t = a * x[r];
                    for j in 0..r {
                        t += b * ((c + 1) as f64) * x[j] * x[r];
                    }
                    sq += t * t;
                }
                #update
            }
            p
        }
    }
}

#[test]
fn an_inner_loop_whose_iterations_run_a_loop_is_recorded_not_recomputed() {
    // the component loop's reverse reads each row `t_r` from a stacked tape
    // the forward sweep filled, instead of recomputing the j-reductions
    let st = macrograd_codegen::pipeline(nested_reductions(false)).expect("lowers");
    let text = dump(&st.gradient);
    assert!(text.contains(" stacked"), "{text}");
    let x = vec![0.5, -1.0, 0.8];
    for (k, d) in [(3.0, 3.0), (2.0, 1.0), (0.0, 3.0), (3.0, 0.0), (1.0, 2.0)] {
        let at = |a: f64, b: f64| {
            let args = [vec![a], vec![b], x.clone(), vec![k], vec![d]];
            eval_outputs(&st.lowered, &args).unwrap()[0]
        };
        let (a, b, h) = (0.7, -0.3, 1e-6);
        let args = [vec![a], vec![b], x.clone(), vec![k], vec![d]];
        let out = eval_outputs(&st.gradient, &args).unwrap();
        let fd = [
            (at(a + h, b) - at(a - h, b)) / (2.0 * h),
            (at(a, b + h) - at(a, b - h)) / (2.0 * h),
        ];
        assert_eq!(out[0], at(a, b), "k = {k}, d = {d}");
        for (g, f) in out[1..].iter().zip(fd) {
            assert!(
                (g - f).abs() < 1e-7 * (1.0 + f.abs()),
                "k = {k}, d = {d}: {out:?} vs {fd:?}"
            );
        }
    }
}

#[test]
fn an_inner_loop_under_a_summing_loop_is_recomputed_where_it_fuses() {
    // the reverse loop only sums: it joins the forward loop, where the
    // recomputed inner loop merges with the original, so nothing is stacked
    let text = dump(&gradient(nested_reductions(true)));
    assert!(!text.contains(" stacked"), "{text}");
}

#[test]
fn stacked_tapes_move_with_the_loop_they_are_nested_in() {
    // four state loops deep: the j-loop's tape, stacked into the r-loop's
    // forward copy, moves with that copy when it is stacked into the c-loop
    let st = macrograd_codegen::pipeline(quote! {
        fn f(#[nograd] x: &[f64], w: f64, v: f64, k: usize, d: usize) -> f64 {
            let mut p = 1.0;
            for c in 0..k {
                let mut h = 0.0;
                for r in 0..d {
                    let mut g = 1.0;
                    for j in 0..d {
                        let mut s = 0.0;
                        for m in 0..j + 1 {
                            s += (w * ((c + r + j) as f64) + v) * x[m];
                        }
                        g = g * (1.0 + 0.5 * s.sin());
                    }
                    h = (h + 0.5 * g).sin();
                }
                p = p * (1.0 + h * h);
            }
            p
        }
    })
    .expect("lowers");
    let text = dump(&st.gradient);
    assert!(text.matches(" stacked").count() >= 2, "{text}");
    let x = vec![0.5, -1.0, 0.75];
    for (k, d) in [(2.0, 3.0), (3.0, 1.0), (0.0, 2.0), (2.0, 0.0)] {
        let at = |w: f64, v: f64| {
            let args = [x.clone(), vec![w], vec![v], vec![k], vec![d]];
            eval_outputs(&st.lowered, &args).unwrap()[0]
        };
        let (w, v, h) = (0.3, -0.4, 1e-6);
        let args = [x.clone(), vec![w], vec![v], vec![k], vec![d]];
        let out = eval_outputs(&st.gradient, &args).unwrap();
        let fd = [
            (at(w + h, v) - at(w - h, v)) / (2.0 * h),
            (at(w, v + h) - at(w, v - h)) / (2.0 * h),
        ];
        assert_eq!(out[0], at(w, v), "k = {k}, d = {d}");
        for (g, f) in out[1..].iter().zip(fd) {
            assert!(
                (g - f).abs() < 1e-7 * (1.0 + f.abs()),
                "k = {k}, d = {d}: {out:?} vs {fd:?}"
            );
        }
    }
}

#[test]
fn checkpointing_keeps_recomputing_nested_loops() {
    // `checkpoint = k` trades recomputation for memory: nothing is stacked
    let st = macrograd_codegen::pipeline_with(quote!(checkpoint = 2), nested_reductions(false))
        .expect("lowers");
    let text = dump(&st.gradient);
    assert!(!text.contains(" stacked"), "{text}");
    let (a, b, h) = (0.7, -0.3, 1e-6);
    let args = |a: f64, b: f64| [vec![a], vec![b], vec![0.5, -1.0, 0.8], vec![5.0], vec![3.0]];
    let at = |a: f64, b: f64| eval_outputs(&st.lowered, &args(a, b)).unwrap()[0];
    let out = eval_outputs(&st.gradient, &args(a, b)).unwrap();
    let fd = [
        (at(a + h, b) - at(a - h, b)) / (2.0 * h),
        (at(a, b + h) - at(a, b - h)) / (2.0 * h),
    ];
    for (g, f) in out[1..].iter().zip(fd) {
        assert!((g - f).abs() < 1e-7 * (1.0 + f.abs()), "{out:?} vs {fd:?}");
    }
}
