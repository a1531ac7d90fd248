fn captures() {
    let f = {
        #[allow(clippy::all, unused_parens, unused_variables)]
        let value_and_gradient = |w: [f64; 2]| -> (f64, [f64; 2]) {
            let (t0, (t0_partial0, _, _)) = loss::pullback(w, &xs, &ys);
            let [t2, t3] = ::macrograd::__private::partial::<[f64; 2], _>(t0_partial0);
            let t1 = n - 1;
            let d_w_0 = (if t1 == 0 { 1.0 } else { 0.0 }) + (scale as f64) * t2;
            let d_w_1 = (if t1 == 1 { 1.0 } else { 0.0 }) + (scale as f64) * t3;
            ((scale as f64) * t0 + [w[0], w[1]][t1], [d_w_0, d_w_1])
        };
        value_and_gradient
    };
}
