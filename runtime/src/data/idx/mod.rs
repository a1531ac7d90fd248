//! IDX files (the MNIST format), raw or gzip-compressed.
//!
//! Layout: two zero bytes, a type byte (`0x08` u8, `0x09` i8, `0x0B` i16,
//! `0x0C` i32, `0x0D` f32, `0x0E` f64), the number of dimensions, then each
//! dimension as a big-endian `u32`, then the values, big-endian, row-major.
//! A file starting with the gzip magic `1f 8b` is decompressed as it is
//! read.
//!
//! Files are read as a stream, and the header decides how much: a reader
//! takes exactly the bytes the header declares, plus one to detect trailing
//! data, so a small gzip file that inflates to gigabytes fails after a few
//! bytes, not after inflating them. Before anything is allocated the header
//! must declare a shape with no zero dimension, an element count that fits
//! in `usize` (checked multiplication), and at most
//! [`IdxOptions::max_elements`] values; the allocation itself is fallible
//! too, so a file too large for memory is an error, not an abort. Any
//! inconsistency (bad magic, truncated data, trailing bytes after the data
//! or after the gzip stream, a corrupt gzip stream or checksum) is
//! [`Error::Idx`]; nothing panics on a malformed file.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::float::Float;

/// An IDX tensor, values widened to `f64` (every IDX type fits exactly).
#[derive(Debug, Clone, PartialEq)]
pub struct IdxArray {
    /// dimensions, outermost first
    pub shape: Vec<usize>,
    /// values, row-major
    pub data: Vec<f64>,
    /// the type byte of the file (`0x08` for MNIST)
    pub type_code: u8,
}

/// Limits of the IDX readers ([`read_idx_with`], [`parse_idx_with`],
/// [`load_mnist_with`]); the functions without `_with` use the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdxOptions {
    /// The most values a file may declare; a larger shape is an error before
    /// anything is read or allocated (`1 << 27`, 134,217,728: 1 GiB as
    /// `f64`, nearly three times MNIST's 47 million training pixels).
    pub max_elements: usize,
}

impl Default for IdxOptions {
    fn default() -> Self {
        Self {
            max_elements: 1 << 27,
        }
    }
}

/// Reads an IDX file, gzip or raw, with the default [`IdxOptions`].
pub fn read_idx(path: impl AsRef<Path>) -> Result<IdxArray> {
    read_idx_with(path, &IdxOptions::default())
}

/// Reads an IDX file, gzip or raw, within the limits of `options`.
pub fn read_idx_with(path: impl AsRef<Path>, options: &IdxOptions) -> Result<IdxArray> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| Error::Io {
        action: "open",
        path: path.to_owned(),
        source,
    })?;
    decode(BufReader::new(file), path, options)
}

/// Parses IDX bytes (gzip or raw) with the default [`IdxOptions`]; `name`
/// is used in error messages.
pub fn parse_idx(bytes: &[u8], name: impl AsRef<Path>) -> Result<IdxArray> {
    parse_idx_with(bytes, name, &IdxOptions::default())
}

/// Parses IDX bytes (gzip or raw) within the limits of `options`.
pub fn parse_idx_with(
    bytes: &[u8],
    name: impl AsRef<Path>,
    options: &IdxOptions,
) -> Result<IdxArray> {
    decode(bytes, name.as_ref(), options)
}

/// The gzip magic number.
const GZIP: [u8; 2] = [0x1f, 0x8b];

/// Bytes of data read and converted at a time (a multiple of every width).
const CHUNK: usize = 1 << 16;

/// Decodes one IDX array from `input`, which must hold nothing after it.
fn decode<R: BufRead>(mut input: R, name: &Path, options: &IdxOptions) -> Result<IdxArray> {
    let io_err = |source| Error::Io {
        action: "read",
        path: name.to_owned(),
        source,
    };
    let mut magic = [0u8; 2];
    let n = fill(&mut input, &mut magic).map_err(io_err)?;
    // Put the peeked bytes back in front of the rest.
    let input = (&magic[..n]).chain(input);
    if magic[..n] != GZIP {
        return read_array(input, name, options, &io_err);
    }
    let corrupt = |e: io::Error| Error::Idx {
        path: name.to_owned(),
        message: format!("gzip stream is corrupt: {e}"),
    };
    let mut gz = flate2::bufread::GzDecoder::new(input);
    // `read_array` reads to the end of the inflated stream, so the gzip
    // trailer (CRC and size) has been checked when it returns.
    let array = read_array(&mut gz, name, options, &corrupt)?;
    let mut rest = gz.into_inner();
    if !rest.fill_buf().map_err(io_err)?.is_empty() {
        return Err(Error::Idx {
            path: name.to_owned(),
            message: "trailing bytes after the gzip stream".into(),
        });
    }
    Ok(array)
}

/// Reads header and values from the (inflated) stream, then checks that
/// the stream ends there; `stream_err` turns a read error into ours.
fn read_array(
    mut stream: impl Read,
    name: &Path,
    options: &IdxOptions,
    stream_err: &dyn Fn(io::Error) -> Error,
) -> Result<IdxArray> {
    let bad = |message: String| Error::Idx {
        path: name.to_owned(),
        message,
    };
    let mut head = [0u8; 4];
    let got = fill(&mut stream, &mut head).map_err(stream_err)?;
    if got < 4 || head[0] != 0 || head[1] != 0 {
        return Err(bad(
            "does not start with the IDX magic `00 00 <type> <dims>`".into(),
        ));
    }
    let type_code = head[2];
    let width = match type_code {
        0x08 | 0x09 => 1,
        0x0B => 2,
        0x0C | 0x0D => 4,
        0x0E => 8,
        t => return Err(bad(format!("unknown element type 0x{t:02X}"))),
    };
    let ndim = usize::from(head[3]);
    let mut dims = vec![0u8; 4 * ndim];
    let got = fill(&mut stream, &mut dims).map_err(stream_err)?;
    if got < dims.len() {
        return Err(bad(format!(
            "truncated header: {ndim} dimensions need {} bytes, file has {}",
            4 + dims.len(),
            4 + got
        )));
    }
    let shape: Vec<usize> = dims
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let (count, bytes) = check_shape(&shape, width, options).map_err(bad)?;

    let mut data: Vec<f64> = Vec::new();
    data.try_reserve_exact(count).map_err(|e| {
        bad(format!(
            "cannot allocate {count} values for shape {shape:?}: {e}"
        ))
    })?;
    let mut buf = vec![0u8; CHUNK.min(bytes)];
    let mut done = 0;
    while done < bytes {
        let want = (bytes - done).min(CHUNK);
        let got = fill(&mut stream, &mut buf[..want]).map_err(stream_err)?;
        if got < want {
            return Err(bad(format!(
                "truncated data: shape {shape:?} needs {bytes} bytes, found {}",
                done + got
            )));
        }
        data.extend(buf[..want].chunks_exact(width).map(|c| value(type_code, c)));
        done += want;
    }
    // One byte more than declared tells trailing data from the end.
    if fill(&mut stream, &mut [0u8; 1]).map_err(stream_err)? > 0 {
        return Err(bad(format!(
            "trailing data: shape {shape:?} needs {bytes} bytes, the file has more"
        )));
    }
    Ok(IdxArray {
        shape,
        data,
        type_code,
    })
}

/// The element count and data bytes of `shape`, or why it cannot be read:
/// a zero dimension (no values; and `0 × 2³² × 2³²` would hide an overflow),
/// a count or size beyond `usize`, or more values than allowed.
fn check_shape(
    shape: &[usize],
    width: usize,
    options: &IdxOptions,
) -> std::result::Result<(usize, usize), String> {
    if let Some(axis) = shape.iter().position(|&d| d == 0) {
        return Err(format!(
            "dimension {axis} of shape {shape:?} is 0; the file holds no values"
        ));
    }
    let sizes = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .and_then(|count| Some((count, count.checked_mul(width)?)));
    let Some((count, bytes)) = sizes else {
        return Err(format!(
            "shape {shape:?} has more values than this machine can address"
        ));
    };
    if count > options.max_elements {
        return Err(format!(
            "shape {shape:?} declares {count} values, more than the limit of {}; raise `IdxOptions::max_elements` to read it",
            options.max_elements
        ));
    }
    Ok((count, bytes))
}

/// One big-endian element of `type_code` (validated) as `f64`.
fn value(type_code: u8, c: &[u8]) -> f64 {
    match type_code {
        0x08 => f64::from(c[0]),
        0x09 => f64::from(c[0] as i8),
        0x0B => f64::from(i16::from_be_bytes([c[0], c[1]])),
        0x0C => f64::from(i32::from_be_bytes([c[0], c[1], c[2], c[3]])),
        0x0D => f64::from(f32::from_be_bytes([c[0], c[1], c[2], c[3]])),
        _ => f64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
    }
}

/// Reads until `buf` is full or the stream ends; the bytes read.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// MNIST-style images and labels as a [`Dataset`], with the default
/// [`IdxOptions`]; see [`load_mnist_with`].
pub fn load_mnist<T: Float>(
    images: impl AsRef<Path>,
    labels: impl AsRef<Path>,
) -> Result<Dataset<T>> {
    load_mnist_with(images, labels, &IdxOptions::default())
}

/// MNIST-style images and labels as a [`Dataset`]: each image flattened to
/// one row, pixels scaled from `0..=255` to `[0, 1]`, the label as target.
/// `options` applies to each file.
///
/// [`Error::Idx`] if the images are not 3-D, the labels not 1-D, or their
/// counts differ.
pub fn load_mnist_with<T: Float>(
    images: impl AsRef<Path>,
    labels: impl AsRef<Path>,
    options: &IdxOptions,
) -> Result<Dataset<T>> {
    let (ip, lp) = (images.as_ref(), labels.as_ref());
    let img = read_idx_with(ip, options)?;
    let lab = read_idx_with(lp, options)?;
    if img.shape.len() != 3 {
        return Err(Error::Idx {
            path: ip.to_owned(),
            message: format!(
                "images must have 3 dimensions (count, rows, columns), found {:?}",
                img.shape
            ),
        });
    }
    if lab.shape.len() != 1 || lab.shape[0] != img.shape[0] {
        return Err(Error::Idx {
            path: lp.to_owned(),
            message: format!(
                "labels have shape {:?}, expected [{}] to match the images",
                lab.shape, img.shape[0]
            ),
        });
    }
    let scale = if img.type_code == 0x08 {
        1.0 / 255.0
    } else {
        1.0
    };
    let mut x: Vec<T> = Vec::new();
    x.try_reserve_exact(img.data.len())
        .map_err(|e| Error::Idx {
            path: ip.to_owned(),
            message: format!("cannot allocate {} values: {e}", img.data.len()),
        })?;
    x.extend(img.data.iter().map(|&v| T::from_f64(v * scale)));
    let y = lab.data.iter().map(|&v| T::from_f64(v)).collect();
    // `check_shape` bounded the product of all three dimensions.
    Dataset::new(x, img.shape[1] * img.shape[2], y, 1)
}

#[cfg(test)]
mod tests;
