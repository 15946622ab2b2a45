//! The sections of an audited site: which office (单位) and column (栏目) a page belongs to,
//! for the per-office report (`--summary`, `--html`, `--format csv`).
//!
//! By default a page's section is the first directory under the scanned root (`mirror/xxgk/…`
//! is `xxgk`); pages right under the root, and files named on the command line, are `（根目录）`.
//! A mapping file (`--sections FILE`, TOML) names sections by path prefix, relative to the
//! root; the longest prefix that matches wins:
//!
//! ```toml
//! [[section]]
//! prefix = "xxgk/mzj/"
//! name = "区民政局 · 信息公开"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::engine::{Category, Severity};

/// The section of pages under no directory of their own.
pub(super) const ROOT: &str = "（根目录）";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    #[serde(default)]
    section: Vec<MapEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapEntry {
    prefix: String,
    name: String,
}

#[derive(Clone)]
pub(super) struct Sections {
    /// The directories given on the command line, each ending in `/`.
    roots: Vec<String>,
    /// (prefix, name), longest prefix first.
    map: Vec<(String, String)>,
}

impl Sections {
    pub(super) fn new(paths: &[String], map_file: Option<&Path>) -> Result<Sections, String> {
        let roots = paths
            .iter()
            .filter(|p| Path::new(p).is_dir())
            .map(|p| format!("{}/", p.trim_end_matches('/')))
            .collect();
        let mut map = Vec::new();
        if let Some(file) = map_file {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read the sections file {}: {e}", file.display()))?;
            let parsed: MapFile = toml::from_str(&text).map_err(|e| {
                let at = e
                    .span()
                    .map(|s| {
                        let line = text[..s.start].matches('\n').count() + 1;
                        let col = text[..s.start]
                            .rsplit('\n')
                            .next()
                            .map_or(0, |l| l.chars().count())
                            + 1;
                        format!(":{line}:{col}")
                    })
                    .unwrap_or_default();
                format!("{}{at}: {}", file.display(), e.message())
            })?;
            for (i, s) in parsed.section.into_iter().enumerate() {
                if s.name.trim().is_empty() {
                    return Err(format!(
                        "{}: section {} (prefix {:?}) has no name",
                        file.display(),
                        i + 1,
                        s.prefix
                    ));
                }
                map.push((s.prefix.trim_start_matches("./").to_string(), s.name));
            }
            map.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        }
        Ok(Sections { roots, map })
    }

    /// The section of a page at `path` (as the scan prints it).
    pub(super) fn of(&self, path: &str) -> String {
        let rel = self
            .roots
            .iter()
            .filter(|r| path.starts_with(r.as_str()))
            .max_by_key(|r| r.len())
            .map(|r| &path[r.len()..]);
        let Some(rel) = rel else {
            return ROOT.to_string();
        };
        if let Some((_, name)) = self.map.iter().find(|(p, _)| rel.starts_with(p.as_str())) {
            return name.clone();
        }
        match rel.split_once('/') {
            Some((dir, _)) => dir.to_string(),
            None => ROOT.to_string(),
        }
    }
}

/// One section's figures.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct SectionCounts {
    pub(crate) files: usize,
    /// Files that hold.
    pub(crate) held: usize,
    /// Hold findings per category.
    pub(crate) holds_by_category: BTreeMap<Category, usize>,
    pub(crate) warns: usize,
    /// With a baseline: findings new, unchanged, fixed.
    pub(crate) new: usize,
    pub(crate) unchanged: usize,
    pub(crate) fixed: usize,
    /// With a baseline: the day the oldest finding still unfixed was first seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) oldest_unfixed: Option<String>,
}

impl SectionCounts {
    pub(super) fn add(
        &mut self,
        held: bool,
        findings: &[crate::engine::Finding],
        new: usize,
        unchanged: usize,
        oldest: Option<&str>,
    ) {
        self.files += 1;
        self.held += usize::from(held);
        for f in findings {
            match f.severity {
                Severity::Hold => *self.holds_by_category.entry(f.category).or_default() += 1,
                Severity::Warn => self.warns += 1,
            }
        }
        self.new += new;
        self.unchanged += unchanged;
        if let Some(day) = oldest {
            if self.oldest_unfixed.as_deref().is_none_or(|o| day < o) {
                self.oldest_unfixed = Some(day.to_string());
            }
        }
    }

    /// The hold findings per category as a clerk reads them (`个人隐私3、社会稳定1`), or `0`.
    pub(crate) fn holds_text(&self) -> String {
        if self.holds_by_category.is_empty() {
            return "0".to_string();
        }
        self.holds_by_category
            .iter()
            .map(|(cat, n)| format!("{}{n}", cat.zh()))
            .collect::<Vec<_>>()
            .join("、")
    }

    /// Days since the oldest unfixed finding was first seen, on `today` (`YYYY-MM-DD`).
    pub(crate) fn oldest_age_days(&self, today: &str) -> Option<i64> {
        let first = crate::calendar::Day::parse(self.oldest_unfixed.as_deref()?)?;
        let today = crate::calendar::Day::parse(today)?;
        Some(today.0 - first.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_come_from_the_first_directory_or_the_longest_prefix() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("mirror");
        std::fs::create_dir(&root).expect("mkdir");
        let root_s = root.display().to_string();
        let plain = Sections::new(std::slice::from_ref(&root_s), None).expect("sections");
        assert_eq!(plain.of(&format!("{root_s}/xxgk/mzj/a.html")), "xxgk");
        assert_eq!(plain.of(&format!("{root_s}/index.html")), ROOT);
        assert_eq!(plain.of("elsewhere/a.txt"), ROOT);
        let map = dir.path().join("sections.toml");
        std::fs::write(
            &map,
            "[[section]]\nprefix = \"xxgk/\"\nname = \"信息公开\"\n\n[[section]]\nprefix = \"xxgk/mzj/\"\nname = \"区民政局\"\n",
        )
        .expect("write");
        let mapped = Sections::new(&[format!("{root_s}/")], Some(&map)).expect("sections");
        assert_eq!(mapped.of(&format!("{root_s}/xxgk/mzj/a.html")), "区民政局");
        assert_eq!(mapped.of(&format!("{root_s}/xxgk/b.html")), "信息公开");
        assert_eq!(mapped.of(&format!("{root_s}/news/c.html")), "news");
        std::fs::write(&map, "[[section]]\nprefix = \"a/\"\nnam = \"x\"\n").expect("write");
        let e = Sections::new(std::slice::from_ref(&root_s), Some(&map))
            .err()
            .expect("refused");
        assert!(e.contains("sections.toml:3:"), "{e}");
    }
}
