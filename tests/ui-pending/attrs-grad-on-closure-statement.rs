// PENDING: Besides rustc's own E0658, the macro prints syn's raw
// `expected one of: `fn`, `extern`, `use`, ... `::`` at `let`.
// Should: "`#[grad]` applies to functions; for a closure use `gradient!(|x: f64| ...)`".

use macrograd::grad;

fn main() {
    #[grad]
    let f = |x: f64| x * x;
}
