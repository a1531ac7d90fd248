//! CSV loader: chosen feature and target columns become a [`Dataset`].
//!
//! Every field must parse as a number; a bad field or a short row is
//! [`Error::Csv`] with the file, line and column (both from 1), e.g.
//! `iris.csv:17:3: cannot parse "n/a" as a number`. Lines are the file's
//! own, blank lines included (see [`lines`]).

use std::io::Read;
use std::path::Path;

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::float::Float;

mod lines;
use lines::LineCounter;

/// A column, by 0-based position or by header name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// 0-based position
    Index(usize),
    /// header name (needs `has_header`)
    Name(String),
}

impl From<usize> for Column {
    fn from(i: usize) -> Self {
        Column::Index(i)
    }
}

impl From<&str> for Column {
    fn from(name: &str) -> Self {
        Column::Name(name.to_owned())
    }
}

/// What to read from a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// the first row names the columns (`true`)
    pub has_header: bool,
    /// field separator (`b','`)
    pub delimiter: u8,
    /// feature columns, in this order; `None`: every column except the targets (`None`)
    pub features: Option<Vec<Column>>,
    /// target columns, in this order (none: unlabelled data)
    pub targets: Vec<Column>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            has_header: true,
            delimiter: b',',
            features: None,
            targets: Vec::new(),
        }
    }
}

/// Reads the CSV file at `path`.
pub fn load_csv<T: Float>(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Dataset<T>> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        action: "open",
        path: path.to_owned(),
        source,
    })?;
    read_csv(file, path, options)
}

/// Reads CSV from any reader; `name` is the file name used in errors.
pub fn read_csv<T: Float, R: Read>(
    reader: R,
    name: impl AsRef<Path>,
    options: &CsvOptions,
) -> Result<Dataset<T>> {
    let name = name.as_ref();
    let csv_err = |line: u64, column: usize, message: String| Error::Csv {
        path: name.to_owned(),
        line,
        column,
        message,
    };
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(options.has_header)
        .delimiter(options.delimiter)
        .flexible(true)
        .from_reader(LineCounter::new(reader));
    // A parse error's line, from the byte offset the `csv` crate gives.
    let error_line = |rdr: &mut ::csv::Reader<LineCounter<R>>, e: &::csv::Error| {
        record_line(rdr.get_mut(), e.position())
    };
    let header: Vec<String> = if options.has_header {
        let h = match rdr.headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(csv_err(error_line(&mut rdr, &e), 1, e.to_string())),
        };
        h.iter().map(|s| s.trim().to_owned()).collect()
    } else {
        Vec::new()
    };

    let resolve = |c: &Column| -> Result<usize> {
        match c {
            Column::Index(i) => Ok(*i),
            Column::Name(n) => header.iter().position(|h| h == n).ok_or_else(|| {
                Error::Data(if header.is_empty() {
                    format!("column `{n}` is named but the CSV options say there is no header")
                } else {
                    format!(
                        "no column named `{n}`; the columns are {}",
                        header.join(", ")
                    )
                })
            }),
        }
    };
    let targets: Vec<usize> = options.targets.iter().map(resolve).collect::<Result<_>>()?;
    let explicit: Option<Vec<usize>> = options
        .features
        .as_ref()
        .map(|f| f.iter().map(resolve).collect::<Result<_>>())
        .transpose()?;

    let mut x: Vec<T> = Vec::new();
    let mut y: Vec<T> = Vec::new();
    let mut features = explicit;
    let mut width = None;
    let mut record = ::csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_err(error_line(&mut rdr, &e), 1, e.to_string())),
        }
        let line = record_line(rdr.get_mut(), record.position());
        if record.len() == 1 && record.get(0).is_some_and(|f| f.trim().is_empty()) {
            continue; // blank line
        }
        // The first row fixes the width (the header's, if there is one).
        let expected = *width.get_or_insert(if header.is_empty() {
            record.len()
        } else {
            header.len()
        });
        if record.len() != expected {
            return Err(csv_err(
                line,
                record.len().min(expected) + 1,
                format!("row has {} fields, expected {expected}", record.len()),
            ));
        }
        let features = features
            .get_or_insert_with(|| (0..expected).filter(|c| !targets.contains(c)).collect());
        for (cols, out) in [(&*features, &mut x), (&targets, &mut y)] {
            for &c in cols {
                let field = record.get(c).ok_or_else(|| {
                    csv_err(
                        line,
                        c + 1,
                        format!(
                            "column {} does not exist; rows have {expected} fields",
                            c + 1
                        ),
                    )
                })?;
                let v: f64 = field.trim().parse().map_err(|_| {
                    csv_err(line, c + 1, format!("cannot parse {field:?} as a number"))
                })?;
                out.push(T::from_f64(v));
            }
        }
    }
    let n_features = features.as_ref().map_or(0, Vec::len);
    if n_features == 0 {
        return Err(Error::Data(format!(
            "`{}` has no feature columns or no rows",
            name.display()
        )));
    }
    Dataset::new(x, n_features, y, targets.len())
}

/// The line of a record (or error) at `position`, the last line without one.
fn record_line<R>(counter: &mut LineCounter<R>, position: Option<&::csv::Position>) -> u64 {
    match position {
        Some(p) => counter.line_at(p.byte()),
        None => counter.lines(),
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn line_numbers_count_blank_lines_and_crlf() {
        let opts = CsvOptions {
            targets: vec![1.into()],
            ..Default::default()
        };
        let msg = |text: &str| err_of(text, &opts);
        assert_eq!(
            msg("x,y\n1,2\n\n\n3,oops\n"),
            "d.csv:5:2: cannot parse \"oops\" as a number"
        );
        assert_eq!(
            msg("\nx,y\r\n\r\n1,2\r\n3\r\n"),
            "d.csv:5:2: row has 1 fields, expected 2"
        );
    }

    fn err_of(text: &str, opts: &CsvOptions) -> String {
        read_csv::<f64, _>(text.as_bytes(), "d.csv", opts)
            .unwrap_err()
            .to_string()
    }
}
