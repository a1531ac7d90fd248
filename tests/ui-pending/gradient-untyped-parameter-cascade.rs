// PENDING: After "give this parameter a type", the use `f(1.0, 2.0)` adds E0057 ("takes 1
// argument but 2 were supplied") and E0308: the fallback closure is `|_: ()| -> ()`. Should: one error.

use macrograd::gradient;

fn main() {
    let f = gradient!(|x, y: f64| x * y);
    let (_v, (_dx, _dy)) = f(1.0, 2.0);
}
