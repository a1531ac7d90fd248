use macrograd::differentiable;

#[differentiable]
fn f(x: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        for j in 0..n {
            if s > 4.0 {
                break 'outer;
            }
            s += x * (i * j) as f64;
        }
    }
    s
}

fn main() {}
