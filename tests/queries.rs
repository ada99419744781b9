//! Deep Visibility and PowerQuery run to completion through the real component, within the
//! console's per-token limits (one init a minute, one status poll a second).

mod support;

use host_harness::PluginError;
use s1_simulator::{Simulator, SimulatorOptions, tokens};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;
use support::*;

const WINDOW: (&str, &str) = ("2026-02-25T00:00:00Z", "2026-03-01T00:00:00Z");

fn dv_input(query: &str, extra: Value) -> String {
    let mut input = json!({"query": query, "fromDate": WINDOW.0, "toDate": WINDOW.1});
    input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    input.to_string()
}

fn simulator_with(options: SimulatorOptions) -> Simulator {
    Simulator::start(options).expect("start the simulator")
}

fn statuses(sim: &Simulator, path: &str) -> Vec<u16> {
    sim.requests().into_iter().filter(|r| r.path == format!("/web/api/v2.1/{path}")).map(|r| r.status).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dv_query_completes_without_a_429_and_reads_every_event_once() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "dv.query", &dv_input("EventType = \"Process Creation\"", json!({}))).await;
    assert_eq!((output["finished"].clone(), output["state"].clone()), (json!(true), json!("FINISHED")));
    assert!(sim.requests().iter().all(|r| r.status != 429), "the plugin tripped a rate limit");
    assert!(statuses(&sim, "dv/query-status").len() >= 2, "the query was polled until it finished");
    let events: BTreeSet<String> = ids(&output).into_iter().collect();
    assert!(events.len() > 1000, "paging matters: {} events", events.len());
    assert_eq!(output["returned"].as_u64(), Some(events.len() as u64), "no event twice");
    assert_eq!(output["more"], false);
    assert!(output["items"].as_array().unwrap().iter().all(|e| e["eventType"] == "Process Creation"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_dv_query_within_the_minute_is_rate_limited_with_the_delay() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    invoke_ok(&conn, "dv.query", &dv_input("AgentName = \"WKS-ACME-0002\"", json!({}))).await;
    let error = invoke_err(&conn, "dv.query", &dv_input("AgentName = \"WKS-ACME-0003\"", json!({"waitSeconds": 5}))).await;
    match error {
        PluginError::RateLimited(r) => assert!(r.retry_after_seconds.is_some_and(|s| (40..=60).contains(&s)), "{r:?}"),
        other => panic!("expected rate-limited, got {other:?}"),
    }
    assert_eq!(statuses(&sim, "dv/init-query"), [200, 429]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_dv_query_waits_out_the_retry_after_when_the_wait_allows() {
    let sim = simulator_with(SimulatorOptions { dv_init_interval: Duration::from_secs(3), ..SimulatorOptions::default() });
    let conn = connect(&sim, tokens::ADMIN);
    invoke_ok(&conn, "dv.query", &dv_input("AgentName = \"WKS-ACME-0002\"", json!({}))).await;
    let output = invoke_ok(&conn, "dv.query", &dv_input("AgentName = \"WKS-ACME-0003\"", json!({"waitSeconds": 30}))).await;
    assert_eq!(output["finished"], true);
    assert!(output["items"].as_array().unwrap().iter().all(|e| e["agentName"] == "WKS-ACME-0003"));
    let inits = statuses(&sim, "dv/init-query");
    assert_eq!(inits.first(), Some(&200));
    assert_eq!(inits.last(), Some(&200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_dv_query_can_be_cancelled_by_its_id() {
    let sim = simulator_with(SimulatorOptions { dv_query_duration: Duration::from_secs(600), ..SimulatorOptions::default() });
    let conn = connect(&sim, tokens::ADMIN);
    let pending = invoke_ok(&conn, "dv.query", &dv_input("EventType = \"DNS Resolved\"", json!({"waitSeconds": 5}))).await;
    assert_eq!(pending["finished"], false);
    // What SentinelOne reports about the query stays in the output.
    assert!(pending["queryModeInfo"]["mode"].is_string() && pending["progressStatus"].is_number(), "{pending}");
    let query_id = pending["queryId"].as_str().unwrap();
    let cancelled = invoke_ok(&conn, "dv.cancel", &json!({"queryId": query_id}).to_string()).await;
    assert_eq!(cancelled, json!({"success": true}));
    let cancel = sim.requests().into_iter().find(|r| r.path.ends_with("/dv/cancel-query")).unwrap();
    assert_eq!(cancel.body, Some(json!({"queryId": query_id})));
    let status = invoke_ok(&conn, "dv.status", &json!({"queryId": query_id}).to_string()).await;
    assert_eq!(status["responseState"], "QUERY_CANCELLED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_pinned_dv_query_is_confined_to_the_pinned_site() {
    let sim = simulator();
    let mut conn = connect(&sim, tokens::ADMIN);
    let site = world(&sim).sites[0].id.to_string();
    conn.site_ids = vec![site.clone()];
    invoke_ok(&conn, "dv.query", &dv_input("AgentName = \"WKS-ACME-0002\"", json!({}))).await;
    let init = sim.requests().into_iter().find(|r| r.path.ends_with("/dv/init-query")).unwrap();
    assert_eq!(init.body.unwrap()["siteIds"], json!([site]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn powerquery_groups_come_back_as_rows_keyed_by_column() {
    let sim = simulator();
    let input = dv_input("event.type = \"Process Creation\" | group count() by endpoint.name", json!({}));
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "powerquery.run", &input).await;
    assert_eq!(output["finished"], true);
    let rows = output["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["count", "endpoint.name"], "{row}");
    }
    assert!(!statuses(&sim, "dv/events/pq-ping").is_empty(), "the query was pinged until it finished");
    assert!(sim.requests().iter().all(|r| r.status == 200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn powerquery_output_keeps_the_consoles_external_id_status_and_progress() {
    let sim = simulator();
    let input = dv_input("event.type = \"Process Creation\" | group count() by endpoint.name", json!({}));
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "powerquery.run", &input).await;
    let query_id = output["queryId"].as_str().unwrap();
    assert_eq!(output["externalId"], format!("ext-{query_id}"), "{output}");
    assert_eq!((&output["status"], &output["progress"]), (&json!("FINISHED"), &json!(100)), "{output}");
}
