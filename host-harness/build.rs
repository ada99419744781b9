//! Builds the plugin component (`plugin/`) for `wasm32-wasip2` so that `cargo run` and
//! `cargo test` alone produce the `.wasm` they load: nobody runs a manual step first.
//!
//! The nested cargo uses its own target directory (sharing the outer one would deadlock on its
//! lock; wasmtime's `crates/test-programs/artifacts/build.rs` does the same) and the `component`
//! profile (size-optimised, LTO, panic=abort). The wasm target is installed with rustup when
//! missing.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_path_buf();
    for watched in ["plugin/src", "plugin/Cargo.toml", "wit", "Cargo.lock", "Cargo.toml"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=PLUGIN_WASM_OVERRIDE");

    let target_dir = env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target")).join("component");
    println!("cargo:rustc-env=PLUGIN_CACHE_DIR={}", target_dir.join("precompiled").display());
    if let Ok(path) = env::var("PLUGIN_WASM_OVERRIDE") {
        println!("cargo:rustc-env=PLUGIN_WASM={path}");
        return;
    }

    ensure_target();
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(&root)
        .args(["build", "--package", "sentinelone-plugin", "--lib", "--target", TARGET, "--profile", "component", "--target-dir"])
        .arg(&target_dir);
    // Flags and settings meant for the host build must not leak into the guest build.
    for (key, _) in env::vars_os() {
        let key = key.to_string_lossy();
        let keep = ["CARGO_HOME", "CARGO_NET_", "CARGO_HTTP_", "CARGO_REGISTRIES_", "CARGO_MAKEFLAGS"].iter().any(|k| key.starts_with(k));
        if (key.starts_with("CARGO_") && !keep) || key.starts_with("RUSTFLAGS") || key == "RUSTC_WORKSPACE_WRAPPER" || key == "RUSTC_WRAPPER" {
            build.env_remove(key.as_ref());
        }
    }
    let status = build.status().expect("run cargo for the plugin component");
    assert!(status.success(), "building the plugin component failed");

    let wasm = target_dir.join(TARGET).join("component").join("sentinelone_plugin.wasm");
    assert!(wasm.exists(), "the plugin component is missing at {}", wasm.display());
    println!("cargo:rustc-env=PLUGIN_WASM={}", wasm.display());
}

/// `rustup target add` is idempotent and quick when the target is present; only call it when
/// the target's standard library is missing.
fn ensure_target() {
    let sysroot = Command::new(env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let installed = sysroot.is_some_and(|s| Path::new(&s).join("lib/rustlib").join(TARGET).exists());
    if !installed {
        let status = Command::new("rustup").args(["target", "add", TARGET]).status();
        assert!(matches!(status, Ok(s) if s.success()), "`rustup target add {TARGET}` failed; install the target and retry");
    }
}
