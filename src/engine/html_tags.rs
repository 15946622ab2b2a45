//! What the crate knows about HTML tag names, in one place: which tags text flows through
//! (inline) and which break it into blocks. The engine reads the inline list when it meets raw
//! markup between the digit groups of a number (`<span>138</span><span>0000</span>0001`);
//! extraction reads the block list when it turns a page into text. The engine owns both lists
//! because extraction may import the engine and the engine nothing outside it.
//!
//! The lists are disjoint. `br` and `wbr` are in neither: the engine reads them as line breaks
//! between digit groups, extraction writes `br` as a line feed and `wbr` as nothing. Table
//! cells and rows (`td`, `th`, `tr`) are in neither either: extraction writes cells as ` | `
//! and rows as lines (`tr` is in the block list for that), and to the engine a cell boundary
//! keeps two numbers apart, as any tag outside the inline list does.

/// Phrasing (inline) elements: the text inside and around them runs on, so digit groups on
/// either side of them may be one number. This was the engine's own list (`span`, `b`, `i`,
/// `em`, `strong`, `font`, `a`, `u`, `s`, `sub`, `sup`, `small`, `big`, `ins`, `mark`, `code`)
/// joined with the phrasing elements that extraction already ran text through (it breaks
/// lines only at block tags): `abbr`, `acronym`, `bdi`, `bdo`, `cite`, `data`, `del`, `dfn`,
/// `kbd`, `label`, `nobr`, `q`, `samp`, `strike`, `time`, `tt`, `var`. None of them is
/// block-level in any browser.
pub const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em",
    "font", "i", "ins", "kbd", "label", "mark", "nobr", "q", "s", "samp", "small", "span",
    "strike", "strong", "sub", "sup", "time", "tt", "u", "var",
];

/// Elements that start and end a block of text: extraction ends the current line at their
/// start and end tags. Besides the block-level elements of HTML this holds the form controls
/// and embedded content (`textarea`, `select`, `iframe`, `video`, `audio`, `canvas`,
/// `object`), whose text never runs on into what stands around them.
pub const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "option",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
    "textarea",
    "select",
    "iframe",
    "video",
    "audio",
    "canvas",
    "object",
];

/// Whether `name` (lower case) is in [`INLINE_TAGS`].
pub fn is_inline_tag(name: &str) -> bool {
    INLINE_TAGS.contains(&name)
}

/// Whether `name` (lower case) is in [`BLOCK_TAGS`].
pub fn is_block_tag(name: &str) -> bool {
    BLOCK_TAGS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_are_disjoint_and_leave_breaks_and_cells_out() {
        for t in INLINE_TAGS {
            assert!(!is_block_tag(t), "{t} is in both lists");
        }
        for t in ["br", "wbr", "td", "th"] {
            assert!(!is_inline_tag(t) && !is_block_tag(t), "{t}");
        }
        assert!(!is_inline_tag("tr") && is_block_tag("tr"));
        for list in [INLINE_TAGS, BLOCK_TAGS] {
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), list.len(), "a tag twice");
            assert!(list
                .iter()
                .all(|t| t.bytes().all(|b| !b.is_ascii_uppercase())));
        }
    }
}
