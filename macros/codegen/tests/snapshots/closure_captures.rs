fn captures() {
    let f = {
        #[allow(clippy::all, unused_parens, unused_variables)]
        let value_and_gradient = |w: [f64; 2]| -> (f64, [f64; 2]) {
            let (t3, (t3_partial0, _, _)) = loss::pullback(w, &xs, &ys);
            let [t0, t2] = ::macrograd::__private::partial::<[f64; 2], _>(t3_partial0);
            let t1 = n - 1;
            (
                (scale as f64) * t3 + [w[0], w[1]][t1],
                [
                    t0 * (scale as f64) + [1.0, 0.0][t1],
                    t2 * (scale as f64) + [0.0, 1.0][t1],
                ],
            )
        };
        value_and_gradient
    };
}
