//! The collection loop a SIEM pipeline runs: call `collect`, write the events to a sink, and commit
//! the checkpoint only once the sink has made them durable.
//!
//! The plugin is stateless; the checkpoint lives here, in a [`CheckpointStore`]. The order of one
//! step is what makes delivery exact: events are appended and committed (made durable) first, then
//! the checkpoint is saved together with the sink's committed position, atomically. A crash
//! before the save repeats the batch from the old checkpoint; a sink that can cut what was
//! written after its committed position (a file: [`FileSink`]) so delivers every event exactly
//! once, and any other sink at least once, with each event's `eventId` to drop repeats.
//!
//! One [`Collector`] serves one console; it borrows the shared [`Runtime`], so one process can
//! run as many as it has consoles (each a task), every call in its own fresh instance.

use crate::runtime::{Connection, FaultKind, Runtime};
use crate::{Batch, CollectOptions, PluginError};
use anyhow::Context as _;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Where events go.
pub trait EventSink {
    /// Appends events (one JSON text each); they need not be durable yet.
    fn append(&mut self, events: &[String]) -> anyhow::Result<()>;
    /// Makes everything appended durable and returns the sink's position after it (bytes for a
    /// file), which is stored with the checkpoint.
    fn commit(&mut self) -> anyhow::Result<u64>;
}

/// Where checkpoints live, with the sink position they were committed at.
pub trait CheckpointStore {
    fn checkpoint(&self, stream: &str) -> Option<String>;
    /// Saves `checkpoint` for `stream` with the sink's committed position, atomically: after a
    /// crash the store holds the old state or the new one, never a mix.
    fn save(&mut self, stream: &str, checkpoint: &str, sink_position: u64) -> anyhow::Result<()>;
}

/// What happened to one stream in one round.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamRound {
    pub stream: String,
    /// Events committed this round.
    pub events: u64,
    /// `collect` calls made.
    pub batches: u32,
    pub pages: u64,
    pub duplicates_dropped: u64,
    /// Whether the stream ended the round caught up.
    pub caught_up: bool,
    /// The typed error that ended the round early for this stream (retried next round).
    pub error: Option<PluginError>,
    /// The host fault (a bound, a trap) that ended the round early for this stream, with its
    /// message; nothing of that call was committed, and it is retried next round.
    pub fault: Option<(FaultKind, String)>,
}

impl StreamRound {
    /// Whether the stream's round ended early (a typed error or a fault).
    pub fn failed(&self) -> bool {
        self.error.is_some() || self.fault.is_some()
    }
}

/// Why a round could not go on at all.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The sink or the store failed: nothing after the last save is committed.
    #[error("{0:#}")]
    Storage(#[from] anyhow::Error),
}

/// Collects streams of one console.
pub struct Collector<'r> {
    pub runtime: &'r Runtime,
    pub connection: Connection,
    pub streams: Vec<String>,
    pub options: CollectOptions,
}

impl Collector<'_> {
    /// Collects each stream until it is caught up (or a typed error ends its round; it is tried
    /// again next round), committing after every batch. `progress` sees each stream after each
    /// batch.
    pub async fn round(
        &self,
        sink: &mut dyn EventSink,
        store: &mut dyn CheckpointStore,
        progress: &mut dyn FnMut(&StreamRound),
    ) -> Result<Vec<StreamRound>, CollectError> {
        let mut rounds = Vec::new();
        for stream in &self.streams {
            let mut round = StreamRound { stream: stream.clone(), ..StreamRound::default() };
            loop {
                let checkpoint = store.checkpoint(stream);
                let outcome = match self.runtime.collect(&self.connection, stream, checkpoint.as_deref(), &self.options).await {
                    Ok(outcome) => outcome,
                    Err(fault) => {
                        // One stalled console or one bad batch must not stop a long-running
                        // feed: the stream is tried again next round, from its saved checkpoint.
                        tracing::warn!(target: "harness::collector", stream = %stream, kind = ?fault.kind, "the host stopped a collect call: {fault}");
                        round.fault = Some((fault.kind, fault.message));
                        progress(&round);
                        break;
                    }
                };
                let batch: Batch = match outcome.value {
                    Ok(batch) => batch,
                    Err(error) => {
                        round.error = Some(error);
                        break;
                    }
                };
                sink.append(&batch.events)?;
                let position = sink.commit()?;
                store.save(stream, &batch.checkpoint, position)?;
                round.events += batch.events.len() as u64;
                round.batches += 1;
                round.pages += u64::from(batch.counts.pages);
                round.duplicates_dropped += u64::from(batch.counts.duplicates_dropped);
                round.caught_up = batch.caught_up;
                round.error = batch.stopped_by;
                progress(&round);
                if batch.caught_up || round.error.is_some() {
                    break;
                }
            }
            rounds.push(round);
        }
        Ok(rounds)
    }
}

/// An NDJSON file of events, exactly once: on open it cuts whatever was written after the last
/// committed position (events of a batch whose checkpoint was never saved).
pub struct FileSink {
    file: File,
    position: u64,
}

impl FileSink {
    /// Opens (or creates) `path` and truncates it to `committed` bytes.
    pub fn open(path: &Path, committed: u64) -> anyhow::Result<FileSink> {
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(false)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        let length = file.metadata()?.len();
        anyhow::ensure!(
            length >= committed,
            "{} holds {length} bytes but the state says {committed} were committed: it is not the file this state belongs to",
            path.display()
        );
        if length > committed {
            tracing::info!(target: "harness::collector", file = %path.display(), cut = length - committed, "cutting events that were written but never committed");
            file.set_len(committed)?;
            file.sync_all()?;
        }
        file.seek(SeekFrom::Start(committed))?;
        Ok(FileSink { file, position: committed })
    }
}

impl EventSink for FileSink {
    fn append(&mut self, events: &[String]) -> anyhow::Result<()> {
        let mut buffer = Vec::with_capacity(events.iter().map(|e| e.len() + 1).sum());
        for event in events {
            buffer.extend_from_slice(event.as_bytes());
            buffer.push(b'\n');
        }
        self.file.write_all(&buffer)?;
        self.position += buffer.len() as u64;
        Ok(())
    }

    fn commit(&mut self) -> anyhow::Result<u64> {
        self.file.sync_data()?;
        Ok(self.position)
    }
}

/// Events to any writer (stdout), at least once: a commit flushes, and the position is always 0.
pub struct WriterSink<W: Write>(pub W);

impl<W: Write> EventSink for WriterSink<W> {
    fn append(&mut self, events: &[String]) -> anyhow::Result<()> {
        for event in events {
            self.0.write_all(event.as_bytes())?;
            self.0.write_all(b"\n")?;
        }
        Ok(())
    }

    fn commit(&mut self) -> anyhow::Result<u64> {
        self.0.flush()?;
        Ok(0)
    }
}

/// The state file: every stream's checkpoint and the event file's committed length, replaced
/// atomically (write a temporary file, fsync it, rename it over the old one, fsync the folder).
#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    state: State,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct State {
    format: u32,
    /// Bytes of the event file that are committed.
    committed_bytes: u64,
    /// The event file this state keeps the committed length of (absolute); `None` while the
    /// state delivers to a writer (stdout) or has delivered nothing yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    events_file: Option<PathBuf>,
    checkpoints: BTreeMap<String, String>,
}

impl StateFile {
    /// Reads `path`, or starts an empty state when it does not exist.
    pub fn open(path: &Path) -> anyhow::Result<StateFile> {
        let state = match std::fs::read(path) {
            Ok(bytes) => {
                let state: State =
                    serde_json::from_slice(&bytes).with_context(|| format!("{} is not a collection state file", path.display()))?;
                anyhow::ensure!(state.format == 1, "{} has state format {}; this build reads format 1", path.display(), state.format);
                state
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State { format: 1, ..State::default() },
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Ok(StateFile { path: path.to_owned(), state })
    }

    /// The event file's committed length.
    pub fn committed_bytes(&self) -> u64 {
        self.state.committed_bytes
    }

    /// Ties the state to where its events go, `events_file` or (`None`) a writer such as stdout,
    /// before anything is collected. A state keeps one file's committed length, and opening a
    /// [`FileSink`] cuts the file to it, so pairing a state with a file it did not write would
    /// destroy events: an existing non-empty file a fresh state has no record of, a file other
    /// than the state's own, and a file for a state that fed stdout are all refused.
    pub fn claim_sink(&mut self, events_file: Option<&Path>) -> anyhow::Result<()> {
        let state = self.path.display();
        let Some(events_file) = events_file else {
            if let Some(own) = &self.state.events_file {
                anyhow::bail!("{state} belongs to the event file {}; collect into it, or use another state file", own.display());
            }
            return Ok(());
        };
        let events_file = std::path::absolute(events_file).with_context(|| format!("resolving {}", events_file.display()))?;
        match &self.state.events_file {
            Some(own) if *own == events_file => Ok(()),
            Some(own) => anyhow::bail!(
                "{state} belongs to the event file {}, not {}; use that file, or another state file",
                own.display(),
                events_file.display()
            ),
            None => {
                anyhow::ensure!(
                    self.state.checkpoints.is_empty(),
                    "{state} has delivered events to stdout; its checkpoints do not match {}: use another state file",
                    events_file.display()
                );
                let length = std::fs::metadata(&events_file).map_or(0, |m| m.len());
                anyhow::ensure!(
                    length == 0,
                    "{} already holds {length} bytes that {state} did not write; give its own state file, or a new event file",
                    events_file.display()
                );
                self.state.events_file = Some(events_file);
                self.write()
            }
        }
    }

    /// Replaces the file with the state, atomically.
    fn write(&self) -> anyhow::Result<()> {
        let text = serde_json::to_vec_pretty(&self.state)?;
        let mut tmp_name = self.path.file_name().unwrap_or_default().to_owned();
        tmp_name.push(".tmp");
        let tmp = self.path.with_file_name(tmp_name);
        {
            let mut file = File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
            file.write_all(&text)?;
            file.sync_all()?;
        }
        std::fs::rename(&tmp, &self.path).with_context(|| format!("replacing {}", self.path.display()))?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

impl CheckpointStore for StateFile {
    fn checkpoint(&self, stream: &str) -> Option<String> {
        self.state.checkpoints.get(stream).cloned()
    }

    fn save(&mut self, stream: &str, checkpoint: &str, sink_position: u64) -> anyhow::Result<()> {
        self.state.checkpoints.insert(stream.to_owned(), checkpoint.to_owned());
        self.state.committed_bytes = sink_position;
        self.write()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("s1-collector-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_file_sink_cuts_what_was_never_committed() {
        let path = temp("sink").join("events.ndjson");
        let mut sink = FileSink::open(&path, 0).unwrap();
        sink.append(&["{\"a\":1}".into()]).unwrap();
        let committed = sink.commit().unwrap();
        sink.append(&["{\"b\":2}".into()]).unwrap();
        drop(sink);
        let mut sink = FileSink::open(&path, committed).unwrap();
        sink.append(&["{\"c\":3}".into()]).unwrap();
        sink.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"a\":1}\n{\"c\":3}\n");
    }

    #[test]
    fn a_file_shorter_than_its_state_is_refused() {
        let path = temp("short").join("events.ndjson");
        std::fs::write(&path, "x\n").unwrap();
        assert!(FileSink::open(&path, 100).is_err());
    }

    #[test]
    fn the_state_file_round_trips_and_is_replaced_whole() {
        let path = temp("state").join("state.json");
        let mut state = StateFile::open(&path).unwrap();
        state.save("threats", "{\"cp\":1}", 42).unwrap();
        state.save("alerts", "{\"cp\":2}", 84).unwrap();
        let reopened = StateFile::open(&path).unwrap();
        assert_eq!((reopened.checkpoint("threats").as_deref(), reopened.committed_bytes()), (Some("{\"cp\":1}"), 84));
        assert!(!path.with_file_name("state.json.tmp").exists());
    }

    #[test]
    fn a_fresh_state_refuses_an_event_file_it_did_not_write() {
        let dir = temp("foreign");
        let events = dir.join("events.ndjson");
        std::fs::write(&events, "{\"kept\":1}\n").unwrap();
        let mut state = StateFile::open(&dir.join("other-state.json")).unwrap();
        assert!(state.claim_sink(Some(&events)).is_err());
        assert_eq!(std::fs::read_to_string(&events).unwrap(), "{\"kept\":1}\n", "the file is untouched");
    }

    #[test]
    fn a_state_keeps_to_its_own_event_file() {
        let dir = temp("own");
        let (events, other) = (dir.join("events.ndjson"), dir.join("other.ndjson"));
        let path = dir.join("state.json");
        let mut state = StateFile::open(&path).unwrap();
        state.claim_sink(Some(&events)).unwrap();
        let mut reopened = StateFile::open(&path).unwrap();
        reopened.claim_sink(Some(&events)).unwrap();
        assert!(reopened.claim_sink(Some(&other)).is_err());
        assert!(reopened.claim_sink(None).is_err(), "a file's state cannot feed stdout");
    }

    #[test]
    fn a_state_that_fed_stdout_refuses_an_event_file() {
        let dir = temp("stdout");
        let mut state = StateFile::open(&dir.join("state.json")).unwrap();
        state.claim_sink(None).unwrap();
        state.save("threats", "{}", 0).unwrap();
        assert!(state.claim_sink(Some(&dir.join("events.ndjson"))).is_err());
    }
}
