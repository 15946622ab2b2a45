//! OLE compound files (the container of legacy Office and WPS files, and of encrypted Office
//! Open XML files): which document is inside, by its streams.
//!
//! | stream | document |
//! |---|---|
//! | `WordDocument` | Word 97–2003 `.doc`, WPS `.wps` ([`super::doc`]) |
//! | `Workbook` or `Book` | Excel 97–2003 `.xls`, WPS `.et` ([`super::sheet`]) |
//! | `EncryptionInfo`, `EncryptedPackage` | an Office file with an open password: held unread |
//! | `PowerPoint Document` | a `.ppt` presentation: held unread |

use super::{doc, sheet, Document, Format, InputError};

/// Routes a compound file to its extractor, or holds it unread.
pub fn extract(bytes: &[u8]) -> Result<Document<'static>, InputError> {
    let cf =
        cfb::CompoundFile::open(std::io::Cursor::new(bytes)).map_err(|e| InputError::Corrupt {
            format: "OLE compound file",
            detail: ole_error(&e),
        })?;
    let has = |name: &str| cf.exists(format!("/{name}"));
    if has("EncryptionInfo") || has("EncryptedPackage") {
        return Ok(Document::unreadable(
            Format::Unreadable,
            "设有打开密码的加密 Office 文档，无法读取".into(),
        ));
    }
    if has("WordDocument") {
        return doc::extract(bytes);
    }
    if has("Workbook") || has("Book") {
        return sheet::extract_xls(bytes);
    }
    let why = if has("PowerPoint Document") {
        "PowerPoint 97–2003 演示文稿（.ppt）暂不能读取"
    } else {
        "无法识别的 OLE 复合文档（不是 Word、Excel 或 WPS 文件）"
    };
    Ok(Document::unreadable(Format::Unreadable, why.into()))
}

/// The kind of an error from the compound-file reader, without anything taken from the file.
pub(crate) fn ole_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "unexpected end of data (truncated?)".into(),
        _ => "malformed compound file structure".into(),
    }
}
