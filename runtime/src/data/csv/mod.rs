//! CSV loader: chosen feature and target columns become a [`Dataset`].
//!
//! Every field must parse as a number; a bad field or a short row is
//! [`Error::Csv`] with the file, line and column (both from 1), e.g.
//! `iris.csv:17:3: cannot parse "n/a" as a number`. Lines are the file's
//! own, blank lines and CRLF endings counted (`csv/lines.rs` says why the
//! `csv` crate's positions are not used).
//!
//! Hostile or damaged files are rejected rather than read into values that
//! would silently poison training. By default these are [`Error::Csv`] too:
//! - a field that is NaN or infinite in the element type `T`: `NaN`, `inf`,
//!   and literals that overflow, such as `1e400` (or `1e39` for `f32`);
//!   [`CsvOptions::allow_non_finite`] accepts them;
//! - a field that underflows: a literal whose significand has a non-zero
//!   digit but whose value rounds to ±0 in `T` (below half the smallest
//!   subnormal, about `2.5e-324` for `f64` and `7e-46` for `f32`), such as
//!   `1e-400`; [`CsvOptions::allow_underflow`] accepts them as 0. A value
//!   that rounds to a subnormal is kept as parsed, and zero literals
//!   (`0`, `-0.0`, `0e-400`) are zero;
//! - two header columns with the same name (at the second one);
//! - a column chosen both as a feature and as a target (at the header, or
//!   the first row without one);
//! - a file without data rows (at the line after the last).
//!
//! A column index beyond the row width is [`Error::Data`] naming the file
//! and the index as given.

use std::collections::HashMap;
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
    /// accept NaN, infinities and literals that overflow to infinity (`false`)
    pub allow_non_finite: bool,
    /// accept non-zero literals that round to zero, such as `1e-400` (`false`)
    pub allow_underflow: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            has_header: true,
            delimiter: b',',
            features: None,
            targets: Vec::new(),
            allow_non_finite: false,
            allow_underflow: false,
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
    let (header, header_line) = if options.has_header {
        let h = match rdr.headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(csv_err(error_line(&mut rdr, &e), 1, e.to_string())),
        };
        let line = record_line(rdr.get_mut(), h.position());
        let names: Vec<String> = h.iter().map(|s| s.trim().to_owned()).collect();
        check_unique(&names).map_err(|(column, message)| csv_err(line, column, message))?;
        (names, line)
    } else {
        (Vec::new(), 0)
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
    let layout = |width: usize, line: u64| {
        column_layout(explicit.as_deref(), &targets, width, &header).map_err(|e| match e {
            Misfit::OutOfRange(message) => Error::Data(format!("`{}`: {message}", name.display())),
            Misfit::At(column, message) => csv_err(line, column, message),
        })
    };

    // The width of a row and the feature columns, fixed by the header or,
    // without one, by the first row.
    let mut fixed: Option<(usize, Vec<usize>)> = match header.len() {
        0 => None,
        w => Some((w, layout(w, header_line)?)),
    };
    let mut x: Vec<T> = Vec::new();
    let mut y: Vec<T> = Vec::new();
    let mut rows = 0usize;
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
        let (expected, features) = match &mut fixed {
            Some(f) => &*f,
            None => &*fixed.insert((record.len(), layout(record.len(), line)?)),
        };
        let expected = *expected;
        if record.len() != expected {
            return Err(csv_err(
                line,
                record.len().min(expected) + 1,
                format!("row has {} fields, expected {expected}", record.len()),
            ));
        }
        // Every column is below `expected` (checked by `column_layout`), so
        // `get` succeeds and `c + 1` cannot overflow.
        for (cols, out) in [(features, &mut x), (&targets, &mut y)] {
            for &c in cols {
                let field = record.get(c).unwrap_or_default();
                out.push(parse_field(field, options).map_err(|m| csv_err(line, c + 1, m))?);
            }
        }
        rows += 1;
    }
    if rows == 0 {
        let after = if options.has_header {
            " after the header"
        } else {
            ""
        };
        let end = rdr.get_ref().lines().saturating_add(1);
        return Err(csv_err(end, 1, format!("no data rows{after}")));
    }
    let n_features = fixed.as_ref().map_or(0, |(_, f)| f.len());
    if n_features == 0 {
        return Err(Error::Data(format!(
            "`{}` has no feature columns",
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

/// Why the chosen columns do not fit the file.
enum Misfit {
    /// a column index the rows do not have (no position in the file to name)
    OutOfRange(String),
    /// a problem at this column (from 1) of the header or first row
    At(usize, String),
}

/// Header names must be unique, or a name would pick one of two columns
/// arbitrarily; the error is at the second occurrence.
fn check_unique(names: &[String]) -> std::result::Result<(), (usize, String)> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(names.len());
    for (j, n) in names.iter().enumerate() {
        if let Some(i) = seen.insert(n, j) {
            return Err((
                j + 1,
                format!(
                    "header name `{n}` repeats column {}; column names must be unique",
                    i + 1
                ),
            ));
        }
    }
    Ok(())
}

/// The feature columns for rows of `width` fields: every chosen column
/// must exist, and none may be both a feature and a target (the model
/// would see its own answer).
fn column_layout(
    explicit: Option<&[usize]>,
    targets: &[usize],
    width: usize,
    header: &[String],
) -> std::result::Result<Vec<usize>, Misfit> {
    let chosen = explicit.unwrap_or_default().iter().map(|c| ("feature", c));
    for (role, &c) in chosen.chain(targets.iter().map(|c| ("target", c))) {
        if c >= width {
            // The index as the user wrote it: `c + 1` may overflow.
            return Err(Misfit::OutOfRange(format!(
                "{role} column index {c} is out of range; rows have {width} fields (indices from 0)"
            )));
        }
    }
    let Some(features) = explicit else {
        return Ok((0..width).filter(|c| !targets.contains(c)).collect());
    };
    if let Some(&c) = features.iter().find(|c| targets.contains(c)) {
        let named = header
            .get(c)
            .map_or_else(String::new, |h| format!(" (`{h}`)"));
        return Err(Misfit::At(
            c + 1,
            format!("column {}{named} is both a feature and a target", c + 1),
        ));
    }
    Ok(features.to_vec())
}

/// One field as `T`, under the options' rules for non-finite and
/// underflowing values (see the module docs); the error is the message.
fn parse_field<T: Float>(field: &str, options: &CsvOptions) -> std::result::Result<T, String> {
    let text = field.trim();
    let wide: f64 = text
        .parse()
        .map_err(|_| format!("cannot parse {field:?} as a number"))?;
    // Converting to `f32` can overflow or underflow a finite `f64`, so the
    // checks look at the value in `T`.
    let v = T::from_f64(wide);
    let ty = std::any::type_name::<T>();
    if !v.is_finite() && !options.allow_non_finite {
        let what = if wide.is_nan() {
            "is NaN".to_owned()
        } else if !text.bytes().any(|b| b.is_ascii_digit()) {
            "is infinite".to_owned()
        } else {
            format!("overflows {ty} to infinity")
        };
        return Err(format!(
            "{field:?} {what}; set `allow_non_finite` in the CSV options to accept it"
        ));
    }
    if v == T::ZERO && !options.allow_underflow && nonzero_significand(text) {
        return Err(format!(
            "{field:?} underflows {ty} to zero; set `allow_underflow` in the CSV options to read it as 0"
        ));
    }
    Ok(v)
}

/// The literal's significand (before any exponent) has a digit 1–9, so the
/// number it denotes is not zero.
fn nonzero_significand(text: &str) -> bool {
    text.split(['e', 'E'])
        .next()
        .is_some_and(|s| s.bytes().any(|b| matches!(b, b'1'..=b'9')))
}

#[cfg(test)]
mod tests;
