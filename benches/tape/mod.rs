//! The baseline: a micrograd-style runtime tape, as a Rust user would write
//! it without macrograd.
//!
//! A port of Karpathy's `micrograd/engine.py`: every operation allocates a
//! node (`Rc<RefCell<Node>>`) that keeps its inputs; `backward()` sorts the
//! graph topologically (DFS with a visited set, as micrograd does) and runs
//! each node's local rule in reverse, *accumulating* into its inputs' `grad`.
//! Constants become leaf nodes, as `Value(other)` does in micrograd.
//!
//! It is written to be a fair, reasonably tuned port rather than a straw man:
//! each op is an enum variant (no boxed closure per node), `-` is its own op
//! (micrograd builds `a - b` as `a + b * -1`, three nodes),
//! and the sort uses a `HashSet` of node addresses.

use std::cell::RefCell;
use std::collections::HashSet;
use std::ops::{Add, Mul, Sub};
use std::rc::Rc;

/// The operation that produced a node, with what its backward rule needs.
#[derive(Clone, Copy)]
enum Op {
    Leaf,
    Add,
    Sub,
    Mul,
    Relu,
    Sin,
    Cos,
}

struct Node {
    data: f64,
    grad: f64,
    op: Op,
    prev: Vec<Value>,
}

/// A scalar in the graph: a shared, mutable node.
#[derive(Clone)]
pub struct Value(Rc<RefCell<Node>>);

impl Value {
    /// A leaf (an input or a constant).
    pub fn new(data: f64) -> Value {
        Value::node(data, Op::Leaf, Vec::new())
    }

    fn node(data: f64, op: Op, prev: Vec<Value>) -> Value {
        Value(Rc::new(RefCell::new(Node {
            data,
            grad: 0.0,
            op,
            prev,
        })))
    }

    /// The value.
    pub fn data(&self) -> f64 {
        self.0.borrow().data
    }

    /// `∂root/∂self`, after `root.backward()`.
    pub fn grad(&self) -> f64 {
        self.0.borrow().grad
    }

    /// `max(self, 0)`
    pub fn relu(&self) -> Value {
        let d = self.data();
        Value::node(if d < 0.0 { 0.0 } else { d }, Op::Relu, vec![self.clone()])
    }

    /// `sin(self)`
    pub fn sin(&self) -> Value {
        Value::node(self.data().sin(), Op::Sin, vec![self.clone()])
    }

    /// `cos(self)`
    pub fn cos(&self) -> Value {
        Value::node(self.data().cos(), Op::Cos, vec![self.clone()])
    }

    /// Reverse sweep from `self`: sets `grad` of every node it depends on.
    pub fn backward(&self) {
        fn build(v: &Value, topo: &mut Vec<Value>, visited: &mut HashSet<*const RefCell<Node>>) {
            if visited.insert(Rc::as_ptr(&v.0)) {
                for child in &v.0.borrow().prev {
                    build(child, topo, visited);
                }
                topo.push(v.clone());
            }
        }
        let mut topo = Vec::new();
        build(self, &mut topo, &mut HashSet::new());
        self.0.borrow_mut().grad = 1.0;
        for v in topo.iter().rev() {
            let n = v.0.borrow();
            let g = n.grad;
            // One local rule per op; `+=` so that an input used twice
            // (`x * x`) gets both contributions.
            match n.op {
                Op::Leaf => {}
                Op::Add => {
                    n.prev[0].0.borrow_mut().grad += g;
                    n.prev[1].0.borrow_mut().grad += g;
                }
                Op::Sub => {
                    n.prev[0].0.borrow_mut().grad += g;
                    n.prev[1].0.borrow_mut().grad -= g;
                }
                Op::Mul => {
                    let (a, b) = (n.prev[0].data(), n.prev[1].data());
                    n.prev[0].0.borrow_mut().grad += b * g;
                    n.prev[1].0.borrow_mut().grad += a * g;
                }
                // micrograd: (out.data > 0) * out.grad
                Op::Relu => {
                    if n.data > 0.0 {
                        n.prev[0].0.borrow_mut().grad += g;
                    }
                }
                Op::Sin => {
                    let a = n.prev[0].data();
                    n.prev[0].0.borrow_mut().grad += a.cos() * g;
                }
                Op::Cos => {
                    let a = n.prev[0].data();
                    n.prev[0].0.borrow_mut().grad -= a.sin() * g;
                }
            }
        }
    }
}

macro_rules! binary {
    ($Trait:ident, $method:ident, $op:expr, $f:expr) => {
        impl $Trait<&Value> for &Value {
            type Output = Value;
            fn $method(self, rhs: &Value) -> Value {
                let f: fn(f64, f64) -> f64 = $f;
                Value::node(
                    f(self.data(), rhs.data()),
                    $op,
                    vec![self.clone(), rhs.clone()],
                )
            }
        }
        impl $Trait<f64> for &Value {
            type Output = Value;
            fn $method(self, rhs: f64) -> Value {
                self.$method(&Value::new(rhs))
            }
        }
        impl $Trait<&Value> for f64 {
            type Output = Value;
            fn $method(self, rhs: &Value) -> Value {
                (&Value::new(self)).$method(rhs)
            }
        }
    };
}

binary!(Add, add, Op::Add, |a, b| a + b);
binary!(Sub, sub, Op::Sub, |a, b| a - b);
binary!(Mul, mul, Op::Mul, |a, b| a * b);
