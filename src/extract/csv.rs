//! CSV → text: not read yet.

use std::borrow::Cow;

use super::{Document, Format};

pub fn looks_like_csv(_text: &str) -> bool {
    false
}

pub fn extract<'a>(text: &Cow<'a, str>, encoding: &'static str) -> Document<'a> {
    Document::plain(text.clone(), Format::Csv, encoding)
}
