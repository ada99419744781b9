//! The crate boundary embedders rely on: the host library compiles in no web framework, no CLI
//! parser, no simulator and no component build.

#[test]
fn the_host_library_depends_on_no_server_cli_or_simulator() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["tree", "--offline", "-p", "host-harness", "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(tree.lines().count() > 50, "cargo tree listed the library's dependencies");
    for forbidden in ["axum ", "clap ", "s1-simulator ", "plugin-artifacts ", "s1-harness ", "indicatif "] {
        assert!(!tree.lines().any(|l| l.starts_with(forbidden)), "host-harness pulls in {forbidden}");
    }
}
