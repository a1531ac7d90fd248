use macrograd::grad;

fn main() {
    let data = vec![1.0, 2.0];
    let f = grad!(|w: f64| {
        let mut s = 0.0;
        for x in &data {
            s += w * x;
        }
        s
    });
    let _ = f(1.0);
}
