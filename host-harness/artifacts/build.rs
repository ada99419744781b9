//! Builds the components the CLI and the tests load, so that `cargo run` and `cargo test` alone
//! produce the `.wasm` files: nobody runs a manual step first.
//!
//! - The plugin (`plugin/`), with the size-optimised `component` profile.
//! - The hostile test component (`tests/hostile/`, its own workspace), which tries to break out
//!   of the sandbox so the tests can prove it holds.
//!
//! Each nested cargo uses its own target directory (sharing the outer one would deadlock on its
//! lock; wasmtime's `crates/test-programs/artifacts/build.rs` does the same). The wasm target is
//! installed with rustup when missing. Embedders never depend on this crate: they load a
//! component from bytes or a path of their choosing.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().and_then(Path::parent).unwrap().to_path_buf();
    for watched in [
        "plugin/src",
        "plugin/Cargo.toml",
        "wit",
        "Cargo.lock",
        "Cargo.toml",
        "tests/hostile/src",
        "tests/hostile/Cargo.toml",
        "tests/hostile/Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=PLUGIN_WASM_OVERRIDE");

    let target_root = env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let plugin_dir = target_root.join("component");
    println!("cargo:rustc-env=PLUGIN_CACHE_DIR={}", plugin_dir.join("precompiled").display());
    ensure_target();

    let plugin = match env::var("PLUGIN_WASM_OVERRIDE") {
        Ok(path) => PathBuf::from(path),
        Err(_) => {
            build(&root, &["--package", "sentinelone-plugin", "--lib", "--profile", "component"], &plugin_dir);
            plugin_dir.join(TARGET).join("component").join("sentinelone_plugin.wasm")
        }
    };
    let hostile_dir = target_root.join("hostile");
    build(&root, &["--manifest-path", "tests/hostile/Cargo.toml", "--release"], &hostile_dir);
    let hostile = hostile_dir.join(TARGET).join("release").join("hostile_plugin.wasm");

    for (name, path) in [("PLUGIN_WASM", &plugin), ("HOSTILE_WASM", &hostile)] {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{name} is missing at {}: {e}", path.display()));
        println!("cargo:rustc-env={name}={}", path.display());
        println!("cargo:rustc-env={name}_SHA256={}", sha256(&bytes));
    }
}

/// The sha256 of `bytes` in hex: the loader compares the file with it, so a stale or replaced
/// artifact is refused instead of loaded silently.
fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `cargo build --target wasm32-wasip2 <args> --target-dir <dir>`, with none of the outer
/// build's flags.
fn build(root: &Path, args: &[&str], target_dir: &Path) {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.current_dir(root).arg("build").args(args).args(["--target", TARGET, "--target-dir"]).arg(target_dir);
    // Flags and settings meant for the host build must not leak into the guest build.
    for (key, _) in env::vars_os() {
        let key = key.to_string_lossy();
        let keep = ["CARGO_HOME", "CARGO_NET_", "CARGO_HTTP_", "CARGO_REGISTRIES_", "CARGO_MAKEFLAGS"].iter().any(|k| key.starts_with(k));
        if (key.starts_with("CARGO_") && !keep)
            || key.starts_with("RUSTFLAGS")
            || key == "RUSTC_WORKSPACE_WRAPPER"
            || key == "RUSTC_WRAPPER"
        {
            build.env_remove(key.as_ref());
        }
    }
    let status = build.status().expect("run cargo for a component");
    assert!(status.success(), "building a component failed: cargo build {}", args.join(" "));
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
