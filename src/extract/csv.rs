//! CSV → a table: each record one line whose cells are separated by tabs, so the engine's
//! table model reads a `护照号码` or `身份证号` header as naming its whole column (comma
//! columns are not a table to it). Quoted fields (RFC 4180: `""` for a quote, line breaks
//! inside quotes) are one cell; tabs and line breaks inside a cell become spaces.
//!
//! CSV has no signature: a file is read as CSV when it is named `.csv`, or when its first
//! lines all split into the same number (two or more) of comma-separated fields
//! ([`looks_like_csv`]). Cells are at [`Location::Table`] with their cell in A1 notation.

use std::borrow::Cow;

use super::{At, Builder, Document, Format, Location};

/// Lines sampled to recognise a CSV file.
const SNIFF_LINES: usize = 20;
/// A recognised CSV file has at least this many records in the sample.
const SNIFF_MIN_RECORDS: usize = 3;

/// Whether `text` looks like comma-separated values: its first records (up to
/// [`SNIFF_LINES`]) number at least [`SNIFF_MIN_RECORDS`] and all have the same number of
/// fields, two or more, and no line of the sample is prose-long.
pub fn looks_like_csv(text: &str) -> bool {
    let sample_end = text
        .match_indices('\n')
        .nth(SNIFF_LINES - 1)
        .map_or(text.len(), |(i, _)| i);
    let sample = &text[..sample_end];
    if sample.lines().any(|l| l.len() > 4096) {
        return false;
    }
    let records = records(sample);
    let widths: Vec<usize> = records
        .iter()
        .filter(|r| !(r.len() == 1 && r[0].trim().is_empty()))
        .map(Vec::len)
        .collect();
    widths.len() >= SNIFF_MIN_RECORDS && widths[0] >= 2 && widths.iter().all(|&w| w == widths[0])
}

/// The records of `text`, each a list of fields, quotes resolved.
fn records(text: &str) -> Vec<Vec<Cow<'_, str>>> {
    let mut out = Vec::new();
    let mut record: Vec<Cow<'_, str>> = Vec::new();
    let b = text.as_bytes();
    let mut i = 0usize;
    loop {
        // One field starting at i.
        if b.get(i) == Some(&b'"') {
            let mut field = String::new();
            let mut j = i + 1;
            let mut from = j;
            loop {
                match memchr::memchr(b'"', &b[j..]) {
                    Some(k) if b.get(j + k + 1) == Some(&b'"') => {
                        field.push_str(&text[from..j + k + 1]);
                        j += k + 2;
                        from = j;
                    }
                    Some(k) => {
                        field.push_str(&text[from..j + k]);
                        j += k + 1;
                        break;
                    }
                    None => {
                        // An unclosed quote runs to the end of the text.
                        field.push_str(&text[from..]);
                        j = b.len();
                        break;
                    }
                }
            }
            // Anything between the closing quote and the separator belongs to the field.
            let end = memchr::memchr3(b',', b'\n', b'\r', &b[j..]).map_or(b.len(), |k| j + k);
            field.push_str(&text[j..end]);
            record.push(Cow::Owned(field));
            i = end;
        } else {
            let end = memchr::memchr3(b',', b'\n', b'\r', &b[i..]).map_or(b.len(), |k| i + k);
            record.push(Cow::Borrowed(&text[i..end]));
            i = end;
        }
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b'\r') | Some(b'\n') => {
                if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                i += 1;
                out.push(std::mem::take(&mut record));
                if i >= b.len() {
                    break;
                }
            }
            _ => {
                out.push(std::mem::take(&mut record));
                break;
            }
        }
    }
    out
}

/// Extracts a CSV file's records as tab-separated lines.
pub fn extract(text: &str, encoding: &'static str) -> Document<'static> {
    let mut out = Builder::default();
    for (r, record) in records(text).iter().enumerate() {
        for (c, field) in record.iter().enumerate() {
            let at = At {
                cell: Some((r as u32, c as u32)),
                ..At::default()
            };
            if c > 0 {
                out.push_at("\t", Location::Table, at);
            }
            let cleaned: String = field
                .trim()
                .chars()
                .map(|ch| {
                    if matches!(ch, '\t' | '\n' | '\r') {
                        ' '
                    } else {
                        ch
                    }
                })
                .collect();
            out.push_at(&cleaned, Location::Table, at);
        }
        let at = At {
            cell: Some((r as u32, record.len().saturating_sub(1) as u32)),
            ..At::default()
        };
        out.push_at("\n", Location::Table, at);
    }
    out.finish(Format::Csv, encoding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quoted_fields_with_commas_quotes_and_line_breaks_are_one_cell() {
        let r = records("a,\"b,\"\"c\"\"\nd\",e\r\n1,2,3\n");
        assert_eq!(
            r,
            vec![
                vec![
                    Cow::Borrowed("a"),
                    Cow::Owned("b,\"c\"\nd".into()),
                    Cow::Borrowed("e")
                ],
                vec![Cow::Borrowed("1"), Cow::Borrowed("2"), Cow::Borrowed("3")],
            ]
        );
        assert_eq!(records("x"), vec![vec![Cow::Borrowed("x")]]);
        assert_eq!(
            records("\"open"),
            vec![vec![Cow::<str>::Owned("open".into())]]
        );
    }

    #[test]
    fn sniffing_wants_equal_widths_over_several_records() {
        assert!(looks_like_csv(
            "序号,姓名,护照号码\n1,陈明,E12345678\n2,周红,EA7654321\n"
        ));
        assert!(
            !looks_like_csv("序号,姓名\n1,陈明\n"),
            "two records are too few"
        );
        assert!(!looks_like_csv("一,二\n三\n四,五\n"), "unequal widths");
        assert!(!looks_like_csv("通知\n各单位：\n现将有关事项通知如下。\n"));
        assert!(!looks_like_csv(""));
    }

    #[test]
    fn a_csv_becomes_tab_separated_rows_with_cells() {
        let doc = extract("姓名,护照号码\n陈明,\"E1234\t5678\"\n", "UTF-8");
        assert_eq!(doc.text, "姓名\t护照号码\n陈明\tE1234 5678\n");
        let (loc, place) = doc.place_at(doc.text.find("E1234").unwrap());
        assert_eq!((loc, place.cell.as_deref()), (Location::Table, Some("B2")));
    }

    proptest! {
        /// Any text splits into records without panicking, and every field's text comes
        /// from the input.
        #[test]
        fn records_never_panic(s in "[a-z,\"\r\n 中]{0,64}") {
            for rec in records(&s) {
                prop_assert!(!rec.is_empty());
            }
            let _ = looks_like_csv(&s);
            let _ = extract(&s, "UTF-8");
        }
    }
}
