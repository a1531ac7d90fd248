//! Unit tests of `macrograd_codegen::derive_differentiable`.
use macrograd_codegen::derive_differentiable::{is_float_like, not_float};
use syn::parse_quote;

#[test]
fn never_differentiable_types_are_rejected_by_name() {
    for ty in [
        parse_quote!(usize),
        parse_quote!(String),
        parse_quote!(Vec<f64>),
        parse_quote!(std::option::Option<f32>),
        parse_quote!(&'a f64),
        parse_quote!((f64, f64)),
        parse_quote!([f64]),
    ] {
        assert!(not_float(&ty).is_some(), "{}", quote::quote!(#ty));
    }
}

#[test]
fn floats_arrays_and_structs_are_left_to_the_trait() {
    for ty in [
        parse_quote!(f64),
        parse_quote!([f32; 3]),
        parse_quote!(Offset),
        parse_quote!(geom::Vec3),
    ] {
        assert!(not_float(&ty).is_none(), "{}", quote::quote!(#ty));
    }
}

#[test]
fn the_float_is_read_from_float_and_array_fields_only() {
    assert!(is_float_like(&parse_quote!(f64)));
    assert!(is_float_like(&parse_quote!([[f32; 2]; 3])));
    assert!(!is_float_like(&parse_quote!(Offset)));
    assert!(!is_float_like(&parse_quote!([Offset; 2])));
}
