//! The same component in the other-language hosts: Python (`host-harness/python`, wasmtime-py
//! from PyPI) and Node (`host-harness/node`, jco + preview2-shim from npm), both pinned. Each runs
//! its own test suite against a simulator started here, and a conformance run sends one list of
//! calls through the Rust, Python and Node hosts and compares the answers.
//!
//! Python, pip, Node and npm are part of the machine; a missing runtime fails here, it is never
//! skipped.

mod support;

use host_harness::{Connection, Credential, Delivery};
use s1_simulator::{Simulator, tokens};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use support::*;

const PYTHON_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/host-harness/python");
const NODE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/host-harness/node");

/// A virtual environment with the pinned requirements, made once per test run.
fn python() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-host-venv");
        let python = venv.join("bin/python");
        if !python.exists() {
            let made =
                Command::new("python3").arg("-m").arg("venv").arg(&venv).status().expect("python3 is required for the Python host's tests");
            assert!(made.success(), "python3 -m venv failed");
        }
        let requirements = Path::new(PYTHON_DIR).join("requirements.txt");
        let installed = Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements)
            .status()
            .expect("run pip");
        assert!(installed.success(), "pip install -r {} failed", requirements.display());
        python
    })
}

/// The Node package installed from its lockfile (`npm ci`) and the component transpiled with
/// jco, once per test run; returns the `node` to run it with.
fn node() -> &'static str {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        for args in [&["ci", "--no-audit", "--no-fund", "--loglevel=error"][..], &["run", "build", "--silent"]] {
            let status = Command::new("npm")
                .args(args)
                .current_dir(NODE_DIR)
                .env("S1_PLUGIN_WASM", plugin_artifacts::PLUGIN_WASM)
                .status()
                .expect("npm is required for the Node host's tests");
            assert!(status.success(), "npm {} failed in {NODE_DIR}", args.join(" "));
        }
    });
    "node"
}

/// A host's command with the environment its tests read: the component, the simulator (plain
/// http, and https with its CA), its tokens.
fn host_command(program: &str, dir: &str, sim: &Simulator, args: &[&str]) -> Command {
    let tokens = json!({"admin": tokens::ADMIN, "viewer": tokens::VIEWER, "expired": tokens::EXPIRED, "unknown": tokens::UNKNOWN});
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(dir)
        .env("PYTHONPATH", PYTHON_DIR)
        .env("S1_PLUGIN_WASM", plugin_artifacts::PLUGIN_WASM)
        .env("S1_SIM_URL", sim.base_url())
        .env("S1_SIM_HTTPS_URL", sim.https_url())
        .env("S1_SIM_CA", sim.ca_pem())
        .env("S1_SIM_TOKENS", tokens.to_string());
    command
}

fn python_command(sim: &Simulator, args: &[&str]) -> Command {
    host_command(python().to_str().unwrap(), PYTHON_DIR, sim, args)
}

fn node_command(sim: &Simulator, args: &[&str]) -> Command {
    host_command(node(), NODE_DIR, sim, args)
}

/// Runs `command` with `calls` on stdin and reads its JSON answers from stdout.
fn answers(mut command: Command, calls: &[Value]) -> Vec<Value> {
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), serde_json::to_string(calls).unwrap().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_python_host_passes_its_own_suite() {
    let sim = simulator();
    let output = python_command(&sim, &["-m", "unittest", "discover", "-s", "tests", "-v"]).output().expect("run the Python suite");
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the Python host's suite failed:\n{report}");
    assert!(report.contains("OK") && report.contains("Ran "), "{report}");
}

#[test]
fn the_node_host_passes_its_own_suite() {
    let sim = simulator();
    let output = node_command(&sim, &["--test", "--test-reporter=tap", "test/"]).output().expect("run the Node suite");
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "the Node host's suite failed:\n{report}{}", String::from_utf8_lossy(&output.stderr));
    // Nothing skipped: the https test runs against the simulator's TLS port with its CA.
    let count = |what: &str| report.lines().find_map(|l| l.strip_prefix(&format!("# {what} "))?.trim().parse::<u32>().ok());
    assert_eq!((count("fail"), count("skipped")), (Some(0), Some(0)), "{report}");
    assert!(count("pass") > Some(0), "{report}");
}

/// One call of the conformance list: an export of the component, under one token.
fn call(export: &str, token: &str) -> Value {
    json!({"export": export, "token": token})
}

/// An `invoke` of one action.
fn action(token: &str, action: &str, input: Value) -> Value {
    json!({"export": "invoke", "token": token, "action": action, "input": input})
}

/// What an answer says, with what differs by host left out: the text of a host's own policy
/// denial (each host words it; the case is what a caller acts on).
fn normalised(answer: Value) -> Value {
    match answer {
        Value::Object(mut o) if o.get("error").is_some_and(|e| e["tag"] == "request-denied") => {
            o["error"]["val"] = Value::Null;
            Value::Object(o)
        }
        Value::Object(mut o) if o.get("ok").is_some_and(|ok| ok.get("verdict").is_some() && ok["failure"]["tag"] == "request-denied") => {
            for key in ["summary", "findings", "failure"] {
                o["ok"][key] = Value::Null;
            }
            Value::Object(o)
        }
        other => other,
    }
}

/// A generated Rust value as the JSON other hosts give: WIT's kebab-case field names, enum cases
/// as their WIT names (`not-ready`, not `NotReady`), the error variant as `{"tag", "val"}`.
fn wit_value(value: impl serde::Serialize) -> Value {
    fn kebab(pascal: &str) -> String {
        let mut out = String::new();
        for (i, c) in pascal.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }
    const ENUMS: [&str; 6] = ["verdict", "severity", "code", "kind", "role", "minimum-role"];
    fn walk(value: Value, key: &str) -> Value {
        match value {
            Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k.replace('_', "-"), walk(v, &k.replace('_', "-")))).collect()),
            Value::Array(a) => Value::Array(a.into_iter().map(|v| walk(v, key)).collect()),
            Value::String(s) if ENUMS.contains(&key) && s.chars().all(|c| c.is_ascii_alphabetic()) => Value::String(kebab(&s)),
            other => other,
        }
    }
    walk(serde_json::to_value(value).unwrap(), "")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_python_and_node_hosts_answer_alike() {
    let sim = simulator();
    let agent = world(&sim).agents[0].id.to_string();
    let mut calls = vec![call("describe", tokens::ADMIN)];
    calls.extend(
        [tokens::ADMIN, tokens::VIEWER, tokens::EXPIRING, tokens::EXPIRED, tokens::SERVICE_USER, tokens::UNKNOWN].map(|t| call("check", t)),
    );
    calls.extend([
        call("organizations", tokens::ADMIN),
        call("organizations", tokens::UNKNOWN),
        action(tokens::ADMIN, "agents.list", json!({"osTypes": ["linux"], "isActive": true, "maxItems": 30, "sortBy": "computerName"})),
        action(tokens::ADMIN, "agents.isolate", json!({"filter": {"osTypes": ["macos"]}, "dryRun": true})),
        action(tokens::ADMIN, "agents.isolate", json!({"ids": [agent], "dryRun": true})),
        action(tokens::ADMIN, "agents.isolate", json!({"ids": []})),
        action(tokens::VIEWER, "agents.isolate", json!({"ids": [agent]})),
        // A denied origin: plain http without the loopback opt-in.
        json!({"export": "invoke", "token": tokens::ADMIN, "action": "system.info", "input": {}, "allow_loopback_http": false}),
        json!({"export": "check", "token": tokens::ADMIN, "allow_loopback_http": false}),
    ]);

    let from_python = answers(python_command(&sim, &["conformance.py"]), &calls);
    let from_node = answers(node_command(&sim, &["conformance.mjs"]), &calls);

    // The Python host hands the token over through `wasi:config` (wasmtime-py has no request
    // hook); Node, like the Rust host by default, adds it to requests itself. The plugin knows a
    // little more when it holds the token (an expired one is `token-expired`, not just rejected),
    // so each host is compared with the Rust host delivering the token the same way.
    for (delivery, from_other, host) in [(Delivery::ConfigStore, from_python, "Python"), (Delivery::HostHeader, from_node, "Node")] {
        let from_rust = rust_answers(&sim, &calls, delivery).await;
        assert_eq!(from_rust.len(), from_other.len());
        for (i, (rust, other)) in from_rust.into_iter().zip(from_other).enumerate() {
            assert_eq!(normalised(rust), normalised(other), "{host}, call {i}: {}", calls[i]);
        }
    }
}

/// The answers of the Rust host to `calls`, the token delivered as `delivery`.
async fn rust_answers(sim: &Simulator, calls: &[Value], delivery: Delivery) -> Vec<Value> {
    let mut from_rust = Vec::new();
    for c in calls {
        let credential = Credential::new(c["token"].as_str().unwrap(), delivery).unwrap();
        let mut conn = Connection::new(&sim.base_url(), Some(credential)).unwrap();
        conn.policy.allow_loopback_http = c.get("allow_loopback_http").and_then(Value::as_bool).unwrap_or(true);
        let answer = match c["export"].as_str().unwrap() {
            "describe" => Ok(wit_value(runtime().describe().await.unwrap())),
            "check" => {
                let report = runtime().check(&conn).await.unwrap().value;
                let failure = report.failure.as_ref().map(host_harness::wit_json::plugin_error);
                let mut value = wit_value(&report);
                value["failure"] = failure.unwrap_or(Value::Null);
                Ok(value)
            }
            "organizations" => runtime().organizations(&conn).await.unwrap().value.map(wit_value),
            _ => {
                let outcome = runtime().invoke(&conn, c["action"].as_str().unwrap(), &c["input"].to_string()).await.unwrap();
                outcome.value.map(|text| serde_json::from_str::<Value>(&text).unwrap())
            }
        };
        from_rust.push(match answer {
            Ok(value) => json!({ "ok": value }),
            Err(e) => json!({"error": host_harness::wit_json::plugin_error(&e)}),
        });
    }
    from_rust
}
