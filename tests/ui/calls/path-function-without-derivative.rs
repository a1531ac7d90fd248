use macrograd::differentiable;

mod helpers {
    pub fn square(v: f64) -> f64 {
        v * v
    }
}

#[differentiable]
fn f(x: f64) -> f64 {
    helpers::square(x)
}

fn main() {
    let _ = f_grad(1.0);
}
