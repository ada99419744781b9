//! `s1-harness collect`: feed a SIEM. Events go to `--out` (exactly once: the state file records
//! how many bytes of it are committed, and anything past that is cut on start) or to stdout (at
//! least once; drop repeats by `eventId`). The state file holds every stream's checkpoint and is
//! replaced atomically after each batch.

use host_harness::collector::{CheckpointStore, Collector, EventSink, FileSink, StateFile, StreamRound, WriterSink};
use host_harness::{CollectOptions, Connection, Runtime};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// What `collect` was asked to do.
pub struct Request {
    pub streams: Vec<String>,
    pub state: PathBuf,
    pub out: Option<PathBuf>,
    pub follow: bool,
    pub interval: Duration,
    pub options: CollectOptions,
}

/// Per-stream progress: bars on a terminal, log lines otherwise.
struct Progress {
    started: Instant,
    /// Per stream: events of earlier rounds, and of the round under way.
    totals: BTreeMap<String, (u64, u64)>,
    bars: Option<(MultiProgress, BTreeMap<String, ProgressBar>)>,
}

impl Progress {
    fn new(streams: &[String]) -> Progress {
        let bars = std::io::stderr().is_terminal().then(|| {
            let multi = MultiProgress::new();
            let style = ProgressStyle::with_template("{prefix:>10} {spinner} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner());
            let bars = streams
                .iter()
                .map(|s| (s.clone(), multi.add(ProgressBar::new_spinner().with_style(style.clone()).with_prefix(s.clone()))))
                .collect();
            (multi, bars)
        });
        Progress { started: Instant::now(), totals: BTreeMap::new(), bars }
    }

    fn update(&mut self, round: &StreamRound) {
        let (earlier, current) = self.totals.entry(round.stream.clone()).or_default();
        if round.batches == 1 {
            *earlier += *current;
        }
        *current = round.events;
        let total = *earlier + *current;
        let rate = total as f64 / self.started.elapsed().as_secs_f64().max(0.001);
        let state = match (&round.error, &round.fault, round.caught_up) {
            (Some(e), _, _) => format!("retrying next round ({})", host_harness::wit_json::plugin_error_case(e)),
            (None, Some((kind, _)), _) => format!("retrying next round (host fault: {kind:?})"),
            (None, None, true) => "caught up".to_owned(),
            (None, None, false) => "collecting".to_owned(),
        };
        let line = format!("{total} events, {rate:.0}/s, {state}");
        match self.bars.as_ref().and_then(|(_, bars)| bars.get(&round.stream)) {
            Some(bar) => {
                bar.set_message(line);
                bar.tick();
            }
            None => tracing::info!(stream = %round.stream, events = total, caught_up = round.caught_up, "{line}"),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some((_, bars)) = &self.bars {
            bars.values().for_each(ProgressBar::finish);
        }
    }
}

/// Runs the collection until caught up (or, with `--follow`, until interrupted).
pub async fn run(runtime: &Runtime, connection: Connection, request: Request) -> anyhow::Result<ExitCode> {
    let mut state = StateFile::open(&request.state)?;
    state.claim_sink(request.out.as_deref())?;
    let mut sink: Box<dyn EventSink> = match &request.out {
        Some(path) => Box::new(FileSink::open(path, state.committed_bytes())?),
        None => Box::new(WriterSink(std::io::stdout().lock())),
    };
    let collector = Collector { runtime, connection, streams: request.streams.clone(), options: request.options };
    let mut progress = Progress::new(&request.streams);
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let mut report = |round: &StreamRound| progress.update(round);
    loop {
        // An interrupted batch is simply not committed: its checkpoint was never saved.
        let rounds = tokio::select! {
            rounds = collector.round(sink.as_mut(), &mut state as &mut dyn CheckpointStore, &mut report) => rounds?,
            _ = &mut interrupted => return Ok(ExitCode::SUCCESS),
        };
        let failed = rounds.iter().filter(|r| r.failed()).count();
        if !request.follow {
            return Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        tokio::select! {
            () = tokio::time::sleep(request.interval) => {}
            _ = &mut interrupted => return Ok(ExitCode::SUCCESS),
        }
    }
}
