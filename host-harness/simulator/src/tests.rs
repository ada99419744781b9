//! End-to-end tests of the simulator over real HTTP, through the tiny blocking HTTP/1.1 client in
//! `test_client.rs`.

use super::test_client::{Reply, encode, get, post, request, start};
use super::*;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;

fn assert_error(reply: &Reply, status: u16, code: u64) {
    assert_eq!(reply.status, status, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["errors"][0]["code"], json!(code), "{}", reply.body);
    assert!(body["errors"][0]["title"].is_string());
}

/// Follows `nextCursor` to the end, returning every item and the page count.
fn collect_pages(sim: &Simulator, endpoint: &str, query: &str, token: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut target = format!("{endpoint}?{query}");
        if let Some(c) = &cursor {
            target.push_str(&format!("&cursor={}", encode(c)));
        }
        let reply = get(sim, &target, token);
        assert_eq!(reply.status, 200, "{}", reply.body);
        let body = reply.json();
        pages += 1;
        let data = if endpoint == "sites" { body["data"]["sites"].clone() } else { body["data"].clone() };
        items.extend(data.as_array().unwrap().iter().cloned());
        match body["pagination"]["nextCursor"].as_str() {
            Some(c) if !c.is_empty() && c != "null" => cursor = Some(c.to_string()),
            _ => return (items, pages),
        }
    }
}

#[test]
fn agents_envelope_pages_2500_agents_at_limit_1000_without_duplicates() {
    let sim = start(2500);
    let first = get(&sim, "agents?limit=1000", tokens::ADMIN);
    assert_eq!(first.status, 200);
    assert!(first.header("content-type").unwrap().starts_with("application/json"));
    let body = first.json();
    assert_eq!(body["pagination"]["totalItems"], json!(2500));
    assert_eq!(body["data"].as_array().unwrap().len(), 1000);
    let (agents, pages) = collect_pages(&sim, "agents", "limit=1000", tokens::ADMIN);
    assert_eq!(pages, 3);
    let ids: HashSet<&str> = agents.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2500);
    for id in &ids {
        assert!((18..=19).contains(&id.len()) && id.parse::<u64>().unwrap() > (1u64 << 53), "{id}");
    }
    let names: HashSet<&str> = agents.iter().map(|a| a["computerName"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2500);
    // Default order is id ascending; the last page ends with JSON null.
    let numeric: Vec<u64> = agents.iter().map(|a| a["id"].as_str().unwrap().parse().unwrap()).collect();
    assert!(numeric.windows(2).all(|w| w[0] < w[1]));
    let last = get(&sim, "agents?limit=1000&skip=1000", tokens::ADMIN).json();
    assert!(last["pagination"]["nextCursor"].is_string());
    let a = &agents[0];
    for field in ["uuid", "osType", "machineType", "networkStatus", "lastActiveDate", "siteId", "groupId", "accountName"] {
        assert!(!a[field].is_null(), "{field}");
    }
    assert_eq!(a["uuid"].as_str().unwrap().len(), 32);
    assert!(a["networkInterfaces"][0]["inet"].is_array());
    assert!(a["updatedAt"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn last_page_of_agents_and_accounts_says_next_cursor_null() {
    let sim = start(30);
    let body = get(&sim, "agents?limit=1000", tokens::ADMIN).json();
    assert_eq!(body["pagination"]["nextCursor"], Value::Null);
    let body = get(&sim, "accounts", tokens::ADMIN).json();
    assert_eq!(body["pagination"]["nextCursor"], Value::Null);
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
}

#[test]
fn limit_above_1000_or_malformed_values_are_validation_errors() {
    let sim = start(20);
    assert_error(&get(&sim, "agents?limit=1001", tokens::ADMIN), 400, 4000010);
    assert_error(&get(&sim, "agents?limit=abc", tokens::ADMIN), 400, 4000010);
    assert_error(&get(&sim, "agents?limit=0", tokens::ADMIN), 400, 4000010);
    assert_error(&get(&sim, "agents?isActive=maybe", tokens::ADMIN), 400, 4000010);
    assert_error(&get(&sim, "agents?osTypes=windoze", tokens::ADMIN), 400, 4000010);
    assert_error(&get(&sim, "agents?ids=1.8e18", tokens::ADMIN), 400, 4000010);
    assert_error(&get(&sim, "agents?updatedAt__gte=yesterday", tokens::ADMIN), 400, 4000010);
    assert_error(&get(&sim, "agents?sortBy=colour", tokens::ADMIN), 400, 4000010);
    assert_error(&get(&sim, "agents?skip=1001", tokens::ADMIN), 400, 4000010);
    assert_error(&get(&sim, "accounts?limit=1001", tokens::ADMIN), 400, 4000010);
}

#[test]
fn a_query_parameter_or_body_key_the_specification_does_not_declare_is_a_400_and_a_violation() {
    let sim = start(20);
    assert_error(&get(&sim, "agents?limit=1000&someUnknownParam=1", tokens::ADMIN), 400, 4000010);
    let body = json!({"filter": {"ids": ["1"], "sortBy": "id"}, "data": {"analystVerdict": "true_positive"}});
    assert_error(&post(&sim, "cloud-detection/alerts/analyst-verdict", Some(tokens::ADMIN), &body), 400, 4000010);
    assert_eq!(
        sim.spec_violations(),
        [
            "query parameter `someUnknownParam` is not declared for GET /agents",
            "body key `filter.sortBy` is not declared for POST /cloud-detection/alerts/analyst-verdict"
        ]
    );
}

#[test]
fn an_unauthenticated_request_is_a_401_before_any_shape_check() {
    let sim = start(20);
    assert_error(&get(&sim, "agents?someUnknownParam=1", tokens::UNKNOWN), 401, 4010010);
    assert!(sim.spec_violations().is_empty());
}

#[test]
fn groups_limit_is_capped_at_300_and_ends_with_the_string_null() {
    let sim = start(20);
    assert_error(&get(&sim, "groups?limit=301", tokens::ADMIN), 400, 4000010);
    let body = get(&sim, "groups?limit=300", tokens::ADMIN).json();
    assert_eq!(body["data"].as_array().unwrap().len(), 8);
    assert_eq!(body["pagination"]["nextCursor"], json!("null"));
    let (groups, pages) = collect_pages(&sim, "groups", "limit=3", tokens::ADMIN);
    assert_eq!((groups.len(), pages), (8, 3));
    assert_eq!(groups.iter().filter(|g| g["isDefault"] == json!(true)).count(), 4);
    assert!(groups.iter().any(|g| g["type"] == json!("dynamic")));
    let id = groups[0]["id"].as_str().unwrap();
    assert_eq!(get(&sim, &format!("groups/{id}"), tokens::ADMIN).json()["data"]["id"], json!(id));
}

#[test]
fn cursor_is_padded_standard_base64_and_must_be_encoded_once_with_the_same_filters() {
    let sim = start(200);
    let body = get(&sim, "agents?limit=10&osTypes=windows,linux", tokens::ADMIN).json();
    let cursor = body["pagination"]["nextCursor"].as_str().unwrap().to_string();
    assert!(cursor.ends_with('='), "{cursor}");
    assert!(cursor.contains('+') && cursor.contains('/'), "{cursor}");
    let good = get(&sim, &format!("agents?limit=10&osTypes=windows,linux&cursor={}", encode(&cursor)), tokens::ADMIN);
    assert_eq!(good.status, 200);
    assert_ne!(good.json()["data"][0]["id"], body["data"][0]["id"]);
    // Not encoded: '+' arrives as a space.
    assert_error(&get(&sim, &format!("agents?limit=10&osTypes=windows,linux&cursor={cursor}"), tokens::ADMIN), 400, 4000010);
    // Encoded twice.
    let twice = encode(&encode(&cursor));
    assert_error(&get(&sim, &format!("agents?limit=10&osTypes=windows,linux&cursor={twice}"), tokens::ADMIN), 400, 4000010);
    // Reused with other filters or another sort.
    assert_error(&get(&sim, &format!("agents?limit=10&osTypes=windows&cursor={}", encode(&cursor)), tokens::ADMIN), 400, 4000010);
    assert_error(
        &get(&sim, &format!("agents?limit=10&osTypes=windows,linux&sortOrder=desc&cursor={}", encode(&cursor)), tokens::ADMIN),
        400,
        4000010,
    );
    // On another endpoint.
    assert_error(&get(&sim, &format!("groups?cursor={}", encode(&cursor)), tokens::ADMIN), 400, 4000010);
    // A different limit is fine.
    assert_eq!(get(&sim, &format!("agents?limit=50&osTypes=windows,linux&cursor={}", encode(&cursor)), tokens::ADMIN).status, 200);
}

#[test]
fn sites_data_is_an_object_with_sites_and_all_sites_and_ends_with_empty_string() {
    let sim = start(100);
    let reply = get(&sim, "sites", tokens::ADMIN);
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let sites = body["data"]["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 4);
    assert_eq!(body["data"]["allSites"]["activeLicenses"], json!(sites.iter().map(|s| s["activeLicenses"].as_u64().unwrap()).sum::<u64>()));
    assert!(body["data"]["allSites"]["totalLicenses"].as_u64().unwrap() > 0);
    assert_eq!(body["pagination"]["nextCursor"], json!(""));
    assert_eq!(body["pagination"]["totalItems"], json!(4));
    let (paged, pages) = collect_pages(&sim, "sites", "limit=3", tokens::ADMIN);
    assert_eq!((paged.len(), pages), (4, 2));
    let id = sites[0]["id"].as_str().unwrap();
    let single = get(&sim, &format!("sites/{id}"), tokens::ADMIN).json();
    assert_eq!(single["data"]["id"], json!(id));
    assert!(single["data"].get("sites").is_none());
}

#[test]
fn missing_unknown_or_expired_tokens_get_the_console_401_body() {
    let sim = start(10);
    let expected = json!({"errors": [{"code": 4010010, "detail": null, "title": "Authentication Failed"}]});
    for token in [None, Some(tokens::UNKNOWN), Some(tokens::EXPIRED), Some("")] {
        let reply = request(&sim, "GET", "agents", token, None);
        assert_eq!(reply.status, 401);
        assert_eq!(reply.json(), expected);
    }
    assert_eq!(request(&sim, "GET", "system/info", None, None).status, 401);
    let status = request(&sim, "GET", "system/status", None, None);
    assert_eq!((status.status, status.json()), (200, json!({"data": {"health": "ok"}})));
    let info = get(&sim, "system/info", tokens::VIEWER).json();
    assert_eq!(info["data"]["version"], json!("24.1.2"));
}

#[test]
fn viewer_gets_403_on_agent_actions_but_can_read() {
    let sim = start(10);
    let reply = post(&sim, "agents/actions/disconnect", Some(tokens::VIEWER), &json!({"filter": {"ids": ["1"]}, "data": {}}));
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.json(),
        json!({"errors": [{"code": 4030010, "detail": "Action limited to users with higher permissions.", "title": "Insufficient permissions"}]})
    );
    assert_eq!(get(&sim, "agents", tokens::VIEWER).status, 200);
    let details = post(&sim, "users/api-token-details", Some(tokens::VIEWER), &json!({"data": {"apiToken": tokens::VIEWER}}));
    assert_eq!(details.status, 200);
}

#[test]
fn site_admin_listings_are_confined_to_its_site() {
    let sim = start(400);
    let (site_id, account_id, other_site, in_site) = {
        let world = sim.world();
        let w = world.lock().unwrap();
        let site = w.sites[0].id.to_string();
        let n = w.agents.iter().filter(|a| a.site_id == w.sites[0].id).count();
        (site, w.accounts[0].id.to_string(), w.sites[1].id.to_string(), n)
    };
    let (agents, _) = collect_pages(&sim, "agents", "limit=100", tokens::SITE_ADMIN);
    assert_eq!(agents.len(), in_site);
    assert!(agents.iter().all(|a| a["siteId"] == json!(site_id)));
    let count = get(&sim, "agents/count", tokens::SITE_ADMIN).json();
    assert_eq!(count, json!({"data": {"total": in_site}}));
    let sites = get(&sim, "sites", tokens::SITE_ADMIN).json();
    assert_eq!(sites["data"]["sites"].as_array().unwrap().len(), 1);
    assert_eq!(sites["data"]["sites"][0]["id"], json!(site_id));
    assert_eq!(get(&sim, "groups", tokens::SITE_ADMIN).json()["data"].as_array().unwrap().len(), 2);
    assert_eq!(get(&sim, "accounts", tokens::SITE_ADMIN).json()["pagination"]["totalItems"], json!(0));
    assert_eq!(get(&sim, &format!("agents?siteIds={other_site}"), tokens::SITE_ADMIN).json()["pagination"]["totalItems"], json!(0));
    assert_error(&get(&sim, &format!("sites/{other_site}"), tokens::SITE_ADMIN), 404, 4040010);
    assert_error(&get(&sim, &format!("accounts/{account_id}"), tokens::SITE_ADMIN), 404, 4040010);
    let user = get(&sim, "user", tokens::SITE_ADMIN).json();
    assert_eq!(user["data"]["scope"], json!("site"));
    assert_eq!(user["data"]["scopeRoles"][0]["id"], json!(site_id));
    // An empty action filter reaches every agent in scope, and no further.
    let reply = post(&sim, "agents/actions/initiate-scan", Some(tokens::SITE_ADMIN), &json!({"filter": {}, "data": {}}));
    assert_eq!(reply.json(), json!({"data": {"affected": in_site}}));
}

#[test]
fn service_user_sees_one_account_and_is_marked_as_service_user() {
    let sim = start(300);
    let user = get(&sim, "user", tokens::SERVICE_USER).json();
    assert_eq!(user["data"]["source"], json!("service_user"));
    assert_eq!(user["data"]["scope"], json!("account"));
    assert_eq!(get(&sim, "user", tokens::ADMIN).json()["data"]["source"], json!("mgmt"));
    let accounts = get(&sim, "accounts", tokens::SERVICE_USER).json();
    assert_eq!(accounts["data"].as_array().unwrap().len(), 1);
    let account_id = accounts["data"][0]["id"].clone();
    let (agents, _) = collect_pages(&sim, "agents", "limit=1000", tokens::SERVICE_USER);
    assert!(!agents.is_empty() && agents.iter().all(|a| a["accountId"] == account_id));
    assert_eq!(get(&sim, "sites", tokens::SERVICE_USER).json()["data"]["sites"].as_array().unwrap().len(), 2);
}

#[test]
fn api_token_details_reports_expiry_for_known_tokens_including_expired() {
    let sim = start(10);
    let details = |token: &str, header: Option<&str>| post(&sim, "users/api-token-details", header, &json!({"data": {"apiToken": token}}));
    let reply = details(tokens::EXPIRING, Some(tokens::EXPIRING));
    assert_eq!(reply.status, 200);
    let expires = Timestamp::parse(reply.json()["data"]["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!((expires.0 - Timestamp::now().0) / clock::MICROS_PER_DAY, 10);
    assert!(reply.json()["data"]["createdAt"].is_string());
    assert_eq!(details(tokens::EXPIRED, Some(tokens::EXPIRED)).status, 200);
    assert_eq!(details(tokens::EXPIRED, None).status, 200);
    assert_error(&details(tokens::UNKNOWN, Some(tokens::ADMIN)), 400, 4000010);
    assert_error(&details(tokens::ADMIN, Some(tokens::UNKNOWN)), 401, 4010010);
    assert_error(&request(&sim, "POST", "users/api-token-details", Some(tokens::ADMIN), Some("{not json")), 400, 4000010);
    assert_error(&post(&sim, "users/api-token-details", Some(tokens::ADMIN), &json!({"data": {}})), 400, 4000010);
    let user = get(&sim, "user", tokens::ADMIN).json();
    assert!(user["data"]["apiToken"]["expiresAt"].is_string());
    assert_eq!(user["data"]["scopeRoles"][0]["roleName"], json!("Admin"));
}

#[test]
fn request_log_records_everything_and_never_contains_a_token_value() {
    let sim = start(10);
    let log_file = std::env::temp_dir().join(format!("s1-sim-live-{}.jsonl", std::process::id()));
    sim.set_request_log_file(&log_file).unwrap();
    for token in tokens::ALL {
        get(&sim, "agents?limit=5", token);
        post(&sim, "users/api-token-details", Some(token), &json!({"data": {"apiToken": token}}));
        get(&sim, &format!("agents?query={token}&token={token}"), token);
        request(&sim, "POST", "agents/actions/fetch-logs", Some(token), Some(&format!("not json {token}")));
    }
    request(&sim, "GET", "no/such/route", None, None);
    let requests = sim.requests();
    assert_eq!(requests.len(), tokens::ALL.len() * 4 + 1);
    assert_eq!(requests[0].authorization.as_deref(), Some("ApiToken <redacted>"));
    assert_eq!(requests[0].token_name.as_deref(), Some("admin"));
    assert_eq!(requests[0].status, 200);
    assert_eq!(requests[0].query, vec![("limit".to_string(), "5".to_string())]);
    let expired = requests.iter().find(|r| r.path.ends_with("/agents") && r.status == 401).unwrap();
    assert_eq!(expired.token_name, None);
    assert_eq!(requests.last().unwrap().status, 404);
    let dump = std::env::temp_dir().join(format!("s1-sim-dump-{}.jsonl", std::process::id()));
    sim.write_request_log(&dump).unwrap();
    let texts =
        [serde_json::to_string(&requests).unwrap(), std::fs::read_to_string(&dump).unwrap(), std::fs::read_to_string(&log_file).unwrap()];
    for text in &texts {
        for token in tokens::ALL {
            assert!(!text.contains(token), "token leaked into the request log");
        }
    }
    let lines: Vec<RecordedRequest> = texts[1].lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines, requests);
    assert_eq!(texts[2].lines().count(), requests.len());
    sim.clear_requests();
    assert!(sim.requests().is_empty());
    let _ = std::fs::remove_file(dump);
    let _ = std::fs::remove_file(log_file);
}

#[test]
fn disconnect_goes_through_disconnecting_then_disconnected() {
    let sim = start(50);
    let id = get(&sim, "agents?limit=1&networkStatuses=connected", tokens::ADMIN).json()["data"][0]["id"].clone();
    let reply = post(&sim, "agents/actions/disconnect", Some(tokens::ADMIN), &json!({"filter": {"ids": [id]}, "data": {}}));
    assert_eq!(reply.json(), json!({"data": {"affected": 1}}));
    let target = format!("agents?ids={}", id.as_str().unwrap());
    assert_eq!(get(&sim, &target, tokens::ADMIN).json()["data"][0]["networkStatus"], json!("disconnecting"));
    assert_eq!(get(&sim, &target, tokens::ADMIN).json()["data"][0]["networkStatus"], json!("disconnected"));
    post(&sim, "agents/actions/connect", Some(tokens::ADMIN), &json!({"filter": {"ids": [id]}}));
    assert_eq!(get(&sim, &target, tokens::ADMIN).json()["data"][0]["networkStatus"], json!("connecting"));
    assert_eq!(get(&sim, &target, tokens::ADMIN).json()["data"][0]["networkStatus"], json!("connected"));
}

#[test]
fn agent_actions_validate_their_body_and_change_state() {
    let sim = start(50);
    assert_error(&post(&sim, "agents/actions/disconnect", Some(tokens::ADMIN), &json!({"data": {}})), 400, 4000010);
    assert_error(&post(&sim, "agents/actions/disconnect", Some(tokens::ADMIN), &json!({"filter": {"isActive": "maybe"}})), 400, 4000010);
    assert_error(&post(&sim, "agents/actions/broadcast", Some(tokens::ADMIN), &json!({"filter": {}, "data": {}})), 400, 4000010);
    assert_error(&post(&sim, "agents/actions/move-to-site", Some(tokens::ADMIN), &json!({"filter": {}, "data": {}})), 400, 4000010);
    assert_error(&post(&sim, "agents/actions/self-destruct", Some(tokens::ADMIN), &json!({"filter": {}})), 404, 4040010);
    assert_error(&post(&sim, "agents/actions/decommission", None, &json!({"filter": {}})), 401, 4010010);
    let ids: Vec<Value> = get(&sim, "agents?limit=3&isDecommissioned=false", tokens::ADMIN).json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].clone())
        .collect();
    let reply = post(&sim, "agents/actions/decommission", Some(tokens::ADMIN), &json!({"filter": {"ids": ids}, "data": {}}));
    assert_eq!(reply.json()["data"]["affected"], json!(3));
    let csv: Vec<&str> = ids.iter().map(|v| v.as_str().unwrap()).collect();
    let after = get(&sim, &format!("agents?ids={}", csv.join(",")), tokens::ADMIN).json();
    assert!(after["data"].as_array().unwrap().iter().all(|a| a["isDecommissioned"] == json!(true)));
    post(&sim, "agents/actions/uninstall", Some(tokens::ADMIN), &json!({"filter": {"ids": ids}}));
    let world = sim.world();
    let w = world.lock().unwrap();
    assert_eq!(w.agents.iter().filter(|a| a.is_pending_uninstall).count(), 3);
}

#[test]
fn agent_filters_and_sorting_follow_the_query() {
    let sim = start(300);
    let all = get(&sim, "agents?limit=1000", tokens::ADMIN).json();
    let agents = all["data"].as_array().unwrap();
    let count = |pred: &dyn Fn(&Value) -> bool| agents.iter().filter(|a| pred(a)).count();
    let total = |q: &str| get(&sim, &format!("agents?{q}"), tokens::ADMIN).json()["pagination"]["totalItems"].as_u64().unwrap() as usize;
    assert_eq!(total("osTypes=linux,macos"), count(&|a| a["osType"] != json!("windows")));
    assert_eq!(total("osTypesNin=windows"), count(&|a| a["osType"] != json!("windows")));
    assert_eq!(total("isActive=false"), count(&|a| a["isActive"] == json!(false)));
    assert_eq!(total("infected=true"), count(&|a| a["infected"] == json!(true)));
    assert_eq!(total("computerName__contains=srv-,lap-"), count(&|a| !a["computerName"].as_str().unwrap().starts_with("WKS")));
    let name = agents[5]["computerName"].as_str().unwrap();
    assert_eq!(total(&format!("computerName={name}")), 1);
    let uuid = agents[7]["uuid"].as_str().unwrap();
    assert_eq!(total(&format!("query={}", uuid.to_uppercase())), 1);
    let inet = agents[7]["networkInterfaces"][0]["inet"][0].as_str().unwrap();
    assert!(total(&format!("query={inet}")) >= 1, "free text is a substring match");
    let pivot = agents[10]["updatedAt"].as_str().unwrap();
    assert_eq!(total(&format!("updatedAt__gte={}", encode(pivot))), count(&|a| a["updatedAt"].as_str().unwrap() >= pivot));
    let sorted = get(&sim, "agents?limit=20&sortBy=computerName&sortOrder=desc", tokens::ADMIN).json();
    let names: Vec<&str> = sorted["data"].as_array().unwrap().iter().map(|a| a["computerName"].as_str().unwrap()).collect();
    assert!(names.windows(2).all(|w| w[0].to_lowercase() >= w[1].to_lowercase()));
    let (by_update, _) = collect_pages(&sim, "agents", "limit=70&sortBy=updatedAt&sortOrder=asc", tokens::ADMIN);
    assert_eq!(by_update.len(), 300);
    assert!(by_update.windows(2).all(|w| w[0]["updatedAt"].as_str() <= w[1]["updatedAt"].as_str()));
    let count_only = get(&sim, "agents?countOnly=true", tokens::ADMIN).json();
    assert_eq!((count_only["data"].clone(), count_only["pagination"]["totalItems"].clone()), (json!([]), json!(300)));
    assert_eq!(get(&sim, "agents?skipCount=true", tokens::ADMIN).json()["pagination"]["totalItems"], Value::Null);
    let skipped = get(&sim, "agents?limit=5&skip=5", tokens::ADMIN).json();
    assert_eq!(skipped["data"][0]["id"], agents[5]["id"]);
}

#[test]
fn unknown_routes_and_ids_answer_404_with_the_error_envelope() {
    let sim = start(10);
    assert_error(&get(&sim, "threats-of-doom", tokens::ADMIN), 404, 4040010);
    assert_error(&get(&sim, "accounts/1800000000000000001", tokens::ADMIN), 404, 4040010);
    assert_error(&get(&sim, "groups/not-a-number", tokens::ADMIN), 404, 4040010);
    assert_error(&get(&sim, "groups/%FF%FE", tokens::ADMIN), 404, 4040010);
    assert_error(&post(&sim, "agents/actions/%FF", Some(tokens::ADMIN), &json!({"filter": {}})), 404, 4040010);
    assert_error(&request(&sim, "GET", "/", None, None), 404, 4040010);
    let reply = request(&sim, "DELETE", "agents", Some(tokens::ADMIN), Some(""));
    assert_error(&reply, 405, 4050010);
    assert!(reply.header("content-type").unwrap().starts_with("application/json"));
}

#[test]
fn the_world_is_deterministic_for_a_seed() {
    let a = seed::build(42, 100, Timestamp::now());
    let b = seed::build(42, 100, Timestamp::now());
    let c = seed::build(7, 100, Timestamp::now());
    let ids = |w: &World| w.agents.iter().map(|a| (a.id, a.computer_name.clone(), a.updated_at)).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
    assert_ne!(ids(&a), ids(&c));
    assert_eq!((a.accounts.len(), a.sites.len(), a.groups.len()), (2, 4, 8));
    let inactive = seed::build(42, 2500, Timestamp::now()).agents.iter().filter(|a| !a.is_active).count();
    assert!((150..400).contains(&inactive), "{inactive}");
}

#[test]
fn simulator_stops_on_drop_and_serves_async_callers() {
    let sim = start(5);
    let url = sim.base_url();
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with('/'));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let address = url.trim_start_matches("http://").to_string();
        let status = tokio::task::spawn_blocking(move || {
            let mut s = TcpStream::connect(address).unwrap();
            s.write_all(b"GET /web/api/v2.1/system/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            out
        })
        .await
        .unwrap();
        assert!(status.starts_with("HTTP/1.1 200"));
        drop(sim);
    });
    assert!(TcpStream::connect(url.trim_start_matches("http://")).is_err());
}

#[test]
fn seed_42_pins_the_first_ids_other_code_may_rely_on() {
    let w = seed::build(42, 2500, Timestamp::now());
    assert_eq!(w.accounts[0].id, Id(1_800_899_786_560_659_353));
    assert_eq!(w.sites[0].id, Id(1_800_900_160_542_605_036));
    assert_eq!(w.groups[0].id, Id(1_800_901_185_405_988_497));
    assert_eq!((w.agents[0].id, w.agents[0].computer_name.as_str()), (Id(1_800_915_130_544_195_297), "WKS-ACME-0001"));
    assert_eq!(w.sites[0].account_id, w.accounts[0].id);
    assert_eq!(w.groups[0].site_id, w.sites[0].id);
}

#[test]
fn simulator_handle_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Simulator>();
}

// ---- threats, activities, cloud-detection alerts ----

fn all_threats(sim: &Simulator, token: &str) -> Vec<Value> {
    collect_pages(sim, "threats", "limit=1000", token).0
}

fn by_id(threats: &[Value]) -> std::collections::HashMap<String, Value> {
    threats.iter().map(|t| (t["id"].as_str().unwrap().to_string(), t.clone())).collect()
}

#[test]
fn threat_list_pages_to_the_null_end_without_duplicates() {
    let sim = start(200);
    let (items, pages) = collect_pages(&sim, "threats", "limit=7&sortBy=updatedAt", tokens::ADMIN);
    assert_eq!(pages, 300usize.div_ceil(7));
    let ids: HashSet<&str> = items.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!((items.len(), ids.len()), (300, 300));
    let updated: Vec<&str> = items.iter().map(|t| t["threatInfo"]["updatedAt"].as_str().unwrap()).collect();
    assert!(updated.windows(2).all(|w| w[0] <= w[1]));
    let last = get(&sim, "threats?limit=1000", tokens::ADMIN).json();
    assert_eq!(last["pagination"]["nextCursor"], Value::Null);
    assert_eq!(last["pagination"]["totalItems"], json!(300));
    let t = &items[0];
    assert_eq!(t["id"], t["threatInfo"]["threatId"]);
    assert!(t["threatInfo"]["mitigationStatus"].is_string());
    assert!(t["mitigationStatus"].is_array());
    assert!(t["indicators"].is_array() && t["whiteningOptions"].is_array());
    assert!(t["agentRealtimeInfo"]["agentId"].is_string());
    assert!(t["agentRealtimeInfo"]["siteId"].is_string());
    assert!(t["threatInfo"]["createdAt"].as_str().unwrap().ends_with('Z'));
    let counted = get(&sim, "threats?countOnly=true", tokens::ADMIN).json();
    assert_eq!(counted["data"], json!([]));
    assert_eq!(counted["pagination"]["totalItems"], json!(300));
    let skipped = get(&sim, "threats?skipCount=true&limit=2", tokens::ADMIN).json();
    assert_eq!(skipped["pagination"]["totalItems"], Value::Null);
    assert_error(&get(&sim, "threats?limit=1001", tokens::ADMIN), 400, 4000010);
    assert_error(&get(&sim, "threats?sortBy=threatName", tokens::ADMIN), 400, 4000010);
}

#[test]
fn threat_filters_match_the_query_and_the_callers_scope() {
    let sim = start(200);
    let all = all_threats(&sim, tokens::ADMIN);
    let check = |query: &str, expected: &dyn Fn(&Value) -> bool| {
        let (items, _) = collect_pages(&sim, "threats", &format!("limit=1000&{query}"), tokens::ADMIN);
        let want = all.iter().filter(|t| expected(t)).count();
        assert!(want > 0, "{query} matches nothing in the seed");
        assert_eq!(items.len(), want, "{query}");
        assert!(items.iter().all(expected), "{query}");
    };
    check("mitigationStatuses=mitigated", &|t| t["threatInfo"]["mitigationStatus"] == "mitigated");
    check("analystVerdicts=true_positive,suspicious", &|t| {
        ["true_positive", "suspicious"].contains(&t["threatInfo"]["analystVerdict"].as_str().unwrap())
    });
    check("incidentStatuses=in_progress", &|t| t["threatInfo"]["incidentStatus"] == "in_progress");
    check("confidenceLevels=suspicious", &|t| t["threatInfo"]["confidenceLevel"] == "suspicious");
    check("classifications=ransomware", &|t| t["threatInfo"]["classification"] == "Ransomware");
    let sha1 = all[5]["threatInfo"]["sha1"].as_str().unwrap().to_string();
    check(&format!("contentHashes={sha1}"), &|t| t["threatInfo"]["sha1"] == sha1.as_str());
    let agent = all[9]["agentRealtimeInfo"]["agentId"].as_str().unwrap().to_string();
    check(&format!("agentIds={agent}"), &|t| t["agentRealtimeInfo"]["agentId"] == agent.as_str());
    let site = all[0]["agentRealtimeInfo"]["siteId"].as_str().unwrap().to_string();
    check(&format!("siteIds={site}"), &|t| t["agentRealtimeInfo"]["siteId"] == site.as_str());
    let group = all[0]["agentRealtimeInfo"]["groupId"].as_str().unwrap().to_string();
    check(&format!("groupIds={group}"), &|t| t["agentRealtimeInfo"]["groupId"] == group.as_str());
    check("computerName__contains=srv-", &|t| t["agentRealtimeInfo"]["agentComputerName"].as_str().unwrap().starts_with("SRV-"));
    let mut created: Vec<&str> = all.iter().map(|t| t["threatInfo"]["createdAt"].as_str().unwrap()).collect();
    created.sort();
    let middle = created[150].to_string();
    check(&format!("createdAt__gte={}", encode(&middle)), &|t| t["threatInfo"]["createdAt"].as_str().unwrap() >= middle.as_str());
    check(&format!("updatedAt__lt={}", encode(&middle)), &|t| t["threatInfo"]["updatedAt"].as_str().unwrap() < middle.as_str());
    let ids = format!("{},{}", all[1]["id"].as_str().unwrap(), all[2]["id"].as_str().unwrap());
    let (items, _) = collect_pages(&sim, "threats", &format!("ids={ids}"), tokens::ADMIN);
    assert_eq!(items.len(), 2);
    assert_error(&get(&sim, "threats?mitigationStatuses=MITIGATED", tokens::ADMIN), 400, 4000010);
    assert_error(&get(&sim, "threats?createdAt__gt=yesterday", tokens::ADMIN), 400, 4000010);
    let site_admin = all_threats(&sim, tokens::SITE_ADMIN);
    let world = sim.world();
    let own_site = world.lock().unwrap().sites[0].id.to_string();
    assert!(!site_admin.is_empty() && site_admin.len() < 300);
    assert!(site_admin.iter().all(|t| t["agentRealtimeInfo"]["siteId"] == own_site.as_str()));
}

#[test]
fn mitigation_changes_state_and_reports_affected() {
    let sim = start(200);
    let all = all_threats(&sim, tokens::ADMIN);
    let target = all
        .iter()
        .find(|t| t["threatInfo"]["mitigationStatus"] == "not_mitigated" && t["agentRealtimeInfo"]["agentOsType"] == "windows")
        .unwrap();
    let id = target["id"].as_str().unwrap();
    let reply = post(&sim, "threats/mitigate/kill", Some(tokens::ADMIN), &json!({"filter": {"ids": [id]}, "data": {}}));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["data"]["affected"], json!(1));
    assert_eq!(body["data"]["details"][0]["threatId"], json!(id));
    let now = get(&sim, &format!("threats?ids={id}"), tokens::ADMIN).json()["data"][0].clone();
    assert_eq!(now["threatInfo"]["mitigationStatus"], "mitigated");
    let reports = now["mitigationStatus"].as_array().unwrap();
    assert_eq!(reports.len(), target["mitigationStatus"].as_array().unwrap().len() + 1);
    assert_eq!(reports.last().unwrap()["action"], "kill");
    assert!(now["threatInfo"]["updatedAt"].as_str() > target["threatInfo"]["updatedAt"].as_str());
    // un-quarantine adds a report but leaves the status.
    let benign = all.iter().find(|t| t["threatInfo"]["mitigationStatus"] == "not_mitigated" && t["id"] != target["id"]).unwrap();
    let benign_id = benign["id"].as_str().unwrap();
    let reply = post(&sim, "threats/mitigate/un-quarantine", Some(tokens::ADMIN), &json!({"filter": {"ids": [benign_id]}}));
    assert_eq!(reply.json()["data"]["affected"], json!(1));
    let after = get(&sim, &format!("threats?ids={benign_id}"), tokens::ADMIN).json()["data"][0].clone();
    assert_eq!(after["threatInfo"]["mitigationStatus"], "not_mitigated");
    assert_eq!(after["mitigationStatus"].as_array().unwrap().last().unwrap()["action"], "unquarantine");
    // The timeline records the action.
    let timeline = get(&sim, &format!("threats/{id}/timeline?limit=100"), tokens::ADMIN).json();
    assert!(timeline["data"].as_array().unwrap().iter().any(|a| a["activityType"] == json!(2001)));
    assert_error(&post(&sim, "threats/mitigate/explode", Some(tokens::ADMIN), &json!({"filter": {"ids": [id]}})), 404, 4040010);
    assert_error(&post(&sim, "threats/mitigate/kill", Some(tokens::ADMIN), &json!({"data": {}})), 400, 4000010);
    assert_error(&post(&sim, "threats/mitigate/kill", Some(tokens::ADMIN), &json!({"filter": {"ids": ["x1"]}})), 400, 4000010);
}

#[test]
fn verdict_and_incident_change_every_id_given_and_no_other() {
    let sim = start(200);
    let before = by_id(&all_threats(&sim, tokens::ADMIN));
    let chosen: Vec<String> = before.keys().take(5).cloned().collect();
    let reply = post(
        &sim,
        "threats/analyst-verdict",
        Some(tokens::ADMIN),
        &json!({"data": {"analystVerdict": "false_positive"}, "filter": {"ids": chosen}}),
    );
    assert_eq!(reply.json()["data"]["affected"], json!(5), "{}", reply.body);
    let reply =
        post(&sim, "threats/incident", Some(tokens::ADMIN), &json!({"data": {"incidentStatus": "resolved"}, "filter": {"ids": chosen}}));
    assert_eq!(reply.json()["data"]["affected"], json!(5));
    let reply = post(
        &sim,
        "threats/external-ticket-id",
        Some(tokens::ADMIN),
        &json!({"data": {"externalTicketId": "JIRA-42"}, "filter": {"ids": chosen}}),
    );
    assert_eq!(reply.json()["data"]["affected"], json!(5));
    let after = by_id(&all_threats(&sim, tokens::ADMIN));
    for (id, threat) in &after {
        let info = &threat["threatInfo"];
        if chosen.contains(id) {
            assert_eq!(info["analystVerdict"], "false_positive");
            assert_eq!(info["incidentStatus"], "resolved");
            assert_eq!(info["externalTicketId"], "JIRA-42");
            assert!(info["updatedAt"].as_str() > before[id]["threatInfo"]["updatedAt"].as_str());
        } else {
            assert_eq!(threat, &before[id], "threat {id} changed");
        }
    }
    let bad = json!({"data": {"analystVerdict": "FALSE_POSITIVE"}, "filter": {"ids": chosen}});
    assert_error(&post(&sim, "threats/analyst-verdict", Some(tokens::ADMIN), &bad), 400, 4000010);
    let bad = json!({"data": {"incidentStatus": "closed"}, "filter": {"ids": chosen}});
    assert_error(&post(&sim, "threats/incident", Some(tokens::ADMIN), &bad), 400, 4000010);
}

/// The console's real (dangerous) behaviour: an empty filter selects everything in scope.
#[test]
fn empty_threat_action_filter_acts_on_every_threat_in_scope() {
    let sim = start(200);
    let in_scope = get(&sim, "threats?countOnly=true", tokens::SITE_ADMIN).json()["pagination"]["totalItems"].clone();
    let reply = post(&sim, "threats/incident", Some(tokens::SITE_ADMIN), &json!({"data": {"incidentStatus": "in_progress"}, "filter": {}}));
    assert_eq!(reply.json()["data"]["affected"], in_scope);
    let all = all_threats(&sim, tokens::ADMIN);
    let own_site = sim.world().lock().unwrap().sites[0].id.to_string();
    for t in &all {
        if t["agentRealtimeInfo"]["siteId"] == own_site.as_str() {
            assert_eq!(t["threatInfo"]["incidentStatus"], "in_progress");
        }
    }
    assert!(all.iter().any(|t| t["threatInfo"]["incidentStatus"] != "in_progress"));
}

#[test]
fn viewer_gets_403_on_threat_and_alert_actions_but_can_read() {
    let sim = start(50);
    let body = json!({"data": {}, "filter": {}});
    for path in [
        "threats/mitigate/kill",
        "threats/analyst-verdict",
        "threats/incident",
        "threats/external-ticket-id",
        "threats/notes",
        "cloud-detection/alerts/incident",
        "cloud-detection/alerts/analyst-verdict",
    ] {
        assert_error(&post(&sim, path, Some(tokens::VIEWER), &body), 403, 4030010);
    }
    assert_eq!(get(&sim, "threats", tokens::VIEWER).status, 200);
    assert_eq!(get(&sim, "activities", tokens::VIEWER).status, 200);
    assert_eq!(get(&sim, "cloud-detection/alerts", tokens::VIEWER).status, 200);
}

#[test]
fn threat_notes_are_added_and_listed_with_paging() {
    let sim = start(100);
    let all = all_threats(&sim, tokens::ADMIN);
    let ids = [all[3]["id"].as_str().unwrap(), all[4]["id"].as_str().unwrap()];
    let before = get(&sim, &format!("threats/{}/notes?limit=1000", ids[0]), tokens::ADMIN).json();
    let count = before["data"].as_array().unwrap().len();
    for n in 0..3 {
        let reply =
            post(&sim, "threats/notes", Some(tokens::ADMIN), &json!({"data": {"text": format!("note {n}")}, "filter": {"ids": ids}}));
        assert_eq!(reply.json()["data"]["affected"], json!(2), "{}", reply.body);
    }
    let (notes, pages) = collect_pages(&sim, &format!("threats/{}/notes", ids[0]), "limit=2&sortBy=createdAt", tokens::ADMIN);
    assert_eq!(notes.len(), count + 3);
    assert!(pages >= 2);
    let last = notes.last().unwrap();
    assert_eq!(last["text"], "note 2");
    assert_eq!(last["creator"], "Ada Admin");
    assert_eq!(last["edited"], json!(false));
    assert!(last["id"].is_string() && last["creatorId"].is_string() && last["updatedAt"].is_string());
    let timeline = get(&sim, &format!("threats/{}/timeline?limit=1000&activityTypes=3100", ids[1]), tokens::ADMIN).json();
    assert!(timeline["data"].as_array().unwrap().len() >= 3);
    assert_error(&post(&sim, "threats/notes", Some(tokens::ADMIN), &json!({"data": {}, "filter": {"ids": ids}})), 400, 4000010);
}

#[test]
fn timeline_and_notes_of_an_unknown_or_foreign_threat_are_404() {
    let sim = start(100);
    for path in ["threats/123/timeline", "threats/123/notes", "threats/abc/timeline"] {
        assert_error(&get(&sim, path, tokens::ADMIN), 404, 4040010);
    }
    let all = all_threats(&sim, tokens::ADMIN);
    let own_site = sim.world().lock().unwrap().sites[0].id.to_string();
    let foreign = all.iter().find(|t| t["agentRealtimeInfo"]["siteId"] != own_site.as_str()).unwrap();
    let id = foreign["id"].as_str().unwrap();
    assert_error(&get(&sim, &format!("threats/{id}/timeline"), tokens::SITE_ADMIN), 404, 4040010);
    let timeline = get(&sim, &format!("threats/{id}/timeline?limit=100"), tokens::ADMIN).json();
    let items = timeline["data"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|a| a["threatId"] == json!(id)));
    assert!(items.iter().any(|a| [18, 19].contains(&a["activityType"].as_u64().unwrap())));
}

#[test]
fn activities_types_and_created_at_filter() {
    let sim = start(200);
    let types = get(&sim, "activities/types", tokens::ADMIN).json();
    let types = types["data"].as_array().unwrap();
    assert!(types.iter().any(|t| t["id"] == json!(86)));
    assert!(types.iter().all(|t| t["id"].is_u64() && t["action"].is_string() && t["descriptionTemplate"].is_string()));
    let (all, _) = collect_pages(&sim, "activities", "limit=1000&sortBy=createdAt", tokens::ADMIN);
    assert_eq!(all.len(), 1500);
    let ids: HashSet<&str> = all.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 1500);
    let created: Vec<&str> = all.iter().map(|a| a["createdAt"].as_str().unwrap()).collect();
    assert!(created.windows(2).all(|w| w[0] <= w[1]));
    let cut = created[1000];
    let (after, _) = collect_pages(&sim, "activities", &format!("limit=300&createdAt__gt={}", encode(cut)), tokens::ADMIN);
    assert_eq!(after.len(), created.iter().filter(|c| **c > cut).count());
    assert!(after.iter().all(|a| a["createdAt"].as_str().unwrap() > cut));
    let (logins, _) = collect_pages(&sim, "activities", "limit=1000&activityTypes=27,92", tokens::ADMIN);
    assert!(!logins.is_empty());
    assert!(logins.iter().all(|a| [27, 92].contains(&a["activityType"].as_u64().unwrap())));
    let threat = all.iter().find(|a| a["threatId"].is_string()).unwrap();
    let threat_id = threat["threatId"].as_str().unwrap();
    let (on_threat, _) = collect_pages(&sim, "activities", &format!("limit=1000&threatIds={threat_id}"), tokens::ADMIN);
    assert!(on_threat.iter().all(|a| a["threatId"] == json!(threat_id)));
    assert_error(&get(&sim, "activities?activityTypes=login", tokens::ADMIN), 400, 4000010);
    assert_error(&get(&sim, "activities?sortBy=updatedAt", tokens::ADMIN), 400, 4000010);
    // Threat and agent actions append activities.
    let before = all.len();
    let reply = post(
        &sim,
        "threats/incident",
        Some(tokens::ADMIN),
        &json!({"data": {"incidentStatus": "resolved"}, "filter": {"ids": [threat_id]}}),
    );
    assert_eq!(reply.status, 200);
    let agent_id = threat["agentId"].as_str().unwrap();
    let reply = post(&sim, "agents/actions/initiate-scan", Some(tokens::ADMIN), &json!({"filter": {"ids": [agent_id]}}));
    assert_eq!(reply.json()["data"]["affected"], json!(1));
    let now = get(&sim, "activities?countOnly=true", tokens::ADMIN).json();
    assert_eq!(now["pagination"]["totalItems"], json!(before + 2));
    let newest = get(&sim, "activities?sortBy=id&sortOrder=desc&limit=1", tokens::ADMIN).json();
    assert_eq!(newest["data"][0]["activityType"], json!(90));
    assert_eq!(newest["data"][0]["agentId"], json!(agent_id));
}

#[test]
fn alerts_filter_in_upper_snake_and_answer_display_case() {
    let sim = start(200);
    let (all, _) = collect_pages(&sim, "cloud-detection/alerts", "limit=1000&sortBy=alertInfoCreatedAt", tokens::ADMIN);
    assert_eq!(all.len(), 200);
    let a = &all[0];
    assert!(a.get("id").is_none());
    assert!(a["alertInfo"]["alertId"].is_string());
    assert!(a["ruleInfo"]["severity"].is_string() && a["sourceProcessInfo"]["name"].is_string());
    assert!(a["agentDetectionInfo"]["siteId"].is_string() && a["agentRealtimeInfo"]["id"].is_string());
    let statuses: HashSet<&str> = all.iter().map(|a| a["alertInfo"]["incidentStatus"].as_str().unwrap()).collect();
    assert!(statuses.contains("Unresolved"));
    assert!(statuses.iter().all(|s| ["Unresolved", "In progress", "Resolved"].contains(s)));
    let (open, _) = collect_pages(&sim, "cloud-detection/alerts", "limit=1000&incidentStatus=UNRESOLVED", tokens::ADMIN);
    assert_eq!(open.len(), all.iter().filter(|a| a["alertInfo"]["incidentStatus"] == "Unresolved").count());
    let (undefined, _) = collect_pages(&sim, "cloud-detection/alerts", "limit=1000&analystVerdict=UNDEFINED,SUSPICIOUS", tokens::ADMIN);
    assert!(undefined.iter().all(|a| { ["Undefined", "Suspicious"].contains(&a["alertInfo"]["analystVerdict"].as_str().unwrap()) }));
    assert!(!undefined.is_empty());
    let (critical, _) = collect_pages(&sim, "cloud-detection/alerts", "limit=1000&severity=Critical", tokens::ADMIN);
    assert!(!critical.is_empty() && critical.iter().all(|a| a["ruleInfo"]["severity"] == "Critical"));
    assert_error(&get(&sim, "cloud-detection/alerts?incidentStatus=unresolved", tokens::ADMIN), 400, 4000010);
    assert_error(&get(&sim, "cloud-detection/alerts?incidentStatus=Unresolved", tokens::ADMIN), 400, 4000010);
    let ids: Vec<&str> = open.iter().take(3).map(|a| a["alertInfo"]["alertId"].as_str().unwrap()).collect();
    let reply = post(
        &sim,
        "cloud-detection/alerts/incident",
        Some(tokens::ADMIN),
        &json!({"data": {"incidentStatus": "in_progress"}, "filter": {"ids": ids}}),
    );
    assert_eq!(reply.json()["data"]["affected"], json!(3), "{}", reply.body);
    let reply = post(
        &sim,
        "cloud-detection/alerts/analyst-verdict",
        Some(tokens::ADMIN),
        &json!({"data": {"analystVerdict": "TRUE_POSITIVE"}, "filter": {"ids": ids}}),
    );
    assert_eq!(reply.json()["data"]["affected"], json!(3));
    let (changed, _) = collect_pages(&sim, "cloud-detection/alerts", &format!("limit=10&ids={}", ids.join(",")), tokens::ADMIN);
    assert_eq!(changed.len(), 3);
    for a in &changed {
        assert_eq!(a["alertInfo"]["incidentStatus"], "In progress");
        assert_eq!(a["alertInfo"]["analystVerdict"], "True positive");
    }
    let (still_open, _) = collect_pages(&sim, "cloud-detection/alerts", "limit=1000&incidentStatus=UNRESOLVED", tokens::ADMIN);
    assert_eq!(still_open.len(), open.len() - 3);
    let bad = json!({"data": {"incidentStatus": "Resolved"}, "filter": {"ids": ids}});
    assert_error(&post(&sim, "cloud-detection/alerts/incident", Some(tokens::ADMIN), &bad), 400, 4000010);
}

#[test]
fn request_log_redacts_tokens_in_threat_actions() {
    let sim = start(20);
    let all = all_threats(&sim, tokens::ADMIN);
    let id = all[0]["id"].as_str().unwrap();
    post(
        &sim,
        "threats/notes",
        Some(tokens::ADMIN),
        &json!({"data": {"text": format!("pasted {}", tokens::ADMIN)}, "filter": {"ids": [id]}}),
    );
    get(&sim, &format!("threats?query={}", tokens::VIEWER), tokens::VIEWER);
    let text = serde_json::to_string(&sim.requests()).unwrap();
    for token in tokens::ALL {
        assert!(!text.contains(token), "token leaked into the request log");
    }
    assert!(sim.requests().iter().any(|r| r.path.ends_with("/threats/notes") && r.status == 200));
}

#[test]
fn threats_activities_and_alerts_are_deterministic_for_a_seed() {
    let a = seed::build(42, 300, Timestamp::now());
    let b = seed::build(42, 300, Timestamp::now());
    let view = |w: &World| {
        (
            serde_json::to_string(&w.threats).unwrap(),
            serde_json::to_string(&w.activities).unwrap(),
            serde_json::to_string(&w.alerts).unwrap(),
        )
    };
    assert_eq!(view(&a), view(&b));
    assert_eq!((a.threats.len(), a.activities.len(), a.alerts.len()), (300, 1500, 200));
    assert!(a.threats.iter().all(|t| { a.agents.iter().any(|x| x.id == t.agent_realtime_info.agent_id) }));
    assert!(seed::build(7, 10, Timestamp::now()).threats.len() == 300);
    assert!(seed::build(7, 0, Timestamp::now()).threats.is_empty());
}
