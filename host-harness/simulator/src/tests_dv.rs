//! Deep Visibility, PowerQuery, remote scripts and rate limits, over real HTTP (a tiny blocking
//! client in `test_client.rs`). Timings are shortened through [`SimulatorOptions`] where that keeps a
//! test fast without changing what it checks.

use super::test_client::{Reply, encode, get, post, start_with};
use super::*;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::thread::sleep;

const FROM: &str = "2026-02-25T00:00:00.000000Z";
const TO: &str = "2026-03-01T00:00:00.000000Z";

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// 300 agents (over 1000 events for a broad query), no rate limits, short runs.
fn fast() -> SimulatorOptions {
    SimulatorOptions {
        agents: 300,
        dv_init_interval: Duration::ZERO,
        dv_status_interval: Duration::ZERO,
        dv_query_duration: ms(300),
        script_step_duration: ms(100),
        ..SimulatorOptions::default()
    }
}

fn dv_body(query: &str) -> Value {
    json!({"query": query, "fromDate": FROM, "toDate": TO})
}

fn init(sim: &Simulator, token: &str, body: Value) -> String {
    let reply = post(sim, "dv/init-query", Some(token), &body);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["data"]["queryId"].as_str().unwrap().to_string()
}

fn status(sim: &Simulator, query_id: &str) -> Value {
    let reply = get(sim, &format!("dv/query-status?queryId={query_id}"), tokens::ADMIN);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["data"].clone()
}

/// Polls (every `pause`) until the query leaves RUNNING; returns its final state.
fn wait_for(sim: &Simulator, query_id: &str, pause: Duration) -> String {
    for _ in 0..50 {
        let state = status(sim, query_id)["responseState"].as_str().unwrap().to_string();
        if state != "RUNNING" {
            return state;
        }
        sleep(pause);
    }
    panic!("query {query_id} never finished");
}

/// Every event of a finished query, following `nextCursor` (`limit=1000`); and the page count.
fn all_events(sim: &Simulator, query_id: &str, token: &str) -> (Vec<Value>, usize) {
    let (mut events, mut pages, mut cursor) = (Vec::new(), 0, None::<String>);
    loop {
        let mut target = format!("dv/events?queryId={query_id}&limit=1000");
        if let Some(c) = &cursor {
            target.push_str(&format!("&cursor={}", encode(c)));
        }
        let reply = get(sim, &target, token);
        assert_eq!(reply.status, 200, "{}", reply.body);
        pages += 1;
        events.extend(reply.json()["data"].as_array().unwrap().iter().cloned());
        match &reply.json()["pagination"]["nextCursor"] {
            Value::String(c) => cursor = Some(c.clone()),
            Value::Null => return (events, pages),
            other => panic!("unexpected end marker {other}"),
        }
    }
}

fn finished_query(sim: &Simulator, query: &str) -> String {
    let query_id = init(sim, tokens::ADMIN, dv_body(query));
    assert_eq!(wait_for(sim, &query_id, ms(100)), "FINISHED");
    query_id
}

#[test]
fn second_init_within_the_interval_is_429_with_retry_after_and_logged() {
    let sim = start_with(SimulatorOptions { dv_init_interval: Duration::from_secs(60), ..fast() });
    init(&sim, tokens::ADMIN, dv_body("EventType = \"Login\""));
    let second = post(&sim, "dv/init-query", Some(tokens::ADMIN), &dv_body("x"));
    assert_eq!(second.status, 429, "{}", second.body);
    assert_eq!(second.json()["errors"][0]["code"], json!(4290010));
    assert_eq!(second.json()["errors"][0]["title"], json!("Too Many Requests"));
    assert!(second.detail().contains("dv/init-query"), "{}", second.detail());
    let retry: u64 = second.header("retry-after").unwrap().parse().unwrap();
    assert!((58..=60).contains(&retry), "Retry-After {retry}");
    // Another token has its own budget; the 429 is in the request log.
    init(&sim, tokens::VIEWER, dv_body("x"));
    let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 429, 200]);
}

#[test]
fn status_polled_twice_within_a_second_is_429_with_retry_after_1() {
    let sim = start_with(SimulatorOptions { dv_status_interval: Duration::from_secs(1), ..fast() });
    let query_id = init(&sim, tokens::ADMIN, dv_body("x"));
    status(&sim, &query_id);
    let second = get(&sim, &format!("dv/query-status?queryId={query_id}"), tokens::ADMIN);
    assert_eq!(second.status, 429, "{}", second.body);
    assert_eq!(second.header("retry-after"), Some("1"));
}

#[test]
fn status_polled_a_second_apart_reaches_finished_and_events_page_to_the_end_once() {
    let sim = start_with(SimulatorOptions { dv_status_interval: Duration::from_secs(1), dv_query_duration: ms(1500), ..fast() });
    let query_id = init(&sim, tokens::ADMIN, dv_body("EndpointName Exists"));
    let first = status(&sim, &query_id);
    assert_eq!(first["responseState"], json!("RUNNING"));
    assert!(first["progressStatus"].as_u64().unwrap() < 100);
    sleep(ms(1050));
    assert_eq!(wait_for(&sim, &query_id, ms(1050)), "FINISHED");
    let (events, pages) = all_events(&sim, &query_id, tokens::ADMIN);
    assert!(events.len() > 1000 && pages >= 2, "{} events", events.len());
    let ids: HashSet<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), events.len());
    let total = get(&sim, &format!("dv/events?queryId={query_id}"), tokens::ADMIN);
    assert_eq!(total.json()["pagination"]["totalItems"], json!(events.len()));
    // Default order: createdAt ascending, every timestamp inside the range.
    let times: Vec<&str> = events.iter().map(|e| e["createdAt"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    assert!(times.iter().all(|t| (FROM..TO).contains(t)));
}

#[test]
fn events_before_the_query_finished_are_a_400() {
    let sim = start_with(SimulatorOptions { dv_query_duration: Duration::from_secs(30), ..fast() });
    let query_id = init(&sim, tokens::ADMIN, dv_body("x"));
    let reply = get(&sim, &format!("dv/events?queryId={query_id}"), tokens::ADMIN);
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.detail().contains("still running"), "{}", reply.detail());
}

#[test]
fn cancel_makes_the_status_query_cancelled() {
    let sim = start_with(SimulatorOptions { dv_query_duration: Duration::from_secs(30), ..fast() });
    let query_id = init(&sim, tokens::ADMIN, dv_body("x"));
    let reply = post(&sim, "dv/cancel-query", Some(tokens::ADMIN), &json!({"queryId": query_id}));
    assert_eq!(reply.json(), json!({"data": {"success": true}}));
    assert_eq!(status(&sim, &query_id)["responseState"], json!("QUERY_CANCELLED"));
    let events = get(&sim, &format!("dv/events?queryId={query_id}"), tokens::ADMIN);
    assert_eq!(events.status, 400);
}

#[test]
fn agent_name_query_matches_only_that_agent() {
    let sim = start_with(fast());
    let name = sim.world().lock().unwrap().agents[7].computer_name.clone();
    let query_id = finished_query(&sim, &format!("AgentName = \"{}\"", name.to_lowercase()));
    let (events, _) = all_events(&sim, &query_id, tokens::ADMIN);
    assert!((3..=6).contains(&events.len()), "{}", events.len());
    assert!(events.iter().all(|e| e["agentName"] == json!(name)));
}

#[test]
fn event_type_and_process_terms_narrow_and_nulls_fill_the_rest() {
    let sim = start_with(fast());
    let query_id = finished_query(&sim, "EventType = \"Process Creation\" and ProcessName Contains \"EXE\"");
    let (events, _) = all_events(&sim, &query_id, tokens::ADMIN);
    assert!(!events.is_empty());
    for event in &events {
        assert_eq!(event["eventType"], json!("Process Creation"));
        assert!(event["processName"].as_str().unwrap().to_lowercase().contains("exe"));
        assert!(event["sha1"].as_str().unwrap().len() == 40 && event["dnsRequest"].is_null());
        assert!(event["dstIp"].is_null() && event["srcPort"].is_null());
    }
}

#[test]
fn init_limit_caps_the_events_and_nothing_matched_is_empty_results() {
    let sim = start_with(fast());
    let query_id = init(&sim, tokens::ADMIN, json!({"query": "x", "fromDate": FROM, "toDate": TO, "limit": 25}));
    assert_eq!(wait_for(&sim, &query_id, ms(100)), "FINISHED");
    assert_eq!(all_events(&sim, &query_id, tokens::ADMIN).0.len(), 25);
    let empty = init(&sim, tokens::ADMIN, dv_body("AgentName = \"no-such-host\""));
    assert_eq!(wait_for(&sim, &empty, ms(100)), "EMPTY_RESULTS");
    let page = get(&sim, &format!("dv/events?queryId={empty}"), tokens::ADMIN);
    assert_eq!(page.json()["data"], json!([]));
}

#[test]
fn init_validation_names_the_field() {
    let sim = start_with(fast());
    let cases = [
        (json!({"fromDate": FROM, "toDate": TO}), "query"),
        (json!({"query": " ", "fromDate": FROM, "toDate": TO}), "query"),
        (json!({"query": "x", "fromDate": "yesterday", "toDate": TO}), "fromDate"),
        (json!({"query": "x", "fromDate": TO, "toDate": FROM}), "fromDate"),
        (json!({"query": "x", "fromDate": "2026-01-01T00:00:00Z", "toDate": TO}), "toDate"),
        (json!({"query": "x", "fromDate": FROM, "toDate": TO, "limit": 0}), "limit"),
        (json!({"query": "x", "fromDate": FROM, "toDate": TO, "limit": 100_001}), "limit"),
        (json!({"query": "x", "fromDate": FROM, "toDate": TO, "queryType": ["bogus"]}), "queryType"),
        (json!({"query": "x", "fromDate": FROM, "toDate": TO, "isVerbose": "yes"}), "isVerbose"),
        (json!({"query": "x", "fromDate": FROM, "toDate": TO, "siteIds": ["12"]}), "siteIds"),
    ];
    for (body, field) in cases {
        let reply = post(&sim, "dv/init-query", Some(tokens::ADMIN), &body);
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert!(reply.detail().starts_with(field), "{body}: {}", reply.detail());
    }
}

#[test]
fn site_admin_queries_only_its_site_and_cannot_name_another() {
    let sim = start_with(fast());
    let (own, other) = {
        let world = sim.world();
        let world = world.lock().unwrap();
        (world.sites[0].name.clone(), world.sites[1].id.to_string())
    };
    let query_id = init(&sim, tokens::SITE_ADMIN, dv_body("x"));
    sleep(ms(350));
    let (events, _) = all_events(&sim, &query_id, tokens::SITE_ADMIN);
    assert!(!events.is_empty() && events.iter().all(|e| e["siteName"] == json!(own)));
    let mut body = dv_body("x");
    body["siteIds"] = json!([other]);
    let reply = post(&sim, "dv/init-query", Some(tokens::SITE_ADMIN), &body);
    assert_eq!(reply.status, 400, "{}", reply.body);
}

#[test]
fn unknown_or_foreign_query_ids_are_404_and_a_missing_one_400() {
    let sim = start_with(fast());
    let query_id = init(&sim, tokens::ADMIN, dv_body("x"));
    let foreign = get(&sim, &format!("dv/query-status?queryId={query_id}"), tokens::VIEWER);
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    assert_eq!(get(&sim, "dv/query-status?queryId=q00", tokens::ADMIN).status, 404);
    assert_eq!(get(&sim, "dv/query-status", tokens::ADMIN).status, 400);
    assert_eq!(get(&sim, "dv/events/pq-ping?queryId=pq00", tokens::ADMIN).status, 404);
}

#[test]
fn finished_queries_expire_after_their_lifetime() {
    let sim = start_with(SimulatorOptions { dv_query_duration: Duration::ZERO, dv_query_lifetime: ms(200), ..fast() });
    let query_id = init(&sim, tokens::ADMIN, dv_body("x"));
    assert_eq!(status(&sim, &query_id)["responseState"], json!("FINISHED"));
    sleep(ms(250));
    assert_eq!(status(&sim, &query_id)["responseState"], json!("QUERY_EXPIRED"));
    let events = get(&sim, &format!("dv/events?queryId={query_id}"), tokens::ADMIN);
    assert!(events.status == 400 && events.detail().contains("expired"), "{}", events.body);
}

fn pq(sim: &Simulator, query: &str) -> Value {
    let reply = post(sim, "dv/events/pq", Some(tokens::ADMIN), &dv_body(query));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let query_id = reply.json()["data"]["queryId"].as_str().unwrap().to_string();
    assert!(query_id.starts_with("pq"));
    for _ in 0..50 {
        let ping = get(sim, &format!("dv/events/pq-ping?queryId={query_id}"), tokens::ADMIN);
        assert_eq!(ping.status, 200, "{}", ping.body);
        if ping.json()["data"]["status"] == json!("FINISHED") {
            return ping.json()["data"].clone();
        }
        assert_eq!(ping.json()["data"]["columns"], json!([]));
        sleep(ms(100));
    }
    panic!("PowerQuery never finished");
}

#[test]
fn pq_ping_reaches_finished_with_grouped_columns_and_rows() {
    let sim = start_with(fast());
    let data = pq(&sim, "event.type = \"Login\" | group count() by endpoint.name");
    assert_eq!(data["progress"], json!(100));
    assert_eq!(data["columns"], json!([{"name": "endpoint.name", "type": "STRING"}, {"name": "count", "type": "INTEGER"}]));
    let rows = data["data"].as_array().unwrap();
    assert!(!rows.is_empty() && data["recommendations"] == json!([]));
    let counts: Vec<u64> = rows.iter().map(|r| r[1].as_u64().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "most frequent first");
    let names: HashSet<&str> = rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(names.len(), rows.len());
}

#[test]
fn pq_raw_rows_are_capped_at_1000_with_a_recommendation_unless_limited() {
    let sim = start_with(fast());
    let capped = pq(&sim, "*");
    assert_eq!(capped["data"].as_array().unwrap().len(), 1000);
    assert!(capped["recommendations"][0].as_str().unwrap().contains("| limit"));
    assert_eq!(capped["columns"].as_array().unwrap().len(), capped["data"][0].as_array().unwrap().len());
    let limited = pq(&sim, "* | limit 1200");
    assert_eq!(limited["data"].as_array().unwrap().len(), 1200);
    assert_eq!(limited["recommendations"], json!([]));
}

/// The first `n` agents matching `keep` (ids as strings).
fn agent_ids(sim: &Simulator, n: usize, keep: impl Fn(&Agent) -> bool) -> Vec<String> {
    let world = sim.world();
    let world = world.lock().unwrap();
    let ids: Vec<String> = world.agents.iter().filter(|a| keep(a)).take(n).map(|a| a.id.to_string()).collect();
    assert_eq!(ids.len(), n);
    ids
}

fn active_windows(a: &Agent) -> bool {
    a.is_active && a.os_type == "windows"
}

/// `SCRIPT_LIBRARY[0]`: "Collect Process List", every OS, no input.
fn execute(sim: &Simulator, token: &str, ids: &[String], destination: &str) -> Reply {
    let body = json!({"filter": {"ids": ids}, "data": {
        "scriptId": SCRIPT_LIBRARY[0].id.to_string(),
        "taskDescription": "collect processes",
        "outputDestination": destination,
    }});
    post(sim, "remote-scripts/execute", Some(token), &body)
}

fn tasks(sim: &Simulator, parent: &str) -> Vec<Value> {
    let reply = get(sim, &format!("remote-scripts/status?parentTaskId={parent}&limit=100"), tokens::ADMIN);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["data"].as_array().unwrap().clone()
}

fn statuses(tasks: &[Value]) -> Vec<&str> {
    tasks.iter().map(|t| t["status"].as_str().unwrap()).collect()
}

#[test]
fn script_execute_on_two_ids_creates_two_tasks_that_reach_completed() {
    let sim = start_with(fast());
    let ids = agent_ids(&sim, 2, active_windows);
    let reply = execute(&sim, tokens::ADMIN, &ids, "SentinelCloud");
    assert_eq!(reply.status, 200, "{}", reply.body);
    let data = &reply.json()["data"];
    assert_eq!((data["affected"].clone(), data["pending"].clone()), (json!(2), json!(false)));
    assert!(data["pendingExecutionId"].is_null());
    let parent = data["parentTaskId"].as_str().unwrap().to_string();
    let first = tasks(&sim, &parent);
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|t| t["type"] == json!("script_execution") && t["parentTaskId"] == json!(parent)));
    sleep(ms(350));
    let done = tasks(&sim, &parent);
    assert_eq!(statuses(&done), ["completed", "completed"]);
    let agents: HashSet<&str> = done.iter().map(|t| t["agentId"].as_str().unwrap()).collect();
    assert_eq!(agents, ids.iter().map(String::as_str).collect());
    assert!(done.iter().all(|t| t["scriptName"] == json!("Collect Process List")));
}

#[test]
fn tasks_go_through_pending_and_in_progress() {
    let sim = start_with(SimulatorOptions { script_step_duration: ms(300), ..fast() });
    let ids = agent_ids(&sim, 1, active_windows);
    let parent = execute(&sim, tokens::ADMIN, &ids, "None").json()["data"]["parentTaskId"].clone();
    let parent = parent.as_str().unwrap();
    let mut seen = Vec::new();
    for _ in 0..12 {
        let status = tasks(&sim, parent)[0]["status"].as_str().unwrap().to_string();
        if seen.last() != Some(&status) {
            seen.push(status);
        }
        sleep(ms(100));
    }
    assert_eq!(seen, ["created", "pending", "in_progress", "completed"]);
}

#[test]
fn a_task_for_an_inactive_agent_stays_pending_until_it_expires() {
    let sim = start_with(fast());
    let inactive = agent_ids(&sim, 1, |a| !a.is_active);
    let active = agent_ids(&sim, 1, |a| a.is_active);
    let ids = [inactive.clone(), active].concat();
    let reply = execute(&sim, tokens::ADMIN, &ids, "SentinelCloud");
    let parent = reply.json()["data"]["parentTaskId"].as_str().unwrap().to_string();
    sleep(ms(500));
    let by_agent = |tasks: &[Value], id: &str| tasks.iter().find(|t| t["agentId"] == json!(id)).unwrap()["status"].clone();
    let now = tasks(&sim, &parent);
    assert_eq!(by_agent(&now, &ids[1]), json!("completed"));
    assert_eq!(by_agent(&now, &inactive[0]), json!("pending"));
    // With a one-second timeout the waiting task expires.
    let body = json!({"filter": {"ids": inactive}, "data": {
        "scriptId": SCRIPT_LIBRARY[0].id.to_string(), "taskDescription": "t",
        "outputDestination": "None", "scriptRuntimeTimeoutSeconds": 1}});
    let reply = post(&sim, "remote-scripts/execute", Some(tokens::ADMIN), &body);
    let parent = reply.json()["data"]["parentTaskId"].as_str().unwrap().to_string();
    sleep(ms(1100));
    assert_eq!(statuses(&tasks(&sim, &parent)), ["expired"]);
}

#[test]
fn fetch_files_returns_links_only_for_completed_cloud_tasks() {
    let sim = start_with(fast());
    let ids = agent_ids(&sim, 2, active_windows);
    let inactive = agent_ids(&sim, 1, |a| !a.is_active);
    let parent_of = |reply: Reply| reply.json()["data"]["parentTaskId"].as_str().unwrap().to_string();
    let cloud = parent_of(execute(&sim, tokens::ADMIN, &[ids[0].clone(), inactive[0].clone()], "SentinelCloud"));
    let local = parent_of(execute(&sim, tokens::ADMIN, &ids[1..], "Local"));
    sleep(ms(350));
    let all: Vec<Value> = [tasks(&sim, &cloud), tasks(&sim, &local)].concat();
    let task_ids: Vec<&Value> = all.iter().map(|t| &t["id"]).collect();
    let reply = post(&sim, "remote-scripts/fetch-files", Some(tokens::ADMIN), &json!({"data": {"taskIds": task_ids}}));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    let links = body["data"]["download_links"].as_array().unwrap();
    assert_eq!(links.len(), 1, "{links:?}");
    let completed_cloud = all.iter().find(|t| t["parentTaskId"] == json!(cloud) && t["status"] == json!("completed")).unwrap();
    assert_eq!(links[0]["taskId"], completed_cloud["id"]);
    let url = links[0]["downloadUrl"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/s1-remote-ops-results/", sim.storage_url())) && url.contains("X-Amz-Signature="));
    assert!(links[0]["fileName"].as_str().unwrap().ends_with(".zip"));
}

#[test]
fn viewer_gets_403_on_execute_and_fetch_files_but_lists_scripts() {
    let sim = start_with(fast());
    let ids = agent_ids(&sim, 1, active_windows);
    let reply = execute(&sim, tokens::VIEWER, &ids, "None");
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.json()["errors"][0]["code"], json!(4030010));
    let fetch = post(&sim, "remote-scripts/fetch-files", Some(tokens::VIEWER), &json!({"data": {"taskIds": ["1"]}}));
    assert_eq!(fetch.status, 403);
    assert_eq!(get(&sim, "remote-scripts", tokens::VIEWER).status, 200);
}

#[test]
fn execute_validates_data_and_skips_agents_the_script_cannot_run_on() {
    let sim = start_with(fast());
    let windows = agent_ids(&sim, 1, active_windows);
    let linux = agent_ids(&sim, 1, |a| a.is_active && a.os_type == "linux");
    let event_logs = SCRIPT_LIBRARY[1].id.to_string(); // Windows only, input required
    let run = |data: Value| {
        let body = json!({"filter": {"ids": [windows[0], linux[0]]}, "data": data});
        post(&sim, "remote-scripts/execute", Some(tokens::ADMIN), &body)
    };
    let base = json!({"scriptId": event_logs, "taskDescription": "t", "outputDestination": "Local"});
    let with = |key: &str, value: Value| {
        let mut data = base.clone();
        data[key] = value;
        data
    };
    for (data, field) in [
        (with("scriptId", Value::Null), "data.scriptId"),
        (with("scriptId", json!("1")), "data.scriptId"),
        (with("taskDescription", Value::Null), "data.taskDescription"),
        (with("outputDestination", json!("Disk")), "data.outputDestination"),
        (base.clone(), "data.inputParams"),
        (with("scriptRuntimeTimeoutSeconds", json!(0)), "data.scriptRuntimeTimeoutSeconds"),
    ] {
        let reply = run(data);
        assert_eq!(reply.status, 400, "{field}: {}", reply.body);
        assert!(reply.detail().starts_with(field), "{}", reply.detail());
    }
    let reply = run(with("inputParams", json!("-Logs Security")));
    assert_eq!(reply.json()["data"]["affected"], json!(1), "{}", reply.body);
}

#[test]
fn empty_execute_filter_targets_every_agent_in_the_site_admins_scope() {
    let sim = start_with(fast());
    let (site, in_site) = {
        let world = sim.world();
        let world = world.lock().unwrap();
        let site = world.sites[0].id;
        (site.to_string(), world.agents.iter().filter(|a| a.site_id == site).count())
    };
    let body = json!({"filter": {}, "data": {"scriptId": SCRIPT_LIBRARY[0].id.to_string(),
        "taskDescription": "everyone", "outputDestination": "None"}});
    let reply = post(&sim, "remote-scripts/execute", Some(tokens::SITE_ADMIN), &body);
    let answer = reply.json();
    assert_eq!(answer["data"]["affected"], json!(in_site), "{}", reply.body);
    let parent = answer["data"]["parentTaskId"].as_str().unwrap();
    let seen = get(&sim, &format!("remote-scripts/status?parentTaskId={parent}&limit=1000"), tokens::SITE_ADMIN).json();
    let items = seen["data"].as_array().unwrap();
    assert_eq!(items.len(), in_site);
    assert!(items.iter().all(|t| t["siteId"] == json!(site)));
}

#[test]
fn script_library_filters_by_os_type_and_scope() {
    let sim = start_with(fast());
    let all = get(&sim, "remote-scripts?limit=100", tokens::ADMIN).json();
    assert_eq!(all["pagination"]["totalItems"], json!(12));
    let linux = get(&sim, "remote-scripts?limit=100&osTypes=linux&scriptType=artifactCollection", tokens::ADMIN).json();
    let names: Vec<&str> = linux["data"].as_array().unwrap().iter().map(|s| s["scriptName"].as_str().unwrap()).collect();
    assert_eq!(names, ["Collect Linux Auth Logs"]);
    // The site admin (Acme) sees the global scripts and Acme's, not Globex's.
    let site = get(&sim, "remote-scripts?limit=100", tokens::SITE_ADMIN).json();
    let names: Vec<&str> = site["data"].as_array().unwrap().iter().map(|s| s["scriptName"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 11);
    assert!(names.contains(&"Acme Custom Inventory") && !names.contains(&"Globex Compliance Check"));
    let first = &all["data"][0];
    for key in [
        "id",
        "scriptName",
        "scriptType",
        "osTypes",
        "inputRequired",
        "inputInstructions",
        "inputExample",
        "scriptRuntimeTimeoutSeconds",
        "version",
        "scopeLevel",
        "createdAt",
        "updatedAt",
        "creator",
        "scriptDescription",
    ] {
        assert!(first.get(key).is_some(), "{key} missing from {first}");
    }
}
