//! The worst documents of each stage of a scan, at any size: shared by the work-counting test
//! (`tests/adversarial.rs`) and the `adversarial` criterion group (`benches/scan.rs`).
//!
//! Each generator repeats a unit that makes one stage do the most work per byte: many
//! candidates that an exception, a context or a marker must judge, header lines, rows, windows
//! that never meet a sentence end, a line that never ends. Filler between units keeps the
//! candidates of a few MiB under the engine's candidate bound, so the per-candidate work is
//! what is measured, not the bound.
#![allow(dead_code)]

/// A named generator: `make(n)` returns a document of about `n` bytes (at least one unit).
pub struct Generator {
    pub name: &'static str,
    /// Which stage it loads.
    pub stage: &'static str,
    pub make: fn(usize) -> Vec<u8>,
}

/// Ordinary running text of a work report, between units.
const FILLER: &str = "全县各乡镇认真落实年度重点任务，统筹推进项目建设和民生保障工作，";

fn repeat(n: usize, mut unit: impl FnMut(usize) -> String) -> Vec<u8> {
    let mut out = String::with_capacity(n + 256);
    let mut i = 0;
    while out.len() < n || i == 0 {
        out.push_str(&unit(i));
        i += 1;
    }
    out.into_bytes()
}

/// A valid mobile number that differs with `i`.
fn mobile(i: usize) -> String {
    format!("139{:08}", (i * 7919) % 100_000_000)
}

pub fn all() -> Vec<Generator> {
    vec![
        Generator {
            name: "term_exception",
            stage: "exceptions: every term hit inside an exception hit of its rule",
            make: |n| repeat(n, |_| "打击非访。".to_string()),
        },
        Generator {
            name: "identifier_marker",
            stage: "identifier markers: a warn term next to a mobile number, again and again",
            make: |n| repeat(n, |i| format!("集体上访{}，{FILLER}", mobile(i))),
        },
        Generator {
            name: "person_marker",
            stage: "person markers: named petitioners in sentence windows",
            make: |n| {
                repeat(n, |i| {
                    format!(
                        "上访人：李{}军，多次信访。{FILLER}",
                        ["大", "小", "建", "国"][i % 4]
                    )
                })
            },
        },
        Generator {
            name: "no_sentence_end",
            stage: "sentence windows that never meet a sentence end",
            make: |n| repeat(n, |_| format!("信访 维稳 上访 {FILLER}")),
        },
        Generator {
            name: "long_line",
            stage: "line windows, whole-line rules and pattern windows on a line that never ends",
            make: |n| {
                repeat(n, |i| {
                    format!("标底价：{}.8万元，注意保存，内部使用，{FILLER}", i % 1000)
                })
            },
        },
        Generator {
            name: "header_rows",
            stage: "table headers: every line a header of a personal-information table",
            make: |n| repeat(n, |_| "姓名\t身份证号\t联系电话\t家庭住址\n".to_string()),
        },
        Generator {
            name: "table_rows",
            stage: "table rows: long tables of masked rows under one header each",
            make: |n| {
                repeat(n, |i| {
                    let head = if i % 1500 == 0 {
                        "序号\t姓名\t身份证号\t联系电话\n"
                    } else {
                        ""
                    };
                    format!(
                        "{head}{i}\t张*\t330106********{:04}\t139****{:04}\n",
                        i % 10_000,
                        i % 10_000
                    )
                })
            },
        },
        Generator {
            name: "digit_runs",
            stage: "identifier scan: digit groups that almost join into identifiers",
            make: |n| {
                repeat(n, |i| {
                    format!(
                        "{} {} {}-{} ",
                        1380 + i % 7,
                        i % 10_000,
                        19_900_101 + i % 28,
                        i % 997
                    )
                })
            },
        },
        Generator {
            name: "html_cells",
            stage: "HTML extraction: deep inline markup and many cells",
            make: |n| {
                let mut v = b"<html><body><table>".to_vec();
                v.extend(repeat(n, |i| {
                    format!(
                        "<tr><td><span>138</span><b>{:04}</b></td><td><i>内部</i>资料{}</td></tr>",
                        i % 10_000,
                        i % 97
                    )
                }));
                v.extend_from_slice(b"</table></body></html>");
                v
            },
        },
    ]
}
