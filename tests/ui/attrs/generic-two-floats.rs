use macrograd::differentiable;

// one float type per function: a second type parameter is an error
#[differentiable]
fn f<T: macrograd::Float, U: macrograd::Float>(x: T, y: T) -> T {
    x * y
}

fn main() {}
