use macrograd::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut y = x;
    'done: {
        if x > 1.0 {
            break 'done;
        }
        y = x * x;
    }
    y
}

fn main() {
    let _ = f_grad(1.0);
}
