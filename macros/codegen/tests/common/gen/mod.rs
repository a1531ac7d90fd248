//! A generator of random `#[differentiable]` functions, as Rust source text.
//!
//! Generation is driven by a stream of choices (`&[u32]`), read one at a
//! time; a choice past the end of the stream reads as 0, and 0 always means
//! the simplest option (a leaf, the first parameter, no statement, `+`). So
//! when proptest shrinks the stream (shorter, smaller numbers) the program
//! shrinks with it.
//!
//! Every expression carries a conservative interval of its value over the
//! test domain (parameters in [−2, 2]). Arguments are moved into safe
//! domains by construction (`ln` of a value ≥ 0.25, `asin` of a value in
//! [−0.8, 0.8], `exp` of a value in [−2.5, 2.5], divisors away from zero, …),
//! so values stay moderate and gradients finite. Loops get an envelope for
//! each variable they may change, and every assignment in the loop keeps the
//! variable inside it.
//!
//! Sharing is deliberate: leaves prefer `let` bindings, and an expression
//! sometimes repeats one of its own subexpressions word for word (work for
//! CSE). Whatever binding or parameter element is never read joins the
//! final value, so that every one of them gets a gradient worth checking.

mod domain;
mod exits;
mod expr;
mod iv;
mod ops;
mod stmt;
mod strukt;

// (not every test binary uses them)
#[allow(unused_imports)]
pub use strukt::{nested_struct_forms, HELPERS, STRUCT_DEFS};

use std::fmt::Write;

use expr::E;
use iv::Iv;

/// The largest magnitude an ordinary expression is allowed to reach.
const LIM: f64 = 25.0;
/// What one `+=` may add to a loop-carried variable, per iteration.
const LOOP_ADD: f64 = 0.5;
/// How many `+=`/`-=` one loop body may do to loop-carried variables.
const LOOP_ADDS: usize = 2;

/// Reads choices from a stream; past its end every choice is 0.
pub struct Choices<'a> {
    raw: &'a [u32],
    pos: usize,
}

impl<'a> Choices<'a> {
    /// A reader at the start of `raw`.
    pub fn new(raw: &'a [u32]) -> Self {
        Choices { raw, pos: 0 }
    }

    fn next(&mut self) -> u32 {
        let v = self.raw.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        v
    }

    /// A number in `0..n` (0 when the stream is exhausted).
    pub fn below(&mut self, n: usize) -> usize {
        self.next() as usize % n.max(1)
    }

    /// True with about `percent`% probability; false for a 0 choice.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.next() % 100 >= 100 - percent
    }

    /// An index into `weights`, chosen in proportion; 0 for a 0 choice.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.next() % total.max(1);
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        0
    }
}

#[derive(Clone, Debug)]
enum Kind {
    Scalar(Iv),
    Array(Vec<Iv>),
    /// A compile-time integer (a loop index) in `0..=max`.
    Int(i64),
}

#[derive(Clone, Debug)]
struct Var {
    name: String,
    kind: Kind,
    mutable: bool,
    /// A `let`, not a parameter.
    local: bool,
    /// Inside a loop that may change it: the magnitude an assignment must
    /// stay within (the variable's interval is the loop's envelope).
    carried: Option<f64>,
    /// A `Vec` buffer (`vec![e; n]`): written by run-time indices, looped
    /// over by index (a `for` over it would move it).
    vec: bool,
    /// Per element: whether its current value has been read. The final
    /// expression adds whatever was never read, so that every parameter and
    /// every binding reaches the value (and gets a gradient to check).
    read: Vec<bool>,
}

impl Var {
    fn new(name: String, kind: Kind, mutable: bool, local: bool) -> Self {
        let n = match &kind {
            Kind::Array(ivs) => ivs.len(),
            _ => 1,
        };
        Var {
            name,
            kind,
            mutable,
            local,
            carried: None,
            vec: false,
            read: vec![false; n],
        }
    }
}

/// A parameter of the generated function.
#[derive(Clone, Debug)]
pub struct ParamSpec {
    /// Its name.
    pub name: String,
    /// `None` for a scalar, `Some(n)` for `[f64; n]`.
    pub len: Option<usize>,
    /// Marked `#[nograd]`.
    pub nograd: bool,
    /// A struct `S` (see [`STRUCT_DEFS`]); `len` is `None`, the pipeline
    /// counts the fields the body reads.
    pub strukt: bool,
    /// Taken by reference (`&S`).
    pub by_ref: bool,
}

/// A generated function.
#[derive(Clone, Debug)]
pub struct Program {
    /// Its parameters, in order.
    pub params: Vec<ParamSpec>,
    /// The whole item, `fn f(...) -> f64 { ... }`.
    pub source: String,
}

/// How often the generator writes each kind of statement.
#[derive(Clone, Copy, Debug)]
pub struct Profile {
    /// Most top-level statements before the final expression.
    pub max_stmts: usize,
    /// Weights: let, let mut, assign, compound assign, shadow, `if`
    /// statement, `let .. = if`, `for`, local array, `loop`/`while` with a
    /// bounded counter, struct value, tuple taken apart, call of a helper
    /// returning several floats (the last three with `structs` only).
    pub stmt_weights: [u32; 13],
    /// Minimum depth of the final expression tree.
    pub min_depth: usize,
    /// One differentiable scalar (`x`; every other parameter `#[nograd]`),
    /// so that `pipeline` chooses forward mode.
    pub single_input: bool,
    /// Array parameters are slices (`&[f64]`): loops over them run a
    /// run-time number of times, and their indices index at run time.
    pub runtime: bool,
    /// The first parameter is a struct `s: S` (or `&S`), and the body
    /// builds struct values and tuples and calls [`HELPERS`].
    pub structs: bool,
}

impl Profile {
    /// Mostly deep expression trees over `let` chains.
    pub const EXPRESSIONS: Profile = Profile {
        max_stmts: 5,
        stmt_weights: [40, 10, 8, 10, 12, 4, 4, 4, 2, 0, 0, 0, 0],
        min_depth: 6,
        single_input: false,
        runtime: false,
        structs: false,
    };
    /// Mostly control flow: `if`, `for`, arrays, reassignment.
    pub const CONTROL: Profile = Profile {
        max_stmts: 6,
        stmt_weights: [14, 12, 10, 12, 6, 16, 12, 18, 8, 3, 0, 0, 0],
        min_depth: 6,
        single_input: false,
        runtime: false,
        structs: false,
    };
    /// Control flow over slice parameters: run-time loops (over a slice,
    /// `iter`, `enumerate`), run-time indices, loops nested in them, early
    /// exits (`if c { break; }`, `if c { continue; }`) in them, `loop` and
    /// `while` with a bounded counter, `Vec` buffers written by index.
    pub const RUNTIME: Profile = Profile {
        max_stmts: 6,
        stmt_weights: [12, 14, 10, 12, 4, 12, 8, 24, 8, 12, 0, 0, 0],
        min_depth: 5,
        single_input: false,
        runtime: true,
        structs: false,
    };
    /// Control flow and expressions over one differentiable scalar.
    pub const SINGLE_INPUT: Profile = Profile {
        max_stmts: 6,
        stmt_weights: [24, 12, 10, 12, 8, 12, 8, 12, 6, 3, 0, 0, 0],
        min_depth: 6,
        single_input: true,
        runtime: false,
        structs: false,
    };
    /// A struct parameter read by field, struct values built and read
    /// back, tuples, and calls of helpers returning a tuple, an array or a
    /// struct, among expressions and control flow.
    pub const STRUCTS: Profile = Profile {
        max_stmts: 7,
        stmt_weights: [20, 8, 8, 8, 4, 6, 4, 6, 3, 8, 18, 10, 18],
        min_depth: 5,
        single_input: false,
        runtime: false,
        structs: true,
    };
}

/// Generates a function from a choice stream.
pub fn generate(raw: &[u32], profile: Profile) -> Program {
    let mut g = Gen {
        c: Choices::new(raw),
        env: Vec::new(),
        fresh: 0,
        budget: 0,
        memo: Vec::new(),
        loop_depth: 0,
        adds_left: 0,
        nest: 0,
        rt_indices: Vec::new(),
        exit_ok: false,
        s_values: Vec::new(),
        s_by_ref: false,
        profile,
    };
    g.program()
}

struct Gen<'a> {
    c: Choices<'a>,
    env: Vec<Var>,
    fresh: usize,
    /// Operations the current expression may still add off its spine.
    budget: usize,
    /// Subexpressions of the current statement, for textual reuse.
    memo: Vec<E>,
    loop_depth: usize,
    adds_left: usize,
    /// Nesting of `if` and block expressions.
    nest: usize,
    /// Loop indices that are run-time values (of loops over slices): they
    /// may index, not name an element to assign.
    rt_indices: Vec<String>,
    /// The innermost loop runs at run time: its body may `break` or
    /// `continue` (constant loops are unrolled, so they get no exits).
    exit_ok: bool,
    /// The `S` values in scope (the parameter `s`, struct literals bound at
    /// the top level), whose fields are bindings named `t.p`, `t.v`, ….
    s_values: Vec<String>,
    /// The parameter is `s: &S`, so `..s` would not type-check.
    s_by_ref: bool,
    profile: Profile,
}

const PARAM_NAMES: [&str; 4] = ["x", "y", "z", "w"];

impl Gen<'_> {
    fn program(&mut self) -> Program {
        let n = 2 + self.c.below(3);
        let mut params = Vec::new();
        if self.profile.structs {
            self.push_struct_param();
            self.s_by_ref = self.c.chance(30);
            params.push(ParamSpec {
                name: "s".to_string(),
                len: None,
                // (`x` stays differentiable whatever `s` is)
                nograd: self.c.chance(20),
                strukt: true,
                by_ref: self.s_by_ref,
            });
        }
        let n = if self.profile.structs { n - 1 } else { n };
        for (k, name) in PARAM_NAMES.iter().enumerate().take(n) {
            let single = self.profile.single_input;
            let chance = if self.profile.runtime { 75 } else { 35 };
            let runtime = self.profile.runtime;
            let len = (!single || k > 0)
                .then(|| {
                    self.c.chance(chance).then(|| {
                        if runtime {
                            1 + self.c.below(3)
                        } else {
                            2 + self.c.below(2)
                        }
                    })
                })
                .flatten();
            let nograd = k > 0 && (single || self.c.chance(25));
            let iv = Iv::sym(2.0);
            let kind = match len {
                None => Kind::Scalar(iv),
                Some(l) => Kind::Array(vec![iv; l]),
            };
            self.env
                .push(Var::new(name.to_string(), kind, false, false));
            params.push(ParamSpec {
                name: name.to_string(),
                len,
                nograd,
                strukt: false,
                by_ref: false,
            });
        }
        let sig: Vec<String> = params
            .iter()
            .map(|p| {
                let ty = match p.len {
                    None if p.strukt && p.by_ref => "&S".to_string(),
                    None if p.strukt => "S".to_string(),
                    None => "f64".to_string(),
                    Some(_) if self.profile.runtime => "&[f64]".to_string(),
                    Some(l) => format!("[f64; {l}]"),
                };
                let attr = if p.nograd { "#[nograd] " } else { "" };
                format!("{attr}{}: {ty}", p.name)
            })
            .collect();
        let mut out = String::new();
        let _ = writeln!(out, "fn f({}) -> f64 {{", sig.join(", "));
        let n_stmts = self.c.below(self.profile.max_stmts + 1);
        for _ in 0..n_stmts {
            self.stmt(&mut out, 1);
        }
        self.begin_expr(20);
        let tail = self.expr(self.profile.min_depth + 3, self.profile.min_depth);
        // whatever was never read joins the value
        let mut unread = Vec::new();
        for i in self.visible() {
            let v = &self.env[i];
            match &v.kind {
                Kind::Scalar(iv) if !v.read[0] => unread.push(E::new(v.name.clone(), *iv)),
                Kind::Array(ivs) => {
                    for (k, iv) in ivs.iter().enumerate() {
                        if !v.read[k] {
                            unread.push(E::new(format!("{}[{k}]", v.name), *iv));
                        }
                    }
                }
                _ => {}
            }
        }
        let mut value = tail.src;
        for e in unread {
            let e = self.fit(e, 2.0);
            value = format!("({value} + {})", e.src);
        }
        if self.c.chance(5) {
            let _ = writeln!(out, "    return {value};");
        } else {
            let _ = writeln!(out, "    {value}");
        }
        out.push_str("}\n");
        Program {
            params,
            source: out,
        }
    }

    // ---- names and the environment ----

    fn fresh(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("{prefix}{}", self.fresh)
    }

    /// Indices of the bindings not shadowed by a later one.
    fn visible(&self) -> Vec<usize> {
        (0..self.env.len())
            .filter(|&i| !self.env[i + 1..].iter().any(|v| v.name == self.env[i].name))
            .collect()
    }

    fn scalars(&self) -> Vec<usize> {
        self.visible()
            .into_iter()
            .filter(|&i| matches!(self.env[i].kind, Kind::Scalar(_)))
            .collect()
    }

    fn arrays(&self) -> Vec<usize> {
        self.visible()
            .into_iter()
            .filter(|&i| matches!(self.env[i].kind, Kind::Array(_)))
            .collect()
    }

    fn ints(&self) -> Vec<usize> {
        self.visible()
            .into_iter()
            .filter(|&i| matches!(self.env[i].kind, Kind::Int(_)))
            .collect()
    }

    fn mutables(&self) -> Vec<usize> {
        self.visible()
            .into_iter()
            .filter(|&i| self.env[i].mutable)
            .collect()
    }

    fn push_var(&mut self, name: String, kind: Kind, mutable: bool) {
        self.env.push(Var::new(name, kind, mutable, true));
    }
}
