// PENDING: Following the `%` suggestion on #[nograd] values prints
// "no derivative known for method `floor`". Should: compile (floor/ceil/round/trunc: derivative 0).

use macrograd::grad;

#[grad]
fn f(x: f64, #[nograd] a: f64, #[nograd] b: f64) -> f64 {
    x * (a - b * (a / b).floor())
}

fn main() {
    let _ = f_grad(1.0, 5.0, 3.0);
}
