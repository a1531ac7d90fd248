mod other {
    pub fn bessel(n: i32, x: f64) -> f64 {
        x * n as f64
    }
}

macrograd::derivative! {
    fn bessel(n: i32, x: f64) -> f64 = other::bessel(n, x);
    gradient = n as f64;
}

fn main() {}
