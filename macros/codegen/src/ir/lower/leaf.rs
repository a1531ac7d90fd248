//! Leaves of an expression: literals, paths (parameters, locals, constants
//! of the surrounding code, float constants such as `f64::EPSILON`) and the
//! names a `grad!` closure captures.

use quote::ToTokens;
use syn::spanned::Spanned;

use super::{plain_ident, Cond, Lowerer, Val};
use crate::ir::{Float, Op};

impl Lowerer<'_> {
    pub(super) fn literal(&mut self, lit: &syn::Lit) -> Val {
        let span = lit.span();
        match lit {
            syn::Lit::Float(f) => {
                if let Some(f_ty) = float_name(f.suffix()) {
                    if !self.check_float(f_ty, lit) {
                        return Val::Poison;
                    }
                }
                match f.base10_parse::<f64>() {
                    Ok(v) => Val::Num(self.constant(v, span)),
                    Err(e) => {
                        self.cx.push(e);
                        Val::Poison
                    }
                }
            }
            syn::Lit::Int(i) => match float_name(i.suffix()) {
                Some(f_ty) => {
                    if !self.check_float(f_ty, lit) {
                        return Val::Poison;
                    }
                    match i.base10_parse::<f64>() {
                        Ok(v) => Val::Num(self.constant(v, span)),
                        Err(e) => {
                            self.cx.push(e);
                            Val::Poison
                        }
                    }
                }
                None => match i.base10_parse::<i64>() {
                    Ok(v) => Val::Int(v),
                    Err(e) => {
                        self.cx.push(e);
                        Val::Poison
                    }
                },
            },
            syn::Lit::Bool(b) => Val::Cond(Cond::Const(b.value)),
            other => {
                self.cx
                    .error_spanned_by(other, "only numeric literals are supported here");
                Val::Poison
            }
        }
    }

    /// The float rule for suffixed literals and typed paths: they must use
    /// the function's float type.
    pub(super) fn check_float(&mut self, f: Float, at: impl crate::ctxt::Site) -> bool {
        if f == self.g.float {
            return true;
        }
        self.cx.error_spanned_by(
            at,
            format!(
                "mixes `{}` into a function computing in `{}`: use `{}` throughout",
                f.name(),
                self.g.float.name(),
                self.g.float.name()
            ),
        );
        false
    }

    pub(super) fn path(&mut self, p: &syn::ExprPath) -> Val {
        if let Some(name) = plain_ident(&syn::Expr::Path(p.clone())) {
            if let Some(b) = self.lookup(&name) {
                return b.val.clone();
            }
        }
        if let Some((f, value)) = float_constant(&p.path) {
            if !self.check_float(f, p) {
                return Val::Poison;
            }
            return Val::Num(self.constant(value, p.span()));
        }
        if let Some(v) = self.capture(p) {
            return v;
        }
        // `SCALE`, `physics::G`: a constant item of the surrounding code
        let is_const_name = p.path.segments.last().is_some_and(|s| {
            let n = s.ident.to_string();
            n.chars().any(|c| c.is_ascii_uppercase())
                && n.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        });
        if p.qself.is_none()
            && is_const_name
            && p.path.segments.iter().all(|s| s.arguments.is_none())
        {
            let text = p.path.to_token_stream().to_string().replace(' ', "");
            return Val::Num(self.push(Op::Extern(text), p.span()));
        }
        self.cx.error_spanned_by(
            p,
            format!(
                "cannot find `{}` in this function: a differentiable body sees its parameters, its own bindings, `f64::consts` and constant items (`UPPER_CASE` names); pass other values as `#[nograd]` parameters",
                p.to_token_stream().to_string().replace(' ', "")
            ),
        );
        Val::Poison
    }

    /// The name of a variable a `grad!` closure captures: a single
    /// lowercase identifier the closure does not bind. Closures capture as
    /// Rust's do, but the macro cannot see the variable's type, so its use
    /// decides: passed to a function it is passed on as written; in
    /// arithmetic it is read as a float (`scale as f64`), in index
    /// arithmetic as a `usize`. Anything else (indexing it, looping over
    /// it) needs its type: make it a `#[nograd]` closure parameter.
    pub(super) fn captured_name(&self, e: &syn::Expr) -> Option<String> {
        let e = match e {
            syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
            other => other,
        };
        let name = plain_ident(e)?;
        let lowercase = name
            .chars()
            .next()
            .is_some_and(|c| c.is_lowercase() || c == '_');
        (self.captures && lowercase && self.lookup(&name).is_none()).then_some(name)
    }

    /// Reports a captured variable used where its type matters (indexed,
    /// looped over, `len`): the macro cannot see it.
    pub(super) fn captured_needs_type(&mut self, e: &syn::Expr) -> bool {
        let Some(name) = self.captured_name(e) else {
            return false;
        };
        self.cx.error_spanned_by(
            e,
            format!(
                "`{name}` is captured from outside the closure, and the macro cannot see its type: \
                 a captured variable can be passed to a function or used as a number; to index it or \
                 loop over it, make it a parameter of the closure, `#[nograd] {name}: &[f64]`"
            ),
        );
        true
    }

    /// A captured variable read as a number: see [`Lowerer::captured_name`].
    fn capture(&mut self, p: &syn::ExprPath) -> Option<Val> {
        let name = self.captured_name(&syn::Expr::Path(p.clone()))?;
        Some(Val::Num(self.push(Op::Extern(name), p.span())))
    }
}

pub(super) fn float_name(s: &str) -> Option<Float> {
    match s {
        "f64" => Some(Float::F64),
        "f32" => Some(Float::F32),
        _ => None,
    }
}

/// `f64::consts::PI`, `std::f32::consts::E`, `f64::EPSILON` ...: the float
/// type and the value (as `f64`; rounded later for `f32`).
fn float_constant(path: &syn::Path) -> Option<(Float, f64)> {
    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let name = segs.last()?.as_str();
    let pos = segs.iter().position(|s| float_name(s).is_some())?;
    let f = float_name(&segs[pos])?;
    let prefix_ok = segs[..pos].iter().all(|s| s == "std" || s == "core");
    if !prefix_ok {
        return None;
    }
    let rest = &segs[pos + 1..];
    let value = match rest.len() {
        2 if rest[0] == "consts" => {
            use std::f64::consts as c;
            match name {
                "PI" => c::PI,
                "TAU" => c::TAU,
                "E" => c::E,
                "SQRT_2" => c::SQRT_2,
                "LN_2" => c::LN_2,
                "LN_10" => c::LN_10,
                "LOG2_E" => c::LOG2_E,
                "LOG10_E" => c::LOG10_E,
                "LOG2_10" => c::LOG2_10,
                "LOG10_2" => c::LOG10_2,
                "FRAC_PI_2" => c::FRAC_PI_2,
                "FRAC_PI_3" => c::FRAC_PI_3,
                "FRAC_PI_4" => c::FRAC_PI_4,
                "FRAC_PI_6" => c::FRAC_PI_6,
                "FRAC_PI_8" => c::FRAC_PI_8,
                "FRAC_1_PI" => c::FRAC_1_PI,
                "FRAC_2_PI" => c::FRAC_2_PI,
                "FRAC_2_SQRT_PI" => c::FRAC_2_SQRT_PI,
                "FRAC_1_SQRT_2" => c::FRAC_1_SQRT_2,
                _ => return None,
            }
        }
        1 => match (f, name) {
            (Float::F64, "EPSILON") => f64::EPSILON,
            (Float::F32, "EPSILON") => f64::from(f32::EPSILON),
            (Float::F64, "MAX") => f64::MAX,
            (Float::F32, "MAX") => f64::from(f32::MAX),
            (Float::F64, "MIN") => f64::MIN,
            (Float::F32, "MIN") => f64::from(f32::MIN),
            (Float::F64, "MIN_POSITIVE") => f64::MIN_POSITIVE,
            (Float::F32, "MIN_POSITIVE") => f64::from(f32::MIN_POSITIVE),
            (_, "INFINITY") => f64::INFINITY,
            (_, "NEG_INFINITY") => f64::NEG_INFINITY,
            _ => return None,
        },
        _ => return None,
    };
    // `f32::consts::PI` is the f32 nearest to π, which rounding gives exactly.
    Some((f, value))
}
