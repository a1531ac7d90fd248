//! `#[derive(Params)]` on user structs: names, order, skip/rename, and an
//! optimizer step through it.
use macrograd::optim::{Optimizer, Sgd};
use macrograd::params::{count, names, shapes};
use macrograd::Params;

#[derive(Params, Clone, Debug, PartialEq)]
struct Linear {
    weight: [[f64; 2]; 3],
    bias: [f64; 3],
}

#[derive(Params, Clone, Debug, PartialEq)]
struct Model {
    l1: Linear,
    #[params(rename = "head")]
    out: [f64; 3],
    #[params(skip)]
    #[allow(dead_code)]
    scale: f64,
}

#[derive(Params, Clone, Debug, PartialEq)]
struct Pair(f32, [f32; 2]);

fn model() -> Model {
    Model {
        l1: Linear {
            weight: [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]],
            bias: [0.5; 3],
        },
        out: [1.0, -1.0, 0.0],
        scale: 7.0,
    }
}

#[test]
fn names_follow_fields_in_declaration_order() {
    let m = model();
    assert_eq!(names(&m).unwrap(), ["l1.weight", "l1.bias", "head"]);
    assert_eq!(
        shapes(&m).unwrap(),
        [
            ("l1.weight".to_string(), vec![3, 2]),
            ("l1.bias".to_string(), vec![3]),
            ("head".to_string(), vec![3])
        ]
    );
    assert_eq!(count(&m), 6 + 3 + 3, "the skipped field is not a parameter");
}

#[test]
fn tuple_structs_are_named_by_position() {
    let p = Pair(1.0, [2.0, 3.0]);
    assert_eq!(names(&p).unwrap(), ["0", "1"]);
    assert_eq!(count(&p), 3);
}

#[test]
fn sgd_steps_every_visited_field_and_leaves_skipped_ones() {
    let mut m = model();
    let mut g = model();
    g.l1.weight = [[1.0; 2]; 3];
    g.l1.bias = [2.0; 3];
    g.out = [4.0; 3];
    g.scale = 100.0;
    let mut sgd = Sgd::with_lr(0.5);
    sgd.step(&mut m, &g).unwrap();
    assert_eq!(m.l1.weight, [[0.5, 1.5], [2.5, 3.5], [4.5, 5.5]]);
    assert_eq!(m.l1.bias, [-0.5; 3]);
    assert_eq!(m.out, [-1.0, -3.0, -2.0]);
    assert_eq!(m.scale, 7.0);
}
