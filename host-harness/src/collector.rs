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

use crate::runtime::{Connection, Fault, Runtime};
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
}

/// Why a round could not go on at all.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The host stopped a call (a bound or a trap): see the fault's record.
    #[error("the host stopped a collect call: {0}")]
    Fault(#[from] Fault),
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
                let outcome = self.runtime.collect(&self.connection, stream, checkpoint.as_deref(), &self.options).await?;
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
}

impl CheckpointStore for StateFile {
    fn checkpoint(&self, stream: &str) -> Option<String> {
        self.state.checkpoints.get(stream).cloned()
    }

    fn save(&mut self, stream: &str, checkpoint: &str, sink_position: u64) -> anyhow::Result<()> {
        self.state.checkpoints.insert(stream.to_owned(), checkpoint.to_owned());
        self.state.committed_bytes = sink_position;
        let text = serde_json::to_vec_pretty(&self.state)?;
        let tmp = self.path.with_extension("tmp");
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
        assert!(!path.with_extension("tmp").exists());
    }
}
