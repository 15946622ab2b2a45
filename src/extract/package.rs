//! ZIP packages (Word, Excel and OpenDocument files, OFD) read under limits against hostile
//! archives: the directory is checked before the ZIP reader allocates an entry for each
//! record, and every part's size and compression ratio before and after it is decompressed.
//! Error messages name the part and the limit, never content.

use std::io::Read;

use super::InputError;

/// At most this many entries in the archive (Word writes 10–40, Excel one per sheet more).
pub const MAX_ENTRIES: u64 = 10_000;
/// At most this many bytes in the central directory.
pub const MAX_CENTRAL_DIRECTORY: u64 = 4 * 1024 * 1024;
/// One part may decompress to at most this many bytes.
pub const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;
/// All parts read may decompress to at most this many bytes together.
pub const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;
/// Above [`RATIO_FLOOR`] decompressed bytes, a part may not expand more than this.
pub const MAX_RATIO: u64 = 100;
pub const RATIO_FLOOR: u64 = 1024 * 1024;
/// XML elements nested deeper than this are refused (Word documents stay under 40).
pub const MAX_XML_DEPTH: usize = 256;

const MIB: u64 = 1024 * 1024;

/// The character of an XML reference in a package part: a character reference (`&#x4E00;`)
/// or one of the five predefined entities. Anything else is refused (parts may declare no
/// DTD, so no other entity exists); the message says why, for the caller's error.
pub(crate) fn xml_reference(r: &quick_xml::events::BytesRef<'_>) -> Result<char, &'static str> {
    match r.resolve_char_ref() {
        Ok(Some(c)) => Ok(c),
        Ok(None) => match &**r {
            b"lt" => Ok('<'),
            b"gt" => Ok('>'),
            b"amp" => Ok('&'),
            b"apos" => Ok('\''),
            b"quot" => Ok('"'),
            _ => Err("reference to an undeclared entity (only the five XML entities are allowed)"),
        },
        Err(_) => Err("invalid character reference"),
    }
}

/// An opened ZIP package.
pub(crate) struct Package<'a> {
    archive: zip::ZipArchive<std::io::Cursor<&'a [u8]>>,
    /// Bytes decompressed so far, against [`MAX_TOTAL_BYTES`].
    total: u64,
}

impl<'a> Package<'a> {
    pub fn open(bytes: &'a [u8]) -> Result<Package<'a>, InputError> {
        check_directory(bytes)?;
        let archive =
            zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| zip_error(&e, None))?;
        if archive.len() as u64 > MAX_ENTRIES {
            return Err(too_many_entries(archive.len() as u64));
        }
        Ok(Package { archive, total: 0 })
    }

    /// The names of the package's entries, in directory order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.archive.file_names()
    }

    pub fn has(&self, name: &str) -> bool {
        self.archive.index_for_name(name).is_some()
    }

    /// Whether any entry is encrypted (ZIP encryption, not OOXML's, which is an OLE file).
    pub fn encrypted(&mut self) -> bool {
        (0..self.archive.len()).any(|i| self.archive.by_index_raw(i).is_ok_and(|f| f.encrypted()))
    }

    /// Reads one part, with the limits checked.
    pub fn read(&mut self, name: &str) -> Result<Vec<u8>, InputError> {
        read_part(&mut self.archive, name, &mut self.total, MAX_PART_BYTES)
    }

    /// [`Package::read`] for the one part that holds a whole spreadsheet (`.ods`
    /// `content.xml`: 100,000 rows of seven cells are 94 MiB of XML), up to
    /// [`MAX_TOTAL_BYTES`]; the ratio and total limits still apply.
    pub fn read_large(&mut self, name: &str) -> Result<Vec<u8>, InputError> {
        read_part(&mut self.archive, name, &mut self.total, MAX_TOTAL_BYTES)
    }
}

fn too_many_entries(n: u64) -> InputError {
    InputError::Limit {
        detail: format!("ZIP archive has {n} entries, limit {MAX_ENTRIES}"),
    }
}

/// Reads the end-of-central-directory record (and the ZIP64 one) and refuses archives whose
/// directory would be large, before the ZIP reader allocates an entry for each record.
fn check_directory(bytes: &[u8]) -> Result<(), InputError> {
    const EOCD: &[u8] = b"PK\x05\x06";
    let tail_start = bytes.len().saturating_sub(22 + 65_535);
    let tail = &bytes[tail_start..];
    let Some(at) = memchr::memmem::rfind(tail, EOCD).map(|i| tail_start + i) else {
        return Err(InputError::CorruptZip {
            detail: "no end-of-central-directory record (truncated?)".into(),
        });
    };
    let rec = &bytes[at..];
    if rec.len() < 22 {
        return Err(InputError::CorruptZip {
            detail: "end-of-central-directory record cut short (truncated?)".into(),
        });
    }
    let u16_at = |o: usize| u64::from(u16::from_le_bytes([rec[o], rec[o + 1]]));
    let u32_at = |o: usize| {
        u64::from(u32::from_le_bytes([
            rec[o],
            rec[o + 1],
            rec[o + 2],
            rec[o + 3],
        ]))
    };
    let (mut entries, mut dir_size) = (u16_at(10), u32_at(12));
    if entries == 0xFFFF || dir_size == 0xFFFF_FFFF {
        // ZIP64: the locator sits just before the record and points at the ZIP64 record.
        let loc = at.checked_sub(20).map(|l| &bytes[l..at]);
        let zip64 = loc
            .filter(|l| l.starts_with(b"PK\x06\x07"))
            .map(|l| u64::from_le_bytes(l[8..16].try_into().unwrap_or([0; 8])))
            .and_then(|off| usize::try_from(off).ok())
            .and_then(|off| bytes.get(off..off.checked_add(56)?))
            .filter(|r| r.starts_with(b"PK\x06\x06"));
        let Some(r) = zip64 else {
            return Err(InputError::CorruptZip {
                detail: "ZIP64 record missing or out of range".into(),
            });
        };
        let u64_at = |o: usize| u64::from_le_bytes(r[o..o + 8].try_into().unwrap_or([0; 8]));
        entries = u64_at(32);
        dir_size = u64_at(40);
    }
    if entries > MAX_ENTRIES {
        return Err(too_many_entries(entries));
    }
    if dir_size > MAX_CENTRAL_DIRECTORY {
        return Err(InputError::Limit {
            detail: format!(
                "ZIP central directory is {dir_size} bytes, limit {MAX_CENTRAL_DIRECTORY}"
            ),
        });
    }
    if dir_size > bytes.len() as u64 {
        return Err(InputError::CorruptZip {
            detail: "central directory larger than the file (truncated?)".into(),
        });
    }
    Ok(())
}

/// Maps a ZIP error to a message without anything taken from the archive: the crate's own
/// static descriptions, or the I/O error kind.
fn zip_error(e: &zip::result::ZipError, part: Option<&str>) -> InputError {
    use zip::result::ZipError;
    let what = match e {
        ZipError::Io(io) => match io.kind() {
            std::io::ErrorKind::UnexpectedEof => "unexpected end of data (truncated?)".to_string(),
            _ => "invalid compressed data or checksum".to_string(),
        },
        ZipError::InvalidArchive(std::borrow::Cow::Borrowed(s)) => (*s).to_string(),
        ZipError::InvalidArchive(_) => "invalid archive".to_string(),
        ZipError::UnsupportedArchive(s) => format!("unsupported: {s}"),
        ZipError::FileNotFound => "entry not found".to_string(),
        ZipError::InvalidPassword => "encrypted".to_string(),
        _ => "unreadable archive".to_string(),
    };
    InputError::CorruptZip {
        detail: match part {
            Some(p) => format!("{p}: {what}"),
            None => what,
        },
    }
}

fn io_error(e: &std::io::Error, part: &str) -> InputError {
    let what = match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "unexpected end of data (truncated?)",
        _ => "invalid compressed data or checksum",
    };
    InputError::CorruptZip {
        detail: format!("{part}: {what}"),
    }
}

/// Reads one part with the size, ratio and total limits checked on the declared sizes first and
/// on the bytes actually decompressed after.
fn read_part(
    archive: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>,
    name: &str,
    total: &mut u64,
    max_part: u64,
) -> Result<Vec<u8>, InputError> {
    let mut file = archive
        .by_name(name)
        .map_err(|e| zip_error(&e, Some(name)))?;
    if file.encrypted() {
        return Err(InputError::CorruptZip {
            detail: format!("{name}: encrypted"),
        });
    }
    let declared = file.size();
    let compressed = file.compressed_size().max(1);
    let limit_err = |detail: String| InputError::Limit { detail };
    if declared > max_part {
        return Err(limit_err(format!(
            "{name} declares {} MiB uncompressed, limit {} MiB",
            declared / MIB,
            max_part / MIB
        )));
    }
    if declared > RATIO_FLOOR && declared / compressed > MAX_RATIO {
        return Err(limit_err(format!(
            "{name} declares a compression ratio of {}:1, limit {MAX_RATIO}:1 (zip bomb?)",
            declared / compressed
        )));
    }
    if *total + declared > MAX_TOTAL_BYTES {
        return Err(limit_err(format!(
            "parts decompress to more than {} MiB in total",
            MAX_TOTAL_BYTES / MIB
        )));
    }
    // Read one byte past the declaration: more data than declared is a lie worth refusing.
    let mut buf = Vec::with_capacity(declared.min(MIB) as usize);
    (&mut file)
        .take(declared + 1)
        .read_to_end(&mut buf)
        .map_err(|e| io_error(&e, name))?;
    let actual = buf.len() as u64;
    if actual > declared {
        return Err(limit_err(format!(
            "{name} decompresses to more than its declared {declared} bytes (zip bomb?)"
        )));
    }
    if actual > RATIO_FLOOR && actual / compressed > MAX_RATIO {
        return Err(limit_err(format!(
            "{name} has a compression ratio of {}:1, limit {MAX_RATIO}:1 (zip bomb?)",
            actual / compressed
        )));
    }
    *total += actual;
    Ok(buf)
}
