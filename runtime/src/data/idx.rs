//! IDX files (the MNIST format), raw or gzip-compressed.
//!
//! Layout: two zero bytes, a type byte (`0x08` u8, `0x09` i8, `0x0B` i16,
//! `0x0C` i32, `0x0D` f32, `0x0E` f64), the number of dimensions, then each
//! dimension as a big-endian `u32`, then the values, big-endian, row-major.
//! A file starting with the gzip magic `1f 8b` is decompressed first. Any
//! inconsistency (bad magic, truncated data, trailing bytes) is
//! [`Error::Idx`]; nothing panics on a malformed file.

use std::io::Read;
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

/// Reads an IDX file, gzip or raw.
pub fn read_idx(path: impl AsRef<Path>) -> Result<IdxArray> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        action: "read",
        path: path.to_owned(),
        source,
    })?;
    parse_idx(&bytes, path)
}

/// Parses IDX bytes (gzip or raw); `name` is used in error messages.
pub fn parse_idx(bytes: &[u8], name: impl AsRef<Path>) -> Result<IdxArray> {
    let name = name.as_ref();
    let bad = |message: String| Error::Idx {
        path: name.to_owned(),
        message,
    };
    let inflated;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| bad(format!("gzip stream is corrupt: {e}")))?;
        inflated = out;
        &inflated[..]
    } else {
        bytes
    };
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err(bad(
            "does not start with the IDX magic `00 00 <type> <dims>`".into(),
        ));
    }
    let type_code = bytes[2];
    let width = match type_code {
        0x08 | 0x09 => 1,
        0x0B => 2,
        0x0C | 0x0D => 4,
        0x0E => 8,
        t => return Err(bad(format!("unknown element type 0x{t:02X}"))),
    };
    let ndim = usize::from(bytes[3]);
    let header = 4 + 4 * ndim;
    if bytes.len() < header {
        return Err(bad(format!(
            "truncated header: {ndim} dimensions need {header} bytes, file has {}",
            bytes.len()
        )));
    }
    let shape: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let count = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| bad(format!("dimensions {shape:?} overflow")))?;
    let body = &bytes[header..];
    let expected = count
        .checked_mul(width)
        .ok_or_else(|| bad(format!("dimensions {shape:?} overflow")))?;
    if body.len() != expected {
        return Err(bad(format!(
            "{} data: shape {shape:?} needs {expected} bytes, found {}",
            if body.len() < expected {
                "truncated"
            } else {
                "trailing"
            },
            body.len()
        )));
    }
    let data = body
        .chunks_exact(width)
        .map(|c| match type_code {
            0x08 => f64::from(c[0]),
            0x09 => f64::from(c[0] as i8),
            0x0B => f64::from(i16::from_be_bytes([c[0], c[1]])),
            0x0C => f64::from(i32::from_be_bytes([c[0], c[1], c[2], c[3]])),
            0x0D => f64::from(f32::from_be_bytes([c[0], c[1], c[2], c[3]])),
            _ => f64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
        })
        .collect();
    Ok(IdxArray {
        shape,
        data,
        type_code,
    })
}

/// MNIST-style images and labels as a [`Dataset`]: each image flattened to
/// one row, pixels scaled from `0..=255` to `[0, 1]`, the label as target.
///
/// [`Error::Idx`] if the images are not 3-D, the labels not 1-D, or their
/// counts differ.
pub fn load_mnist<T: Float>(
    images: impl AsRef<Path>,
    labels: impl AsRef<Path>,
) -> Result<Dataset<T>> {
    let (ip, lp) = (images.as_ref(), labels.as_ref());
    let img = read_idx(ip)?;
    let lab = read_idx(lp)?;
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
    let x = img.data.iter().map(|&v| T::from_f64(v * scale)).collect();
    let y = lab.data.iter().map(|&v| T::from_f64(v)).collect();
    Dataset::new(x, img.shape[1] * img.shape[2], y, 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn idx_u8(shape: &[u32], data: &[u8]) -> Vec<u8> {
        let mut out = vec![0, 0, 0x08, shape.len() as u8];
        for d in shape {
            out.extend_from_slice(&d.to_be_bytes());
        }
        out.extend_from_slice(data);
        out
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn raw_and_gzip_parse_the_same() {
        let raw = idx_u8(&[2, 3], &[0, 1, 2, 253, 254, 255]);
        let a = parse_idx(&raw, "a").unwrap();
        assert_eq!(a.shape, [2, 3]);
        assert_eq!(a.data, [0.0, 1.0, 2.0, 253.0, 254.0, 255.0]);
        assert_eq!(parse_idx(&gzip(&raw), "a.gz").unwrap(), a);
    }

    #[test]
    fn wider_types_are_big_endian() {
        let mut b = vec![0, 0, 0x0B, 1, 0, 0, 0, 2];
        b.extend_from_slice(&(-300i16).to_be_bytes());
        b.extend_from_slice(&7i16.to_be_bytes());
        assert_eq!(parse_idx(&b, "s").unwrap().data, [-300.0, 7.0]);
        let mut f = vec![0, 0, 0x0E, 1, 0, 0, 0, 1];
        f.extend_from_slice(&0.1f64.to_be_bytes());
        assert_eq!(parse_idx(&f, "f").unwrap().data, [0.1]);
    }

    #[test]
    fn malformed_files_are_errors() {
        let raw = idx_u8(&[2, 3], &[0, 1, 2, 3, 4, 5]);
        let msg = |b: &[u8]| parse_idx(b, "m.idx").unwrap_err().to_string();
        assert!(msg(&raw[..raw.len() - 1]).contains("truncated data"));
        assert!(msg(&[raw.as_slice(), &[9]].concat()).contains("trailing data"));
        assert!(msg(&raw[..6]).contains("truncated header"));
        assert!(msg(&[1, 2, 3, 4]).contains("magic"));
        assert!(msg(&[0, 0, 0x42, 0]).contains("unknown element type 0x42"));
        let gz = gzip(&raw);
        assert!(msg(&gz[..gz.len() / 2]).contains("gzip"));
        let huge = idx_u8(&[u32::MAX, u32::MAX, u32::MAX], &[]);
        assert!(parse_idx(&huge, "h").is_err());
    }

    #[test]
    fn mnist_pair_from_files() {
        let dir = std::env::temp_dir().join(format!("macrograd-idx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let images = dir.join("images.idx3-ubyte.gz");
        let labels = dir.join("labels.idx1-ubyte");
        std::fs::write(
            &images,
            gzip(&idx_u8(&[2, 2, 2], &[0, 255, 51, 102, 255, 0, 0, 0])),
        )
        .unwrap();
        std::fs::write(&labels, idx_u8(&[2], &[7, 3])).unwrap();
        let d: Dataset<f64> = load_mnist(&images, &labels).unwrap();
        assert_eq!(d.n_features(), 4);
        assert_eq!(d.features(0), [0.0, 1.0, 0.2, 0.4]);
        assert_eq!(d.y(), [7.0, 3.0]);
        std::fs::write(&labels, idx_u8(&[3], &[7, 3, 1])).unwrap();
        let err = load_mnist::<f64>(&images, &labels).unwrap_err();
        assert!(err.to_string().contains("expected [2]"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
