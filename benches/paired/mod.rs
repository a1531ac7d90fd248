//! Ratios of two versions of a function measured interleaved, for a
//! machine shared with other work (see [`paired_ratio`]).

/// Pairs of blocks in [`paired_ratio`].
pub const ROUNDS: usize = 4000;

/// How long one block of calls runs, about.
const BLOCK_SECS: f64 = 1e-4;

/// Times `n` calls of `f`: one loop, compiled once, for every version
/// timed (a version inlined into a loop of its own would be timed with
/// that loop's code placement, which differs by more than equal versions
/// do).
#[inline(never)]
fn block(f: &mut dyn FnMut(), n: u64) -> f64 {
    let t = std::time::Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed().as_secs_f64()
}

/// The ratio time(`b`) / time(`a`), measured interleaved: [`ROUNDS`] pairs
/// of blocks of about 0.1 ms each, `a` first in even rounds and `b` first
/// in odd ones, one ratio per pair. Load from other processes slows both
/// blocks of a pair alike, and a block the scheduler interrupts spoils one
/// pair only, so the median of the pairs' ratios is steady where two
/// separately timed medians are not. Returns the quartiles (25%, median,
/// 75%).
pub fn paired_ratio(mut a: impl FnMut(), mut b: impl FnMut()) -> [f64; 3] {
    let (a, b): (&mut dyn FnMut(), &mut dyn FnMut()) = (&mut a, &mut b);
    // warm up, then size the blocks
    block(a, 1000);
    block(b, 1000);
    let mut n = 1_u64;
    while block(a, n) < BLOCK_SECS && n < 1 << 40 {
        n *= 2;
    }
    let mut ratios: Vec<f64> = (0..ROUNDS)
        .map(|r| {
            if r % 2 == 0 {
                let ta = block(a, n);
                block(b, n) / ta
            } else {
                let tb = block(b, n);
                tb / block(a, n)
            }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    [ROUNDS / 4, ROUNDS / 2, 3 * ROUNDS / 4].map(|k| ratios[k])
}
