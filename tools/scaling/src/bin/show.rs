//! Prints what `#[differentiable]` writes for each function in a file, pretty-printed:
//! `cargo run --manifest-path tools/scaling/Cargo.toml --bin show -- file.rs`.
use std::str::FromStr;

fn main() {
    let path = std::env::args().nth(1).expect("usage: show <file.rs>");
    let src = std::fs::read_to_string(&path).expect("readable file");
    let file = syn::parse_file(&src).expect("a Rust file");
    for item in file.items {
        let ts = quote::quote!(#item);
        let out = macrograd_codegen::expand_differentiable(proc_macro2::TokenStream::new(), ts);
        let out = proc_macro2::TokenStream::from_str(&out.to_string()).expect("tokens");
        match syn::parse2::<syn::File>(out.clone()) {
            Ok(f) => println!("{}", prettyplease::unparse(&f)),
            Err(_) => println!("{out}"),
        }
    }
}
