//! The `s1-harness` command's library part: the human-readable reports (and the README catalog)
//! it prints, shared with the tests that keep the README current, and how downloads are saved.

pub mod download;
pub mod report;
