mod other {
    pub fn hypot(x: f64, y: f64) -> f64 {
        x.hypot(y)
    }
}

macrograd::derivative! {
    fn hypot(x: f64, y: f64) -> f64 = other::hypot(x, y);
    gradient = x / other::hypot(x, y);
}

fn main() {}
