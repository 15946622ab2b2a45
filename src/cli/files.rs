//! Reading a document (from a file, mapped when large, or from standard input), and the one
//! walker that turns the paths of the command line into the files under them (for `scan`,
//! `eval` and `rules diff`; each judges what it finds).

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
    read_bytes(source).map_err(|e| io_message(&e))
}

fn read_bytes(source: &Source) -> std::io::Result<Bytes> {
    const FIRST: usize = 32 * 1024;
    let limit = crate::extract::MAX_INPUT_BYTES as u64 + 1;
    let mut buf = Vec::new();
    let f = match source {
        Source::Stdin => {
            std::io::stdin().lock().take(limit).read_to_end(&mut buf)?;
            return Ok(Bytes::Read(buf));
        }
        Source::File(p) => std::fs::File::open(p)?,
    };
    // Most documents of a site are small: a first buffer of 32 KiB takes them in one read
    // call, without a system call to ask for the size first; a bigger file grows it, or is
    // mapped.
    buf.reserve_exact(FIRST);
    if (&f).take(FIRST as u64).read_to_end(&mut buf)? < FIRST {
        return Ok(Bytes::Read(buf));
    }
    let meta = f.metadata()?;
    if meta.is_file() && (MAP_MIN..limit).contains(&meta.len()) {
        // SAFETY: the map is read only, and only as bytes the scan copes with whatever
        // they are. A file truncated by another process while it is scanned would
        // fault on the pages past its new end; a scan of a file being rewritten is
        // wrong anyway, and ripgrep takes the same risk for the same gain.
        let map = unsafe {
            memmap2::MmapOptions::new()
                .len(meta.len() as usize)
                .map(&f)?
        };
        return Ok(Bytes::Mapped(map));
    }
    (&f).take(limit - buf.len() as u64).read_to_end(&mut buf)?;
    Ok(Bytes::Read(buf))
}

/// What the walker finds at a path, in walk order.
pub(crate) struct Found {
    /// The path as given (an operand) or as joined under its directory.
    pub(crate) path: PathBuf,
    /// Named on the command line rather than found in a directory.
    pub(crate) named: bool,
    pub(crate) what: What,
}

pub(crate) enum What {
    /// `-`: standard input.
    Stdin,
    /// A regular file, or a symbolic link to one. `len`: its size, known for an operand and a
    /// link; for a plain file in a directory only when sizes were asked for (else 0).
    File { len: u64 },
    /// A pipe, socket or device (a symbolic link to one included). The walker never opens it.
    Special(std::fs::FileType),
    /// A symbolic link to a directory, in a directory: not followed (no loops).
    LinkedDir,
    /// A symbolic link, in a directory, whose target cannot be reached.
    BrokenLink(std::io::Error),
    /// A directory entry whose type or size could not be found (gone since it was listed).
    Vanished,
    /// An operand that cannot be looked at, or a directory that cannot be listed.
    Unreadable(std::io::Error),
}

/// The one walker, for `baomi scan`, `baomi eval` and `baomi rules diff`: an operand (a file,
/// a directory walked recursively, or `-`) is handed to `visit` path by path, depth-first,
/// the entries of each directory sorted by name (which, within a directory, is sorting by
/// path). Symbolic links to directories are reported, not followed; every other kind of
/// entry is reported for the caller to judge, never opened. `sizes`: find the size of each
/// plain file in a directory (a system call per file). `visit` returns false to stop the
/// walk; so does `walk`, then.
pub(crate) fn walk(operand: &str, sizes: bool, visit: &mut dyn FnMut(Found) -> bool) -> bool {
    let path = PathBuf::from(operand);
    let what = if operand == "-" {
        What::Stdin
    } else {
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => return walk_dir(&path, sizes, visit),
            Ok(m) if m.is_file() => What::File { len: m.len() },
            Ok(m) => What::Special(m.file_type()),
            Err(e) => What::Unreadable(e),
        }
    };
    visit(Found {
        path,
        named: true,
        what,
    })
}

fn walk_dir(dir: &Path, sizes: bool, visit: &mut dyn FnMut(Found) -> bool) -> bool {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            return visit(Found {
                path: dir.to_path_buf(),
                named: false,
                what: What::Unreadable(e),
            })
        }
    };
    let mut entries: Vec<std::fs::DirEntry> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let path = e.path();
        // The type comes with the directory entry on most file systems: no system call, and a
        // symbolic link is not followed.
        let what = match e.file_type() {
            Err(_) => What::Vanished,
            Ok(kind) if kind.is_dir() => {
                if !walk_dir(&path, sizes, visit) {
                    return false;
                }
                continue;
            }
            Ok(kind) if kind.is_symlink() => match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => What::LinkedDir,
                Ok(m) if m.is_file() => What::File { len: m.len() },
                Ok(m) => What::Special(m.file_type()),
                Err(e) => What::BrokenLink(e),
            },
            // A lookup relative to the directory, not the whole path.
            Ok(kind) if kind.is_file() && sizes => match e.metadata() {
                Ok(m) => What::File { len: m.len() },
                Err(_) => What::Vanished,
            },
            // Size unknown (0): nothing needs it, and the reader sizes its buffer itself.
            Ok(kind) if kind.is_file() => What::File { len: 0 },
            Ok(kind) => What::Special(kind),
        };
        let found = Found {
            path,
            named: false,
            what,
        };
        if !visit(found) {
            return false;
        }
    }
    true
}

/// Expands an operand into the documents under it (for `baomi eval` and `baomi rules diff`),
/// with [`walk`]. Everything but a directory that cannot be listed or a missing operand is
/// taken as a document, to be read (and fail there if it is no file).
pub(crate) fn expand(
    path: &str,
    out: &mut Vec<(String, Source)>,
    errors: &mut Vec<(String, String)>,
) {
    walk(path, false, &mut |found| {
        let display = found.path.display().to_string();
        match found.what {
            What::Stdin => out.push((display, Source::Stdin)),
            What::Unreadable(e) => errors.push((display, io_message(&e))),
            What::File { .. }
            | What::Special(_)
            | What::LinkedDir
            | What::BrokenLink(_)
            | What::Vanished => out.push((display, Source::File(found.path))),
        }
        true
    });
}
