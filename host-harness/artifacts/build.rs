//! Builds the components the CLI and the tests load, so that `cargo run` and `cargo test` alone
//! produce the `.wasm` files: nobody runs a manual step first.
//!
//! - The plugin (`plugin/`), with the size-optimised `component` profile, then its core module
//!   through binaryen's `wasm-opt -Oz` (see [`optimise`]): the component this build ships.
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
        // The plugin and the crates nested in it (json-text, timestamp).
        "plugin",
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
    println!("cargo:rerun-if-env-changed=S1_WASM_OPT");
    for watched in ["binaryen/package.json", "binaryen/package-lock.json"] {
        println!("cargo:rerun-if-changed={}", manifest_dir.join(watched).display());
    }

    let target_root = env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let plugin_dir = target_root.join("component");
    println!("cargo:rustc-env=PLUGIN_CACHE_DIR={}", plugin_dir.join("precompiled").display());
    ensure_target();

    let plugin = match env::var("PLUGIN_WASM_OVERRIDE") {
        Ok(path) => PathBuf::from(path),
        Err(_) => {
            build(&root, &["--package", "sentinelone-plugin", "--lib", "--profile", "component"], &plugin_dir);
            let linked = plugin_dir.join(TARGET).join("component").join("sentinelone_plugin.wasm");
            let shipped = plugin_dir.join("sentinelone_plugin.wasm");
            optimise(&manifest_dir, &target_root, &linked, &shipped);
            shipped
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

/// The passes, then the features rustc's `wasm32-wasip2` output uses (binaryen refuses a module
/// that uses a feature it was not told about, so a new one fails the build instead of being
/// mis-optimised). Flattening and re-looping the control flow before two `-Oz` rounds takes about
/// 4 s more than one `-Oz` and 3.7 KB less (measured: no change in guest time paging agents).
const WASM_OPT_FLAGS: &[&str] = &[
    "--flatten",
    "--rereloop",
    "-Oz",
    "-Oz",
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-multivalue",
    "--enable-reference-types",
    "--strip-debug",
    "--strip-producers",
];

/// Writes `linked` (the component rustc's linker made) to `shipped` with its largest core module
/// (the plugin's code) run through binaryen's `wasm-opt`, and without the `component-name`
/// section (names for debuggers; the profile already strips the module's).
///
/// LLVM at `opt-level = "z"` leaves what binaryen then folds: duplicate functions from generic
/// instances, dead locals, tiny out-of-line helpers. Measured: 612 KB to 492 KB, and about a tenth
/// less guest time paging agents (the inlined helpers). binaryen is the pinned npm package in
/// `binaryen/` (its own wasm build, run by Node, which the other-language hosts need anyway), so no
/// C++ toolchain is needed. `S1_WASM_OPT=off` ships the linker's output as it is, for machines
/// without Node; the result is larger and its sha256 differs.
fn optimise(manifest_dir: &Path, target_root: &Path, linked: &Path, shipped: &Path) {
    let component = std::fs::read(linked).unwrap_or_else(|e| panic!("the linked component is missing at {}: {e}", linked.display()));
    if env::var("S1_WASM_OPT").is_ok_and(|v| v == "off" || v == "0") {
        println!("cargo:warning=S1_WASM_OPT=off: shipping the component without binaryen's optimisation");
        replace(shipped, &component);
        let _ = std::fs::remove_file(shipped.with_extension("input-sha256"));
        return;
    }
    // The same input gives the same output: skip npm and binaryen (about 15 s) when nothing changed.
    // The input is the component, the flags and the pinned binaryen: a change to any re-optimises.
    let stamp = shipped.with_extension("input-sha256");
    let lock = std::fs::read(manifest_dir.join("binaryen/package-lock.json")).expect("binaryen/package-lock.json");
    let input_sha = sha256(&[component.as_slice(), WASM_OPT_FLAGS.join(" ").as_bytes(), &lock].concat());
    if shipped.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == input_sha) {
        return;
    }
    let wasm_opt = install_binaryen(manifest_dir, &target_root.join("tools").join("binaryen"));
    let sections = split(&component);
    let plugin =
        sections.iter().enumerate().filter(|(_, s)| s.module).max_by_key(|(_, s)| s.bytes.len()).map(|(i, _)| i).expect("a core module");
    // Per process: two builds (two profiles, an editor's check) may optimise at the same time.
    let work = shipped.with_extension(format!("work-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("a work directory");
    let (input, output) = (work.join("plugin.core.wasm"), work.join("plugin.core.opt.wasm"));
    let mut encoded = wasm_encoder::Component::new();
    for (i, section) in sections.iter().enumerate() {
        if i == plugin {
            std::fs::write(&input, section.bytes).expect("write the core module");
            let status =
                Command::new("node").arg(&wasm_opt).args(WASM_OPT_FLAGS).arg(&input).arg("-o").arg(&output).status().unwrap_or_else(|e| {
                    panic!("running binaryen's wasm-opt with node failed ({e}); install Node 20+ or set S1_WASM_OPT=off")
                });
            assert!(status.success(), "wasm-opt failed on the plugin's core module");
            let optimised = std::fs::read(&output).expect("read the optimised module");
            encoded.section(&wasm_encoder::RawSection { id: section.id, data: &optimised });
        } else if !section.names {
            encoded.section(&wasm_encoder::RawSection { id: section.id, data: section.bytes });
        }
    }
    let bytes = encoded.finish();
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&bytes)
        .unwrap_or_else(|e| panic!("the optimised component does not validate: {e}"));
    replace(shipped, &bytes);
    replace(&stamp, input_sha.as_bytes());
    let _ = std::fs::remove_dir_all(&work);
}

/// Writes `path` whole or not at all (through a per-process temporary file and a rename), so a
/// concurrent build never reads half a component.
fn replace(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path)).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// One top-level section of a component, as it is.
struct Section<'a> {
    id: u8,
    bytes: &'a [u8],
    /// A core module.
    module: bool,
    /// The `component-name` custom section.
    names: bool,
}

/// The top-level sections of `component` (nested modules and components are kept whole).
fn split(component: &[u8]) -> Vec<Section<'_>> {
    use wasmparser::Payload;
    let mut sections = Vec::new();
    let mut nested = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        let payload = payload.expect("the linked component parses");
        match &payload {
            Payload::End(_) => nested = nested.saturating_sub(1),
            _ if nested > 0 => {}
            Payload::ModuleSection { unchecked_range, .. } | Payload::ComponentSection { unchecked_range, .. } => {
                let module = matches!(payload, Payload::ModuleSection { .. });
                let id = if module { wasm_encoder::ComponentSectionId::CoreModule } else { wasm_encoder::ComponentSectionId::Component };
                sections.push(Section { id: id as u8, bytes: at(component, unchecked_range), module, names: false });
                nested += 1;
            }
            Payload::CustomSection(custom) => sections.push(Section {
                id: 0,
                bytes: at(component, &custom.range()),
                module: false,
                names: custom.name() == "component-name",
            }),
            _ => {
                if let Some((id, range)) = payload.as_section() {
                    sections.push(Section { id, bytes: at(component, &range), module: false, names: false });
                }
            }
        }
    }
    sections
}

fn at<'a>(bytes: &'a [u8], range: &std::ops::Range<u64>) -> &'a [u8] {
    &bytes[range.start as usize..range.end as usize]
}

/// `npm ci` of the pinned binaryen into `dir` (once per lock file); the path of its `wasm-opt`.
fn install_binaryen(manifest_dir: &Path, dir: &Path) -> PathBuf {
    let lock = std::fs::read(manifest_dir.join("binaryen/package-lock.json")).expect("binaryen/package-lock.json");
    let wasm_opt = dir.join("node_modules/binaryen/bin/wasm-opt");
    let stamp = dir.join("lock-sha256");
    if wasm_opt.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == sha256(&lock)) {
        return wasm_opt;
    }
    // Installed beside the final place and renamed into it, so concurrent builds never share a
    // half-installed tree (the loser of the race uses the winner's).
    let staging = dir.with_extension(format!("staging-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).expect("a directory for binaryen");
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(manifest_dir.join("binaryen").join(file), staging.join(file)).expect("copy binaryen's package files");
    }
    let status = Command::new("npm")
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&staging)
        .status()
        .unwrap_or_else(|e| panic!("running npm failed ({e}); install Node 20+ with npm, or set S1_WASM_OPT=off"));
    assert!(status.success(), "npm ci of binaryen failed in {}", staging.display());
    std::fs::write(staging.join("lock-sha256"), sha256(&lock)).expect("write the stamp");
    let installed = || wasm_opt.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == sha256(&lock));
    if !installed() {
        let _ = std::fs::remove_dir_all(dir);
        let _ = std::fs::rename(&staging, dir);
    }
    let _ = std::fs::remove_dir_all(&staging);
    wasm_opt
}
