//! The sandbox: deny by default, typed denials, the secret kept out of every output, bounded
//! responses, time and memory.

mod support;

use host_harness::{Connection, PluginError, TransportKind};
use s1_simulator::tokens;
use std::io::Read;
use std::time::Duration;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_url_outside_the_policy_gets_the_typed_request_denied_error() {
    let sim = simulator();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.console_url = "https://evil.example".into();
    let outcome = invoke(&conn, "agents.list", "{}").await;
    assert!(matches!(outcome.value, Err(PluginError::RequestDenied(ref m)) if m.contains("evil.example")), "{:?}", outcome.value);
    assert_eq!(outcome.outbound.len(), 1);
    assert!(outcome.outbound[0].denied.as_deref().is_some_and(|d| d.contains("not an allowed origin")));
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_the_console_is_denied_without_the_loopback_flag() {
    let sim = simulator();
    let mut conn = connect_plain(&sim, tokens::ADMIN);
    conn.policy.allow_loopback_http = false;
    let error = invoke_err(&conn, "system.info", "{}").await;
    assert!(matches!(error, PluginError::RequestDenied(_)), "{error:?}");
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_adds_the_token_so_the_plugin_never_holds_it() {
    let sim = simulator();
    invoke_ok(&connect(&sim, tokens::ADMIN), "system.info", "{}").await;
    let request = sim.requests().pop().unwrap();
    assert_eq!(request.token_name.as_deref(), Some("admin"), "the console authenticated the host-added header");
    assert_eq!(request.authorization.as_deref(), Some("ApiToken <redacted>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_in_the_configuration_also_authenticates() {
    let sim = simulator();
    invoke_ok(&connect_via_config(&sim, tokens::VIEWER), "agents.count", "{}").await;
    assert_eq!(sim.requests().pop().unwrap().token_name.as_deref(), Some("viewer"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_never_appears_in_any_output_error_log_or_request_record() {
    let sim = simulator();
    let mut seen = String::new();
    for token in [tokens::ADMIN, tokens::EXPIRED, tokens::UNKNOWN, tokens::VIEWER] {
        for conn in [connect(&sim, token), connect_via_config(&sim, token)] {
            let check = runtime().check(&conn).await.unwrap();
            seen += &format!("{:?}{:?}{:?}{}", check.value, check.logs, check.outbound, serde_json::to_string(&check.value).unwrap());
            for (action, input) in [
                ("agents.list", r#"{"maxItems": 5}"#),
                ("agents.get", r#"{"id": "1"}"#),
                ("agents.list", r#"{"bogus": 1}"#),
                ("organizations.tree", ""),
            ] {
                let outcome = invoke(&conn, action, input).await;
                seen += &format!("{:?}{:?}{:?}", outcome.value, outcome.logs, outcome.outbound);
            }
            seen += &format!("{conn:?}");
        }
    }
    let log = std::env::temp_dir().join(format!("s1-request-log-{}.jsonl", std::process::id()));
    sim.write_request_log(&log).unwrap();
    let mut text = String::new();
    std::fs::File::open(&log).unwrap().read_to_string(&mut text).unwrap();
    let _ = std::fs::remove_file(&log);
    seen += &text;
    assert!(seen.len() > 10_000, "the run produced output to inspect");
    for token in tokens::ALL {
        assert!(!seen.contains(token), "a token leaked");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_over_the_size_cap_is_a_typed_transport_error() {
    let sim = simulator();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.policy.http.max_response_bytes = 16 * 1024;
    let error = invoke_err(&conn, "agents.list", r#"{"limit": 1000}"#).await;
    assert!(matches!(error, PluginError::Transport(ref t) if t.kind == TransportKind::ResponseTooLarge), "{error:?}");
}

/// A console that accepts connections and never answers: only the host's bounds end the wait.
fn stalled_console() -> Connection {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let streams: Vec<_> = listener.incoming().take(4).collect();
        std::thread::sleep(Duration::from_secs(30));
        drop(streams);
    });
    let mut conn = Connection::new(&url, None).unwrap();
    conn.policy.allow_loopback_http = true;
    conn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_that_never_answers_is_a_typed_timeout_after_the_capped_first_byte_wait() {
    let mut conn = stalled_console();
    conn.policy.http.first_byte_timeout = Duration::from_millis(300);
    let error = invoke_err(&conn, "system.info", "{}").await;
    assert!(matches!(error, PluginError::Transport(ref t) if t.kind == TransportKind::Timeout), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_over_the_wall_clock_bound_fails_as_a_host_error() {
    let mut conn = stalled_console();
    conn.policy.call_timeout = Duration::from_millis(300);
    let error = runtime().invoke(&conn, "system.info", "{}").await.unwrap_err();
    assert!(error.to_string().contains("wall-clock bound"), "{error:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_over_the_memory_limit_fails_as_a_host_error_not_a_hang() {
    let sim = simulator();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.policy.memory_limit_bytes = 2 * 1024 * 1024;
    let error = runtime().invoke(&conn, "agents.list", r#"{"maxItems": 100000}"#).await.unwrap_err();
    assert!(format!("{error:#}").contains("plugin call failed"), "{error:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_needs_no_configuration_and_lists_every_action_with_a_schema() {
    let info = runtime().describe().await.unwrap();
    assert_eq!((info.name.as_str(), info.api_version.as_str()), ("sentinelone", "v2.1"));
    let names: Vec<&str> = info.actions.iter().map(|a| a.name.as_str()).collect();
    for expected in ["connection.check", "organizations.tree", "system.info", "agents.list", "agents.count", "agents.get"] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    for action in &info.actions {
        let schema: serde_json::Value = serde_json::from_str(&action.input_schema).unwrap();
        assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert_eq!(schema["additionalProperties"], false, "{}", action.name);
    }
    assert!(info.config_keys.iter().any(|k| k.name == "api-token" && k.secret && !k.required));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_request_with_a_body_reaches_the_guest_as_request_denied() {
    let sim = simulator();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.policy.allowed_origins.clear();
    let input = serde_json::json!({"id": "1800916064157201976", "files": ["/etc/hosts"], "password": "Zip-Pass-2026!"});
    let error = invoke_err(&conn, "agents.fetch-files", &input.to_string()).await;
    assert!(matches!(error, PluginError::RequestDenied(_)), "{error:?}");
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_input_over_the_size_cap_is_refused_without_calling_the_plugin() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let huge = format!("{{\"computerName\": \"{}\"}}", "x".repeat(conn.policy.limits.max_input_bytes));
    let outcome = invoke(&conn, "agents.list", &huge).await;
    assert!(
        matches!(outcome.value, Err(PluginError::InvalidInput(ref i)) if i.field.is_none() && i.message.contains("at most")),
        "{:?}",
        outcome.value
    );
    assert!(outcome.outbound.is_empty() && sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_whose_ca_is_not_trusted_is_a_typed_tls_error() {
    let sim = simulator();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.network.extra_ca_pem = None;
    let error = invoke_err(&conn, "system.info", "{}").await;
    assert!(matches!(error, PluginError::Transport(ref t) if t.kind == TransportKind::Tls), "{error:?}");
    assert!(sim.requests().is_empty(), "no request was served");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_http_console_still_works_behind_the_loopback_flag() {
    let sim = simulator();
    let output = invoke_ok(&connect_plain(&sim, tokens::ADMIN), "system.info", "{}").await;
    assert!(output["version"].is_string());
}
