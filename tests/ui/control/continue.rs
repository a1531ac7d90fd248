use macrograd::differentiable;

#[differentiable]
fn f(x: [f64; 3]) -> f64 {
    let mut s = 0.0;
    for v in x {
        if v < 0.0 {
            continue;
        }
        s += v;
    }
    s
}

fn main() {
    let _ = f_grad([1.0, 2.0, 3.0]);
}
