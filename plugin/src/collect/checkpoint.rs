//! The checkpoint: where a stream's collection stands, as an opaque (but readable) JSON text the
//! host stores between calls.
//!
//! It holds the watermark (the latest timestamp emitted) with the ids already emitted at exactly
//! that timestamp, so records sharing it are neither repeated nor skipped; for revisited streams
//! (alerts), the sweep position and the version last emitted of each alert still in the revisit
//! window. The format is versioned: a checkpoint of a newer format is refused, never reinterpreted.

use crate::Error;
use crate::config::is_id;
use crate::time::{format_micros, parse_iso8601_micros};
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// The format this plugin writes and reads.
pub const FORMAT: u32 = 1;

/// The most ids kept at one watermark: a burst larger than this at one microsecond would make the
/// checkpoint itself unbounded, so it is refused as a typed error instead.
pub const MAX_AT_WATERMARK: usize = 100_000;

/// Where a stream stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub stream: String,
    pub console: String,
    /// Where the first run started (microseconds).
    pub origin: i64,
    /// The latest watermark timestamp emitted (microseconds); `origin` before anything was.
    pub watermark: i64,
    /// Ids emitted at exactly `watermark`, sorted.
    pub at_watermark: Vec<String>,
    /// Revisited streams: the next sweep starts at this creation time (0: at the window's start).
    pub sweep_from: i64,
    /// Revisited streams: (id, created, version last emitted) for records in the window, sorted by
    /// id. (Sorted vectors, not maps: each map type costs the component code.)
    pub versions: Vec<(String, i64, i64)>,
}

/// The stored form.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Stored {
    format: u32,
    stream: String,
    console: String,
    origin: String,
    watermark: String,
    at_watermark: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sweep_from: Option<String>,
    /// `[id, created, version]` triples.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    versions: Vec<(String, i64, i64)>,
}

/// A checkpoint's `format`, read before anything else (any other field is left unread).
#[derive(Deserialize)]
struct Head<'a> {
    /// Raw, so a `format` of any type is refused as unknown rather than as unreadable JSON.
    #[serde(borrow)]
    format: Option<&'a serde_json::value::RawValue>,
}

fn refused(why: impl Into<String>) -> Error {
    Error::invalid("/checkpoint", why)
}

impl Checkpoint {
    /// The checkpoint of a first run starting at `origin`.
    pub fn start(stream: &str, console: &str, origin: i64) -> Checkpoint {
        Checkpoint {
            stream: stream.to_owned(),
            console: console.to_owned(),
            origin,
            watermark: origin,
            at_watermark: Vec::new(),
            sweep_from: 0,
            versions: Vec::new(),
        }
    }

    /// Reads a checkpoint text, refusing one that is malformed, of a newer format, or of another
    /// stream or console (`invalid-input` at `/checkpoint`).
    pub fn parse(text: &str, stream: &str, console: &str) -> Result<Checkpoint, Error> {
        // The format first, alone: a newer format is refused for what it is, whatever its fields.
        let head: Head = serde_json::from_str(text).map_err(|e| refused(format!("the checkpoint is not JSON ({e})")))?;
        match head.format.and_then(|raw| raw.get().parse::<u64>().ok()) {
            Some(f) if f == u64::from(FORMAT) => {}
            Some(f) if f > u64::from(FORMAT) => {
                return Err(refused(format!("the checkpoint has format {f}, newer than this plugin's {FORMAT}: upgrade the plugin")));
            }
            _ => return Err(refused(format!("the checkpoint has no known format (expected {FORMAT})"))),
        }
        let stored: Stored = serde_json::from_str(text).map_err(|e| refused(format!("the checkpoint is malformed ({e})")))?;
        if stored.stream != stream {
            return Err(refused(format!("the checkpoint belongs to the `{}` stream, not `{stream}`", stored.stream)));
        }
        if stored.console != console {
            return Err(refused(format!("the checkpoint belongs to the console {}, not {console}", stored.console)));
        }
        let time = |what: &str, text: &str| {
            parse_iso8601_micros(text).ok_or_else(|| refused(format!("the checkpoint's {what} is not a timestamp")))
        };
        let origin = time("origin", &stored.origin)?;
        let watermark = time("watermark", &stored.watermark)?;
        if watermark < origin {
            return Err(refused("the checkpoint's watermark is before its origin"));
        }
        if stored.at_watermark.len() > MAX_AT_WATERMARK || stored.at_watermark.iter().any(|id| !is_id(id)) {
            return Err(refused("the checkpoint's ids at the watermark are not SentinelOne ids"));
        }
        if stored.versions.iter().any(|(id, ..)| !is_id(id)) {
            return Err(refused("the checkpoint's revisit versions are not keyed by SentinelOne ids"));
        }
        // The plugin writes both lists sorted and without repeats (it looks ids up by binary
        // search); a list that is not was written by something else, so the checkpoint is refused.
        if !stored.at_watermark.windows(2).all(|pair| pair[0] < pair[1]) || !stored.versions.windows(2).all(|pair| pair[0].0 < pair[1].0) {
            return Err(refused("the checkpoint's ids are out of order or repeated, as this plugin never writes them"));
        }
        let sweep_from = match &stored.sweep_from {
            Some(text) => time("sweep position", text)?,
            None => 0,
        };
        let (at_watermark, versions) = (stored.at_watermark, stored.versions);
        Ok(Checkpoint { stream: stored.stream, console: stored.console, origin, watermark, at_watermark, sweep_from, versions })
    }

    /// The checkpoint as the text the host stores.
    pub fn to_text(&self) -> String {
        let stored = Stored {
            format: FORMAT,
            stream: self.stream.clone(),
            console: self.console.clone(),
            origin: format_micros(self.origin),
            watermark: format_micros(self.watermark),
            at_watermark: self.at_watermark.clone(),
            sweep_from: (self.sweep_from != 0).then(|| format_micros(self.sweep_from)),
            versions: self.versions.clone(),
        };
        serde_json::to_string(&stored).unwrap_or_default()
    }

    /// Whether a record with watermark timestamp `mark` and `id` was already emitted.
    pub fn emitted(&self, mark: i64, id: &str) -> bool {
        mark < self.watermark || (mark == self.watermark && self.at_watermark.binary_search_by(|x| x.as_str().cmp(id)).is_ok())
    }

    /// The (created, version) last emitted for `id`, on revisited streams.
    pub fn version(&self, id: &str) -> Option<(i64, i64)> {
        let i = self.versions.binary_search_by(|(x, ..)| x.as_str().cmp(id)).ok()?;
        Some((self.versions[i].1, self.versions[i].2))
    }

    /// Records that `id` was emitted at (`created`, `version`).
    pub fn set_version(&mut self, id: &str, created: i64, version: i64) {
        match self.versions.binary_search_by(|(x, ..)| x.as_str().cmp(id)) {
            Ok(i) => self.versions[i] = (id.to_owned(), created, version),
            Err(i) => self.versions.insert(i, (id.to_owned(), created, version)),
        }
    }

    /// Records that the record (`mark`, `id`) was emitted.
    pub fn advance(&mut self, mark: i64, id: &str) -> Result<(), Error> {
        if mark > self.watermark {
            self.watermark = mark;
            self.at_watermark.clear();
        }
        if self.at_watermark.len() >= MAX_AT_WATERMARK {
            return Err(Error::UnexpectedResponse(format!(
                "more than {MAX_AT_WATERMARK} records share the timestamp {}; the checkpoint cannot hold them",
                format_micros(mark)
            )));
        }
        if let Err(i) = self.at_watermark.binary_search_by(|x| x.as_str().cmp(id)) {
            self.at_watermark.insert(i, id.to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        let mut cp = Checkpoint::start("threats", "console.example", 1_000_000);
        cp.advance(2_000_000, "11").unwrap();
        cp.advance(2_000_000, "12").unwrap();
        cp
    }

    #[test]
    fn round_trips() {
        let mut cp = sample();
        cp.sweep_from = 1_500_000;
        cp.set_version("21", 1_500_000, 1_700_000);
        assert_eq!(Checkpoint::parse(&cp.to_text(), "threats", "console.example").unwrap(), cp);
    }

    #[test]
    fn refuses_another_stream_console_or_a_newer_format() {
        let text = sample().to_text();
        for (text, stream, console, says) in [
            (text.clone(), "alerts", "console.example", "threats"),
            (text.clone(), "threats", "other.example", "console"),
            (text.replace("\"format\":1", "\"format\":2"), "threats", "console.example", "newer"),
            ("{not json".to_owned(), "threats", "console.example", "not JSON"),
            (text.replace("\"11\"", "\"x1\""), "threats", "console.example", "ids"),
            (text.replace("\"stream\"", "\"extra\":1,\"stream\""), "threats", "console.example", "malformed"),
            (text.replace("[\"11\",\"12\"]", "[\"12\",\"11\"]"), "threats", "console.example", "out of order"),
            (text.replace("[\"11\",\"12\"]", "[\"11\",\"11\"]"), "threats", "console.example", "repeated"),
        ] {
            let e = Checkpoint::parse(&text, stream, console).unwrap_err();
            assert!(
                matches!(&e, Error::InvalidInput { field: Some(f), message } if f == "/checkpoint" && message.contains(says)),
                "{says}: {e:?}"
            );
        }
    }

    #[test]
    fn ties_at_the_watermark_are_remembered_and_forgotten_when_it_moves() {
        let mut cp = sample();
        assert!(cp.emitted(2_000_000, "11") && !cp.emitted(2_000_000, "13") && cp.emitted(1_999_999, "99"));
        cp.advance(3_000_000, "13").unwrap();
        assert_eq!(cp.at_watermark.iter().collect::<Vec<_>>(), ["13"]);
    }
}
