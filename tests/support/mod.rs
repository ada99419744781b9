//! Shared fixtures: one runtime per test binary (the component is compiled once), one simulator
//! per test (its own port and state), and connections the way a platform would make them.
#![allow(dead_code)]

use host_harness::{Connection, Credential, Delivery, Outcome, PluginError, Runtime};
use s1_simulator::{Simulator, SimulatorOptions, World};
use serde_json::Value;
use std::sync::LazyLock;

static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    let (component, cache) = (std::path::Path::new(plugin_artifacts::PLUGIN_WASM), std::path::Path::new(plugin_artifacts::CACHE_DIR));
    Runtime::load(component, Some(cache)).expect("load the plugin component")
});

pub fn runtime() -> &'static Runtime {
    &RUNTIME
}

static HOSTILE: LazyLock<Runtime> = LazyLock::new(|| {
    let (component, cache) = (std::path::Path::new(plugin_artifacts::HOSTILE_WASM), std::path::Path::new(plugin_artifacts::CACHE_DIR));
    Runtime::load(component, Some(cache)).expect("load the hostile test component")
});

/// The hostile test component (`tests/hostile/`), loaded like the plugin.
pub fn hostile_runtime() -> &'static Runtime {
    &HOSTILE
}

pub fn simulator() -> Simulator {
    Simulator::start(SimulatorOptions::default()).expect("start the simulator")
}

/// The token added by the host (the preferred deployment), over https with the simulator's
/// private CA trusted, as a platform reaches a real console.
pub fn connect(sim: &Simulator, token: &str) -> Connection {
    connect_with(sim, token, Delivery::HostHeader)
}

/// The same over the simulator's plain-http port, loopback http allowed.
pub fn connect_plain(sim: &Simulator, token: &str) -> Connection {
    let mut c = Connection::new(&sim.base_url(), Some(Credential::new(token, Delivery::HostHeader).unwrap())).unwrap();
    c.policy.allow_loopback_http = true;
    c
}

/// The token handed to the plugin through `wasi:config` (hosts without a request hook).
pub fn connect_via_config(sim: &Simulator, token: &str) -> Connection {
    connect_with(sim, token, Delivery::ConfigStore)
}

fn connect_with(sim: &Simulator, token: &str, delivery: Delivery) -> Connection {
    let mut c = Connection::new(&sim.https_url(), Some(Credential::new(token, delivery).unwrap())).unwrap();
    c.network.extra_ca_pem = Some(sim.ca_pem().as_bytes().to_vec());
    c
}

pub async fn invoke(conn: &Connection, action: &str, input: &str) -> Outcome<Result<String, PluginError>> {
    runtime().invoke(conn, action, input).await.expect("the call must not fault the host")
}

/// Runs an action that must succeed and returns its JSON output.
pub async fn invoke_ok(conn: &Connection, action: &str, input: &str) -> Value {
    match invoke(conn, action, input).await.value {
        Ok(json) => serde_json::from_str(&json).expect("the output is JSON"),
        Err(e) => panic!("{action} failed: {e:?}"),
    }
}

/// Runs an action that must fail and returns its typed error.
pub async fn invoke_err(conn: &Connection, action: &str, input: &str) -> PluginError {
    match invoke(conn, action, input).await.value {
        Ok(json) => panic!("{action} unexpectedly succeeded: {json}"),
        Err(e) => e,
    }
}

pub fn world(sim: &Simulator) -> World {
    sim.world().lock().unwrap().clone()
}

/// The ids of a listing output's items, in order.
pub fn ids(output: &Value) -> Vec<String> {
    output["items"].as_array().unwrap().iter().map(|a| a["id"].as_str().expect("ids are strings").to_owned()).collect()
}
