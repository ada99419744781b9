//! The `collection` interface through the real component and the host library's collector loop:
//! what a SIEM pipeline gets with a Viewer token, the shape of an event, bounded backfills, and
//! checkpoints refused before anything is sent.

mod support;

use host_harness::collector::{CheckpointStore, Collector, EventSink};
use host_harness::{CollectOptions, FaultKind, PluginError};
use s1_simulator::{Simulator, SimulatorOptions, tokens};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;
use support::*;

/// Events in memory, committed as they come.
#[derive(Default)]
struct Memory(Vec<String>);

impl EventSink for Memory {
    fn append(&mut self, events: &[String]) -> anyhow::Result<()> {
        self.0.extend_from_slice(events);
        Ok(())
    }

    fn commit(&mut self) -> anyhow::Result<u64> {
        Ok(self.0.len() as u64)
    }
}

#[derive(Default)]
struct Checkpoints(BTreeMap<String, String>);

impl CheckpointStore for Checkpoints {
    fn checkpoint(&self, stream: &str) -> Option<String> {
        self.0.get(stream).cloned()
    }

    fn save(&mut self, stream: &str, checkpoint: &str, _: u64) -> anyhow::Result<()> {
        self.0.insert(stream.to_owned(), checkpoint.to_owned());
        Ok(())
    }
}

fn options(max_events: u32) -> CollectOptions {
    CollectOptions { max_events, since: Some("2020-01-01T00:00:00Z".into()), settle_seconds: Some(60), revisit_seconds: None }
}

/// Collects `streams` until caught up; returns the events.
async fn collect_all(sim: &Simulator, token: &str, streams: &[&str], max_events: u32) -> Vec<Value> {
    let collector = Collector {
        runtime: runtime(),
        connection: connect(sim, token),
        streams: streams.iter().map(|s| s.to_string()).collect(),
        options: options(max_events),
    };
    let (mut sink, mut store) = (Memory::default(), Checkpoints::default());
    let rounds = collector.round(&mut sink, &mut store, &mut |_| {}).await.expect("no host fault");
    for round in &rounds {
        assert!(round.error.is_none() && round.caught_up, "{round:?}");
    }
    sink.0.iter().map(|e| serde_json::from_str(e).unwrap()).collect()
}

fn count(events: &[Value], stream: &str) -> usize {
    events.iter().filter(|e| e["stream"] == stream).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_token_collects_every_stream() {
    let sim = simulator();
    let events = collect_all(&sim, tokens::VIEWER, &["threats", "alerts", "activities", "agents"], 1000).await;
    let w = world(&sim);
    let counts = [("threats", w.threats.len()), ("alerts", w.alerts.len()), ("activities", w.activities.len()), ("agents", w.agents.len())];
    for (stream, expected) in counts {
        assert_eq!(count(&events, stream), expected, "{stream}");
    }
    let ids: BTreeSet<&str> = events.iter().map(|e| e["eventId"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), events.len(), "one event id per record version");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_is_the_record_unchanged_in_an_envelope_without_secrets() {
    let sim = simulator();
    let events = collect_all(&sim, tokens::VIEWER, &["agents"], 1000).await;
    let w = world(&sim);
    let agent = &w.agents[0];
    let event = events.iter().find(|e| e["record"]["id"] == agent.id.to_string()).expect("the agent's event");
    assert_eq!(event["stream"], "agents");
    assert_eq!(event["console"], sim.https_url().trim_start_matches("https://"));
    assert_eq!(event["version"], agent.updated_at.to_string());
    assert_eq!(event["eventId"].as_str().map(str::len), Some(32));
    assert_eq!(event["record"]["computerName"], agent.computer_name.as_str(), "fields kept as sent");
    assert_eq!(event["record"]["licenseKey"], "<redacted>");
    let text = serde_json::to_string(&events).unwrap();
    assert!(w.agents.iter().all(|a| !text.contains(&a.license_key)), "no licence key leaked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collecting_again_from_the_checkpoint_repeats_nothing() {
    let sim = simulator();
    let collector =
        Collector { runtime: runtime(), connection: connect(&sim, tokens::VIEWER), streams: vec!["threats".into()], options: options(100) };
    let (mut sink, mut store) = (Memory::default(), Checkpoints::default());
    collector.round(&mut sink, &mut store, &mut |_| {}).await.unwrap();
    let first = sink.0.len();
    let rounds = collector.round(&mut sink, &mut store, &mut |_| {}).await.unwrap();
    assert_eq!((first, sink.0.len()), (300, 300));
    assert!(rounds[0].caught_up && rounds[0].duplicates_dropped >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_fault_ends_only_that_streams_round_and_the_next_round_resumes() {
    let sim = simulator();
    let mut collector = Collector {
        runtime: runtime(),
        connection: connect(&sim, tokens::VIEWER),
        streams: vec!["threats".into(), "agents".into()],
        options: options(100),
    };
    // Too little guest CPU for any call: every call is stopped by the host.
    collector.connection.policy.guest_cpu = std::time::Duration::from_micros(1);
    let (mut sink, mut store) = (Memory::default(), Checkpoints::default());
    let rounds = collector.round(&mut sink, &mut store, &mut |_| {}).await.expect("a fault is the stream's, not the round's");
    assert_eq!(rounds.iter().map(|r| r.fault.as_ref().map(|(kind, _)| *kind)).collect::<Vec<_>>(), [Some(FaultKind::GuestCpu); 2]);
    assert!(sink.0.is_empty() && store.0.is_empty(), "nothing of a faulted call is committed");
    collector.connection.policy.guest_cpu = std::time::Duration::from_secs(10);
    let rounds = collector.round(&mut sink, &mut store, &mut |_| {}).await.unwrap();
    assert!(rounds.iter().all(|r| !r.failed() && r.caught_up), "{rounds:?}");
    assert_eq!(count(&sink.0.iter().map(|e| serde_json::from_str(e).unwrap()).collect::<Vec<_>>(), "threats"), 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_of_50000_threats_completes_under_the_default_memory_limit() {
    let sim = Simulator::start(SimulatorOptions { threats: 50_000, ..SimulatorOptions::default() }).unwrap();
    let start = Instant::now();
    let events = collect_all(&sim, tokens::VIEWER, &["threats"], 5000).await;
    let elapsed = start.elapsed();
    let unique: BTreeSet<&str> = events.iter().map(|e| e["eventId"].as_str().unwrap()).collect();
    assert_eq!((events.len(), unique.len()), (50_000, 50_000));
    eprintln!("backfill: 50,000 threats in {elapsed:?} ({:.0} events/s)", 50_000.0 / elapsed.as_secs_f64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_checkpoint_is_refused_and_nothing_is_sent() {
    let sim = simulator();
    let conn = connect(&sim, tokens::VIEWER);
    for checkpoint in ["{\"format\":1", "{\"format\":9,\"stream\":\"threats\"}", "[]"] {
        let outcome = runtime().collect(&conn, "threats", Some(checkpoint), &options(10)).await.unwrap();
        let error = outcome.value.unwrap_err();
        assert!(matches!(&error, PluginError::InvalidInput(i) if i.field.as_deref() == Some("/checkpoint")), "{checkpoint}: {error:?}");
    }
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_of_another_console_or_stream_is_refused() {
    let sim = simulator();
    let other = simulator();
    let batch = runtime().collect(&connect(&other, tokens::VIEWER), "threats", None, &options(10)).await.unwrap().value.unwrap();
    let conn = connect(&sim, tokens::VIEWER);
    for stream in ["threats", "alerts"] {
        let error = runtime().collect(&conn, stream, Some(&batch.checkpoint), &options(10)).await.unwrap().value.unwrap_err();
        assert!(matches!(&error, PluginError::InvalidInput(i) if i.field.as_deref() == Some("/checkpoint")), "{stream}: {error:?}");
    }
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_are_described_with_their_version_field_and_viewer_role() {
    let streams = runtime().streams().await.unwrap();
    let names: Vec<&str> = streams.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["threats", "alerts", "activities", "agents"]);
    assert!(streams.iter().all(|s| s.minimum_role == host_harness::Role::Viewer));
    assert_eq!(streams[0].version_field, "threatInfo.updatedAt");
}
