//! Checkpoints written by Python's `safetensors` package load into Rust
//! parameters. The files in `data/` were written by
//! `data/checkpoint_reference.py` (safetensors 0.8 + NumPy), stored beside
//! them; the expected values are the closed forms stated in that script.

use macrograd_runtime::checkpoint::{load, save};
use macrograd_runtime::params::{names, Leaf, LeafGrad, LeafMut, ParamPath, Params};
use macrograd_runtime::{Float, Result};

/// Written by hand exactly as `#[derive(Params)]` is documented to write it.
#[derive(Debug, Clone, PartialEq)]
struct Linear<T> {
    weight: [[T; 3]; 2],
    bias: [T; 2],
}

#[derive(Debug, Clone, PartialEq)]
struct Model<T> {
    l1: Linear<T>,
    scale: T,
}

impl<T: Float> Params for Linear<T> {
    type Scalar = T;
    type Gradient = Self;
    fn visit(
        &self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(Leaf<'_, T>) -> Result<()>,
    ) -> Result<()> {
        path.scope("weight", |path| self.weight.visit(path, f))?;
        path.scope("bias", |path| self.bias.visit(path, f))
    }
    fn visit_mut(
        &mut self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafMut<'_, T>) -> Result<()>,
    ) -> Result<()> {
        path.scope("weight", |path| self.weight.visit_mut(path, f))?;
        path.scope("bias", |path| self.bias.visit_mut(path, f))
    }
    fn visit_with_grad(
        &mut self,
        grad: &Self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafGrad<'_, T>) -> Result<()>,
    ) -> Result<()> {
        path.scope("weight", |path| {
            self.weight.visit_with_grad(&grad.weight, path, f)
        })?;
        path.scope("bias", |path| {
            self.bias.visit_with_grad(&grad.bias, path, f)
        })
    }
}

impl<T: Float> Params for Model<T> {
    type Scalar = T;
    type Gradient = Self;
    fn visit(
        &self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(Leaf<'_, T>) -> Result<()>,
    ) -> Result<()> {
        path.scope("l1", |path| self.l1.visit(path, f))?;
        path.scope("scale", |path| self.scale.visit(path, f))
    }
    fn visit_mut(
        &mut self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafMut<'_, T>) -> Result<()>,
    ) -> Result<()> {
        path.scope("l1", |path| self.l1.visit_mut(path, f))?;
        path.scope("scale", |path| self.scale.visit_mut(path, f))
    }
    fn visit_with_grad(
        &mut self,
        grad: &Self,
        path: &mut ParamPath,
        f: &mut dyn FnMut(LeafGrad<'_, T>) -> Result<()>,
    ) -> Result<()> {
        path.scope("l1", |path| self.l1.visit_with_grad(&grad.l1, path, f))?;
        path.scope("scale", |path| {
            self.scale.visit_with_grad(&grad.scale, path, f)
        })
    }
}

fn zeros<T: Float>() -> Model<T> {
    Model {
        l1: Linear {
            weight: [[T::ZERO; 3]; 2],
            bias: [T::ZERO; 2],
        },
        scale: T::ZERO,
    }
}

/// The values `checkpoint_reference.py` writes.
fn expected<T: Float>() -> Model<T> {
    let w = |i: usize, j: usize| T::from_f64(0.25 * (3 * i + j) as f64 - 1.0);
    Model {
        l1: Linear {
            weight: [[w(0, 0), w(0, 1), w(0, 2)], [w(1, 0), w(1, 1), w(1, 2)]],
            bias: [T::from_f64(0.5), T::from_f64(-1.5)],
        },
        scale: T::from_f64(0.125),
    }
}

fn data(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file)
}

#[test]
fn names_follow_the_dotted_path_rule() {
    assert_eq!(
        names(&zeros::<f64>()).unwrap(),
        ["l1.weight", "l1.bias", "scale"]
    );
}

#[test]
fn loads_f64_file_written_by_python_safetensors() {
    let mut m = zeros::<f64>();
    load(&mut m, data("checkpoint_reference_f64.safetensors")).unwrap();
    assert_eq!(m, expected());
}

#[test]
fn loads_f32_file_written_by_python_safetensors() {
    let mut m = zeros::<f32>();
    load(&mut m, data("checkpoint_reference_f32.safetensors")).unwrap();
    assert_eq!(m, expected());
}

#[test]
fn dtype_mismatch_with_python_file_is_named() {
    let mut m = zeros::<f32>();
    let err = load(&mut m, data("checkpoint_reference_f64.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("tensor `l1.weight` has dtype F64, the parameter is F32"),
        "{err}"
    );
    assert_eq!(m, zeros());
}

#[test]
fn rust_round_trip_reproduces_the_python_tensors() {
    let dir = std::env::temp_dir().join(format!("macrograd-ckpt-py-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.safetensors");
    save(&expected::<f64>(), &path).unwrap();
    let mut m = zeros::<f64>();
    load(&mut m, &path).unwrap();
    assert_eq!(m, expected());
    std::fs::remove_dir_all(&dir).unwrap();
}
