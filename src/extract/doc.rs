//! Word 97–2003 `.doc` and WPS `.wps` → text: not read yet; every such file holds unread.

use super::{Document, Format, InputError};

/// Extracts the text of a Word binary document (an OLE compound file with a `WordDocument`
/// stream).
pub(crate) fn extract(_bytes: &[u8]) -> Result<Document<'static>, InputError> {
    Ok(Document::unreadable(
        Format::Doc,
        "Word 97–2003 文档（.doc/.wps）暂不能读取".into(),
    ))
}
