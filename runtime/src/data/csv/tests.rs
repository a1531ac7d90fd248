//! Tests of the CSV loader.

use super::*;

#[test]
fn columns_by_name_and_default_features() {
    let text = "a,b,label,c\n1,2,0,3\n4,5,1,6\n";
    let opts = CsvOptions {
        targets: vec!["label".into()],
        ..Default::default()
    };
    let d: Dataset<f64> = read_csv(text.as_bytes(), "t.csv", &opts).unwrap();
    assert_eq!(d.x(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert_eq!(d.y(), [0.0, 1.0]);
    let opts = CsvOptions {
        features: Some(vec![3.into(), "a".into()]),
        ..opts
    };
    let d: Dataset<f32> = read_csv(text.as_bytes(), "t.csv", &opts).unwrap();
    assert_eq!(d.x(), [3.0, 1.0, 6.0, 4.0]);
}

#[test]
fn bad_field_reports_line_and_column() {
    let text = "x,y\n1,2\n3,oops\n";
    let opts = CsvOptions {
        targets: vec![1.into()],
        ..Default::default()
    };
    let err = read_csv::<f64, _>(text.as_bytes(), "data.csv", &opts).unwrap_err();
    assert_eq!(
        err.to_string(),
        "data.csv:3:2: cannot parse \"oops\" as a number"
    );
}

#[test]
fn short_row_reports_line_and_column() {
    let text = "1;2;3\n4;5\n";
    let opts = CsvOptions {
        has_header: false,
        delimiter: b';',
        ..Default::default()
    };
    let err = read_csv::<f64, _>(text.as_bytes(), "d.csv", &opts).unwrap_err();
    assert_eq!(err.to_string(), "d.csv:2:3: row has 2 fields, expected 3");
}

#[test]
fn loads_a_file_and_names_it_in_errors() {
    let dir = std::env::temp_dir().join(format!("macrograd-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("iris.csv");
    std::fs::write(&path, "sepal,petal,class\n5.1,1.4,0\n\n6.2,4.5,1\n").unwrap();
    let opts = CsvOptions {
        targets: vec!["class".into()],
        ..Default::default()
    };
    let d: Dataset<f64> = load_csv(&path, &opts).unwrap();
    assert_eq!(
        (d.len(), d.x(), d.y()),
        (2, &[5.1, 1.4, 6.2, 4.5][..], &[0.0, 1.0][..])
    );
    std::fs::write(&path, "sepal,petal,class\n5.1,1.4,0\n6.2,,1\n").unwrap();
    let err = load_csv::<f64>(&path, &opts).unwrap_err().to_string();
    assert!(
        err.ends_with("iris.csv:3:2: cannot parse \"\" as a number"),
        "{err}"
    );
    assert!(load_csv::<f64>(dir.join("missing.csv"), &opts).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_column_name_lists_the_columns() {
    let opts = CsvOptions {
        targets: vec!["z".into()],
        ..Default::default()
    };
    let err = read_csv::<f64, _>("x,y\n1,2\n".as_bytes(), "d.csv", &opts).unwrap_err();
    assert!(
        err.to_string()
            .contains("no column named `z`; the columns are x, y"),
        "{err}"
    );
}

fn opts_xy() -> CsvOptions {
    CsvOptions {
        features: Some(vec!["x".into()]),
        targets: vec!["y".into()],
        ..Default::default()
    }
}

fn err<T: Float>(text: &str, opts: &CsvOptions) -> String {
    read_csv::<T, _>(text.as_bytes(), "d.csv", opts)
        .unwrap_err()
        .to_string()
}

#[test]
fn huge_column_index_is_an_error_naming_it() {
    for (features, targets) in [
        (Some(vec![Column::Index(usize::MAX)]), vec![]),
        (None, vec![Column::Index(usize::MAX)]),
        (Some(vec![0.into()]), vec![Column::Index(2)]),
    ] {
        let opts = CsvOptions {
            has_header: false,
            features,
            targets,
            ..Default::default()
        };
        let e = err::<f64>("1,2\n3,4\n", &opts);
        assert!(e.contains("index ") && e.contains("out of range"), "{e}");
        assert!(e.contains("d.csv"), "{e}");
    }
    let e = err::<f64>(
        "1,2\n",
        &CsvOptions {
            has_header: false,
            features: Some(vec![Column::Index(usize::MAX)]),
            ..Default::default()
        },
    );
    assert!(e.contains(&usize::MAX.to_string()), "{e}");
}

#[test]
fn non_finite_fields_are_rejected_unless_allowed() {
    for (field, what) in [
        ("NaN", "is NaN"),
        ("nan", "is NaN"),
        ("inf", "is infinite"),
        ("-Infinity", "is infinite"),
        ("1e400", "overflows f64 to infinity"),
        ("-1e400", "overflows f64 to infinity"),
    ] {
        let text = format!("x,y\n1,0\n{field},1\n");
        let e = err::<f64>(&text, &opts_xy());
        assert!(
            e.starts_with("d.csv:3:1: ") && e.contains(what),
            "{field}: {e}"
        );
        assert!(e.contains("allow_non_finite"), "{e}");
        let allowed = CsvOptions {
            allow_non_finite: true,
            ..opts_xy()
        };
        let d: Dataset<f64> = read_csv(text.as_bytes(), "d.csv", &allowed).unwrap();
        assert!(!d.x()[1].is_finite(), "{field}");
    }
    // a finite f64 that overflows the element type is caught after conversion
    let e = err::<f32>("x,y\n1,1e39\n", &opts_xy());
    assert!(e.starts_with("d.csv:2:2: \"1e39\" overflows f32"), "{e}");
    let d: Dataset<f64> = read_csv("x,y\n1,1e39\n".as_bytes(), "d.csv", &opts_xy()).unwrap();
    assert_eq!(d.y(), [1e39]);
}

#[test]
fn underflow_to_zero_is_rejected_and_subnormals_kept() {
    let load = |text: &str| read_csv::<f64, _>(text.as_bytes(), "d.csv", &opts_xy());
    let e = err::<f64>("x,y\n1e-400,0\n", &opts_xy());
    assert!(
        e.starts_with("d.csv:2:1: \"1e-400\" underflows f64 to zero"),
        "{e}"
    );
    assert!(e.contains("allow_underflow"), "{e}");
    assert!(err::<f64>("x,y\n-0.5e-330,0\n", &opts_xy()).contains("underflows"));
    // literals that are zero are zero; a subnormal result is kept as parsed
    let d = load("x,y\n0e-400,0.000\n-0,0E5\n1e-310,0\n").unwrap();
    assert_eq!(d.x(), [0.0, 0.0, 1e-310]);
    // in f32, 1e-40 is subnormal (kept) and 1e-50 rounds to zero
    let d: Dataset<f32> = read_csv("x,y\n1e-40,0\n".as_bytes(), "d.csv", &opts_xy()).unwrap();
    assert_eq!(d.x(), [1e-40_f32]);
    let e = err::<f32>("x,y\n1,1e-50\n", &opts_xy());
    assert!(
        e.starts_with("d.csv:2:2: \"1e-50\" underflows f32 to zero"),
        "{e}"
    );
    let allowed = CsvOptions {
        allow_underflow: true,
        ..opts_xy()
    };
    let d: Dataset<f64> = read_csv("x,y\n1e-400,0\n".as_bytes(), "d.csv", &allowed).unwrap();
    assert_eq!(d.x(), [0.0]);
}

#[test]
fn duplicate_header_names_are_rejected() {
    let opts = CsvOptions {
        targets: vec![1.into()],
        ..Default::default()
    };
    assert_eq!(
        err::<f64>("a,b, a\n1,2,3\n", &opts),
        "d.csv:1:3: header name `a` repeats column 1; column names must be unique"
    );
}

#[test]
fn a_column_cannot_be_both_feature_and_target() {
    let opts = CsvOptions {
        features: Some(vec!["a".into(), "b".into()]),
        targets: vec!["b".into()],
        ..Default::default()
    };
    assert_eq!(
        err::<f64>("a,b\n1,2\n", &opts),
        "d.csv:1:2: column 2 (`b`) is both a feature and a target"
    );
    let opts = CsvOptions {
        has_header: false,
        features: Some(vec![0.into()]),
        targets: vec![0.into()],
        ..Default::default()
    };
    assert_eq!(
        err::<f64>("\n1,2\n", &opts),
        "d.csv:2:1: column 1 is both a feature and a target"
    );
}

#[test]
fn a_file_without_rows_is_an_error() {
    assert_eq!(
        err::<f64>("x,y\n", &opts_xy()),
        "d.csv:2:1: no data rows after the header"
    );
    assert_eq!(
        err::<f64>("x,y\n\n", &opts_xy()),
        "d.csv:3:1: no data rows after the header"
    );
    let opts = CsvOptions {
        has_header: false,
        features: Some(vec![0.into()]),
        ..Default::default()
    };
    assert_eq!(err::<f64>("", &opts), "d.csv:1:1: no data rows");
}

#[test]
fn line_numbers_count_blank_lines_and_crlf() {
    let opts = CsvOptions {
        targets: vec![1.into()],
        ..Default::default()
    };
    let msg = |text: &str| err::<f64>(text, &opts);
    assert_eq!(
        msg("x,y\n1,2\n\n\n3,oops\n"),
        "d.csv:5:2: cannot parse \"oops\" as a number"
    );
    assert_eq!(
        msg("\nx,y\r\n\r\n1,2\r\n3\r\n"),
        "d.csv:5:2: row has 1 fields, expected 2"
    );
}
