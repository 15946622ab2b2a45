//! PDF → text: not read yet; every PDF holds unread.

use super::{Document, Format, InputError};

/// Extracts the text layer of a PDF.
pub fn extract(_bytes: &[u8]) -> Result<Document<'static>, InputError> {
    Ok(Document::unreadable(
        Format::Pdf,
        "PDF 文件的文字层暂不能读取".into(),
    ))
}
