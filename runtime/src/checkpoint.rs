//! Checkpoints in the safetensors format, so weights move to and from
//! PyTorch (`safetensors.torch.load_file`) and friends.
//!
//! - Tensor names are the [`Params`] names (`l1.weight`), shapes are the
//!   leaves' shapes, the dtype is `F32` or `F64`.
//! - [`save`] is atomic: it writes a temporary file in the target's
//!   directory, syncs it to disk, renames it over the target and syncs the
//!   directory, so a crash leaves either the old checkpoint or the new one,
//!   never half of one. The temporary file has one predictable name per
//!   target, `.<file name>.tmp` beside it (`.model.safetensors.tmp`): a
//!   save first deletes a leftover of that name, then creates it afresh, so
//!   a save killed half-way leaves at most that one file and the next save
//!   removes it. Saves within one process take turns; two *processes*
//!   saving the same target at the same moment are not supported (they
//!   would share the temporary file).
//! - [`load`] is all-or-nothing and strict: the file must parse, and every
//!   parameter must have a tensor of the same name, dtype and shape, with no
//!   extra tensors; otherwise the error lists every problem and the
//!   parameters are untouched. A truncated or corrupt file is an error,
//!   never a panic.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::error::{Error, Result};
use crate::float::Float;
use crate::params::{for_each, for_each_mut, shapes, Params};

/// The checkpoint bytes of `params`, with optional string `metadata` in the header.
pub fn to_bytes<P: Params + ?Sized>(
    params: &P,
    metadata: Option<HashMap<String, String>>,
) -> Result<Vec<u8>> {
    shapes(params)?; // rejects duplicate names before anything is written
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for_each(params, |leaf| {
        let mut bytes = Vec::with_capacity(leaf.data.len() * P::Scalar::BYTES);
        for &x in leaf.data {
            x.write_le(&mut bytes);
        }
        tensors.push((leaf.name.to_owned(), leaf.shape.to_vec(), bytes));
        Ok(())
    })?;
    let dtype = dtype_of::<P::Scalar>();
    let views = tensors
        .iter()
        .map(|(name, shape, bytes)| {
            TensorView::new(dtype, shape.clone(), bytes)
                .map(|v| (name.as_str(), v))
                .map_err(|e| Error::Data(format!("cannot encode `{name}`: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    safetensors::serialize(views, metadata)
        .map_err(|e| Error::Data(format!("cannot encode checkpoint: {e}")))
}

/// Saves `params` to `path` atomically (see the module docs).
pub fn save<P: Params + ?Sized>(params: &P, path: impl AsRef<Path>) -> Result<()> {
    save_with_metadata(params, path, None)
}

/// [`save`] with string metadata in the safetensors header (e.g. the epoch).
pub fn save_with_metadata<P: Params + ?Sized>(
    params: &P,
    path: impl AsRef<Path>,
    metadata: Option<HashMap<String, String>>,
) -> Result<()> {
    let bytes = to_bytes(params, metadata)?;
    write_atomically(path.as_ref(), &bytes)
}

/// Writes `bytes` to `path` through a synced temporary file and a rename
/// (`.<file name>.tmp` beside it; see the module docs).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |action: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::Data(format!("`{}` is not a file path", path.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(".tmp");
    let tmp = dir.join(tmp_name);
    // One temporary name per target: threads of this process must not
    // write it at the same time. A panic elsewhere while holding the lock
    // leaves nothing to repair, so a poisoned lock is used as is.
    let _turn = SAVING.lock().unwrap_or_else(|e| e.into_inner());
    // A leftover of an interrupted save goes first; `create_new` then
    // makes a fresh file and never follows a link planted under the name.
    match fs::remove_file(&tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(io("remove the stale temporary file", &tmp)(e));
        }
        _ => {}
    }
    let result = (|| {
        let mut file = File::options()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io("create", &tmp))?;
        file.write_all(bytes).map_err(io("write", &tmp))?;
        file.sync_all().map_err(io("sync", &tmp))?;
        drop(file);
        fs::rename(&tmp, path).map_err(io("rename into place", path))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
        return result;
    }
    // Make the rename itself durable. Directories cannot be opened for
    // syncing on every platform; where they can, failure is reported.
    #[cfg(unix)]
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io("sync directory", &dir))?;
    Ok(())
}

/// Held while a save writes and renames its temporary file.
static SAVING: Mutex<()> = Mutex::new(());

/// Loads the checkpoint at `path` into `params` (see the module docs).
pub fn load<P: Params + ?Sized>(params: &mut P, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let bytes = fs::read(path).map_err(|source| Error::Io {
        action: "read",
        path: path.to_owned(),
        source,
    })?;
    from_bytes(params, &bytes, path)
}

/// Loads checkpoint `bytes` into `params`; `name` is the file named in errors.
pub fn from_bytes<P: Params + ?Sized>(
    params: &mut P,
    bytes: &[u8],
    name: impl AsRef<Path>,
) -> Result<()> {
    let name = name.as_ref();
    shapes(params)?; // two parameters sharing a name would both read one tensor
    let file = SafeTensors::deserialize(bytes).map_err(|e| Error::CheckpointCorrupt {
        path: name.to_owned(),
        message: e.to_string(),
    })?;
    let dtype = dtype_of::<P::Scalar>();

    // Pass 1: check everything, collecting every problem.
    let mut problems = Vec::new();
    let mut expected_names = Vec::new();
    for_each(params, |leaf| {
        expected_names.push(leaf.name.to_owned());
        match file.tensor(leaf.name) {
            Err(_) => problems.push(format!("missing tensor `{}`", leaf.name)),
            Ok(t) if t.dtype() != dtype => problems.push(format!(
                "tensor `{}` has dtype {:?}, the parameter is {:?}",
                leaf.name,
                t.dtype(),
                dtype
            )),
            Ok(t) if t.shape() != leaf.shape => problems.push(format!(
                "tensor `{}` has shape {:?}, the parameter has {:?}",
                leaf.name,
                t.shape(),
                leaf.shape
            )),
            Ok(t) if t.data().len() != leaf.data.len() * P::Scalar::BYTES => {
                problems.push(format!(
                    "tensor `{}` has {} data bytes for its shape",
                    leaf.name,
                    t.data().len()
                ))
            }
            Ok(_) => {}
        }
        Ok(())
    })?;
    let mut unexpected: Vec<&str> = file
        .names()
        .into_iter()
        .filter(|n| !expected_names.iter().any(|e| e == n))
        .collect();
    unexpected.sort_unstable();
    problems.extend(
        unexpected
            .iter()
            .map(|n| format!("unexpected tensor `{n}`")),
    );
    if !problems.is_empty() {
        return Err(Error::CheckpointMismatch {
            path: name.to_owned(),
            message: problems.join("; "),
        });
    }

    // Pass 2: copy; every lookup and length was checked above.
    for_each_mut(params, |leaf| {
        let t = file
            .tensor(leaf.name)
            .expect("pass 1 found a tensor for every parameter name");
        for (x, chunk) in leaf
            .data
            .iter_mut()
            .zip(t.data().chunks_exact(P::Scalar::BYTES))
        {
            *x = P::Scalar::read_le(chunk);
        }
        Ok(())
    })
}

fn dtype_of<T: Float>() -> Dtype {
    if T::BYTES == 4 {
        Dtype::F32
    } else {
        Dtype::F64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("macrograd-ckpt-{tag}-{}", std::process::id()));
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn round_trip_f32_and_f64() {
        let dir = tmp_dir("rt");
        let p = ([[1.5_f64, -2.0], [0.25, 8.0]], 3.0_f64);
        save(&p, dir.join("a.safetensors")).unwrap();
        let mut q = ([[0.0_f64; 2]; 2], 0.0_f64);
        load(&mut q, dir.join("a.safetensors")).unwrap();
        assert_eq!(p, q);
        let p32 = vec![1.0_f32, f32::MIN_POSITIVE, -0.0];
        save(&p32, dir.join("b.safetensors")).unwrap();
        let mut q32 = vec![9.0_f32; 3];
        load(&mut q32, dir.join("b.safetensors")).unwrap();
        assert_eq!(p32, q32);
        // no temporary files left behind
        let names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_truncation_is_an_error_and_loads_nothing() {
        let p = ([1.0_f64, 2.0, 3.0], [[4.0_f64; 2]; 2]);
        let bytes = to_bytes(&p, None).unwrap();
        for len in 0..bytes.len() {
            let mut q = ([0.0_f64; 3], [[0.0_f64; 2]; 2]);
            let r = from_bytes(&mut q, &bytes[..len], "t.safetensors");
            assert!(r.is_err(), "prefix of {len} bytes loaded");
            assert_eq!(q, ([0.0; 3], [[0.0; 2]; 2]));
        }
    }

    #[test]
    fn corrupted_bytes_never_panic_nor_partially_load() {
        let p = ([1.0_f64, 2.0, 3.0], 5.0_f64);
        let bytes = to_bytes(&p, None).unwrap();
        for i in 0..bytes.len() {
            for flip in [0x01_u8, 0x80, 0xff] {
                let mut bad = bytes.clone();
                bad[i] ^= flip;
                let mut q = ([0.0_f64; 3], 0.0_f64);
                if from_bytes(&mut q, &bad, "c").is_err() {
                    assert_eq!(q, ([0.0; 3], 0.0), "byte {i} ^ {flip:#x}");
                }
            }
        }
    }

    #[test]
    fn mismatches_are_all_named() {
        let p = ([1.0_f64, 2.0, 3.0], 5.0_f64, [0.0_f64; 2]);
        let bytes = to_bytes(&p, None).unwrap();
        // "0" has the wrong shape, "1" is fine, "2" is unexpected, "3" is missing
        let mut q = ([0.0_f64; 2], 0.0_f64);
        let err = from_bytes(&mut q, &bytes, "m.safetensors")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("tensor `0` has shape [3], the parameter has [2]"),
            "{err}"
        );
        assert!(err.contains("unexpected tensor `2`"), "{err}");
        assert_eq!(q, ([0.0; 2], 0.0));
        let mut r = ([0.0_f64; 3], 0.0_f64, [0.0_f64; 2], 0.0_f64);
        let err = from_bytes(&mut r, &bytes, "m").unwrap_err().to_string();
        assert!(err.contains("missing tensor `3`"), "{err}");
        let mut s = ([0.0_f32; 3], 0.0_f32, [0.0_f32; 2]);
        let err = from_bytes(&mut s, &bytes, "m").unwrap_err().to_string();
        assert!(
            err.contains("tensor `0` has dtype F64, the parameter is F32"),
            "{err}"
        );
    }

    #[test]
    fn failed_save_keeps_the_old_file() {
        let dir = tmp_dir("keep");
        let path = dir.join("model.safetensors");
        save(&[1.0_f64, 2.0], &path).unwrap();
        let before = fs::read(&path).unwrap();
        // the save fails before writing: the directory does not exist
        assert!(save(&[3.0_f64], dir.join("missing").join("x.safetensors")).is_err());
        // a save over a directory fails at the rename and cleans up
        fs::create_dir_all(dir.join("occupied")).unwrap();
        fs::write(dir.join("occupied").join("f"), b"x").unwrap();
        assert!(save(&[3.0_f64], dir.join("occupied")).is_err());
        assert_eq!(fs::read(&path).unwrap(), before);
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 2);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_stale_temporary_file_is_replaced_not_left_behind() {
        // What `kill -9` during a save leaves: a half-written temporary file.
        let dir = tmp_dir("stale");
        let path = dir.join("m.safetensors");
        fs::write(dir.join(".m.safetensors.tmp"), b"half a checkp").unwrap();
        save(&[1.0_f64, 2.0], &path).unwrap();
        let names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["m.safetensors"]);
        let mut q = [0.0_f64; 2];
        load(&mut q, &path).unwrap();
        assert_eq!(q, [1.0, 2.0]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_saves_in_one_process_stay_whole() {
        // The temporary name is shared by every save of one target, so
        // saves within a process take turns.
        let dir = tmp_dir("threads");
        let path = dir.join("m.safetensors");
        std::thread::scope(|s| {
            for t in 0..4 {
                let path = &path;
                s.spawn(move || {
                    for i in 0..10 {
                        save(&[f64::from(t * 100 + i); 64], path).unwrap();
                    }
                });
            }
        });
        let mut q = [0.0_f64; 64];
        load(&mut q, &path).unwrap();
        assert!(q.iter().all(|&v| v == q[0]), "{q:?}");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }

    /// Set in a child process of [`killed_saves_leave_one_temporary_file_at_most`]:
    /// the directory to save into until killed.
    const SAVE_LOOP: &str = "MACROGRAD_TEST_CHECKPOINT_SAVE_LOOP";

    #[test]
    fn killed_saves_leave_one_temporary_file_at_most() {
        use std::process::{Command, Stdio};
        use std::time::{Duration, Instant};
        if let Some(dir) = std::env::var_os(SAVE_LOOP) {
            // The child: save until killed (or, should the parent be gone, for 20 s).
            let path = PathBuf::from(dir).join("m.safetensors");
            let started = Instant::now();
            let mut k = 0.0;
            while started.elapsed() < Duration::from_secs(20) {
                save(&vec![k; 1 << 14], &path).unwrap();
                k += 1.0;
            }
            return;
        }
        /// Kills the child even if an assertion fails first.
        struct Killed(std::process::Child);
        impl Drop for Killed {
            fn drop(&mut self) {
                let _ = self.0.kill();
                let _ = self.0.wait();
            }
        }
        let dir = tmp_dir("kill");
        for i in 0..20_u64 {
            let child = Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "checkpoint::tests::killed_saves_leave_one_temporary_file_at_most",
                ])
                .env(SAVE_LOOP, &dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let child = Killed(child);
            std::thread::sleep(Duration::from_millis(30 + i * 7 % 40));
            drop(child); // SIGKILL on Unix: no destructor, no cleanup in the child
        }
        let mut names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert!(
            names
                .iter()
                .all(|n| n == "m.safetensors" || n == ".m.safetensors.tmp"),
            "{names:?}"
        );
        let path = dir.join("m.safetensors");
        let mut q = vec![0.0_f64; 1 << 14];
        if path.exists() {
            load(&mut q, &path).unwrap(); // never half a checkpoint
            assert!(q.iter().all(|&v| v == q[0]));
        }
        save(&q, &path).unwrap();
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }
}
