//! The legal time limits baomi counts in working days, by default: a deployment sets its own
//! with `baomi serve --disclosure-days N --opinion-days N` (and `baomi stats --disclosure-days`).

use super::Limit;

/// 条例 art. 26: an application for disclosure is answered within 20 working days. A draft
/// with no reviewer decision by then is counted overdue in the figures for the annual report.
pub const DISCLOSURE: Limit = Limit { working_days: 20 };

/// The review opinion (审查意见) on a draft is due within 15 working days of its submission.
pub const REVIEW_OPINION: Limit = Limit { working_days: 15 };
