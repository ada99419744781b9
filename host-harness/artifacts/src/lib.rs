//! Where this build put its components. For the `s1-harness` CLI and the tests only: embedders
//! load a component from bytes or a path of their own choosing (see `host_harness::Runtime`).

use sha2::Digest as _;
use std::path::PathBuf;

/// The plugin component this build produced (`plugin/`, profile `component`).
pub const PLUGIN_WASM: &str = env!("PLUGIN_WASM");
/// Its sha256 when it was built.
pub const PLUGIN_SHA256: &str = env!("PLUGIN_WASM_SHA256");
/// The hostile test component (`tests/hostile/`): it tries to break out of the sandbox.
pub const HOSTILE_WASM: &str = env!("HOSTILE_WASM");
/// Where precompiled components are cached unless told otherwise.
pub const CACHE_DIR: &str = env!("PLUGIN_CACHE_DIR");

/// The plugin component's path, once its bytes are checked against what this build made: a
/// component rebuilt or replaced since (another checkout's build, a stale copy) is refused with
/// the way out, never loaded silently.
pub fn plugin() -> Result<PathBuf, String> {
    let bytes = std::fs::read(PLUGIN_WASM)
        .map_err(|e| format!("the plugin component this build made is missing at {PLUGIN_WASM} ({e}); run `cargo build`"))?;
    let found: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    if found != PLUGIN_SHA256 {
        return Err(format!(
            "the component at {PLUGIN_WASM} (sha256 {found}) is not the one this build made ({PLUGIN_SHA256}); rebuild with `cargo build`, or pass --component"
        ));
    }
    Ok(PathBuf::from(PLUGIN_WASM))
}
