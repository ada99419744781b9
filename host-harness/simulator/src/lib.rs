//! A SentinelOne Management API v2.1 simulator: a real HTTP server on 127.0.0.1 that behaves like
//! a console (envelope, pagination, errors, scopes, quirks), so the plugin can be tested without a
//! tenant. It follows `reference/sentinelone-api.md` (in this crate: the project's reference for
//! the real API, written from public sources); where that reference is unsure, the choices below
//! are ours and are kept deliberately visible.
//!
//! # Endpoints (under `/web/api/v2.1/`)
//! `GET system/status` (no auth), `GET system/info`, `GET user`, `POST users/api-token-details`,
//! `GET accounts[/{id}]`, `GET sites[/{id}]`, `GET groups[/{id}]`, `GET agents`, `GET agents/count`,
//! `POST agents/actions/{verb}` for each row of [`actions::AGENT_ACTIONS`], `GET threats`,
//! `POST threats/mitigate/{kill|quarantine|remediate|rollback-remediation|un-quarantine}`,
//! `POST threats/analyst-verdict`, `POST threats/incident`, `POST threats/external-ticket-id`,
//! `POST threats/notes`, `GET threats/{id}/notes`, `GET threats/{id}/timeline`, `GET activities`,
//! `GET activities/types`, `GET cloud-detection/alerts`,
//! `POST cloud-detection/alerts/{analyst-verdict|incident}`,
//! `GET|POST|DELETE restrictions` (blocklist), `GET|POST|DELETE exclusions`,
//! `GET hashes/{hash}/verdict`, `GET threats/{id}/explore/events`, `POST threats/add-to-blacklist`,
//! `POST threats/fetch-file`, `PUT groups/{id}/move-agents`, `GET agents/applications`,
//! `POST agents/{id}/actions/fetch-files`,
//! `POST dv/init-query`, `GET dv/query-status`, `GET dv/events`, `POST dv/cancel-query`,
//! `POST dv/events/pq`, `GET dv/events/pq-ping`, `GET remote-scripts`,
//! `POST remote-scripts/execute`, `GET remote-scripts/status`, `POST remote-scripts/fetch-files`,
//! `GET|DELETE unified-exclusions`, `GET threats/{id}/download-from-cloud`,
//! `GET agents/{id}/uploads/{activityId}` (a zip).
//! Anything else: 404 (wrong method: 405), always with the error envelope.
//!
//! # The storage origin
//! A third listener, [`Simulator::storage_url`] (`https://127.0.0.1:PORT`, TLS only, the console's
//! certificate and CA), stands for the cloud storage that pre-signed download URLs point at
//! (`remote-scripts/fetch-files` results in bucket `s1-remote-ops-results`, `download-from-cloud`
//! samples in `s1-threat-files`). It has its own small router (no spec check, no API auth) and
//! answers as S3 does: 400 `InvalidArgument` to a request carrying an `Authorization` header (a
//! client leaking the SentinelOne token), 404 `NoSuchKey`, 403 `SignatureDoesNotMatch`, 403
//! `AccessDenied` "Request has expired", in S3's XML; its requests are in the same request log.
//! See [`storage`].
//!
//! # Quirks reproduced on purpose
//! - End of pages: `nextCursor` is JSON `null` on `agents` and `accounts`, `""` on `sites`, and the
//!   string `"null"` on `groups` (all three are seen in the wild; clients must treat each as the end).
//! - `GET sites` returns `data: {"sites": [...], "allSites": {...}}`, not an array.
//! - `groups` caps `limit` at 300 (others at 1000); above the cap is a 400.
//! - Cursors are padded standard base64 that always contain `+` and `/` (see [`paging`]), tied to
//!   the filters and sort: a mis-encoded cursor or one reused with other filters is a 400.
//! - An empty action filter acts on every agent (threat, alert) in scope.
//! - Threats have the v2.1 nested shape with its name clash: `threatInfo.mitigationStatus` is a
//!   string, the top-level `mitigationStatus` an array of action reports.
//! - Alerts have no top-level `id` (it is `alertInfo.alertId`); their `incidentStatus` and
//!   `analystVerdict` filters take UPPER_SNAKE values while the objects say `"Unresolved"`,
//!   `"Undefined"` (display case).
//! - Rate limits: `dv/init-query` once per minute and `dv/query-status` once per second per token
//!   answer 429 with `Retry-After` (see [`rate_limit`]; intervals in [`SimulatorOptions`]).
//! - DV and PowerQuery results only after polling; PowerQuery rows are positional arrays, capped
//!   at 1000 without `| limit N`. `remote-scripts/fetch-files` answers `download_links` (snake
//!   case) whose URLs are on another host (the storage origin) and must be fetched without the
//!   auth header.
//!
//! # Modelling choices
//! - `skipCount=true` answers `"totalItems": null`; `countOnly=true` answers an empty `data`.
//! - `users/api-token-details` needs no valid `Authorization` header and knows the expired token
//!   (see [`users`]). A service user's `GET user` has `"source": "service_user"`.
//! - Site-scoped users list no accounts; out-of-scope `/{id}` lookups are 404s. See [`accounts`],
//!   [`agents`] for the rest.
//! - Seeded timestamps are relative to 2026-03-01T12:00:00Z (deterministic); token expiries are
//!   relative to the start time (see [`seed`]).
//! - The request log redacts secrets (see [`request_log`]).
//! - With agents, every world has 300 threats (some with notes), 1,500 activities and 200 alerts,
//!   seeded from their own generator so adding them changed no earlier id (see [`seed_security`]).
//!   A threat's `agentRealtimeInfo` follows its agent; `agentDetectionInfo` is a snapshot.
//!   Agent's `infected`/`activeThreats` are not derived from the threats.
//! - Threat, alert and agent actions append activities (threat ones show on the threat's
//!   timeline); activity type codes other than 86 are ours (see [`activity_types`]).
//! - Mitigation skips threats whose agent OS cannot do it (remediate on Linux, rollback off
//!   Windows): listed under `details[].skipped`, not counted in `affected`. See [`threats`],
//!   [`threat_actions`], [`activities`], [`alerts`] for the rest.
//! - Blocklist and exclusions (see [`policy`]): a caller sees and changes the items at its own
//!   level and below (never its parents' items); a `GET` scope filter lists exactly those levels,
//!   plus parents with `includeParents`, children with `includeChildren`. `POST` needs exactly one
//!   scope key in `filter` (else 400), answers one item per id; a duplicate is 400 `4000030`.
//!   `notRecommended` is the string `"NONE"` [?]. With agents, 20 of each are seeded after the
//!   threats (ids above every earlier id, see [`seed_policy`]); some restrictions block seeded
//!   threats' SHA1s.
//! - `hashes/{hash}/verdict` says `malicious|suspicious` from seeded threats' confidence, `benign`
//!   for a `white_hash` exclusion, else `undefined`, whatever the caller's scope (see [`hashes`]).
//! - `add-to-blacklist` counts an already blocked hash as affected (`result: "already_exists"`);
//!   `fetch-file` and agent `fetch-files` "upload" at once: a type-86 (threat) or type-80 (agent)
//!   activity whose `data.downloadUrl` is `/agents/<id>/uploads/<activityId>`; only active agents
//!   upload. Explore events are derived from the seed per threat (20–150). See
//!   [`threat_extras`], [`agent_extras`].
//! - Downloads (see [`uploads`], [`cloud_download`], [`archive`]): `GET
//!   agents/{id}/uploads/{activityId}` answers a zip (`manifest.json` plus one entry per fetched
//!   path) encrypted (ZipCrypto) with the password of the fetch request, which is kept in
//!   [`World::uploads`] and never appears in an answer or the log; seeded type-86 uploads name
//!   their own activity id and use the password `Seeded-Upload-1!`. `download-from-cloud` answers
//!   a pre-signed storage URL to `<sha1>.zip`, one inert entry named after the threat's file,
//!   password `infected`. Viewers get 403 on both (uploads and samples are privileged; our
//!   choice). Remote-script results are an unencrypted zip holding `output.txt`.
//! - `unified-exclusions` (see [`unified_exclusions`]) is a view over the exclusions: a `path`
//!   exclusion whose `mode` starts with `disable_` is `agent_interaction`, everything else
//!   `suppression`; all are `EDR`. `modeType` is required; the spec's filters the simulator does
//!   not model (`engines`, `exclusionName__contains`, `applicationName__contains`) are a 400.
//! - `move-agents` answers 200 (the spec says 204), needs `agentIds`/`ids`, moves only agents of
//!   the group's site, refuses dynamic groups (see [`group_actions`]). `agents/applications` items
//!   carry no agent id and the answer has no `pagination`.
//! - Deep Visibility (see [`deep_visibility`], [`dv_events`]): queries run for
//!   `dv_query_duration` (progress grows with monotonic time), then `FINISHED`, or `EMPTY_RESULTS`
//!   when nothing matched, and `QUERY_EXPIRED` `dv_query_lifetime` later. 400 (naming the field)
//!   for a blank query, bad or reversed dates, a range over 14 days (our cap, from integrator
//!   lore), `limit` outside 1..=100000 (default 20,000), scope ids outside the token's scope. A
//!   query belongs to its token: unknown or foreign `queryId` is 404, missing is 400;
//!   `dv/events` before `FINISHED` is a 400 saying why. The rate limiter counts every
//!   authenticated call, even one that then fails validation. Events are 3–6 per agent in scope,
//!   derived from the seed, agent and date range; the query text selects among them through a
//!   tiny S1QL subset (`AgentName =`, `EventType =`, `ProcessName Contains`, joined by `AND`);
//!   anything else matches everything.
//! - PowerQuery (see [`power_query`]): same validation and timing as DV, no rate limit (none is
//!   documented; it does not share the DV one); `| group count() by f` and `| limit N` are
//!   understood, otherwise rows are raw events with fixed columns.
//! - Remote scripts (see [`remote_scripts`], [`seed_scripts`]): twelve library scripts with fixed
//!   ids ([`SCRIPT_LIBRARY`]). Tasks step `created` → `pending` → `in_progress` → `completed`
//!   every `script_step_duration` for agents active at execution; tasks for inactive agents stay
//!   `pending`, then `expired` after the script timeout. Agents the script cannot run on (OS,
//!   account) are skipped; nothing to run answers `parentTaskId: null`; `requiresApproval`
//!   answers `pending: true` and runs nothing. Viewers get 403 on execute and fetch-files.

mod accounts;
pub mod actions;
mod activities;
mod activity_types;
mod agents;
mod alerts;
mod auth;
mod clock;
mod errors;
mod faults;
pub mod filter_actions;
mod filters;
mod groups;
mod live;
mod model;
mod paging;
mod query;
mod request_log;
mod rng;
mod routes;
mod seed;
mod seed_security;
mod sites;
mod spec;
mod state;
mod system;
mod threat_actions;
mod threats;
mod tls;
pub mod tokens;
mod truth;
mod users;
// Blocklist, exclusions, hash verdicts, threat/agent/group extras (see their docs).
mod agent_extras;
mod exclusions;
mod group_actions;
mod hashes;
mod policy;
mod restrictions;
mod seed_policy;
mod threat_extras;
// Deep Visibility, PowerQuery, remote scripts and the rate limiter (see their docs).
mod deep_visibility;
mod dv_events;
mod jobs;
mod power_query;
mod rate_limit;
mod remote_scripts;
mod seed_scripts;
// Unified exclusions, the storage origin and downloads (see their docs).
mod archive;
mod cloud_download;
mod storage;
mod unified_exclusions;
mod uploads;

#[cfg(test)]
mod test_client;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_downloads;
#[cfg(test)]
mod tests_dv;
#[cfg(test)]
mod tests_policy;
#[cfg(test)]
mod tests_unified_exclusions;

pub use clock::Timestamp;
pub use live::LiveOptions;
pub use model::{
    Account, Activity, Agent, Alert, Group, Id, NetworkInterface, PendingStatus, Role, Scope, Site, Threat, ThreatNote, User, World,
};
pub use policy::PolicyItem;
pub use request_log::RecordedRequest;
pub use routes::PREFIX;
pub use seed_scripts::{SCRIPT_LIBRARY, ScriptSpec};
pub use truth::Version;

use anyhow::Context as _;
use request_log::RequestLog;
use state::AppState;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct SimulatorOptions {
    pub seed: u64,
    pub agents: usize,
    /// The plain-http port (0 = any free port).
    pub port: u16,
    /// The https port (0 = any free port).
    pub tls_port: u16,
    /// The port of the storage origin that pre-signed download URLs point at, https only
    /// (0 = any free port); see [`Simulator::storage_url`].
    pub storage_port: u16,
    /// Minimum interval between two `dv/init-query` calls of one token (the console: 1/minute).
    pub dv_init_interval: Duration,
    /// Minimum interval between two `dv/query-status` calls of one token (the console: 1/second).
    pub dv_status_interval: Duration,
    /// How long a DV or PowerQuery query runs before it is FINISHED (zero: at once).
    pub dv_query_duration: Duration,
    /// How long a finished DV or PowerQuery query keeps its results (then QUERY_EXPIRED).
    pub dv_query_lifetime: Duration,
    /// How long a remote-script task stays in each of `created`, `pending`, `in_progress`.
    pub script_step_duration: Duration,
    /// A delay before every answer, as over a slow link (zero: none).
    pub response_delay: Duration,
    /// How many threats are seeded (300 by default; a backfill test asks for more).
    pub threats: usize,
    /// A console that changes for a while after start (none by default).
    pub live: LiveOptions,
    /// Injected failures: a seed and the share of requests that fail (none by default).
    pub faults: Option<(u64, f64)>,
    /// Keep every record version made visible, for [`Simulator::truth`].
    pub truth: bool,
}

impl Default for SimulatorOptions {
    fn default() -> Self {
        SimulatorOptions {
            seed: 42,
            agents: 2500,
            port: 0,
            tls_port: 0,
            storage_port: 0,
            dv_init_interval: Duration::from_secs(60),
            dv_status_interval: Duration::from_secs(1),
            dv_query_duration: Duration::from_secs(2),
            dv_query_lifetime: Duration::from_secs(30 * 60),
            script_step_duration: Duration::from_millis(500),
            response_delay: Duration::ZERO,
            threats: seed_security::THREATS,
            live: LiveOptions::default(),
            faults: None,
            truth: false,
        }
    }
}

impl SimulatorOptions {
    fn timing(&self) -> jobs::Timing {
        jobs::Timing {
            dv_init_interval: self.dv_init_interval,
            dv_status_interval: self.dv_status_interval,
            query_duration: self.dv_query_duration,
            query_lifetime: self.dv_query_lifetime,
            script_step: self.script_step_duration,
        }
    }
}

/// A running simulator on its own thread with its own tokio runtime (so sync and async callers can
/// both use it). Stops on drop.
pub struct Simulator {
    address: SocketAddr,
    tls_address: SocketAddr,
    storage_address: SocketAddr,
    ca_pem: String,
    connections: tls::Connections,
    state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Seeds the world and binds `127.0.0.1:port`; returns once the server accepts connections.
    pub fn start(options: SimulatorOptions) -> anyhow::Result<Simulator> {
        let world = seed::build_with(options.seed, options.agents, options.threats, Timestamp::now());
        let truth = options.truth.then(|| {
            let mut truth = truth::Truth::default();
            truth.scan(&world);
            Arc::new(Mutex::new(truth))
        });
        let jobs = jobs::Jobs::new(options.seed, options.timing(), seed_scripts::build(&world));
        let bind = |port: u16| -> anyhow::Result<std::net::TcpListener> {
            let listener =
                std::net::TcpListener::bind(("127.0.0.1", port)).with_context(|| format!("simulator: cannot bind 127.0.0.1:{port}"))?;
            listener.set_nonblocking(true)?;
            Ok(listener)
        };
        let (listener, tls_listener, storage_listener) = (bind(options.port)?, bind(options.tls_port)?, bind(options.storage_port)?);
        let (address, tls_address, storage_address) = (listener.local_addr()?, tls_listener.local_addr()?, storage_listener.local_addr()?);
        let state = AppState {
            world: Arc::new(Mutex::new(world)),
            log: Arc::new(RequestLog::default()),
            jobs: Arc::new(Mutex::new(jobs)),
            response_delay: options.response_delay,
            truth,
            faults: options.faults.map(|(seed, rate)| Arc::new(faults::Faults::new(seed, rate))),
            spec_violations: Arc::default(),
            storage: Arc::new(storage::Storage::new(format!("https://{storage_address}"))),
        };
        let identity = tls::Identity::generate().context("simulator: cannot make its TLS certificate")?;
        let ca_pem = identity.ca_pem.clone();
        let connections = tls::Connections::default();
        let counted = connections.clone();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("s1-simulator")
            .enable_all()
            .build()
            .context("simulator: cannot build its tokio runtime")?;
        let (shutdown, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<anyhow::Result<()>>();
        let app = routes::router(state.clone());
        let storage_app = storage::router(state.clone());
        let live = live::run(state.clone(), options.live, options.seed);
        let thread = std::thread::Builder::new().name("s1-simulator".into()).spawn(move || {
            runtime.block_on(async move {
                let from_std = tokio::net::TcpListener::from_std;
                let listeners = from_std(listener).and_then(|l| Ok((l, from_std(tls_listener)?, from_std(storage_listener)?)));
                let (plain, secure, storage) = match listeners {
                    Ok((plain, secure, storage)) => (
                        tls::CountingListener { tcp: plain, connections: counted.clone() },
                        tls::TlsListener {
                            tcp: secure,
                            acceptor: tokio_rustls::TlsAcceptor::from(identity.server.clone()),
                            connections: counted,
                        },
                        // Storage connections are not the console's: counted apart, not reported.
                        tls::TlsListener {
                            tcp: storage,
                            acceptor: tokio_rustls::TlsAcceptor::from(identity.server),
                            connections: tls::Connections::default(),
                        },
                    ),
                    Err(error) => {
                        let _ = ready_tx.send(Err(error.into()));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                tokio::spawn(live);
                // Stop as soon as asked: in-flight connections are dropped with the runtime, which
                // keeps drop quick even when a client holds a keep-alive connection open.
                tokio::select! {
                    result = axum::serve(plain, app.clone()) => {
                        if let Err(error) = result {
                            tracing::error!(%error, "simulator: server stopped");
                        }
                    }
                    result = axum::serve(secure, app) => {
                        if let Err(error) = result {
                            tracing::error!(%error, "simulator: TLS server stopped");
                        }
                    }
                    result = axum::serve(storage, storage_app) => {
                        if let Err(error) = result {
                            tracing::error!(%error, "simulator: storage server stopped");
                        }
                    }
                    _ = shutdown_rx => {}
                }
            });
            runtime.shutdown_background();
        })?;
        ready_rx.recv().context("simulator: server thread exited during start-up")??;
        tracing::info!(%address, %tls_address, %storage_address, agents = options.agents, seed = options.seed, "SentinelOne simulator listening");
        Ok(Simulator { address, tls_address, storage_address, ca_pem, connections, state, shutdown: Some(shutdown), thread: Some(thread) })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash, no `/web/api/v2.1`): plain http, which a host
    /// lets out only to loopback and only when told to.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// `https://127.0.0.1:PORT`: the simulator as a console is reached, over TLS with a
    /// certificate from [`Simulator::ca_pem`].
    pub fn https_url(&self) -> String {
        format!("https://{}", self.tls_address)
    }

    /// `https://127.0.0.1:PORT`: the storage origin that pre-signed download URLs point at (TLS
    /// only, same certificate and CA as [`Simulator::https_url`]; see the module docs).
    pub fn storage_url(&self) -> String {
        format!("https://{}", self.storage_address)
    }

    /// The simulator's private CA (PEM), to trust for [`Simulator::https_url`] and
    /// [`Simulator::storage_url`].
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// TCP connections accepted so far, plain and TLS (connection reuse shows here).
    pub fn connections(&self) -> u64 {
        self.connections.count()
    }

    /// Every request served, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.log.entries()
    }

    /// What the simulator refused because SentinelOne's v2.1 specification does not declare it
    /// (an operation, a query parameter, a body key), in order; each was answered with a 400.
    pub fn spec_violations(&self) -> Vec<String> {
        self.state.spec_violations.entries()
    }

    pub fn clear_requests(&self) {
        self.state.log.clear();
    }

    /// Writes the log as JSON lines, one [`RecordedRequest`] per line.
    pub fn write_request_log(&self, path: &Path) -> anyhow::Result<()> {
        self.state.log.write_to(path)
    }

    /// Also appends each request to `path` (created or truncated now) as a JSON line as it is served.
    pub fn set_request_log_file(&self, path: &Path) -> anyhow::Result<()> {
        self.state.log.set_file(path)
    }

    /// Every record version made visible so far (empty unless `truth` was asked for).
    pub fn truth(&self) -> Vec<Version> {
        self.state.truth.as_ref().map(|t| t.lock().unwrap_or_else(|p| p.into_inner()).versions()).unwrap_or_default()
    }

    /// Also appends every version to `path` as JSON lines (needs `truth`).
    pub fn set_truth_file(&self, path: &Path) -> anyhow::Result<()> {
        let truth = self.state.truth.as_ref().ok_or_else(|| anyhow::anyhow!("the simulator was started without truth tracking"))?;
        truth.lock().unwrap_or_else(|p| p.into_inner()).set_file(path)
    }

    /// The live state (read it in tests; lock briefly, the server shares it).
    pub fn world(&self) -> Arc<Mutex<World>> {
        self.state.world.clone()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
