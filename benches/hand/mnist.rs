//! The MNIST-size MLP (784-128-10, ReLU, softmax cross-entropy) with its
//! gradient derived by hand on matrixmultiply, SGD fused into the weight
//! GEMMs: the baseline of PEERS.md's W3, written here from scratch.
#![allow(unsafe_code)]

pub const IN: usize = 784;
pub const HID: usize = 128;
pub const OUT: usize = 10;

/// Weights in PyTorch's layout, row-major.
pub struct Mlp {
    pub w1: Vec<f32>,
    pub b1: Vec<f32>,
    pub w2: Vec<f32>,
    pub b2: Vec<f32>,
}

/// Buffers reused across steps.
pub struct Work {
    h: Vec<f32>,
    logits: Vec<f32>,
    dlogits: Vec<f32>,
    dh: Vec<f32>,
}

impl Work {
    pub fn new(batch: usize) -> Self {
        Work {
            h: vec![0.0; batch * HID],
            logits: vec![0.0; batch * OUT],
            dlogits: vec![0.0; batch * OUT],
            dh: vec![0.0; batch * HID],
        }
    }
}

/// `c ← alpha·a·b + beta·c` on row-major or transposed views.
#[allow(clippy::too_many_arguments)]
fn gemm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: &[f32],
    rsa: usize,
    csa: usize,
    b: &[f32],
    rsb: usize,
    csb: usize,
    beta: f32,
    c: &mut [f32],
    rsc: usize,
) {
    assert!(a.len() > (m - 1) * rsa + (k - 1) * csa);
    assert!(b.len() > (k - 1) * rsb + (n - 1) * csb);
    assert!(c.len() >= (m - 1) * rsc + n);
    // SAFETY: the asserts keep every access inside the slices; `c` is a
    // distinct mutable borrow.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.as_ptr(),
            rsa as isize,
            csa as isize,
            b.as_ptr(),
            rsb as isize,
            csb as isize,
            beta,
            c.as_mut_ptr(),
            rsc as isize,
            1,
        );
    }
}

/// One SGD step on a batch; returns the mean loss before the update.
pub fn step(p: &mut Mlp, w: &mut Work, x: &[f32], labels: &[usize], lr: f32) -> f32 {
    let n = labels.len();
    // forward: h = relu(x·W1ᵀ + b1), logits = h·W2ᵀ + b2
    for row in w.h.chunks_exact_mut(HID) {
        row.copy_from_slice(&p.b1);
    }
    gemm(n, IN, HID, 1.0, x, IN, 1, &p.w1, 1, IN, 1.0, &mut w.h, HID);
    w.h.iter_mut().for_each(|v| *v = v.max(0.0));
    for row in w.logits.chunks_exact_mut(OUT) {
        row.copy_from_slice(&p.b2);
    }
    gemm(
        n,
        HID,
        OUT,
        1.0,
        &w.h,
        HID,
        1,
        &p.w2,
        1,
        HID,
        1.0,
        &mut w.logits,
        OUT,
    );
    // loss and dlogits = (softmax − onehot) / n
    let mut loss = 0.0;
    for ((l, d), &y) in w
        .logits
        .chunks_exact(OUT)
        .zip(w.dlogits.chunks_exact_mut(OUT))
        .zip(labels)
    {
        let m = l.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for (dv, &lv) in d.iter_mut().zip(l) {
            *dv = (lv - m).exp();
            sum += *dv;
        }
        loss += m + sum.ln() - l[y];
        for dv in d.iter_mut() {
            *dv /= sum * n as f32;
        }
        d[y] -= 1.0 / n as f32;
    }
    // dh = dlogits·W2 (before W2 changes), masked by relu
    gemm(
        n, OUT, HID, 1.0, &w.dlogits, OUT, 1, &p.w2, HID, 1, 0.0, &mut w.dh, HID,
    );
    for (dv, &hv) in w.dh.iter_mut().zip(&w.h) {
        if hv <= 0.0 {
            *dv = 0.0;
        }
    }
    // SGD fused into the weight gradients: W ← W − lr·dYᵀ·X
    gemm(
        OUT, n, HID, -lr, &w.dlogits, 1, OUT, &w.h, HID, 1, 1.0, &mut p.w2, HID,
    );
    gemm(HID, n, IN, -lr, &w.dh, 1, HID, x, IN, 1, 1.0, &mut p.w1, IN);
    for row in w.dlogits.chunks_exact(OUT) {
        for (b, &d) in p.b2.iter_mut().zip(row) {
            *b -= lr * d;
        }
    }
    for row in w.dh.chunks_exact(HID) {
        for (b, &d) in p.b1.iter_mut().zip(row) {
            *b -= lr * d;
        }
    }
    loss / n as f32
}
