//! Loading the plugin once and calling it many times, as a platform does.
//!
//! 1. One [`Runtime`] per process: one `Engine`, the component compiled once and cached on disk
//!    as a precompiled artifact (keyed by the component's bytes and the engine's compatibility
//!    hash, so a wasmtime upgrade or a config change never loads a stale artifact), one `Linker`,
//!    one `InstancePre`.
//! 2. One fresh `Store` and instance per call: nothing leaks between calls or tenants.
//! 3. Each call runs under the [`Policy`]: outbound requests through [`OutboundHooks`], memory
//!    through `StoreLimits`, guest CPU through call hooks and epoch checks ([`crate::cpu`]), the
//!    whole call through a wall-clock timeout (epochs cannot interrupt a guest that is waiting
//!    inside a host call). The plugin is told the bound (`call-timeout-ms`) and its listing
//!    budget (`max-output-bytes`, a fifth of the memory limit), so it returns before either is
//!    reached.
//! 4. A call the host stops anyway (a bound, a trap) is a [`Fault`], which still carries the
//!    plugin's logs and the record of every request it sent.

use crate::bindings::exports::sentinelone::plugin::collection::{Batch, CollectOptions, StreamInfo};
use crate::bindings::exports::sentinelone::plugin::downloads::{DownloadSource, DownloadedFile};
use crate::bindings::exports::sentinelone::plugin::integration::{CheckReport, PluginInfo};
use crate::bindings::exports::sentinelone::plugin::organizations::OrganizationTree;
use crate::bindings::sentinelone::plugin::types::Error as PluginError;
use crate::bindings::sentinelone::plugin::types::InvalidInput;
use crate::bindings::{Plugin, PluginPre};
use crate::cpu::{CpuMeter, GuestCpuExceeded};
use crate::credentials::{Credential, Delivery};
use crate::logging::{CallLog, LogLine};
use crate::outbound::{OutboundHooks, OutboundRecord};
use crate::policy::{EPOCH_TICK, Origin, Policy};
use crate::transport::{Resolve, Route, SystemResolver, Transport};
use anyhow::Context as _;
use sha2::Digest as _;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable, ResourceTableError};
use wasmtime::{Engine, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_config::{WasiConfig, WasiConfigVariables};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// How the component was made ready.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LoadReport {
    /// Whether a precompiled artifact was loaded instead of compiling with Cranelift.
    pub from_cache: bool,
    pub duration: Duration,
    pub component_bytes: u64,
    /// The component's sha256 (hex): what a connection pins with `component_sha256`.
    pub sha256: String,
}

/// One tenant's connection: what the plugin is configured with and the policy it runs under.
#[derive(Clone, Debug)]
pub struct Connection {
    /// Handed to the plugin as `url`.
    pub console_url: String,
    pub credential: Option<Credential>,
    pub account_ids: Vec<String>,
    pub site_ids: Vec<String>,
    pub token_warning_days: Option<u32>,
    pub policy: Policy,
    /// How requests reach the network: extra trust roots, a proxy, the private-address guard.
    pub network: Route,
    /// The sha256 (hex) of the only component this connection may run.
    pub component_sha256: Option<String>,
}

impl Connection {
    /// A connection whose policy allows exactly the console's origin.
    pub fn new(console_url: &str, credential: Option<Credential>) -> anyhow::Result<Connection> {
        Ok(Connection {
            console_url: console_url.to_owned(),
            credential,
            account_ids: Vec::new(),
            site_ids: Vec::new(),
            token_warning_days: None,
            policy: Policy::for_console(console_url)?,
            network: Route::default(),
            component_sha256: None,
        })
    }

    /// No console, no credential, a policy that lets nothing out: for calls that need neither.
    fn unconfigured() -> Connection {
        Connection {
            console_url: String::new(),
            credential: None,
            account_ids: Vec::new(),
            site_ids: Vec::new(),
            token_warning_days: None,
            policy: Policy::deny_all(),
            network: Route::default(),
            component_sha256: None,
        }
    }

    fn config_variables(&self) -> WasiConfigVariables {
        let mut vars = WasiConfigVariables::new();
        vars.insert("url", self.console_url.clone());
        if !self.account_ids.is_empty() {
            vars.insert("account-ids", self.account_ids.join(","));
        }
        if !self.site_ids.is_empty() {
            vars.insert("site-ids", self.site_ids.join(","));
        }
        if let Some(days) = self.token_warning_days {
            vars.insert("token-warning-days", days.to_string());
        }
        if let Some(c) = self.credential.as_ref().filter(|c| c.delivery == Delivery::ConfigStore) {
            vars.insert("api-token", c.expose());
        }
        vars.insert("call-timeout-ms", self.policy.call_timeout.as_millis().clamp(1_000, 86_400_000).to_string());
        vars.insert("max-output-bytes", (self.policy.memory_limit_bytes / 5).clamp(65_536, 1 << 30).to_string());
        vars
    }
}

/// What one call returned, with everything the plugin did on the way.
#[derive(Debug)]
pub struct Outcome<T> {
    pub value: T,
    /// Every line the plugin logged (up to the policy's limits).
    pub logs: Vec<LogLine>,
    /// Every request the plugin tried to send, allowed or denied.
    pub outbound: Vec<OutboundRecord>,
    pub elapsed: Duration,
    /// The guest's own execution time (see [`crate::cpu`]).
    pub guest_cpu: Duration,
    /// The most linear memory the instance grew to.
    pub peak_memory_bytes: usize,
}

/// Why the host stopped a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// The call ran past the policy's wall-clock bound.
    WallClock,
    /// The guest executed longer than the policy's CPU budget.
    GuestCpu,
    /// The guest tried to grow its memory past the policy's limit.
    Memory,
    /// The guest held more `wasi` resources than the policy allows.
    ResourceLimit,
    /// The guest trapped (a bug, or an abuse of the ABI).
    Trap,
    /// The connection pins another component (`component_sha256`): nothing ran.
    ComponentPin,
}

/// A call the host ended without the plugin's answer, with what the plugin did before: a caller
/// learns which requests already went out (a script started, an agent isolated) even then.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Fault {
    pub kind: FaultKind,
    pub message: String,
    pub logs: Vec<LogLine>,
    pub outbound: Vec<OutboundRecord>,
    pub elapsed: Duration,
    pub guest_cpu: Duration,
}

/// `StoreLimits`, remembering whether it refused memory (to tell a memory fault from a trap).
struct Limiter {
    inner: StoreLimits,
    refused_memory: bool,
    peak_memory: usize,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let answer = self.inner.memory_growing(current, desired, maximum);
        match answer {
            Ok(true) => self.peak_memory = self.peak_memory.max(desired),
            _ => self.refused_memory = true,
        }
        answer
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }

    fn tables(&self) -> usize {
        self.inner.tables()
    }

    fn memories(&self) -> usize {
        self.inner.memories()
    }
}

/// The per-call store state.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    hooks: OutboundHooks,
    config: WasiConfigVariables,
    limits: Limiter,
    pub(crate) logs: CallLog,
    cpu: CpuMeter,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
struct EpochTicker(Arc<AtomicBool>);

impl EpochTicker {
    fn start(engine: &Engine) -> EpochTicker {
        let stop = Arc::new(AtomicBool::new(false));
        let (engine, flag) = (engine.clone(), stop.clone());
        std::thread::Builder::new()
            .name("epoch-ticker".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .expect("spawn the epoch ticker");
        EpochTicker(stop)
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The loaded plugin, ready for calls.
pub struct Runtime {
    engine: Engine,
    pre: PluginPre<HostState>,
    pub load: LoadReport,
    /// One pooled HTTPS client for every call and tenant.
    transport: Arc<Transport>,
    _ticker: EpochTicker,
}

/// How the engine allocates instances.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Allocation {
    /// Memory is mapped for each instance and unmapped after it (any memory limit works).
    #[default]
    OnDemand,
    /// Slots reserved once and reused: instantiation is several times faster. At most
    /// `instances` instances live at once, each with at most `max_memory_bytes` of memory (a
    /// connection's memory limit must not exceed it).
    Pooling { instances: u32, max_memory_bytes: usize },
}

/// The engine configuration every artifact is compiled for.
fn engine(allocation: Allocation) -> anyhow::Result<Engine> {
    let mut config = wasmtime::Config::new();
    config.epoch_interruption(true);
    config.wasm_component_model(true);
    if let Allocation::Pooling { instances, max_memory_bytes } = allocation {
        let mut pool = wasmtime::PoolingAllocationConfig::new();
        pool.total_component_instances(instances)
            .total_core_instances(instances.saturating_mul(4))
            .total_memories(instances.saturating_mul(2))
            .total_tables(instances.saturating_mul(4))
            .total_stacks(instances)
            .max_memory_size(max_memory_bytes)
            .linear_memory_keep_resident(1 << 20)
            .table_keep_resident(1 << 16);
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    }
    Ok(Engine::new(&config)?)
}

impl Runtime {
    /// Loads the component at `component`, from the precompiled cache in `cache_dir` when it
    /// holds a matching artifact (and filling it otherwise).
    pub fn load(component: &Path, cache_dir: Option<&Path>) -> anyhow::Result<Runtime> {
        let bytes = std::fs::read(component).with_context(|| format!("reading the component {}", component.display()))?;
        Runtime::from_bytes(&bytes, cache_dir)
    }

    /// Loads a component from its bytes (see [`Runtime::load`] for the cache).
    pub fn from_bytes(bytes: &[u8], cache_dir: Option<&Path>) -> anyhow::Result<Runtime> {
        Runtime::from_bytes_with(bytes, cache_dir, Allocation::OnDemand)
    }

    /// [`Runtime::from_bytes`] with a choice of instance allocation.
    pub fn from_bytes_with(bytes: &[u8], cache_dir: Option<&Path>, allocation: Allocation) -> anyhow::Result<Runtime> {
        let engine = engine(allocation)?;
        let start = Instant::now();
        let (component, from_cache) = compile_or_load_cached(&engine, bytes, cache_dir)?;
        let sha256 = sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
        let load = LoadReport { from_cache, duration: start.elapsed(), component_bytes: bytes.len() as u64, sha256 };

        let mut linker = Linker::<HostState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        wasmtime_wasi_config::add_to_linker(&mut linker, |s: &mut HostState| WasiConfig::from(&s.config))?;
        crate::bindings::wasi::logging::logging::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        let pre = PluginPre::new(linker.instantiate_pre(&component)?)?;
        Ok(Runtime {
            _ticker: EpochTicker::start(&engine),
            engine,
            pre,
            load,
            transport: Arc::new(Transport::new(Arc::new(SystemResolver))),
        })
    }

    /// Resolves host names through `resolver` instead of the system's (tests, or a platform's own
    /// DNS policy); the address guard applies to what it returns.
    pub fn with_resolver(mut self, resolver: Arc<dyn Resolve>) -> Runtime {
        self.transport = Arc::new(Transport::new(resolver));
        self
    }

    /// TCP connections the runtime's transport has opened (connection reuse shows here).
    pub fn connections_opened(&self) -> u64 {
        self.transport.connections_opened()
    }

    /// The plugin's self-description. Runs with no configuration and a deny-all policy.
    pub async fn describe(&self) -> Result<PluginInfo, Fault> {
        let none = Connection::unconfigured();
        let outcome = self.call(&none, async |plugin, store| plugin.sentinelone_plugin_integration().call_describe(store).await).await?;
        Ok(outcome.value)
    }

    /// The connection test.
    pub async fn check(&self, connection: &Connection) -> Result<Outcome<CheckReport>, Fault> {
        self.call(connection, async |plugin, store| plugin.sentinelone_plugin_integration().call_check(store).await).await
    }

    /// Runs an action by name with a JSON input. An input over the policy's size cap is refused
    /// as `invalid-input` without calling the plugin.
    pub async fn invoke(&self, connection: &Connection, action: &str, input: &str) -> Result<Outcome<Result<String, PluginError>>, Fault> {
        if let Some(refused) = refused_input(connection, action, input) {
            return Ok(refused);
        }
        self.call(connection, async |plugin, store| plugin.sentinelone_plugin_integration().call_invoke(store, action, input).await).await
    }

    /// The streams the plugin can collect. Runs with no configuration and a deny-all policy.
    pub async fn streams(&self) -> Result<Vec<StreamInfo>, Fault> {
        let none = Connection::unconfigured();
        let outcome = self.call(&none, async |plugin, store| plugin.sentinelone_plugin_collection().call_streams(store).await).await?;
        Ok(outcome.value)
    }

    /// Collects the next events of `stream` after `checkpoint` (see the `collection` interface).
    pub async fn collect(
        &self,
        connection: &Connection,
        stream: &str,
        checkpoint: Option<&str>,
        options: &CollectOptions,
    ) -> Result<Outcome<Result<Batch, PluginError>>, Fault> {
        let checkpoint = checkpoint.map(str::to_owned);
        self.call(connection, async |plugin, store| {
            plugin.sentinelone_plugin_collection().call_collect(store, stream, checkpoint.as_deref(), options).await
        })
        .await
    }

    /// Downloads a file as bytes (an agent upload, a threat file from the cloud, a script's
    /// results; see the `downloads` interface). Signed links on another host leave the sandbox
    /// only when the connection's policy allows their origin (`network.allowed-origins`), and
    /// never carry the credential; the file is bounded by the policy's response cap.
    pub async fn download(
        &self,
        connection: &Connection,
        source: &DownloadSource,
    ) -> Result<Outcome<Result<DownloadedFile, PluginError>>, Fault> {
        self.call(connection, async |plugin, store| plugin.sentinelone_plugin_downloads().call_download(store, source).await).await
    }

    /// The organisation tree.
    pub async fn organizations(&self, connection: &Connection) -> Result<Outcome<Result<OrganizationTree, PluginError>>, Fault> {
        self.call(connection, async |plugin, store| plugin.sentinelone_plugin_organizations().call_tree(store).await).await
    }

    /// One call in a fresh store, under the connection's policy. Host faults (a trap, the
    /// memory limit, the CPU or wall-clock bound) are a [`Fault`]; the plugin's own typed errors
    /// are part of `T`.
    async fn call<T>(
        &self,
        connection: &Connection,
        f: impl AsyncFnOnce(&Plugin, &mut Store<HostState>) -> wasmtime::Result<T>,
    ) -> Result<Outcome<T>, Fault> {
        self.check_pin(connection)?;
        let mut call = self.store(connection);
        let pre = &self.pre;
        call.run(async |store| {
            let plugin = pre.instantiate_async(&mut *store).await?;
            f(&plugin, store).await
        })
        .await
    }

    /// A session: one instance for several calls of one connection. A fresh instance per call
    /// (every other method) keeps calls and tenants apart; a session trades that for the
    /// instantiation it saves, so use it for a burst of calls of one tenant. Each call still runs
    /// under the policy's bounds; guest memory carries over.
    pub async fn session(&self, connection: &Connection) -> Result<Session<'_>, Fault> {
        self.check_pin(connection)?;
        let (call, plugin) = self.instance(connection).await?;
        Ok(Session { runtime: self, connection: connection.clone(), call, plugin, requests: 0, spent: false })
    }

    async fn instance(&self, connection: &Connection) -> Result<(CallStore, Plugin), Fault> {
        let mut call = self.store(connection);
        let pre = &self.pre;
        let outcome = call.run(async |store| pre.instantiate_async(store).await).await?;
        Ok((call, outcome.value))
    }

    fn check_pin(&self, connection: &Connection) -> Result<(), Fault> {
        match connection.component_sha256.as_deref().filter(|p| !p.eq_ignore_ascii_case(&self.load.sha256)) {
            None => Ok(()),
            Some(pinned) => {
                let message = format!("the connection pins component sha256 {pinned}, but this runtime loaded {}", self.load.sha256);
                Err(Fault {
                    kind: FaultKind::ComponentPin,
                    message,
                    logs: Vec::new(),
                    outbound: Vec::new(),
                    elapsed: Duration::ZERO,
                    guest_cpu: Duration::ZERO,
                })
            }
        }
    }

    /// A store for `connection`, with its policy's limits, hooks and meters in place.
    fn store(&self, connection: &Connection) -> CallStore {
        let policy = Arc::new(connection.policy.clone());
        let records = Arc::new(Mutex::new(Vec::new()));
        let mut table = ResourceTable::new();
        table.set_max_capacity(policy.limits.max_table_entries);
        let cpu = CpuMeter::default();
        let state = HostState {
            wasi: WasiCtx::builder().build(),
            table,
            http: WasiHttpCtx::new(),
            hooks: OutboundHooks {
                policy: policy.clone(),
                credential: connection.credential.clone(),
                console: Origin::parse(&connection.console_url).ok(),
                records: records.clone(),
                transport: self.transport.clone(),
                route: Route { connect_timeout: policy.http.connect_timeout, ..connection.network.clone() },
            },
            config: connection.config_variables(),
            limits: Limiter {
                inner: StoreLimitsBuilder::new()
                    .memory_size(policy.memory_limit_bytes)
                    .table_elements(100_000)
                    .instances(4)
                    .trap_on_grow_failure(true)
                    .build(),
                refused_memory: false,
                peak_memory: 0,
            },
            logs: CallLog::new(policy.limits.max_log_lines, policy.limits.max_log_line_bytes),
            cpu: cpu.clone(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.call_hook(|store, hook| {
            store.data().cpu.on_hook(hook);
            Ok(())
        });
        let budget = policy.guest_cpu;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |store| store.data().cpu.on_epoch(budget));
        CallStore { store, policy, records, cpu }
    }
}

/// A store and what one call through it is measured by.
struct CallStore {
    store: Store<HostState>,
    policy: Arc<Policy>,
    records: Arc<Mutex<Vec<OutboundRecord>>>,
    cpu: CpuMeter,
}

impl CallStore {
    /// Runs `f` under the wall-clock bound and turns the result into an outcome or a fault,
    /// either way with the call's logs and outbound records.
    async fn run<T>(&mut self, f: impl AsyncFnOnce(&mut Store<HostState>) -> wasmtime::Result<T>) -> Result<Outcome<T>, Fault> {
        let start = Instant::now();
        let result = tokio::time::timeout(self.policy.call_timeout, f(&mut self.store)).await;
        let elapsed = start.elapsed();
        self.cpu.stop();
        let logs = self.store.data_mut().logs.take();
        let outbound = self.records.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default();
        let guest_cpu = self.cpu.take();
        let (kind, message) = match result {
            Ok(Ok(value)) => {
                let peak_memory_bytes = self.store.data().limits.peak_memory;
                return Ok(Outcome { value, logs, outbound, elapsed, guest_cpu, peak_memory_bytes });
            }
            Err(_) => (FaultKind::WallClock, format!("the plugin call exceeded the {:?} wall-clock bound", self.policy.call_timeout)),
            Ok(Err(error)) => {
                let kind = if error.downcast_ref::<GuestCpuExceeded>().is_some() {
                    FaultKind::GuestCpu
                } else if self.store.data().limits.refused_memory {
                    FaultKind::Memory
                } else if error.downcast_ref::<ResourceTableError>().is_some() {
                    FaultKind::ResourceLimit
                } else {
                    FaultKind::Trap
                };
                (kind, format!("the plugin call failed: {error:#}"))
            }
        };
        tracing::warn!(target: "harness::runtime", ?kind, requests = outbound.len(), "{message}");
        Err(Fault { kind, message, logs, outbound, elapsed, guest_cpu })
    }
}

/// The outcome of an `invoke` whose input is over the policy's size cap (or whose action name is
/// absurdly long): `invalid-input`, without calling the plugin.
fn refused_input(connection: &Connection, action: &str, input: &str) -> Option<Outcome<Result<String, PluginError>>> {
    let max = connection.policy.limits.max_input_bytes;
    if input.len() <= max && action.len() <= 256 {
        return None;
    }
    let message =
        format!("the input is {} bytes and the action name {}; the host accepts at most {max} and 256", input.len(), action.len());
    Some(Outcome {
        value: Err(PluginError::InvalidInput(InvalidInput { field: None, message })),
        logs: Vec::new(),
        outbound: Vec::new(),
        elapsed: Duration::ZERO,
        guest_cpu: Duration::ZERO,
        peak_memory_bytes: 0,
    })
}

/// One instance serving several calls of one connection (see [`Runtime::session`]).
pub struct Session<'r> {
    runtime: &'r Runtime,
    connection: Connection,
    call: CallStore,
    plugin: Plugin,
    /// Requests the current instance has sent.
    requests: usize,
    /// The current instance is unusable: its last call faulted (a trapped instance refuses to be
    /// entered again, and a bound may have stopped the guest anywhere) or was cancelled.
    spent: bool,
}

impl Session<'_> {
    /// Runs an action by name, as [`Runtime::invoke`] does, in this session's instance.
    pub async fn invoke(&mut self, action: &str, input: &str) -> Result<Outcome<Result<String, PluginError>>, Fault> {
        // wasmtime-wasi-http 48 keeps each request's `request-options` in the store until the store
        // drops (its `handle` reads the resource instead of taking it): an instance that has sent
        // half its resource table's worth of requests is replaced before it fills up.
        if let Some(refused) = refused_input(&self.connection, action, input) {
            return Ok(refused);
        }
        if self.spent || self.requests * 2 >= self.connection.policy.limits.max_table_entries {
            (self.call, self.plugin) = self.runtime.instance(&self.connection).await?;
            self.requests = 0;
        }
        // Stays set if this future is dropped mid-call (the caller's own timeout).
        self.spent = true;
        let plugin = &self.plugin;
        let outcome = self.call.run(async |store| plugin.sentinelone_plugin_integration().call_invoke(store, action, input).await).await;
        self.spent = outcome.is_err();
        self.requests += match &outcome {
            Ok(o) => o.outbound.len(),
            Err(f) => f.outbound.len(),
        };
        outcome
    }
}

/// The cache file for `bytes` under this engine's configuration.
fn cache_file(engine: &Engine, bytes: &[u8], dir: &Path) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    dir.join(format!("sentinelone-plugin-{:016x}.cwasm", hasher.finish()))
}

fn compile_or_load_cached(engine: &Engine, bytes: &[u8], cache_dir: Option<&Path>) -> anyhow::Result<(Component, bool)> {
    let Some(dir) = cache_dir else { return Ok((Component::new(engine, bytes)?, false)) };
    let file = cache_file(engine, bytes, dir);
    if file.exists() {
        // SAFETY: the file is our own artifact, named by the hash of the exact component bytes
        // and of this engine's compatibility settings, written atomically below.
        match unsafe { Component::deserialize_file(engine, &file) } {
            Ok(component) => return Ok((component, true)),
            Err(e) => {
                tracing::warn!(target: "harness::runtime", file = %file.display(), "discarding an unusable precompiled artifact: {e}")
            }
        }
    }
    let artifact = engine.precompile_component(bytes)?;
    // SAFETY: produced just now by this engine.
    let component = unsafe { Component::deserialize(engine, &artifact)? };
    if std::fs::create_dir_all(dir).is_ok() {
        let tmp = file.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, &artifact).and_then(|()| std::fs::rename(&tmp, &file)).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
    Ok((component, false))
}
