//! Agent reads: listing to the end, filters as SentinelOne documents them, counts, single agents.

mod support;

use host_harness::PluginError;
use s1_simulator::tokens;
use std::collections::BTreeSet;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_list_returns_all_2500_agents_across_pages_with_exact_ids_and_no_duplicates() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "agents.list", r#"{"maxItems": 100000}"#).await;
    let listed = ids(&output);
    let mut expected: Vec<String> = world(&sim).agents.iter().map(|a| a.id.to_string()).collect();
    expected.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "exactly the console's agents");
    assert_eq!(listed.iter().collect::<BTreeSet<_>>().len(), 2500, "no duplicates");
    assert_eq!((output["returned"].as_u64(), output["more"].as_bool()), (Some(2500), Some(false)));
    let pages: Vec<_> = sim.requests().into_iter().filter(|r| r.path == "/web/api/v2.1/agents").collect();
    assert_eq!(pages.len(), 3, "1000 + 1000 + 500");
    assert!(
        pages[1].query.iter().any(|(k, v)| k == "cursor" && (v.contains('+') || v.contains('/') || v.contains('='))),
        "the cursor went back decoded exactly once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_list_sends_filters_as_sentinelones_comma_separated_query() {
    let sim = simulator();
    let site = world(&sim).sites[1].id.to_string();
    let input = format!(
        r#"{{"siteIds": ["{site}"], "osTypes": ["windows", "macos"], "isActive": true, "computerName__contains": ["ACME", "WKS"], "updatedAt__gte": "2026-01-01T00:00:00.000000Z", "sortBy": "updatedAt", "sortOrder": "asc", "limit": 50, "maxItems": 50}}"#
    );
    invoke_ok(&connect(&sim, tokens::ADMIN), "agents.list", &input).await;
    let request = sim.requests().into_iter().find(|r| r.path == "/web/api/v2.1/agents").unwrap();
    let expected: Vec<(String, String)> = [
        ("computerName__contains", "ACME,WKS"),
        ("siteIds", site.as_str()),
        ("isActive", "true"),
        ("osTypes", "windows,macos"),
        ("updatedAt__gte", "2026-01-01T00:00:00.000000Z"),
        ("sortBy", "updatedAt"),
        ("sortOrder", "asc"),
        ("limit", "50"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(request.query, expected);
    assert_eq!(request.method, "GET");
    assert_eq!(request.authorization.as_deref(), Some("ApiToken <redacted>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_list_filter_results_match_the_console() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "agents.list", r#"{"osTypes": ["linux"], "isActive": true}"#).await;
    let w = world(&sim);
    let expected: BTreeSet<String> = w.agents.iter().filter(|a| a.os_type == "linux" && a.is_active).map(|a| a.id.to_string()).collect();
    assert_eq!(ids(&output).into_iter().collect::<BTreeSet<_>>(), expected);
    assert_eq!(output["totalItems"].as_u64(), Some(expected.len() as u64));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_list_stops_at_max_items_on_a_page_boundary_and_resumes_exactly() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let first = invoke_ok(&conn, "agents.list", r#"{"maxItems": 1500}"#).await;
    assert_eq!((ids(&first).len(), first["more"].clone()), (1500, serde_json::json!(true)));
    let limits: Vec<String> = sim.requests().iter().map(|r| r.query.iter().find(|(k, _)| k == "limit").unwrap().1.clone()).collect();
    assert_eq!(limits, ["1000", "500"], "the last page asks for exactly what is still wanted");
    let cursor = first["nextCursor"].as_str().expect("the bound fell on a page boundary").to_owned();
    let rest = invoke_ok(&conn, "agents.list", &serde_json::json!({"cursor": cursor, "maxItems": 100000}).to_string()).await;
    let all: Vec<String> = ids(&first).into_iter().chain(ids(&rest)).collect();
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!((all.len(), unique.len(), rest["more"].clone()), (2500, 2500, serde_json::json!(false)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_list_of_a_few_asks_for_no_more_than_it_returns() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "agents.list", r#"{"maxItems": 50}"#).await;
    assert_eq!(ids(&output).len(), 50);
    let request = sim.requests().pop().unwrap();
    assert!(request.query.contains(&("limit".into(), "50".into())), "{:?}", request.query);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_list_resumes_from_next_cursor_without_loss_or_duplicates() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let first = invoke_ok(&conn, "agents.list", r#"{"limit": 1000, "maxItems": 1000}"#).await;
    assert_eq!(first["more"], true);
    let cursor = first["nextCursor"].as_str().expect("a page-aligned bound offers the cursor").to_owned();
    let rest = invoke_ok(&conn, "agents.list", &serde_json::json!({"cursor": cursor, "maxItems": 100000}).to_string()).await;
    let mut all = ids(&first);
    all.extend(ids(&rest));
    assert_eq!(all.len(), 2500);
    assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), 2500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_count_matches_the_console() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "agents.count", r#"{"infected": true}"#).await;
    let expected = world(&sim).agents.iter().filter(|a| a.infected).count();
    assert_eq!(output, serde_json::json!({"total": expected}));
    let request = sim.requests().pop().unwrap();
    assert_eq!((request.path.as_str(), request.query.clone()), ("/web/api/v2.1/agents/count", vec![("infected".into(), "true".into())]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_get_returns_the_agent_with_every_field_kept() {
    let sim = simulator();
    let agent = world(&sim).agents[42].clone();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "agents.get", &format!(r#"{{"id": "{}"}}"#, agent.id)).await;
    assert_eq!(output["id"], agent.id.to_string());
    assert_eq!(output["computerName"], agent.computer_name);
    assert!(output["networkInterfaces"].is_array(), "fields the plugin does not model are passed through");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_get_of_an_unknown_id_is_not_found() {
    let sim = simulator();
    let error = invoke_err(&connect(&sim, tokens::ADMIN), "agents.get", r#"{"id": "1234567890123456789"}"#).await;
    assert!(
        matches!(error, PluginError::NotFound(ref u) if u.detail.as_deref().is_some_and(|d| d.contains("1234567890123456789"))),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_agent_filter_is_refused_naming_the_field_before_any_request() {
    let sim = simulator();
    let error = invoke_err(&connect(&sim, tokens::ADMIN), "agents.list", r#"{"siteIds": ["123", 456]}"#).await;
    match error {
        PluginError::InvalidInput(i) => assert_eq!(i.field.as_deref(), Some("/siteIds/1")),
        other => panic!("{other:?}"),
    }
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_action_is_invalid_input() {
    let sim = simulator();
    let error = invoke_err(&connect(&sim, tokens::ADMIN), "agents.explode", "{}").await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.message.contains("agents.explode")));
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_pinned_configuration_lists_only_its_site_and_refuses_another() {
    let sim = simulator();
    let w = world(&sim);
    let (pinned, other) = (w.sites[0].id.to_string(), w.sites[3].id.to_string());
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.site_ids = vec![pinned.clone()];
    let output = invoke_ok(&conn, "agents.list", r#"{"maxItems": 100000}"#).await;
    let expected = w.agents.iter().filter(|a| a.site_id.to_string() == pinned).count();
    assert_eq!(ids(&output).len(), expected);
    sim.clear_requests();
    let error = invoke_err(&conn, "agents.list", &format!(r#"{{"siteIds": ["{other}"]}}"#)).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/siteIds/0")), "{error:?}");
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_info_returns_the_console_version() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::VIEWER), "system.info", "").await;
    assert_eq!(output["version"], "24.1.2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_status_reports_the_console_health() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::VIEWER), "system.status", "").await;
    assert_eq!(output, serde_json::json!({"health": "ok"}));
    assert_eq!(sim.requests()[0].path, "/web/api/v2.1/system/status");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installed_applications_are_read_for_the_agents_given() {
    let sim = simulator();
    let agent = world(&sim).agents[0].id.to_string();
    let output = invoke_ok(&connect(&sim, tokens::VIEWER), "agents.applications", &serde_json::json!({"ids": [agent]}).to_string()).await;
    assert!(
        output.as_array().is_some_and(|apps| !apps.is_empty() && apps.iter().all(|a| a["name"].is_string() && a["version"].is_string())),
        "{output}"
    );
    assert_eq!(sim.requests()[0].raw_query.as_deref(), Some(format!("ids={agent}").as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_files_asks_one_agent_and_never_echoes_the_password() {
    let sim = simulator();
    let agent = world(&sim).agents.iter().find(|a| a.is_active && a.os_type == "windows").unwrap().id.to_string();
    let input = serde_json::json!({"id": agent, "files": ["C:\\Windows\\Temp\\dropper.exe"], "password": "Zip-Pass-2026!"});
    let outcome = invoke(&connect(&sim, tokens::ADMIN), "agents.fetch-files", &input.to_string()).await;
    let output = outcome.value.expect("fetch-files succeeds");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&output).unwrap(), serde_json::json!({"success": true}));
    let post = sim.requests().into_iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(post.path, format!("/web/api/v2.1/agents/{agent}/actions/fetch-files"));
    assert_eq!(post.body.unwrap()["data"]["files"], serde_json::json!(["C:\\Windows\\Temp\\dropper.exe"]));
    assert!(outcome.logs.iter().all(|l| !l.message.contains("Zip-Pass-2026!")));
    assert!(world(&sim).activities.iter().any(|a| a.activity_type == 80 && a.agent_id.map(|id| id.to_string()) == Some(agent.clone())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weak_fetch_files_password_is_refused_before_any_request() {
    let sim = simulator();
    let agent = world(&sim).agents[0].id.to_string();
    let input = serde_json::json!({"id": agent, "files": ["/etc/hosts"], "password": "password"});
    let error = invoke_err(&connect(&sim, tokens::ADMIN), "agents.fetch-files", &input.to_string()).await;
    assert!(
        matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/password") && !i.message.contains("password\"")),
        "{error:?}"
    );
    assert!(sim.requests().is_empty());
}
