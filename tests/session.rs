//! A session reuses one instance for a burst of calls of one tenant, and keeps working however
//! many calls it serves.

mod support;

use s1_simulator::tokens;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_serves_more_calls_than_its_resource_table_holds() {
    let sim = simulator();
    let mut conn = connect_plain(&sim, tokens::ADMIN);
    conn.policy.limits.max_table_entries = 500;
    let mut session = runtime().session(&conn).await.unwrap();
    for call in 0..1500 {
        let outcome = session.invoke("system.info", "{}").await.unwrap_or_else(|f| panic!("call {call}: {f}"));
        assert!(outcome.value.is_ok(), "call {call}: {:?}", outcome.value);
    }
    assert_eq!(sim.requests().len(), 1500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_carries_on_in_a_fresh_instance_after_a_fault() {
    let sim = simulator();
    let mut conn = connect_plain(&sim, tokens::ADMIN);
    conn.policy.guest_cpu = std::time::Duration::from_millis(300);
    let target = serde_json::json!({"authority": sim.base_url().trim_start_matches("http://"), "scheme": "http"}).to_string();
    let mut session = hostile_runtime().session(&conn).await.unwrap();
    let fault = session.invoke("spin", &target).await.expect_err("the spin is stopped");
    assert_eq!(fault.kind, host_harness::FaultKind::GuestCpu);
    let outcome = session.invoke("plain-http", &target).await.unwrap_or_else(|f| panic!("the next call faulted too: {f}"));
    let report: serde_json::Value = serde_json::from_str(&outcome.value.unwrap()).unwrap();
    assert_eq!(report["outcome"], "response", "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_refuses_input_over_the_cap_without_calling_the_plugin() {
    let sim = simulator();
    let mut conn = connect_plain(&sim, tokens::ADMIN);
    conn.policy.limits.max_input_bytes = 64;
    let mut session = runtime().session(&conn).await.unwrap();
    let outcome = session.invoke("agents.list", &format!("{{\"query\": \"{}\"}}", "x".repeat(100))).await.unwrap();
    assert!(matches!(outcome.value, Err(host_harness::PluginError::InvalidInput(_))), "{:?}", outcome.value);
    assert!(sim.requests().is_empty());
}
