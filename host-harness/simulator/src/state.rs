//! State shared by every handler: the world, the request log and the storage origin's objects.

use super::jobs::Jobs;
use super::model::World;
use super::request_log::RequestLog;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Clone)]
pub struct AppState {
    pub world: Arc<Mutex<World>>,
    pub log: Arc<RequestLog>,
    /// DV/PowerQuery queries, remote-script tasks and rate limits (see [`super::jobs`]).
    pub jobs: Arc<Mutex<Jobs>>,
    /// Added before every answer: a console behind a slow link.
    pub response_delay: std::time::Duration,
    /// Every record version made visible, when asked for (see [`super::truth`]).
    pub truth: Option<Arc<Mutex<super::truth::Truth>>>,
    /// Injected failures, when asked for (see [`super::faults`]).
    pub faults: Option<Arc<super::faults::Faults>>,
    /// Requests refused for what the v2.1 specification does not declare (see [`super::spec`]).
    pub spec_violations: Arc<super::spec::Violations>,
    /// The objects behind pre-signed download URLs (see [`super::storage`]).
    pub storage: Arc<super::storage::Storage>,
}

impl AppState {
    /// Locks the world. A poisoned lock (a panicking test thread) still yields the data: the world is
    /// plain data with no invariants a half-finished update could break badly.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Locks the background work (same poisoning rule). Take it after the world, never before.
    pub fn jobs(&self) -> MutexGuard<'_, Jobs> {
        self.jobs.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
