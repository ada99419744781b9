//! `s1-harness collect` against a live, faulty console while the collector is killed (SIGKILL) at
//! random moments and restarted from its state: at the end the event file holds every record
//! version the console made visible exactly once, and nothing else.

use s1_simulator::{LiveOptions, Simulator, SimulatorOptions, tokens};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LIVE: Duration = Duration::from_secs(8);
const SETTLE_SECONDS: u64 = 2;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("s1-collect-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The collect command a SIEM would run, with a Viewer token.
fn collect(sim: &Simulator, dir: &Path, follow: bool) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_s1-harness"));
    command.args(["collect", "--stream", "threats", "--stream", "alerts", "--stream", "activities", "--stream", "agents"]);
    command.arg("--state").arg(dir.join("state.json")).arg("--out").arg(dir.join("events.ndjson"));
    command.args(["--since", "2020-01-01T00:00:00Z", "--settle", &SETTLE_SECONDS.to_string(), "--max-events", "300"]);
    command.args(["--url", &sim.base_url(), "--allow-loopback-http"]);
    if follow {
        command.args(["--follow", "--interval", "1"]);
    }
    command.env("S1_API_TOKEN", tokens::VIEWER).env("RUST_LOG", "warn").stdout(Stdio::null()).stderr(Stdio::null());
    command
}

/// A small seeded generator for the kill schedule.
struct Schedule(u64);

impl Schedule {
    fn millis(&mut self, low: u64, high: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        low + (self.0 >> 33) % (high - low)
    }
}

/// Every (stream, id, version) in the event file, in order.
fn delivered(dir: &Path) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(dir.join("events.ndjson")).unwrap_or_default();
    text.lines()
        .map(|line| {
            let event: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("a torn line survived ({e}): {line}"));
            let record = &event["record"];
            let id = record["id"].as_str().or(record["alertInfo"]["alertId"].as_str()).unwrap().to_owned();
            (event["stream"].as_str().unwrap().to_owned(), id, event["version"].as_str().unwrap().to_owned())
        })
        .collect()
}

/// Runs one seed: returns (kills, events delivered).
fn run_seed(seed: u64) -> (u32, usize) {
    let live = LiveOptions {
        duration: LIVE,
        min_version_age: Duration::from_secs(8),
        max_lateness: Duration::from_millis(1500),
        tick: Duration::from_millis(100),
    };
    let sim =
        Simulator::start(SimulatorOptions { seed, live, faults: Some((seed, 0.08)), truth: true, ..SimulatorOptions::default() }).unwrap();
    let dir = temp_dir(&format!("seed{seed}"));
    let mut schedule = Schedule(seed);
    let mut kills = 0;
    let until = Instant::now() + LIVE + Duration::from_secs(SETTLE_SECONDS + 1);
    while Instant::now() < until {
        let mut child = collect(&sim, &dir, true).spawn().expect("start the collector");
        std::thread::sleep(Duration::from_millis(schedule.millis(200, 2500)));
        child.kill().expect("SIGKILL the collector");
        child.wait().unwrap();
        kills += 1;
    }
    // The console stands still now: run until a round ends caught up everywhere with no error.
    let finished = (0..30).any(|_| collect(&sim, &dir, false).status().unwrap().success());
    assert!(finished, "seed {seed}: the collector never finished a clean round");

    let truth: BTreeSet<(String, String, String)> = sim.truth().into_iter().map(|v| (v.stream, v.id, v.version)).collect();
    let events = delivered(&dir);
    let unique: BTreeSet<(String, String, String)> = events.iter().cloned().collect();
    let missing: Vec<_> = truth.difference(&unique).take(5).collect();
    let extra: Vec<_> = unique.difference(&truth).take(5).collect();
    eprintln!("seed {seed}: {kills} kills, {} versions made visible, {} events delivered", truth.len(), events.len());
    assert!(missing.is_empty(), "seed {seed}: lost {} versions, e.g. {missing:?}", truth.difference(&unique).count());
    assert!(extra.is_empty(), "seed {seed}: delivered versions never made visible: {extra:?}");
    assert_eq!(events.len(), unique.len(), "seed {seed}: {} duplicates", events.len() - unique.len());
    let _ = std::fs::remove_dir_all(&dir);
    (kills, events.len())
}

#[test]
fn a_collector_killed_at_random_moments_delivers_every_version_exactly_once() {
    let mut total_kills = 0;
    for seed in [11, 23, 47] {
        let (kills, _) = run_seed(seed);
        total_kills += kills;
    }
    assert!(total_kills >= 9, "the schedule killed the collector {total_kills} times");
}

#[test]
fn ctrl_c_commits_what_is_done_and_exits_cleanly() {
    let sim = Simulator::start(SimulatorOptions::default()).unwrap();
    let dir = temp_dir("interrupt");
    let mut child = collect(&sim, &dir, true).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let signalled = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(signalled.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "an interrupted collector exits 0");
    // What was committed is consistent: finishing the collection repeats nothing.
    assert!(collect(&sim, &dir, false).status().unwrap().success());
    let events = delivered(&dir);
    let unique: BTreeSet<_> = events.iter().cloned().collect();
    assert_eq!((events.len(), unique.len()), (4500, 4500));
    let _ = std::fs::remove_dir_all(&dir);
}
