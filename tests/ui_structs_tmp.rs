#[test]
fn ui_structs() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/structs/*.rs");
}
