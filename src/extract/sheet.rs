//! Spreadsheets → text: not read yet.

use super::package::Package;
use super::{Document, Format, InputError};

pub(crate) fn extract_xlsx(
    _package: &mut Package<'_>,
    _bytes: &[u8],
) -> Result<Document<'static>, InputError> {
    Ok(Document::unreadable(Format::Xlsx, "xlsx".into()))
}

pub(crate) fn extract_ods(_package: &mut Package<'_>) -> Result<Document<'static>, InputError> {
    Ok(Document::unreadable(Format::Ods, "ods".into()))
}

pub(crate) fn extract_xls(_bytes: &[u8]) -> Result<Document<'static>, InputError> {
    Ok(Document::unreadable(Format::Xls, "xls".into()))
}
