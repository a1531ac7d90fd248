use macrograd::{differentiable, Float};

// the float bound written in a `where` clause
#[differentiable]
fn f<T>(x: T) -> T
where
    T: Float,
{
    x * x
}

fn main() {}
