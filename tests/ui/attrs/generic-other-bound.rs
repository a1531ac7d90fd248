use macrograd::differentiable;

// a type parameter with a bound other than the float trait
#[differentiable]
fn f<T: Clone + Copy>(x: T) -> T {
    x
}

fn main() {}
