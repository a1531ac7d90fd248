//! `ht` against the eval's description written out plainly (4×4 matrices,
//! dense weights, every vertex posed) and its Jacobian against central
//! differences, on a small random model with the real model's bone tree.

use serde_json::{json, Value};

use super::*;
use crate::evals::testing::pseudo_random;

/// The real model's parents: the wrist, then four bones per finger.
const PARENTS: [i64; 22] = [
    -1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19, 0,
];

type M4 = [[f64; 4]; 4];

fn mul(a: &M4, b: &M4) -> M4 {
    let mut c = [[0.0; 4]; 4];
    for i in 0..4 {
        for j in 0..4 {
            c[i][j] = (0..4).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    c
}

fn m4(v: &Value) -> M4 {
    let mut m = [[0.0; 4]; 4];
    for (i, row) in m.iter_mut().enumerate() {
        for (j, x) in row.iter_mut().enumerate() {
            *x = v[i][j].as_f64().unwrap();
        }
    }
    m
}

/// `R = Rz·Ry·Rx` in a 4×4 with the angles in the eval's order.
fn euler(x: f64, y: f64, z: f64) -> M4 {
    let rx = [
        [1.0, 0.0, 0.0, 0.0],
        [0.0, x.cos(), -x.sin(), 0.0],
        [0.0, x.sin(), x.cos(), 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ];
    let ry = [
        [y.cos(), 0.0, y.sin(), 0.0],
        [0.0, 1.0, 0.0, 0.0],
        [-y.sin(), 0.0, y.cos(), 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ];
    let rz = [
        [z.cos(), -z.sin(), 0.0, 0.0],
        [z.sin(), z.cos(), 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ];
    mul(&mul(&rz, &ry), &rx)
}

/// The residuals of `input` at `theta` and `us`, from the description.
fn by_the_formula(input: &Value, theta: &[f64], us: &[[f64; 2]]) -> Vec<f64> {
    let model = &input["data"]["model"];
    // finger angles: bone 2+4f gets (x, z), bones 3+4f and 4+4f an x angle
    let mut angles = [[0.0; 3]; 22];
    for f in 0..5 {
        angles[2 + 4 * f] = [theta[6 + 4 * f], 0.0, theta[7 + 4 * f]];
        angles[3 + 4 * f][0] = theta[8 + 4 * f];
        angles[4 + 4 * f][0] = theta[9 + 4 * f];
    }
    let mut absolutes: Vec<M4> = Vec::new();
    let mut transforms = Vec::new();
    for b in 0..22 {
        let [x, y, z] = angles[b];
        let rel = mul(&m4(&model["base_relatives"][b]), &euler(x, y, z));
        let abs = match PARENTS[b] {
            -1 => rel,
            p => mul(&absolutes[p as usize], &rel),
        };
        absolutes.push(abs);
        transforms.push(mul(&abs, &m4(&model["inverse_base_absolutes"][b])));
    }
    let positions = model["base_positions"].as_array().unwrap();
    let mirrored = model["is_mirrored"].as_bool().unwrap();
    let r = [theta[0], theta[1], theta[2]];
    let norm = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt();
    let w = r.map(|x| x / norm);
    let rot = |y: [f64; 3]| -> [f64; 3] {
        if norm < 1e-4 {
            return y;
        }
        // Rodrigues: y cos + (w × y) sin + w (w·y)(1 − cos)
        let (s, c) = norm.sin_cos();
        let cross = [
            w[1] * y[2] - w[2] * y[1],
            w[2] * y[0] - w[0] * y[2],
            w[0] * y[1] - w[1] * y[0],
        ];
        let dot = w[0] * y[0] + w[1] * y[1] + w[2] * y[2];
        [0, 1, 2].map(|i| y[i] * c + cross[i] * s + w[i] * dot * (1.0 - c))
    };
    let vertex = |v: usize| -> [f64; 3] {
        let p: Vec<f64> = (0..4).map(|k| positions[v][k].as_f64().unwrap()).collect();
        let mut s = [0.0; 3];
        for (b, t) in transforms.iter().enumerate() {
            let wb = model["weights"][v][b].as_f64().unwrap();
            for i in 0..3 {
                s[i] += wb * (0..4).map(|k| t[i][k] * p[k]).sum::<f64>();
            }
        }
        if mirrored {
            s[0] = -s[0];
        }
        let s = rot(s);
        [s[0] + theta[3], s[1] + theta[4], s[2] + theta[5]]
    };
    let data = &input["data"];
    let mut err = Vec::new();
    for (i, c) in data["correspondences"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let c = c.as_u64().unwrap() as usize;
        let m = if us.is_empty() {
            vertex(c)
        } else {
            let t = &model["triangles"][c];
            let v = [0, 1, 2].map(|k| vertex(t[k].as_u64().unwrap() as usize));
            let u = us[i];
            [0, 1, 2].map(|j| u[0] * v[0][j] + u[1] * v[1][j] + (1.0 - u[0] - u[1]) * v[2][j])
        };
        for j in 0..3 {
            err.push(data["points"][i][j].as_f64().unwrap() - m[j]);
        }
    }
    err
}

/// A random affine 4×4, near a rotation, with a translation.
fn random_affine(seed: u64) -> Value {
    let r = pseudo_random(12, seed);
    let e = euler(3.0 * r[0], 3.0 * r[1], 3.0 * r[2]);
    let mut m = [[0.0; 4]; 4];
    for i in 0..3 {
        for j in 0..3 {
            m[i][j] = e[i][j] + 0.2 * (r[3 + 3 * i + j] - 0.5);
        }
        m[i][3] = r[i] - 0.5;
    }
    m[3] = [0.0, 0.0, 0.0, 1.0];
    json!(m)
}

/// A small input: `v` vertices (the first with 6 bones, so two groups of
/// weights), 5 triangles, `n` points; `us` empty for the simple variant.
fn sample(v: usize, n: usize, complicated: bool, mirrored: bool) -> Value {
    let mut weights = Vec::new();
    let mut positions = Vec::new();
    for i in 0..v {
        let r = pseudo_random(26, 100 + i as u64);
        let bones = if i == 0 { 6 } else { 1 + i % 4 };
        let mut w = vec![0.0; 22];
        for k in 0..bones {
            // vertex 0: six distinct bones; the others at random
            let b = if i == 0 {
                3 * k + 1
            } else {
                (r[k] * 22.0) as usize % 22
            };
            w[b] += 0.1 + r[6 + k];
        }
        weights.push(w);
        positions.push(vec![r[20] - 0.5, r[21] - 0.5, r[22] - 0.5, 1.0]);
    }
    let triangles: Vec<[usize; 3]> = (0..5).map(|t| [t % v, (t + 3) % v, (t + 7) % v]).collect();
    let r = pseudo_random(5 * n, 7);
    let correspondences: Vec<usize> = (0..n)
        .map(|i| (r[i] * if complicated { 5.0 } else { v as f64 }) as usize)
        .collect();
    let points: Vec<[f64; 3]> = (0..n)
        .map(|i| [r[n + i], r[2 * n + i], -r[3 * n + i]])
        .collect();
    let us: Vec<[f64; 2]> = if complicated {
        (0..n)
            .map(|i| [0.5 * r[4 * n + i], 0.3 + 0.2 * r[i]])
            .collect()
    } else {
        Vec::new()
    };
    let theta: Vec<f64> = pseudo_random(26, 3).iter().map(|x| x - 0.5).collect();
    json!({
        "theta": theta,
        "us": us,
        "data": {
            "correspondences": correspondences,
            "points": points,
            "model": {
                "bone_count": 22,
                "bone_names": (0..22).map(|b| format!("bone{b}")).collect::<Vec<_>>(),
                "parents": PARENTS,
                "base_relatives": (0..22).map(|b| random_affine(200 + b)).collect::<Vec<_>>(),
                "inverse_base_absolutes": (0..22).map(|b| random_affine(300 + b)).collect::<Vec<_>>(),
                "base_positions": positions,
                "weights": weights,
                "triangles": triangles,
                "is_mirrored": mirrored,
            }
        },
        "min_runs": 1,
        "min_seconds": 0.0,
    })
}

fn us_of(input: &Value) -> Vec<[f64; 2]> {
    let us = input["us"].as_array().unwrap();
    us.iter()
        .map(|u| [u[0].as_f64().unwrap(), u[1].as_f64().unwrap()])
        .collect()
}

fn theta_of(input: &Value) -> Vec<f64> {
    crate::protocol::floats(&input["theta"], "theta").unwrap()
}

fn objective_of(input: &Value) -> Vec<f64> {
    let pb = Problem::read(input).unwrap();
    let mut w = pb.workspace();
    let mut err = vec![0.0; 3 * pb.points.len()];
    pb.objective(&mut w, &mut err);
    err
}

#[test]
fn objective_is_the_eval_s_formula() {
    for (complicated, mirrored) in [(true, false), (false, false), (true, true)] {
        let input = sample(9, 7, complicated, mirrored);
        let e = by_the_formula(&input, &theta_of(&input), &us_of(&input));
        let a = objective_of(&input);
        assert_eq!(a.len(), 21);
        for (a, e) in a.iter().zip(&e) {
            assert!((a - e).abs() <= 1e-12 * (1.0 + e.abs()), "{a} vs {e}");
        }
    }
    // below 1e-4 the global rotation is the identity
    let mut input = sample(9, 7, true, false);
    input["theta"][0] = json!(3e-5);
    input["theta"][1] = json!(-2e-5);
    input["theta"][2] = json!(1e-5);
    let e = by_the_formula(&input, &theta_of(&input), &us_of(&input));
    let a = objective_of(&input);
    for (a, e) in a.iter().zip(&e) {
        assert!((a - e).abs() <= 1e-12 * (1.0 + e.abs()), "{a} vs {e}");
    }
}

#[test]
fn jacobian_matches_central_differences() {
    for (complicated, mirrored) in [(true, false), (false, true)] {
        let input = sample(9, 7, complicated, mirrored);
        let pb = Problem::read(&input).unwrap();
        let cols = pb.jacobian_cols();
        assert_eq!(cols, if complicated { 28 } else { 26 });
        let mut w = pb.workspace();
        let mut jac = vec![0.0; 21 * cols];
        pb.jacobian(&mut w, &mut jac);
        let theta = theta_of(&input);
        let us = us_of(&input);
        let h = 1e-6;
        for col in 0..cols {
            // perturb u0 or u1 of every point at once (each residual reads
            // only its own point's), or one theta entry
            let at = |s: f64| {
                let (mut t, mut u) = (theta.clone(), us.clone());
                match (complicated, col) {
                    (true, 0 | 1) => u.iter_mut().for_each(|u| u[col] += s),
                    (true, _) => t[col - 2] += s,
                    (false, _) => t[col] += s,
                }
                by_the_formula(&input, &t, &u)
            };
            let (up, down) = (at(h), at(-h));
            for row in 0..21 {
                let fd = (up[row] - down[row]) / (2.0 * h);
                let d = jac[row * cols + col];
                assert!(
                    (d - fd).abs() <= 1e-6 * (1.0 + fd.abs()),
                    "row {row} col {col}: {d} vs central difference {fd}"
                );
            }
        }
    }
}

#[test]
fn the_input_is_read_and_checked() {
    let input = sample(9, 7, true, false);
    let pb = Problem::read(&input).unwrap();
    assert!(pb.complicated);
    assert_eq!(pb.vertices[0].influences.len(), 2, "6 bones: two groups");
    let mut bad = input.clone();
    bad["data"]["model"]["base_relatives"][3][3] = json!([0.0, 0.0, 1.0, 1.0]);
    assert!(Problem::read(&bad).err().unwrap().contains("affine"));
    let mut bad = input.clone();
    bad["data"]["correspondences"][0] = json!(5);
    assert!(Problem::read(&bad).err().unwrap().contains("below 5"));
    let mut bad = input;
    bad["data"]["model"]["parents"][4] = json!(7);
    assert!(Problem::read(&bad).err().unwrap().contains("parents"));
}
