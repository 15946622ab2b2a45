//! The records of an `.xls` workbook stream (BIFF8, [MS-XLS] 2.1.4), read by baomi itself for
//! what the spreadsheet reader does not do: bound each sheet's area before the reader lays it
//! out, and read cell comments (批注), which the reader does not expose.
//!
//! A comment in a BIFF8 sheet substream is three things tied by an object id:
//! - an `Obj` record (2.4.181) whose first subrecord, `FtCmo`, gives the id and the object type
//!   (`0x19`: a note);
//! - a `TxO` record (2.4.329) after it, whose `cchText` counts the characters of the text, held
//!   in the `Continue` records that follow it, each an `XLUnicodeStringNoCch` (a flag byte, 0 for
//!   8-bit characters and 1 for UTF-16LE, then characters), then `Continue` records of
//!   formatting runs, which are skipped;
//! - a `Note` record (2.4.179): row, column, flags, object id, author.
//!
//! Drawing records (`MsoDrawing`) interleave and are skipped. Only the text is read, not the
//! author, as for `.xlsx` and `.ods` comments. Embedded chart substreams inside a sheet are
//! skipped. BIFF5 and older workbooks, and encrypted ones, give no comments.
//!
//! Hostile streams: every record is read within the stream, all sheets' walks together cover
//! at most the stream's length twice, and a text grows only by the bytes read for it.

use std::collections::HashMap;
use std::io::Cursor;

use super::super::InputError;
use super::{corrupt, too_many_sheets, Cells, MAX_DENSE_CELLS, MAX_SHEETS};

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const FILEPASS: u16 = 0x002F;
const BOUNDSHEET8: u16 = 0x0085;
const OBJ: u16 = 0x005D;
const TXO: u16 = 0x01B6;
const CONTINUE: u16 = 0x003C;
const NOTE: u16 = 0x001C;
/// `FtCmo` (2.5.143): the subrecord type that opens every `Obj` record.
const FT_CMO: u16 = 0x0015;
/// `FtCmo.ot` of a note (comment).
const OT_NOTE: u16 = 0x0019;
/// `BOF.vers` of BIFF8.
const BIFF8: u16 = 0x0600;

/// The `Workbook` stream (or BIFF5's `Book`) of the compound file, within the part size limit.
pub(super) fn workbook_stream(bytes: &[u8]) -> Result<Vec<u8>, InputError> {
    use std::io::Read;
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| corrupt("xls", &super::super::ole::ole_error(&e)))?;
    let name = if cf.exists("/Workbook") {
        "/Workbook"
    } else {
        "/Book"
    };
    let len = cf.entry(name).map(|e| e.len()).unwrap_or(0);
    let limit = super::super::package::MAX_PART_BYTES;
    if len > limit {
        return Err(InputError::Limit {
            detail: format!("xls workbook stream is {len} bytes, limit {limit}"),
        });
    }
    let mut data = Vec::with_capacity(len as usize);
    cf.open_stream(name)
        .and_then(|s| s.take(limit + 1).read_to_end(&mut data))
        .map_err(|e| corrupt("xls", &super::super::ole::ole_error(&e)))?;
    Ok(data)
}

/// The records from byte `start` on: (offset of the record, type, data). A last record cut
/// short by the stream's end gives the bytes there are.
fn records(data: &[u8], start: usize) -> impl Iterator<Item = (usize, u16, &[u8])> {
    let mut i = start;
    std::iter::from_fn(move || {
        let head = data.get(i..i.checked_add(4)?)?;
        let typ = u16::from_le_bytes([head[0], head[1]]);
        let size = usize::from(u16::from_le_bytes([head[2], head[3]]));
        let at = i;
        let end = (i + 4 + size).min(data.len());
        let rec = &data[i + 4..end];
        i += 4 + size;
        Some((at, typ, rec))
    })
}

fn u16_at(rec: &[u8], o: usize) -> Option<u16> {
    rec.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

/// Checks that no sheet of the workbook spans more than [`MAX_DENSE_CELLS`], by its cells or
/// by the area its DIMENSIONS record declares (the reader allocates a sheet's whole bounding
/// box, and reserves the declared area first), before the reader sees it.
pub(super) fn check_sheet_areas(data: &[u8]) -> Result<(), InputError> {
    let mut bounds: Option<(u32, u32, u32, u32)> = None;
    let check = |b: &mut Option<(u32, u32, u32, u32)>| -> Result<(), InputError> {
        if let Some((r0, r1, c0, c1)) = b.take() {
            let area = u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1);
            if area > MAX_DENSE_CELLS {
                return Err(InputError::Limit {
                    detail: format!(
                        "xls sheet spans {area} cells (rows × columns), limit {MAX_DENSE_CELLS}"
                    ),
                });
            }
        }
        Ok(())
    };
    for (_, typ, rec) in records(data, 0) {
        let at = |o: usize| u16_at(rec, o).map(u32::from);
        let mut see = |r: u32, c0: u32, c1: u32| {
            let b = bounds.get_or_insert((r, r, c0, c1));
            *b = (b.0.min(r), b.1.max(r), b.2.min(c0), b.3.max(c1));
        };
        match typ {
            // BOF and EOF: a sheet's substream begins or ends.
            BOF | EOF => check(&mut bounds)?,
            // LABELSST, NUMBER, RK, LABEL, BOOLERR, FORMULA, BLANK, RSTRING.
            0x00FD | 0x0203 | 0x027E | 0x0204 | 0x0205 | 0x0006 | 0x0201 | 0x00D6 => {
                if let (Some(r), Some(c)) = (at(0), at(2)) {
                    see(r, c, c);
                }
            }
            // DIMENSIONS: the reader reserves the area it declares, so it is bounded too,
            // counted as the reader counts it (first row and column, one past the last;
            // a first column past 0xFF or past the last is read as 0; wrapping arithmetic).
            0x0200 => {
                let u32_at = |o: usize| {
                    rec.get(o..o + 4)
                        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                };
                let dims = match rec.len() {
                    10 => (at(0), at(2), at(4), at(6)),
                    14 | 16 => (u32_at(0), u32_at(4), at(8), at(10)),
                    _ => (None, None, None, None),
                };
                if let (Some(rf), Some(rl), Some(mut cf), Some(cl)) = dims {
                    if cf > 0xFF || cl < cf {
                        cf = 0;
                    }
                    if rl >= 1 && cl >= 1 {
                        let rows = (rl - 1).wrapping_sub(rf).wrapping_add(1);
                        let cols = (cl - 1).wrapping_sub(cf).wrapping_add(1);
                        let area = u64::from(rows) * u64::from(cols);
                        if area > MAX_DENSE_CELLS {
                            return Err(InputError::Limit {
                                detail: format!(
                                    "xls sheet spans {area} cells (rows × columns), limit \
                                     {MAX_DENSE_CELLS}"
                                ),
                            });
                        }
                    }
                }
            }
            // MULRK, MULBLANK: row, first column, …, last column.
            0x00BD | 0x00BE => {
                if let (Some(r), Some(c0), Some(c1)) =
                    (at(0), at(2), rec.len().checked_sub(2).and_then(at))
                {
                    see(r, c0.min(c1), c0.max(c1));
                }
            }
            _ => {}
        }
    }
    check(&mut bounds)
}

/// The comments of each sheet, in the order of the workbook's `BoundSheet8` records (the
/// reader's order of sheets): (row, column, text) of the commented cell.
pub(super) fn comments(data: &[u8]) -> Result<Vec<Cells>, InputError> {
    // The globals substream: the version, encryption, and where each sheet begins.
    let mut starts = Vec::new();
    for (at, typ, rec) in records(data, 0) {
        match typ {
            BOF if at == 0 && u16_at(rec, 0) == Some(BIFF8) => {}
            // Not a BIFF8 workbook: the reader reads it, or refuses it.
            _ if at == 0 => return Ok(Vec::new()),
            // What follows is encrypted: the reader holds the file unread.
            FILEPASS => return Ok(Vec::new()),
            BOUNDSHEET8 => {
                let pos = rec
                    .get(..4)
                    .ok_or_else(|| bad("BoundSheet8 record shorter than its stream position"))?;
                starts.push(u32::from_le_bytes([pos[0], pos[1], pos[2], pos[3]]) as usize);
                if starts.len() > MAX_SHEETS {
                    return Err(too_many_sheets(starts.len()));
                }
            }
            EOF => break,
            _ => {}
        }
    }
    // Each sheet is walked from where the reader reads it; in a well-formed stream the walks
    // do not overlap, so more than twice the stream is a hostile file.
    let mut budget = data.len().saturating_mul(2);
    let mut out = Vec::with_capacity(starts.len());
    for start in starts {
        out.push(sheet_comments(data, start, &mut budget)?);
    }
    Ok(out)
}

/// A comment's text being read from the `Continue` records after its `TxO`.
struct Text {
    id: u16,
    /// Characters still to come.
    left: usize,
    units: Vec<u16>,
}

fn sheet_comments(data: &[u8], start: usize, budget: &mut usize) -> Result<Cells, InputError> {
    let mut texts: HashMap<u16, String> = HashMap::new();
    let mut notes: Vec<(u32, u32, u16)> = Vec::new();
    // The last object seen: its id, and whether it is a note.
    let mut object: Option<(u16, bool)> = None;
    let mut text: Option<Text> = None;
    let mut started = false;
    let mut depth = 0usize;
    for (_, typ, rec) in records(data, start) {
        *budget = budget
            .checked_sub(4 + rec.len())
            .ok_or_else(|| InputError::Limit {
                detail: "xls sheet substreams overlap (a sheet's position points into another)"
                    .into(),
            })?;
        if let Some(t) = text.as_mut() {
            if typ != CONTINUE {
                return Err(bad(
                    "comment text ends before the length its TxO record gives",
                ));
            }
            read_piece(t, rec)?;
            if t.left == 0 {
                texts.insert(t.id, String::from_utf16_lossy(&t.units));
                text = None;
            }
            continue;
        }
        match typ {
            BOF if !started => started = true,
            BOF => depth += 1,
            EOF if depth == 0 => break,
            EOF => depth -= 1,
            _ if depth > 0 => {}
            OBJ => {
                if u16_at(rec, 0) != Some(FT_CMO) {
                    return Err(bad("Obj record does not begin with its FtCmo subrecord"));
                }
                let (Some(ot), Some(id)) = (u16_at(rec, 4), u16_at(rec, 6)) else {
                    return Err(bad("Obj record shorter than its object id"));
                };
                object = Some((id, ot == OT_NOTE));
            }
            TXO => {
                let cch = u16_at(rec, 10)
                    .ok_or_else(|| bad("TxO record shorter than its text length (cchText)"))?;
                if let Some((id, true)) = object.take() {
                    if cch > 0 {
                        text = Some(Text {
                            id,
                            left: usize::from(cch),
                            units: Vec::new(),
                        });
                    }
                }
            }
            NOTE => {
                let (Some(row), Some(col), Some(id)) =
                    (u16_at(rec, 0), u16_at(rec, 2), u16_at(rec, 6))
                else {
                    return Err(bad("Note record shorter than its cell and object id"));
                };
                notes.push((u32::from(row), u32::from(col), id));
            }
            _ => {}
        }
    }
    if text.is_some() {
        return Err(bad(
            "comment text ends before the length its TxO record gives",
        ));
    }
    Ok(notes
        .into_iter()
        .filter_map(|(r, c, id)| {
            let t = texts.get(&id)?;
            (!t.trim().is_empty()).then(|| (r, c, t.clone()))
        })
        .collect())
}

/// One `Continue` record of a comment's text: a flag byte (bit 0: UTF-16LE, else 8-bit
/// characters, which are Latin-1), then characters. Characters past the count are ignored.
fn read_piece(t: &mut Text, rec: &[u8]) -> Result<(), InputError> {
    let (&flag, body) = rec
        .split_first()
        .ok_or_else(|| bad("empty Continue record in a comment's text"))?;
    let before = t.units.len();
    if flag & 1 == 0 {
        t.units
            .extend(body.iter().take(t.left).map(|&b| u16::from(b)));
    } else {
        if body.len() % 2 != 0 {
            return Err(bad("UTF-16 comment text of an odd number of bytes"));
        }
        t.units.extend(
            body.chunks_exact(2)
                .take(t.left)
                .map(|b| u16::from_le_bytes([b[0], b[1]])),
        );
    }
    t.left -= t.units.len() - before;
    Ok(())
}

fn bad(what: &str) -> InputError {
    corrupt("xls", what)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(typ: u16, body: &[u8]) -> Vec<u8> {
        let mut v = typ.to_le_bytes().to_vec();
        v.extend((body.len() as u16).to_le_bytes());
        v.extend(body);
        v
    }

    fn bof(dt: u16) -> Vec<u8> {
        let mut b = BIFF8.to_le_bytes().to_vec();
        b.extend(dt.to_le_bytes());
        b.extend([0; 12]);
        rec(BOF, &b)
    }

    fn obj(id: u16, ot: u16) -> Vec<u8> {
        let mut b = Vec::new();
        for v in [FT_CMO, 0x12, ot, id, 0x4011] {
            b.extend(v.to_le_bytes());
        }
        b.extend([0; 12 + 4]);
        rec(OBJ, &b)
    }

    fn txo(cch: u16) -> Vec<u8> {
        let mut b = vec![0x12, 0x02, 0, 0, 0, 0, 0, 0, 0, 0];
        b.extend(cch.to_le_bytes());
        b.extend(16u16.to_le_bytes());
        b.extend([0; 4]);
        rec(TXO, &b)
    }

    fn note(row: u16, col: u16, id: u16) -> Vec<u8> {
        let mut b = Vec::new();
        for v in [row, col, 0, id, 2] {
            b.extend(v.to_le_bytes());
        }
        b.extend([0, b'L', b'i', 0]);
        rec(NOTE, &b)
    }

    fn compressed(s: &str) -> Vec<u8> {
        let mut b = vec![0];
        b.extend(s.chars().map(|c| u8::try_from(u32::from(c)).unwrap()));
        rec(CONTINUE, &b)
    }

    fn utf16(s: &str) -> Vec<u8> {
        let mut b = vec![1];
        b.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        rec(CONTINUE, &b)
    }

    fn runs() -> Vec<u8> {
        rec(CONTINUE, &[0; 16])
    }

    /// A workbook stream: globals with one `BoundSheet8` per sheet, then each sheet's records
    /// between its BOF and EOF.
    fn workbook(sheets: &[Vec<Vec<u8>>]) -> Vec<u8> {
        let globals_len = bof(5).len() + sheets.len() * (4 + 8) + 4;
        let mut globals = bof(5);
        let mut body = Vec::new();
        for recs in sheets {
            let pos = (globals_len + body.len()) as u32;
            let mut b = pos.to_le_bytes().to_vec();
            b.extend([0, 0, 1, 0]);
            globals.extend(rec(BOUNDSHEET8, &b));
            body.extend(bof(0x10));
            for r in recs {
                body.extend(r);
            }
            body.extend(rec(EOF, &[]));
        }
        globals.extend(rec(EOF, &[]));
        assert_eq!(globals.len(), globals_len);
        globals.extend(body);
        globals
    }

    fn comment(id: u16, pieces: Vec<Vec<u8>>, cch: u16) -> Vec<Vec<u8>> {
        let mut v = vec![
            rec(0x00EC, &[0; 24]),
            obj(id, OT_NOTE),
            rec(0x00EC, &[0; 8]),
        ];
        v.push(txo(cch));
        v.extend(pieces);
        v.push(runs());
        v
    }

    #[test]
    fn compressed_and_utf16_texts_are_read_at_their_notes_cells() {
        let mut first = comment(1, vec![compressed("checked é")], 9);
        first.extend(comment(2, vec![utf16("已核对：110101199003077715")], 22));
        first.push(note(3, 2, 2));
        first.push(note(3, 3, 1));
        let second = comment(1, vec![utf16("第二页")], 3)
            .into_iter()
            .chain([note(0, 0, 1)])
            .collect();
        let data = workbook(&[first, second]);
        assert_eq!(
            comments(&data).unwrap(),
            vec![
                vec![
                    (3, 2, "已核对：110101199003077715".to_string()),
                    (3, 3, "checked é".to_string())
                ],
                vec![(0, 0, "第二页".to_string())],
            ]
        );
    }

    #[test]
    fn a_text_split_over_two_continue_records_is_joined() {
        let mut sheet = comment(
            7,
            vec![compressed("ID 1101011990"), utf16("03077715号")],
            22,
        );
        sheet.push(note(4, 1, 7));
        assert_eq!(
            comments(&workbook(&[sheet])).unwrap(),
            vec![vec![(4, 1, "ID 110101199003077715号".to_string())]]
        );
    }

    #[test]
    fn text_boxes_charts_and_notes_without_text_are_not_comments() {
        let mut sheet = vec![obj(1, 0x06), txo(4), compressed("box!"), runs()];
        // An embedded chart substream with its own note-like records.
        sheet.extend([
            bof(0x20),
            obj(2, OT_NOTE),
            txo(2),
            compressed("xx"),
            rec(EOF, &[]),
        ]);
        sheet.push(obj(3, OT_NOTE));
        sheet.push(txo(0));
        sheet.extend([note(0, 0, 1), note(0, 1, 2), note(0, 2, 3), note(0, 3, 9)]);
        assert_eq!(comments(&workbook(&[sheet])).unwrap(), vec![vec![]]);
    }

    #[test]
    fn malformed_comment_records_are_errors_not_panics() {
        let error = |sheet: Vec<Vec<u8>>| match comments(&workbook(&[sheet])) {
            Err(InputError::Corrupt { format, detail }) => format!("{format}: {detail}"),
            other => panic!("{other:?}"),
        };
        // A TxO cut before its cchText.
        let sheet = vec![
            obj(1, OT_NOTE),
            rec(TXO, &[0x12, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 5]),
        ];
        assert_eq!(
            error(sheet),
            "xls: TxO record shorter than its text length (cchText)"
        );
        // Fewer characters than cchText before the next record, and before the stream's end.
        let sheet = vec![obj(1, OT_NOTE), txo(10), compressed("short"), note(0, 0, 1)];
        assert!(error(sheet).contains("comment text ends before"));
        let mut data = workbook(&[vec![obj(1, OT_NOTE), txo(10)]]);
        data.truncate(data.len() - 4);
        assert!(matches!(
            comments(&data),
            Err(InputError::Corrupt { detail, .. }) if detail.contains("comment text ends")
        ));
        let sheet = vec![obj(1, OT_NOTE), txo(3), rec(CONTINUE, &[])];
        assert_eq!(
            error(sheet),
            "xls: empty Continue record in a comment's text"
        );
        let sheet = vec![obj(1, OT_NOTE), txo(3), rec(CONTINUE, &[1, 0x41, 0, 0x42])];
        assert_eq!(
            error(sheet),
            "xls: UTF-16 comment text of an odd number of bytes"
        );
        let sheet = vec![rec(OBJ, &[0x15, 0, 0x12, 0, 0x19])];
        assert_eq!(error(sheet), "xls: Obj record shorter than its object id");
        let sheet = vec![rec(OBJ, &[0x07, 0, 2, 0, 0, 0])];
        assert_eq!(
            error(sheet),
            "xls: Obj record does not begin with its FtCmo subrecord"
        );
        let sheet = vec![rec(NOTE, &[1, 0, 2, 0, 0])];
        assert_eq!(
            error(sheet),
            "xls: Note record shorter than its cell and object id"
        );
    }

    #[test]
    fn declared_dimensions_are_bounded_as_the_reader_reserves_them() {
        let dims = |rf: u32, rl: u32, cf: u16, cl: u16| {
            let mut b = rf.to_le_bytes().to_vec();
            b.extend(rl.to_le_bytes());
            b.extend(cf.to_le_bytes());
            b.extend(cl.to_le_bytes());
            b.extend([0, 0]);
            [bof(0x10), rec(0x0200, &b), rec(EOF, &[])].concat()
        };
        assert!(check_sheet_areas(&dims(0, 65_536, 0, 100)).is_ok());
        assert!(check_sheet_areas(&dims(5, 5, 3, 3)).is_ok());
        // Found by the fuzzer: the reader reserved rows × columns and aborted.
        for (rf, rl, cf, cl) in [
            (0x00F0_0000, 0x5D00_0000, 0x3400, 0x1500),
            (0, 65_536, 0, 256),
            // A last row before the first wraps around.
            (10, 5, 0, 1),
        ] {
            assert!(
                matches!(
                    check_sheet_areas(&dims(rf, rl, cf, cl)),
                    Err(InputError::Limit { detail }) if detail.starts_with("xls sheet spans")
                ),
                "{rf} {rl} {cf} {cl}"
            );
        }
    }

    #[test]
    fn hostile_streams_are_bounded() {
        // Many sheets that all begin at the same place: the walks are bounded by the stream.
        let mut sheet = comment(1, vec![compressed("a")], 1);
        sheet.push(note(0, 0, 1));
        let start = bof(5).len() + 10 * (4 + 8) + 4;
        let mut stream = bof(5);
        for _ in 0..10 {
            let mut b = (start as u32).to_le_bytes().to_vec();
            b.extend([0, 0, 1, 0]);
            stream.extend(rec(BOUNDSHEET8, &b));
        }
        stream.extend(rec(EOF, &[]));
        assert_eq!(stream.len(), start);
        stream.extend(bof(0x10));
        stream.extend(sheet.concat());
        stream.extend(rec(EOF, &[]));
        assert!(matches!(
            comments(&stream),
            Err(InputError::Limit { detail }) if detail.contains("overlap")
        ));
        // A sheet position past the stream, a truncated last record, a BIFF5 or non-BOF stream.
        let mut b = u32::MAX.to_le_bytes().to_vec();
        b.extend([0, 0, 1, 0]);
        let data = [bof(5), rec(BOUNDSHEET8, &b), rec(EOF, &[])].concat();
        assert_eq!(comments(&data).unwrap(), vec![Vec::new()]);
        assert_eq!(comments(&data[..data.len() - 2]).unwrap(), vec![Vec::new()]);
        assert_eq!(comments(&rec(EOF, &[])).unwrap(), Vec::<Cells>::new());
        let mut biff5 = bof(5);
        biff5[4] = 0;
        biff5[5] = 5;
        assert_eq!(comments(&biff5).unwrap(), Vec::<Cells>::new());
        assert_eq!(comments(&[]).unwrap(), Vec::<Cells>::new());
    }
}
