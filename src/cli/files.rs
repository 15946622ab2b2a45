//! Reading a document (from a file, mapped when large, or from standard input) and expanding
//! paths into the files under them.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::common::io_message;

/// Where a document comes from.
pub(crate) enum Source {
    Stdin,
    File(PathBuf),
}

/// The bytes of a document: read into memory, or, for a large file, mapped.
pub(crate) enum Bytes {
    Read(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Read(v) => v,
            Bytes::Mapped(m) => m,
        }
    }
}

/// Files at least this large are mapped rather than read: copying them into fresh memory
/// costs more than the scan of a megabyte.
const MAP_MIN: u64 = 1 << 20;

/// Reads a document, refusing more than the input limit.
pub(crate) fn read(source: &Source) -> Result<Bytes, String> {
    let limit = crate::extract::MAX_INPUT_BYTES as u64 + 1;
    let mut buf = Vec::new();
    let mut mapped = None;
    let r = match source {
        Source::Stdin => std::io::stdin().lock().take(limit).read_to_end(&mut buf),
        // Most documents of a site are small: a first buffer of 32 KiB takes them in one read
        // call, without a system call to ask for the size first; a bigger file grows it.
        Source::File(p) => std::fs::File::open(p).and_then(|f| {
            buf.reserve_exact(32 * 1024);
            let n = (&f).take(32 * 1024).read_to_end(&mut buf)?;
            if n < 32 * 1024 {
                return Ok(n);
            }
            let meta = f.metadata()?;
            let len = meta.len();
            if meta.is_file() && (MAP_MIN..limit).contains(&len) {
                // SAFETY: the map is read only, and only as bytes the scan copes with whatever
                // they are. A file truncated by another process while it is scanned would
                // fault on the pages past its new end; a scan of a file being rewritten is
                // wrong anyway, and ripgrep takes the same risk for the same gain.
                let map = unsafe { memmap2::MmapOptions::new().len(len as usize).map(&f)? };
                buf = Vec::new();
                mapped = Some(map);
                return Ok(len as usize);
            }
            (&f).take(limit - n as u64).read_to_end(&mut buf)
        }),
    };
    r.map_err(|e| io_message(&e))?;
    Ok(match mapped {
        Some(m) => Bytes::Mapped(m),
        None => Bytes::Read(buf),
    })
}

/// Expands directories recursively (sorted, symlinked directories not followed).
pub(crate) fn expand(
    path: &str,
    out: &mut Vec<(String, Source)>,
    errors: &mut Vec<(String, String)>,
) {
    if path == "-" {
        out.push(("-".into(), Source::Stdin));
        return;
    }
    let p = PathBuf::from(path);
    match std::fs::metadata(&p) {
        Ok(m) if m.is_dir() => walk(&p, out, errors),
        Ok(_) => out.push((path.to_string(), Source::File(p))),
        Err(e) => errors.push((path.to_string(), io_message(&e))),
    }
}

fn walk(dir: &Path, out: &mut Vec<(String, Source)>, errors: &mut Vec<(String, String)>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push((dir.display().to_string(), io_message(&e)));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let is_dir = std::fs::symlink_metadata(&p)
            .map(|m| m.is_dir())
            .unwrap_or(false);
        if is_dir {
            walk(&p, out, errors);
        } else {
            out.push((p.display().to_string(), Source::File(p)));
        }
    }
}
