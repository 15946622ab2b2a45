//! The audit chain: every submission, decision, override, rule-set change and token change is
//! a record whose hash covers the previous record's hash, so that changing, deleting or
//! reordering any record breaks every hash after it.

use super::Role;
use crate::engine::Decision;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    ReviewSubmitted,
    DecisionRecorded,
    OverrideRecorded,
    RulesetLoaded,
    TokenCreated,
    TokenRevoked,
    PersonCreated,
    /// A reviewer returned a review to its submitter for changes (a hold, with its reason).
    ReviewReturned,
    /// A reviewer claimed a review, or it was assigned to one.
    ReviewAssigned,
    /// A submission that names the review it revises: a new version of that draft, which
    /// supersedes the review it revises in the same write (`detail` names it).
    VersionSubmitted,
    /// A reviewer made a redacted copy of a review: the copy is a new review, submitted by
    /// them, linked to the review it was made of (`detail` names it and what was masked).
    RedactionCreated,
    /// The gate's first allowed answer for some bytes (`sha256`; `review` names the review
    /// whose decision allowed them): recorded once per bytes, so that what went online can be
    /// counted from the audit. Later allowed answers for the same bytes record nothing.
    GatePassed,
    /// In a staged deployment, a reviewer approved a stage before the last (`detail` starts
    /// with the stage, `【初审】`): not a decision, the bytes still do not pass the gate, and
    /// the figures count only the engine's and the reviewers' decisions.
    StageApproved,
    /// A maintainer proposed a suppression (`detail`: its id, what it covers, why, until
    /// when); not applied until another person approves it.
    SuppressionProposed,
    /// Another person approved a proposed suppression: from now on applied to every scan.
    SuppressionApproved,
    SuppressionRejected,
    SuppressionRevoked,
    /// An approved suppression passed its expiry date and is applied no more.
    SuppressionExpired,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// 1, 2, 3, ... without gaps.
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub role: Role,
    pub action: AuditAction,
    pub review: Option<u64>,
    pub sha256: Option<String>,
    pub decision: Option<Decision>,
    pub ruleset: Option<String>,
    /// Free text: an override's reason, a token's name and role. Never document content.
    pub detail: String,
    /// `hash` of the previous record ([`GENESIS`] for the first).
    pub prev: String,
    /// [`chain_hash`] of this record.
    pub hash: String,
}

/// How a record that tells of an engine decision to hold names the held categories: appended
/// to the end of its `detail` (after anything else, a person's name among it), so that the
/// figures for the annual report can count holds by category from the audit alone.
const HELD_MARK: &str = "; held: ";

/// The suffix of an engine hold's `detail`: `; held: state_secret, personal_privacy`, or
/// nothing when no category held.
pub fn held_suffix(categories: &[crate::engine::Category]) -> String {
    if categories.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = categories.iter().map(|c| c.as_str()).collect();
    format!("{HELD_MARK}{}", names.join(", "))
}

/// The categories an engine hold's `detail` names ([`held_suffix`]); `None` for a record
/// written before they were recorded (or one that names none).
pub fn held_categories_of(detail: &str) -> Option<Vec<crate::engine::Category>> {
    let (_, list) = detail.rsplit_once(HELD_MARK)?;
    list.split(", ")
        .map(crate::engine::Category::parse)
        .collect::<Option<Vec<_>>>()
        .filter(|c| !c.is_empty())
}

/// SHA-256 over the previous hash and every field of the record except `hash`, in a fixed
/// order with length prefixes (so that no two different records hash the same input).
pub fn chain_hash(r: &AuditRecord) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut field = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    field(&r.prev);
    field(&r.seq.to_string());
    field(&r.at);
    field(&r.actor);
    field(r.role.as_str());
    field(&serde_json::to_string(&r.action).unwrap_or_default());
    field(&r.review.map(|v| v.to_string()).unwrap_or_default());
    field(r.sha256.as_deref().unwrap_or(""));
    field(
        &r.decision
            .map(|d| d.as_str().to_string())
            .unwrap_or_default(),
    );
    field(r.ruleset.as_deref().unwrap_or(""));
    field(&r.detail);
    let digest = h.finalize();
    crate::hex(&digest)
}

/// Why the chain does not verify; `seq` names the first record that is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainError {
    /// The record stored under key `seq` cannot be read.
    Unreadable { seq: u64, message: String },
    /// A record is missing or out of place (deleted or reordered).
    Sequence { seq: u64, found: u64 },
    /// The record does not point at its predecessor's hash.
    Link { seq: u64 },
    /// The record's content does not match its hash (edited).
    Hash { seq: u64 },
    /// The chain ends before the recorded head (records deleted at the end).
    Truncated { head: u64, last: u64 },
    /// Records follow the recorded head: they were not written by the store.
    Unrecorded { seq: u64 },
    /// Records exist but the head that the store writes with each of them is gone.
    HeadMissing { last: u64 },
    /// The storage engine failed while reading.
    Store(String),
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainError::Unreadable { seq, message } => {
                write!(f, "audit record {seq} cannot be read: {message}")
            }
            ChainError::Sequence { seq, found } => write!(
                f,
                "audit record {seq} is missing or out of order (found record {found} in its place)"
            ),
            ChainError::Link { seq } => write!(
                f,
                "audit record {seq} does not link to the hash of record {}",
                seq - 1
            ),
            ChainError::Hash { seq } => {
                write!(f, "audit record {seq} was altered (its hash does not match its content)")
            }
            ChainError::Truncated { head, last } => write!(
                f,
                "audit chain ends at record {last} but {head} records were written: record {} is missing",
                last + 1
            ),
            ChainError::Unrecorded { seq } => write!(
                f,
                "audit record {seq} was not written by baomi (it follows the recorded end of the chain)"
            ),
            ChainError::HeadMissing { last } => write!(
                f,
                "the audit chain's head is missing ({last} records found); the store was edited"
            ),
            ChainError::Store(m) => write!(f, "storage error while reading the audit chain: {m}"),
        }
    }
}

impl std::error::Error for ChainError {}

/// Checks records given in storage order (key, value) against each other and against the
/// recorded head. Returns the number of records.
pub(crate) fn verify<I>(records: I, head: Option<(u64, String)>) -> Result<u64, ChainError>
where
    I: Iterator<Item = Result<(u64, Vec<u8>), String>>,
{
    let mut prev = GENESIS.to_string();
    let mut expected = 1u64;
    for item in records {
        let (key, bytes) = item.map_err(ChainError::Store)?;
        if key != expected {
            return Err(ChainError::Sequence {
                seq: expected,
                found: key,
            });
        }
        let record: AuditRecord =
            serde_json::from_slice(&bytes).map_err(|e| ChainError::Unreadable {
                seq: key,
                message: e.to_string(),
            })?;
        if record.seq != key {
            return Err(ChainError::Sequence {
                seq: expected,
                found: record.seq,
            });
        }
        if record.prev != prev {
            return Err(ChainError::Link { seq: key });
        }
        if chain_hash(&record) != record.hash {
            return Err(ChainError::Hash { seq: key });
        }
        prev = record.hash;
        expected += 1;
    }
    let count = expected - 1;
    if let Some((head_seq, head_hash)) = head {
        if head_seq > count {
            return Err(ChainError::Truncated {
                head: head_seq,
                last: count,
            });
        }
        if head_seq < count {
            return Err(ChainError::Unrecorded { seq: head_seq + 1 });
        }
        if head_hash != prev {
            return Err(ChainError::Hash { seq: head_seq });
        }
    } else if count > 0 {
        return Err(ChainError::HeadMissing { last: count });
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records as (key, bytes) in storage order.
    type Stored = Vec<(u64, Vec<u8>)>;

    /// A chain of `n` valid records and its head.
    fn chain(n: u64) -> (Stored, (u64, String)) {
        let mut prev = GENESIS.to_string();
        let mut out = Vec::new();
        for seq in 1..=n {
            let mut r = AuditRecord {
                seq,
                at: format!("2026-12-03T10:00:{seq:02}.000Z"),
                actor: "李四".into(),
                role: Role::Submitter,
                action: AuditAction::ReviewSubmitted,
                review: Some(seq),
                sha256: Some(format!("{seq:064x}")),
                decision: Some(Decision::Hold),
                ruleset: Some("rs-test".into()),
                detail: format!("{seq} finding(s)"),
                prev: prev.clone(),
                hash: String::new(),
            };
            r.hash = chain_hash(&r);
            prev = r.hash.clone();
            out.push((seq, serde_json::to_vec(&r).expect("a record serialises")));
        }
        (out, (n, prev))
    }

    fn check(records: Stored, head: Option<(u64, String)>) -> Result<u64, ChainError> {
        verify(records.into_iter().map(Ok), head)
    }

    fn record(bytes: &[u8]) -> AuditRecord {
        serde_json::from_slice(bytes).expect("a record parses")
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let (records, head) = chain(5);
        assert_eq!(check(records, Some(head)), Ok(5));
        assert_eq!(check(Vec::new(), None), Ok(0));
    }

    #[test]
    fn an_edited_record_breaks_its_hash() {
        let (mut records, head) = chain(5);
        let mut r = record(&records[2].1);
        r.detail = "0 finding(s)".into();
        records[2].1 = serde_json::to_vec(&r).unwrap();
        assert_eq!(check(records, Some(head)), Err(ChainError::Hash { seq: 3 }));
    }

    #[test]
    fn an_edited_and_rehashed_record_breaks_the_next_link() {
        let (mut records, head) = chain(5);
        let mut r = record(&records[2].1);
        r.decision = Some(Decision::Approve);
        r.hash = chain_hash(&r);
        records[2].1 = serde_json::to_vec(&r).unwrap();
        let err = check(records, Some(head)).unwrap_err();
        assert_eq!(err, ChainError::Link { seq: 4 });
        assert_eq!(
            err.to_string(),
            "audit record 4 does not link to the hash of record 3"
        );
    }

    #[test]
    fn a_deleted_or_moved_record_breaks_the_sequence() {
        let (mut records, head) = chain(5);
        records.remove(1);
        assert_eq!(
            check(records, Some(head.clone())),
            Err(ChainError::Sequence { seq: 2, found: 3 })
        );
        // Swapped values under their keys: record 3 stands where 2 should.
        let (mut records, _) = chain(5);
        let (a, b) = (records[1].1.clone(), records[2].1.clone());
        records[1].1 = b;
        records[2].1 = a;
        assert_eq!(
            check(records, Some(head)),
            Err(ChainError::Sequence { seq: 2, found: 3 })
        );
    }

    #[test]
    fn the_head_catches_what_the_chain_alone_cannot() {
        let (mut records, head) = chain(5);
        records.pop();
        assert_eq!(
            check(records, Some(head.clone())),
            Err(ChainError::Truncated { head: 5, last: 4 })
        );
        let (records, _) = chain(5);
        assert_eq!(
            check(records.clone(), Some((4, head.1.clone()))),
            Err(ChainError::Unrecorded { seq: 5 })
        );
        assert_eq!(
            check(records, None),
            Err(ChainError::HeadMissing { last: 5 })
        );
        let (records, _) = chain(5);
        assert_eq!(
            check(records, Some((5, GENESIS.into()))),
            Err(ChainError::Hash { seq: 5 })
        );
    }

    #[test]
    fn held_categories_are_read_back_from_the_end_of_a_detail() {
        use crate::engine::Category::{PersonalPrivacy, StateSecret};
        let suffix = held_suffix(&[StateSecret, PersonalPrivacy]);
        assert_eq!(suffix, "; held: state_secret, personal_privacy");
        // A name before it that looks like the mark does not fool the reader.
        let detail = format!("2 finding(s); claimed by 王丽; held: stability{suffix}");
        assert_eq!(
            held_categories_of(&detail),
            Some(vec![StateSecret, PersonalPrivacy])
        );
        assert_eq!(held_categories_of("2 finding(s)"), None);
        assert_eq!(held_categories_of("x; held: nonsense"), None);
        assert_eq!(held_suffix(&[]), "");
    }

    #[test]
    fn unreadable_records_and_store_errors_are_named() {
        let (mut records, head) = chain(3);
        records[1].1 = b"{not json".to_vec();
        assert!(matches!(
            check(records, Some(head.clone())),
            Err(ChainError::Unreadable { seq: 2, .. })
        ));
        let failing = vec![
            Ok((1, chain(1).0[0].1.clone())),
            Err("disk gone".to_string()),
        ];
        assert_eq!(
            verify(failing.into_iter(), Some(head)),
            Err(ChainError::Store("disk gone".into()))
        );
    }
}
