//! OFD (GB/T 33190) → text: not read yet; every OFD holds unread.

use super::package::Package;
use super::{Document, Format, InputError};

/// Extracts the text of an OFD package.
pub(crate) fn extract_package(_package: &mut Package<'_>) -> Result<Document<'static>, InputError> {
    Ok(Document::unreadable(
        Format::Ofd,
        "OFD 文件暂不能读取".into(),
    ))
}
