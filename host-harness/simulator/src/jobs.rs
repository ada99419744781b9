//! Work the console does in the background and the limits on starting it: Deep Visibility and
//! PowerQuery queries, remote-script tasks, the script library and the per-token rate limiter.
//!
//! Kept apart from the [`World`](super::model::World) (which stays plain seeded data): everything
//! here is timed with the monotonic clock, from the durations in [`Timing`]. Lock order: a handler
//! that needs both locks takes the world first, then the jobs.

use super::deep_visibility::{DvResult, QueryRun};
use super::power_query::PqTable;
use super::rate_limit::RateLimiter;
use super::remote_scripts::{Script, ScriptTask};
use super::rng::SplitMix64;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The timing knobs (from [`super::SimulatorOptions`]).
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Minimum interval between two `dv/init-query` calls of one token.
    pub dv_init_interval: Duration,
    /// Minimum interval between two `dv/query-status` calls of one token.
    pub dv_status_interval: Duration,
    /// How long a DV or PowerQuery query runs before it is FINISHED.
    pub query_duration: Duration,
    /// How long a finished query's results stay available (then QUERY_EXPIRED).
    pub query_lifetime: Duration,
    /// How long a remote-script task stays in each of `created`, `pending`, `in_progress`.
    pub script_step: Duration,
}

pub struct Jobs {
    pub timing: Timing,
    pub limiter: RateLimiter,
    pub dv_queries: HashMap<String, QueryRun<DvResult>>,
    pub pq_queries: HashMap<String, QueryRun<PqTable>>,
    pub scripts: Vec<Script>,
    pub tasks: Vec<ScriptTask>,
    query_ids: SplitMix64,
}

impl Jobs {
    pub fn new(seed: u64, timing: Timing, scripts: Vec<Script>) -> Jobs {
        Jobs {
            timing,
            limiter: RateLimiter::default(),
            dv_queries: HashMap::new(),
            pq_queries: HashMap::new(),
            scripts,
            tasks: Vec::new(),
            query_ids: SplitMix64::new(seed ^ 0x0d0e_e9b1_5b11_17a5),
        }
    }

    /// A fresh query id: `prefix` then 32 hex digits (`q...` for DV, `pq...` for PowerQuery).
    pub fn new_query_id(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", self.query_ids.hex(32))
    }

    /// Drops the results of queries that have expired (their status is still answered), so a
    /// long-running simulator does not keep every result set.
    pub fn release_expired(&mut self, now: Instant) {
        let timing = self.timing;
        for run in self.dv_queries.values_mut() {
            run.release_if_expired(now, &timing);
        }
        for run in self.pq_queries.values_mut() {
            run.release_if_expired(now, &timing);
        }
    }
}
