//! The truth: every record version the simulator has made visible, for the four collection
//! streams, so a test can compare what a collector delivered with what it should have.
//!
//! A version is a record's id with its version timestamp: `threatInfo.updatedAt` for threats,
//! `alertInfo.updatedAt` for alerts, `createdAt` for activities, `updatedAt` for agents (the
//! plugin's event `version` is the same instant, in the same microsecond format). The world is
//! scanned after seeding, after every live change and after every request that could change it;
//! each version not seen before is kept and, when a file was given, appended to it as a JSON line
//! `{"stream", "id", "version"}`.

use super::model::World;
use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::path::Path;

/// One record version.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Version {
    pub stream: String,
    pub id: String,
    pub version: String,
}

/// The versions seen so far.
#[derive(Default)]
pub struct Truth {
    seen: HashSet<(u8, u64, i64)>,
    versions: Vec<Version>,
    file: Option<File>,
}

const STREAMS: [&str; 4] = ["threats", "alerts", "activities", "agents"];

impl Truth {
    /// Also appends every version to `path` (created or truncated now), starting with those
    /// already seen.
    pub fn set_file(&mut self, path: &Path) -> anyhow::Result<()> {
        let mut file = File::create(path)?;
        for v in &self.versions {
            writeln!(file, "{}", serde_json::to_string(v)?)?;
        }
        file.flush()?;
        self.file = Some(file);
        Ok(())
    }

    /// Every version seen, in the order seen.
    pub fn versions(&self) -> Vec<Version> {
        self.versions.clone()
    }

    /// Records the versions of `world` not seen before.
    pub fn scan(&mut self, world: &World) {
        let threats = world.threats.iter().map(|t| (0u8, t.id, t.threat_info.updated_at));
        let alerts = world.alerts.iter().map(|a| (1u8, a.alert_info.alert_id, a.alert_info.updated_at));
        let activities = world.activities.iter().map(|a| (2u8, a.id, a.created_at));
        let agents = world.agents.iter().map(|a| (3u8, a.id, a.updated_at));
        for (stream, id, at) in threats.chain(alerts).chain(activities).chain(agents) {
            if self.seen.insert((stream, id.0, at.0)) {
                let version = Version { stream: STREAMS[stream as usize].to_owned(), id: id.to_string(), version: at.to_string() };
                if let Some(file) = self.file.as_mut() {
                    let _ = writeln!(file, "{}", serde_json::to_string(&version).unwrap_or_default());
                    let _ = file.flush();
                }
                self.versions.push(version);
            }
        }
    }
}
