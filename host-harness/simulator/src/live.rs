//! A console that changes: for a while after start, new threats, alerts and activities appear and
//! existing ones change, as on a busy tenant; then it stands still.
//!
//! What a collector meets here, on purpose:
//! - updates that move `updatedAt` (threat verdicts, incident statuses and mitigations; agent
//!   changes) and alert verdicts that move only `alertInfo.updatedAt`;
//! - bursts of records sharing one microsecond;
//! - records stamped up to `max_lateness` before they become visible (keep the collector's settle
//!   delay above it).
//!
//! What makes the truth collectable: a record's version is superseded only once it has been
//! visible for `min_version_age` (seeded records count as visible from the start), so a collector
//! that never falls further behind than that (settle delay, interval and restarts included) can
//! see every version. Alert updates touch only alerts created while live, which are inside any
//! revisit window. Every change is scanned into the truth (see [`super::truth`]).

use super::clock::Timestamp;
use super::model::World;
use super::rng::SplitMix64;
use super::state::AppState;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How the console changes.
#[derive(Clone, Copy, Debug)]
pub struct LiveOptions {
    /// How long it changes after start (zero: never).
    pub duration: Duration,
    /// A version is superseded only after it was visible this long.
    pub min_version_age: Duration,
    /// Records are stamped up to this long before they become visible.
    pub max_lateness: Duration,
    /// Between two rounds of changes.
    pub tick: Duration,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            duration: Duration::ZERO,
            min_version_age: Duration::from_secs(30),
            max_lateness: Duration::from_secs(5),
            tick: Duration::from_millis(100),
        }
    }
}

/// Which kind of record (for the visibility clock).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Threat,
    Alert,
    Agent,
}

struct Live {
    rng: SplitMix64,
    options: LiveOptions,
    started: Instant,
    /// When each record's current version became visible (seeded records: at start).
    visible_since: HashMap<(Kind, u64), Instant>,
    /// Alerts created while live (the only ones updated).
    live_alerts: Vec<u64>,
}

impl Live {
    fn settled(&self, kind: Kind, id: u64) -> bool {
        let since = self.visible_since.get(&(kind, id)).copied().unwrap_or(self.started);
        since.elapsed() >= self.options.min_version_age
    }

    fn stamp(&mut self) -> Timestamp {
        let late = self.rng.below(self.options.max_lateness.as_micros().max(1) as u64) as i64;
        Timestamp::now().plus_micros(-late)
    }

    fn touched(&mut self, kind: Kind, id: u64) {
        self.visible_since.insert((kind, id), Instant::now());
    }

    /// One random change.
    fn change(&mut self, world: &mut World) {
        match self.rng.below(100) {
            0..=19 => self.new_threats(world),
            20..=39 => self.update_threat(world),
            40..=49 => self.new_alert(world),
            50..=59 => self.update_alert(world),
            60..=84 => self.new_activities(world),
            _ => self.update_agent(world),
        }
    }

    fn new_threats(&mut self, world: &mut World) {
        if world.threats.is_empty() {
            return;
        }
        let count = if self.rng.chance(15) { self.rng.between(2, 6) } else { 1 };
        let at = self.stamp();
        for _ in 0..count {
            let mut threat = world.threats[self.rng.below(world.threats.len() as u64) as usize].clone();
            let id = world.new_id();
            threat.id = id;
            let info = &mut threat.threat_info;
            info.threat_id = id;
            (info.created_at, info.updated_at, info.identified_at) = (at, at, at);
            info.analyst_verdict = "undefined".into();
            info.incident_status = "unresolved".into();
            info.mitigation_status = "not_mitigated".into();
            world.threats.push(threat);
            self.touched(Kind::Threat, id.0);
        }
    }

    fn update_threat(&mut self, world: &mut World) {
        let Some(i) = self.pick_settled(Kind::Threat, world.threats.iter().map(|t| t.id.0).collect()) else { return };
        let at = self.stamp();
        let info = &mut world.threats[i].threat_info;
        match self.rng.below(3) {
            0 => info.analyst_verdict = self.rng.pick(&["true_positive", "false_positive", "suspicious"]).to_string(),
            1 => info.incident_status = self.rng.pick(&["in_progress", "resolved"]).to_string(),
            _ => info.mitigation_status = "mitigated".into(),
        }
        info.updated_at = at.max(info.updated_at.plus_micros(1));
        let id = world.threats[i].id.0;
        self.touched(Kind::Threat, id);
    }

    fn new_alert(&mut self, world: &mut World) {
        if world.alerts.is_empty() {
            return;
        }
        let mut alert = world.alerts[self.rng.below(world.alerts.len() as u64) as usize].clone();
        let id = world.new_id();
        let at = self.stamp();
        let info = &mut alert.alert_info;
        info.alert_id = id;
        (info.created_at, info.updated_at, info.reported_at) = (at, at, at);
        info.analyst_verdict = "Undefined".into();
        info.incident_status = "Unresolved".into();
        world.alerts.push(alert);
        self.live_alerts.push(id.0);
        self.touched(Kind::Alert, id.0);
    }

    fn update_alert(&mut self, world: &mut World) {
        let Some(j) = self.pick_settled(Kind::Alert, self.live_alerts.clone()) else { return };
        let id = self.live_alerts[j];
        let at = self.stamp();
        let Some(alert) = world.alerts.iter_mut().find(|a| a.alert_info.alert_id.0 == id) else { return };
        let info = &mut alert.alert_info;
        info.analyst_verdict = self.rng.pick(&["True positive", "False positive", "Suspicious"]).to_string();
        info.incident_status = self.rng.pick(&["In progress", "Resolved"]).to_string();
        info.updated_at = at.max(info.updated_at.plus_micros(1));
        self.touched(Kind::Alert, id);
    }

    fn new_activities(&mut self, world: &mut World) {
        if world.activities.is_empty() {
            return;
        }
        let count = if self.rng.chance(20) { self.rng.between(3, 12) } else { 1 };
        let at = self.stamp();
        for _ in 0..count {
            let mut activity = world.activities[self.rng.below(world.activities.len() as u64) as usize].clone();
            activity.id = world.new_id();
            activity.activity_uuid = self.rng.hex(32);
            (activity.created_at, activity.updated_at) = (at, at);
            world.activities.push(activity);
        }
    }

    fn update_agent(&mut self, world: &mut World) {
        let Some(i) = self.pick_settled(Kind::Agent, world.agents.iter().map(|a| a.id.0).collect()) else { return };
        let at = self.stamp();
        let agent = &mut world.agents[i];
        agent.last_active_date = at;
        agent.network_status = self.rng.pick(&["connected", "disconnected"]).to_string();
        agent.updated_at = at.max(agent.updated_at.plus_micros(1));
        let id = agent.id.0;
        self.touched(Kind::Agent, id);
    }

    /// The index (in `ids`) of a random record whose version may be superseded, if any: a few
    /// random tries, so a tick stays cheap on a large tenant.
    fn pick_settled(&mut self, kind: Kind, ids: Vec<u64>) -> Option<usize> {
        if ids.is_empty() {
            return None;
        }
        for _ in 0..8 {
            let i = self.rng.below(ids.len() as u64) as usize;
            if self.settled(kind, ids[i]) {
                return Some(i);
            }
        }
        None
    }
}

/// Changes the world every tick for `options.duration`, then stops.
pub async fn run(state: AppState, options: LiveOptions, seed: u64) {
    if options.duration.is_zero() {
        return;
    }
    let mut live = Live {
        rng: SplitMix64::new(seed ^ 0x11fe_c0de),
        options,
        started: Instant::now(),
        visible_since: HashMap::new(),
        live_alerts: Vec::new(),
    };
    let mut ticker = tokio::time::interval(options.tick);
    while live.started.elapsed() < options.duration {
        ticker.tick().await;
        let mut world = state.world();
        for _ in 0..live.rng.between(1, 3) {
            live.change(&mut world);
        }
        if let Some(truth) = &state.truth {
            truth.lock().unwrap_or_else(|p| p.into_inner()).scan(&world);
        }
    }
    tracing::info!(after = ?options.duration, "the simulated console stands still now");
}
