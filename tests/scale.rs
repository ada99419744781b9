//! Large tenants and long calls: every listing ends with a result under the default limits, the
//! CPU bound counts only the guest's own work, and waits end inside the host's bound.

mod support;

use host_harness::FaultKind;
use s1_simulator::{Simulator, SimulatorOptions, tokens};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;
use support::*;

fn tenant(agents: usize) -> Simulator {
    Simulator::start(SimulatorOptions { agents, ..SimulatorOptions::default() }).expect("start the simulator")
}

/// Runs a listing and returns its output with the guest's peak memory per output byte.
async fn listing(conn: &host_harness::Connection, action: &str, input: &Value) -> (Value, f64) {
    let outcome = invoke(conn, action, &input.to_string()).await;
    let text = outcome.value.unwrap_or_else(|e| panic!("{action} failed: {e:?}"));
    let ratio = outcome.peak_memory_bytes as f64 / text.len() as f64;
    eprintln!(
        "{action} {input}: {} bytes out, peak guest memory {} bytes ({ratio:.2} per output byte)",
        text.len(),
        outcome.peak_memory_bytes
    );
    (serde_json::from_str(&text).unwrap(), ratio)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_20000_agent_tenant_lists_with_the_defaults_without_a_trap() {
    let sim = tenant(20_000);
    let conn = connect(&sim, tokens::ADMIN);
    let (output, ratio) = listing(&conn, "agents.list", &json!({})).await;
    assert_eq!(output["returned"].as_u64(), Some(ids(&output).len() as u64));
    assert_eq!(output["more"], true, "10,000 of 20,000 by default, or fewer at the output budget");
    assert!(output["nextCursor"].is_string(), "a bounded listing can be resumed");
    assert!(ratio <= 3.0, "guest memory per output byte: {ratio:.2}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_20000_agent_listing_resumes_from_its_cursors_to_every_agent_exactly_once() {
    let sim = tenant(20_000);
    let conn = connect(&sim, tokens::ADMIN);
    let mut seen = Vec::new();
    let mut input = json!({"maxItems": 20_000});
    for call in 1.. {
        let (output, ratio) = listing(&conn, "agents.list", &input).await;
        assert!(ratio <= 3.0, "call {call}: guest memory per output byte {ratio:.2}");
        seen.extend(ids(&output));
        match output["nextCursor"].as_str() {
            Some(cursor) => input = json!({"maxItems": 20_000 - seen.len(), "cursor": cursor}),
            None => break,
        }
        assert!(call < 10, "the listing must end");
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (20_000, 20_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2000_page_listing_completes_because_waiting_is_not_guest_cpu() {
    let sim = simulator();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.policy.guest_cpu = Duration::from_secs(5);
    let outcome = invoke(&conn, "agents.list", r#"{"limit": 1, "maxItems": 2000}"#).await;
    let output: Value = serde_json::from_str(&outcome.value.expect("the listing completes")).unwrap();
    assert_eq!((ids(&output).len(), outcome.outbound.len()), (2000, 2000));
    assert!(outcome.guest_cpu < conn.policy.guest_cpu, "{:?}", outcome.guest_cpu);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_behind_a_slow_link_completes_on_a_small_cpu_budget() {
    let sim = Simulator::start(SimulatorOptions { response_delay: Duration::from_millis(100), ..SimulatorOptions::default() }).unwrap();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.policy.guest_cpu = Duration::from_millis(500);
    let outcome = invoke(&conn, "agents.list", r#"{"limit": 100, "maxItems": 2000}"#).await;
    let output: Value = serde_json::from_str(&outcome.value.expect("20 slow pages complete")).unwrap();
    assert_eq!((ids(&output).len(), outcome.outbound.len()), (2000, 20));
    assert!(outcome.elapsed > outcome.guest_cpu * 2, "the call waited more than it computed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_stops_with_a_cursor_before_the_hosts_bound() {
    let sim = Simulator::start(SimulatorOptions { response_delay: Duration::from_millis(200), ..SimulatorOptions::default() }).unwrap();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.policy.call_timeout = Duration::from_secs(4);
    let outcome = invoke(&conn, "agents.list", r#"{"limit": 10, "maxItems": 2500}"#).await;
    let output: Value = serde_json::from_str(&outcome.value.expect("a result, not a fault")).unwrap();
    assert_eq!(output["more"], true);
    let cursor = output["nextCursor"].as_str().expect("resumable").to_owned();
    assert!(ids(&output).len() < 2500 && !ids(&output).is_empty());
    conn.policy.call_timeout = Duration::from_secs(300);
    let rest = invoke_ok(&conn, "agents.list", &json!({"cursor": cursor, "limit": 1000, "maxItems": 2500}).to_string()).await;
    let all: BTreeSet<String> = ids(&output).into_iter().chain(ids(&rest)).collect();
    assert_eq!(all.len(), 2500, "nothing lost or repeated across the cut");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_wait_longer_than_the_hosts_bound_returns_its_task_ids() {
    let sim = Simulator::start(SimulatorOptions { script_step_duration: Duration::from_secs(60), ..SimulatorOptions::default() }).unwrap();
    let agent = world(&sim).agents.iter().find(|a| a.is_active && a.os_type == "windows").unwrap().id.to_string();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.policy.call_timeout = Duration::from_secs(5);
    let input = json!({"ids": [agent], "scriptId": s1_simulator::SCRIPT_LIBRARY[0].id.to_string(), "taskDescription": "t", "outputDestination": "SentinelCloud", "waitSeconds": 3600});
    let outcome = invoke(&conn, "scripts.run", &input.to_string()).await;
    let output: Value = serde_json::from_str(&outcome.value.expect("a normal result before the bound")).unwrap();
    assert_eq!(output["finished"], false);
    assert!(output["parentTaskId"].is_string(), "{output}");
    assert_eq!(output["tasks"].as_array().map(Vec::len), Some(1));
    assert!(outcome.elapsed < conn.policy.call_timeout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_wait_longer_than_the_hosts_bound_returns_its_query_id() {
    let sim = Simulator::start(SimulatorOptions {
        dv_query_duration: Duration::from_secs(600),
        dv_status_interval: Duration::ZERO,
        ..SimulatorOptions::default()
    })
    .unwrap();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.policy.call_timeout = Duration::from_secs(5);
    let input = json!({"query": "EventType = \"Process Creation\"", "fromDate": "2026-02-27T00:00:00Z", "toDate": "2026-02-28T00:00:00Z", "waitSeconds": 3600});
    let outcome = invoke(&conn, "dv.query", &input.to_string()).await;
    let output: Value = serde_json::from_str(&outcome.value.expect("a normal result before the bound")).unwrap();
    assert_eq!(output["finished"], false);
    assert!(output["queryId"].is_string(), "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_the_host_stops_still_reports_its_requests_and_logs() {
    let sim = simulator();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.policy.memory_limit_bytes = 2 * 1024 * 1024;
    let fault = runtime().invoke(&conn, "agents.list", r#"{"limit": 1000}"#).await.unwrap_err();
    assert_eq!(fault.kind, FaultKind::Memory, "{fault}");
    assert_eq!(fault.outbound.len(), 1, "the request already sent is on record");
    assert!(fault.outbound[0].uri.contains("/web/api/v2.1/agents?"), "{:?}", fault.outbound);
    assert!(fault.logs.len() <= conn.policy.limits.max_log_lines);
}
