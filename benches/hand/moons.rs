//! micrograd's demo network, its gradient derived by hand: the baseline the
//! generated code is measured against. Written as a careful person would,
//! with fixed-size arrays and the backward pass fused per sample; indices
//! are spelled out as in the formulas.
#![allow(clippy::needless_range_loop)]

/// MLP 2-16-16-1 in PyTorch's layout.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    pub w1: [[f64; 2]; 16],
    pub b1: [f64; 16],
    pub w2: [[f64; 16]; 16],
    pub b2: [f64; 16],
    pub w3: [[f64; 16]; 1],
    pub b3: [f64; 1],
}

impl Mlp {
    pub fn zeros() -> Self {
        Mlp {
            w1: [[0.0; 2]; 16],
            b1: [0.0; 16],
            w2: [[0.0; 16]; 16],
            b2: [0.0; 16],
            w3: [[0.0; 16]; 1],
            b3: [0.0; 1],
        }
    }

    /// Every parameter, in PyTorch's order, for copying weights in and out.
    pub fn flat_mut(&mut self) -> Vec<&mut f64> {
        let mut v: Vec<&mut f64> = Vec::new();
        v.extend(self.w1.iter_mut().flatten());
        v.extend(self.b1.iter_mut());
        v.extend(self.w2.iter_mut().flatten());
        v.extend(self.b2.iter_mut());
        v.extend(self.w3.iter_mut().flatten());
        v.extend(self.b3.iter_mut());
        v
    }
}

/// One full-batch step: mean hinge loss + `alpha`·Σp², its gradient, and
/// SGD with learning rate `lr`. Returns the loss before the update.
pub fn step(p: &mut Mlp, g: &mut Mlp, xs: &[[f64; 2]], ys: &[f64], alpha: f64, lr: f64) -> f64 {
    *g = Mlp::zeros();
    let mut loss = 0.0;
    for (x, &y) in xs.iter().zip(ys) {
        let mut a1 = p.b1;
        for j in 0..16 {
            a1[j] += p.w1[j][0] * x[0] + p.w1[j][1] * x[1];
        }
        let h1 = a1.map(|a| a.max(0.0));
        let mut a2 = p.b2;
        for j in 0..16 {
            for i in 0..16 {
                a2[j] += p.w2[j][i] * h1[i];
            }
        }
        let h2 = a2.map(|a| a.max(0.0));
        let mut s = p.b3[0];
        for i in 0..16 {
            s += p.w3[0][i] * h2[i];
        }
        let margin = 1.0 - y * s;
        if margin <= 0.0 {
            continue;
        }
        loss += margin;
        let ds = -y;
        g.b3[0] += ds;
        let mut da2 = [0.0; 16];
        for i in 0..16 {
            g.w3[0][i] += ds * h2[i];
            da2[i] = if a2[i] > 0.0 { ds * p.w3[0][i] } else { 0.0 };
        }
        let mut dh1 = [0.0; 16];
        for j in 0..16 {
            g.b2[j] += da2[j];
            for i in 0..16 {
                g.w2[j][i] += da2[j] * h1[i];
                dh1[i] += p.w2[j][i] * da2[j];
            }
        }
        for j in 0..16 {
            let da1 = if a1[j] > 0.0 { dh1[j] } else { 0.0 };
            g.b1[j] += da1;
            g.w1[j][0] += da1 * x[0];
            g.w1[j][1] += da1 * x[1];
        }
    }
    let inv = 1.0 / xs.len() as f64;
    let mut reg = 0.0;
    for (pv, gv) in p.flat_mut().into_iter().zip(g.flat_mut()) {
        reg += *pv * *pv;
        *gv = *gv * inv + 2.0 * alpha * *pv;
        *pv -= lr * *gv;
    }
    loss * inv + alpha * reg
}
