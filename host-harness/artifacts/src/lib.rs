//! Where this build put its components. For the `s1-harness` CLI and the tests only: embedders
//! load a component from bytes or a path of their own choosing (see `host_harness::Runtime`).

/// The plugin component this build produced (`plugin/`, profile `component`).
pub const PLUGIN_WASM: &str = env!("PLUGIN_WASM");
/// The hostile test component (`tests/hostile/`): it tries to break out of the sandbox.
pub const HOSTILE_WASM: &str = env!("HOSTILE_WASM");
/// Where precompiled components are cached unless told otherwise.
pub const CACHE_DIR: &str = env!("PLUGIN_CACHE_DIR");
