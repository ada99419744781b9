//! The `s1-harness` command as a user runs it: exit codes, errors named as in the WIT contract,
//! and a stopped call's record of what it already did.

use s1_simulator::{Simulator, SimulatorOptions, tokens};
use serde_json::Value;
use std::process::{Command, Output};

fn s1_harness(sim: &Simulator, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_s1-harness"))
        .args(args)
        .args(["--url", &sim.base_url(), "--allow-loopback-http"])
        .env("S1_API_TOKEN", tokens::ADMIN)
        .env("RUST_LOG", "off")
        .output()
        .expect("run s1-harness")
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

#[test]
fn a_refused_input_prints_the_wit_case_name_and_exits_1() {
    let sim = Simulator::start(SimulatorOptions::default()).unwrap();
    let output = s1_harness(&sim, &["invoke", "agents.list", "--input", r#"{"limit": 5000}"#]);
    assert_eq!(output.status.code(), Some(1));
    let json = stdout_json(&output);
    assert_eq!(json["error"]["tag"], "invalid-input", "{json}");
    assert_eq!(json["error"]["val"]["field"], "/limit");
}

#[test]
fn a_call_the_host_stops_prints_its_requests_and_exits_4() {
    let sim = Simulator::start(SimulatorOptions::default()).unwrap();
    let output = s1_harness(&sim, &["invoke", "agents.list", "--input", r#"{"limit": 1000}"#, "--memory-mib", "2"]);
    assert_eq!(output.status.code(), Some(4));
    let json = stdout_json(&output);
    assert_eq!(json["fault"]["kind"], "memory", "{json}");
    assert_eq!(json["outbound"].as_array().map(Vec::len), Some(1), "the request already sent is printed");
    assert!(!String::from_utf8_lossy(&output.stdout).contains(tokens::ADMIN));
}

#[test]
fn catalog_check_fails_with_the_first_difference_and_the_command_to_fix_it() {
    let dir = std::env::temp_dir().join(format!("s1-catalog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let doc = dir.join("DOC.md");
    std::fs::write(&doc, "# Doc\n<!-- catalog:start -->\n| stale |\n<!-- catalog:end -->\n").unwrap();
    let check =
        Command::new(env!("CARGO_BIN_EXE_s1-harness")).args(["catalog", "--check"]).arg(&doc).env("RUST_LOG", "off").output().unwrap();
    assert_eq!(check.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(stderr.contains("- | stale |") && stderr.contains("catalog --write"), "{stderr}");
    let write =
        Command::new(env!("CARGO_BIN_EXE_s1-harness")).args(["catalog", "--write"]).arg(&doc).env("RUST_LOG", "off").output().unwrap();
    assert!(write.status.success());
    let again =
        Command::new(env!("CARGO_BIN_EXE_s1-harness")).args(["catalog", "--check"]).arg(&doc).env("RUST_LOG", "off").output().unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert!(std::fs::read_to_string(&doc).unwrap().contains("| `agents.list` |"));
    let _ = std::fs::remove_dir_all(&dir);
}
