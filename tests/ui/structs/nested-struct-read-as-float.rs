use macrograd::{differentiable, Differentiable};

#[derive(Clone, Copy, Differentiable)]
struct Arm {
    l1: f64,
    l2: f64,
}

#[derive(Clone, Copy, Differentiable)]
struct Robot {
    arm: Arm,
    mass: f64,
}

#[differentiable]
fn reach(r: Robot) -> f64 {
    r.mass * r.arm
}

fn main() {}
