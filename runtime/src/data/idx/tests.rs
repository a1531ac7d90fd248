//! Tests of the IDX reader.

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

/// Deflate bits, least significant first within each byte (RFC 1951 §3.1.1).
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    n: usize,
}

impl Bits {
    fn bit(&mut self, b: u32) {
        if self.n % 8 == 0 {
            self.out.push(0);
        }
        *self.out.last_mut().unwrap() |= ((b & 1) as u8) << (self.n % 8);
        self.n += 1;
    }

    /// A Huffman code: most significant bit first.
    fn code(&mut self, v: u32, len: u32) {
        for i in (0..len).rev() {
            self.bit(v >> i);
        }
    }
}

/// A gzip member whose deflate stream (one fixed-Huffman block) spells
/// `literals` and then repeats the last literal `258 · repeats` times,
/// 13 bits per 258 bytes; CRC and size are left 0.
fn gzip_bomb(literals: &[u8], repeats: usize) -> Vec<u8> {
    fn repeat(bits: &mut Bits) {
        bits.code(0xC5, 8); // length 258 (symbol 285)
        bits.code(0, 5); // distance 1
    }
    let mut bits = Bits::default();
    bits.bit(1); // BFINAL
    bits.code(0b10, 2); // BTYPE = 01 (fixed Huffman), sent low bit first
    for &b in literals {
        assert!(b < 144);
        bits.code(0x30 + u32::from(b), 8);
    }
    // Eight repeats from a byte boundary are 13 whole bytes: copy those
    // (bit by bit, a gigabyte's worth takes a second in a debug build).
    let mut left = repeats;
    while bits.n % 8 != 0 && left > 0 {
        repeat(&mut bits);
        left -= 1;
    }
    let mut eight = Bits::default();
    (0..8).for_each(|_| repeat(&mut eight));
    for _ in 0..left / 8 {
        bits.out.extend_from_slice(&eight.out);
        bits.n += 104;
    }
    (0..left % 8).for_each(|_| repeat(&mut bits));
    bits.code(0, 7); // end of block (symbol 256)
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    gz.extend_from_slice(&bits.out);
    gz.extend_from_slice(&[0; 8]);
    gz
}

#[test]
fn the_bomb_builder_makes_valid_deflate() {
    use std::io::Read;
    for repeats in [2, 21] {
        let gz = gzip_bomb(&[1, 2, 3], repeats);
        let mut out = Vec::new();
        // the CRC is wrong on purpose, so only the inflated bytes are compared
        let _ = flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut out);
        assert_eq!(out.len(), 3 + repeats * 258);
        assert_eq!(&out[..4], [1, 2, 3, 3]);
        assert!(out[3..].iter().all(|&b| b == 3));
    }
}

#[test]
fn a_gzip_bomb_fails_just_past_the_declared_size() {
    // The header declares one byte; the stream inflates to 1 GiB.
    let header = [0, 0, 0x08, 1, 0, 0, 0, 1, 7];
    let gz = gzip_bomb(&header, (1 << 30) / 258);
    assert!(gz.len() > 6_000_000);
    let mut input = &gz[..];
    let err = decode(&mut input, Path::new("bomb.gz"), &IdxOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("trailing data"), "{err}");
    let consumed = gz.len() - input.len();
    assert!(consumed < 1 << 16, "read {consumed} compressed bytes");
    let err = parse_idx(&gz, "bomb.gz").unwrap_err().to_string();
    assert!(
        err.contains("trailing data: shape [1] needs 1 bytes"),
        "{err}"
    );
}

#[test]
fn shapes_over_the_limit_are_errors_before_reading() {
    // 256 MiB of u8 (2 GiB as f64), header only: the limit, not the missing data
    let big = idx_u8(&[1 << 14, 1 << 14], &[]);
    let err = parse_idx(&big, "big").unwrap_err().to_string();
    assert!(
        err.contains("declares 268435456 values, more than the limit of 134217728")
            && err.contains("IdxOptions::max_elements"),
        "{err}"
    );
    let raw = idx_u8(&[4, 4], &[0; 16]);
    let tight = IdxOptions { max_elements: 15 };
    assert!(parse_idx_with(&raw, "r", &tight).is_err());
    let exact = IdxOptions { max_elements: 16 };
    assert_eq!(parse_idx_with(&raw, "r", &exact).unwrap().data.len(), 16);
}

#[test]
fn an_unallocatable_shape_is_an_error_not_an_abort() {
    let unlimited = IdxOptions {
        max_elements: usize::MAX,
    };
    let huge = idx_u8(&[u32::MAX, u32::MAX], &[1, 2, 3]);
    let err = parse_idx_with(&huge, "h", &unlimited)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot allocate"), "{err}");
}

#[test]
fn zero_and_overflowing_counts_are_errors() {
    let msg = |shape: &[u32]| parse_idx(&idx_u8(shape, &[]), "z").unwrap_err().to_string();
    assert!(
        msg(&[0, u32::MAX, u32::MAX])
            .contains("dimension 0 of shape [0, 4294967295, 4294967295] is 0"),
        "{}",
        msg(&[0, u32::MAX, u32::MAX])
    );
    assert!(msg(&[3, 0]).contains("dimension 1"));
    assert!(msg(&[u32::MAX, u32::MAX, u32::MAX]).contains("more values than"));
}

#[test]
fn trailing_bytes_after_the_gzip_stream_are_errors() {
    let raw = idx_u8(&[2], &[1, 2]);
    let msg = |b: &[u8]| parse_idx(b, "t.gz").unwrap_err().to_string();
    let gz = gzip(&raw);
    assert!(msg(&[gz.as_slice(), &[0]].concat()).contains("trailing bytes after the gzip stream"));
    // a second member is trailing too: an IDX file is one stream
    assert!(msg(&[gz.clone(), gz.clone()].concat()).contains("after the gzip stream"));
    // inside the stream, after the declared data
    assert!(msg(&gzip(&[raw.as_slice(), &[9]].concat())).contains("trailing data"));
    // the checksum is verified
    let mut bad_crc = gz.clone();
    let n = bad_crc.len();
    bad_crc[n - 8] ^= 1;
    assert!(
        msg(&bad_crc).contains("gzip stream is corrupt"),
        "{}",
        msg(&bad_crc)
    );
}

#[test]
fn options_reach_the_mnist_loader() {
    let dir = std::env::temp_dir().join(format!("macrograd-idx-opt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let images = dir.join("images.idx3-ubyte");
    let labels = dir.join("labels.idx1-ubyte");
    std::fs::write(&images, idx_u8(&[2, 2, 2], &[0; 8])).unwrap();
    std::fs::write(&labels, idx_u8(&[2], &[7, 3])).unwrap();
    let small = IdxOptions { max_elements: 4 };
    let err = load_mnist_with::<f32>(&images, &labels, &small).unwrap_err();
    assert!(err.to_string().contains("images.idx3-ubyte"), "{err}");
    assert_eq!(load_mnist::<f32>(&images, &labels).unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}
