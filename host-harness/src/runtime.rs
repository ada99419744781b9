//! Loading the plugin once and calling it many times, as a platform does.
//!
//! 1. One [`Runtime`] per process: one `Engine`, the component compiled once and cached on disk
//!    as a precompiled artifact (keyed by the component's bytes and the engine's compatibility
//!    hash, so a wasmtime upgrade or a config change never loads a stale artifact), one `Linker`,
//!    one `InstancePre`.
//! 2. One fresh `Store` and instance per call: nothing leaks between calls or tenants.
//! 3. Each call runs under the [`Policy`]: outbound requests through [`OutboundHooks`], memory
//!    through `StoreLimits`, guest CPU through epoch ticks, the whole call through a wall-clock
//!    timeout (epochs cannot interrupt a guest that is waiting inside a host call).

use crate::bindings::exports::sentinelone::plugin::integration::{CheckReport, PluginInfo};
use crate::bindings::exports::sentinelone::plugin::organizations::OrganizationTree;
use crate::bindings::sentinelone::plugin::types::Error as PluginError;
use crate::bindings::{Plugin, PluginPre};
use crate::credentials::{Credential, Delivery};
use crate::logging::LogLine;
use crate::outbound::{OutboundHooks, OutboundRecord};
use crate::policy::{EPOCH_TICK, Policy};
use anyhow::Context as _;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_config::{WasiConfig, WasiConfigVariables};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// The component built by this crate's build script.
pub const BUILT_COMPONENT: &str = env!("PLUGIN_WASM");
/// Where precompiled artifacts go unless told otherwise.
pub const DEFAULT_CACHE_DIR: &str = env!("PLUGIN_CACHE_DIR");

/// How the component was made ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LoadReport {
    /// Whether a precompiled artifact was loaded instead of compiling with Cranelift.
    pub from_cache: bool,
    pub duration: Duration,
    pub component_bytes: u64,
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
        })
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
        vars
    }
}

/// What one call returned, with everything the plugin did on the way.
#[derive(Debug)]
pub struct Outcome<T> {
    pub value: T,
    /// Every line the plugin logged.
    pub logs: Vec<LogLine>,
    /// Every request the plugin tried to send, allowed or denied.
    pub outbound: Vec<OutboundRecord>,
    pub elapsed: Duration,
}

/// The per-call store state.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    hooks: OutboundHooks,
    config: WasiConfigVariables,
    limits: StoreLimits,
    pub(crate) logs: Vec<LogLine>,
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
    _ticker: EpochTicker,
}

/// The engine configuration every artifact is compiled for.
fn engine() -> anyhow::Result<Engine> {
    let mut config = wasmtime::Config::new();
    config.epoch_interruption(true);
    config.wasm_component_model(true);
    Ok(Engine::new(&config)?)
}

impl Runtime {
    /// Loads the component at `component`, from the precompiled cache in `cache_dir` when it
    /// holds a matching artifact (and filling it otherwise).
    pub fn load(component: &Path, cache_dir: Option<&Path>) -> anyhow::Result<Runtime> {
        let engine = engine()?;
        let start = Instant::now();
        let bytes = std::fs::read(component).with_context(|| format!("reading the component {}", component.display()))?;
        let (component, from_cache) = compile_or_load_cached(&engine, &bytes, cache_dir)?;
        let load = LoadReport { from_cache, duration: start.elapsed(), component_bytes: bytes.len() as u64 };

        let mut linker = Linker::<HostState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        wasmtime_wasi_config::add_to_linker(&mut linker, |s: &mut HostState| WasiConfig::from(&s.config))?;
        crate::bindings::wasi::logging::logging::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        let pre = PluginPre::new(linker.instantiate_pre(&component)?)?;
        Ok(Runtime { _ticker: EpochTicker::start(&engine), engine, pre, load })
    }

    /// Loads the component this crate built, with the default cache.
    pub fn load_built() -> anyhow::Result<Runtime> {
        Runtime::load(Path::new(BUILT_COMPONENT), Some(Path::new(DEFAULT_CACHE_DIR)))
    }

    /// The plugin's self-description. Runs with no configuration and a deny-all policy.
    pub async fn describe(&self) -> anyhow::Result<PluginInfo> {
        let none = Connection {
            console_url: String::new(),
            credential: None,
            account_ids: Vec::new(),
            site_ids: Vec::new(),
            token_warning_days: None,
            policy: Policy::deny_all(),
        };
        let outcome = self.call(&none, async |plugin, store| plugin.sentinelone_plugin_integration().call_describe(store).await).await?;
        Ok(outcome.value)
    }

    /// The connection test.
    pub async fn check(&self, connection: &Connection) -> anyhow::Result<Outcome<CheckReport>> {
        self.call(connection, async |plugin, store| plugin.sentinelone_plugin_integration().call_check(store).await).await
    }

    /// Runs an action by name with a JSON input.
    pub async fn invoke(&self, connection: &Connection, action: &str, input: &str) -> anyhow::Result<Outcome<Result<String, PluginError>>> {
        self.call(connection, async |plugin, store| plugin.sentinelone_plugin_integration().call_invoke(store, action, input).await).await
    }

    /// The organisation tree.
    pub async fn organizations(&self, connection: &Connection) -> anyhow::Result<Outcome<Result<OrganizationTree, PluginError>>> {
        self.call(connection, async |plugin, store| plugin.sentinelone_plugin_organizations().call_tree(store).await).await
    }

    /// One call in a fresh store, under the connection's policy. Host faults (a trap, the
    /// memory limit, the CPU or wall-clock bound) are `Err`; the plugin's own typed errors are
    /// part of `T`.
    async fn call<T>(
        &self,
        connection: &Connection,
        f: impl AsyncFnOnce(&Plugin, &mut Store<HostState>) -> wasmtime::Result<T>,
    ) -> anyhow::Result<Outcome<T>> {
        let policy = Arc::new(connection.policy.clone());
        let records = Arc::new(Mutex::new(Vec::new()));
        let state = HostState {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            hooks: OutboundHooks { policy: policy.clone(), credential: connection.credential.clone(), records: records.clone() },
            config: connection.config_variables(),
            limits: StoreLimitsBuilder::new().memory_size(policy.memory_limit_bytes).instances(4).trap_on_grow_failure(true).build(),
            logs: Vec::new(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        // Each deadline hit is roughly one tick of guest CPU (a guest parked in a host call
        // does not hit it): count them against the budget, and yield so the wall-clock timeout
        // can fire even while the guest computes.
        let budget = policy.epoch_deadline_ticks;
        let mut spent = 0u64;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            spent += 1;
            if spent > budget { Err(wasmtime::Error::msg(format!("the plugin exceeded its CPU budget of {budget} ticks"))) } else { Ok(UpdateDeadline::Yield(1)) }
        });

        let start = Instant::now();
        let run = async {
            let plugin = self.pre.instantiate_async(&mut store).await?;
            f(&plugin, &mut store).await
        };
        let value = match tokio::time::timeout(policy.call_timeout, run).await {
            Ok(result) => result.map_err(anyhow::Error::from).context("the plugin call failed")?,
            Err(_) => anyhow::bail!("the plugin call exceeded the {:?} wall-clock bound", policy.call_timeout),
        };
        let elapsed = start.elapsed();
        let logs = std::mem::take(&mut store.data_mut().logs);
        let outbound = records.lock().map(|r| r.clone()).unwrap_or_default();
        Ok(Outcome { value, logs, outbound, elapsed })
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
            Err(e) => tracing::warn!(target: "harness::runtime", file = %file.display(), "discarding an unusable precompiled artifact: {e}"),
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
