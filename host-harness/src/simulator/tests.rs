//! End-to-end tests of the simulator over real HTTP, with a tiny blocking HTTP/1.1 client.

use super::*;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request (`Connection: close`) and reads the whole answer.
fn send(
    sim: &Simulator,
    method: &str,
    target: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Reply {
    let address = sim.base_url().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&address).expect("connect");
    let path = if target.starts_with('/') {
        target.to_string()
    } else {
        format!("{PREFIX}/{target}")
    };
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nAccept: application/json\r\n"
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: ApiToken {token}\r\n"));
    }
    let body = body.unwrap_or("");
    if method != "GET" {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("header end");
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&tail[..size]);
        rest = &tail[size + 2..];
    }
    out
}

fn get(sim: &Simulator, target: &str, token: &str) -> Reply {
    send(sim, "GET", target, Some(token), None)
}

fn post(sim: &Simulator, target: &str, token: Option<&str>, body: &Value) -> Reply {
    send(sim, "POST", target, token, Some(&body.to_string()))
}

/// Percent-encodes a query value once (everything but unreserved characters).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn start(agents: usize) -> Simulator {
    Simulator::start(SimulatorOptions {
        agents,
        ..SimulatorOptions::default()
    })
    .expect("simulator starts")
}

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
        let data = if endpoint == "sites" {
            body["data"]["sites"].clone()
        } else {
            body["data"].clone()
        };
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
    assert!(
        first
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let body = first.json();
    assert_eq!(body["pagination"]["totalItems"], json!(2500));
    assert_eq!(body["data"].as_array().unwrap().len(), 1000);
    let (agents, pages) = collect_pages(&sim, "agents", "limit=1000", tokens::ADMIN);
    assert_eq!(pages, 3);
    let ids: HashSet<&str> = agents.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2500);
    for id in &ids {
        assert!(
            (18..=19).contains(&id.len()) && id.parse::<u64>().unwrap() > (1u64 << 53),
            "{id}"
        );
    }
    let names: HashSet<&str> = agents
        .iter()
        .map(|a| a["computerName"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2500);
    // Default order is id ascending; the last page ends with JSON null.
    let numeric: Vec<u64> = agents
        .iter()
        .map(|a| a["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(numeric.windows(2).all(|w| w[0] < w[1]));
    let last = get(&sim, "agents?limit=1000&skip=1000", tokens::ADMIN).json();
    assert!(last["pagination"]["nextCursor"].is_string());
    let a = &agents[0];
    for field in [
        "uuid",
        "osType",
        "machineType",
        "networkStatus",
        "lastActiveDate",
        "siteId",
        "groupId",
        "accountName",
    ] {
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
    assert_error(
        &get(&sim, "agents?isActive=maybe", tokens::ADMIN),
        400,
        4000010,
    );
    assert_error(
        &get(&sim, "agents?osTypes=windoze", tokens::ADMIN),
        400,
        4000010,
    );
    assert_error(&get(&sim, "agents?ids=1.8e18", tokens::ADMIN), 400, 4000010);
    assert_error(
        &get(&sim, "agents?updatedAt__gte=yesterday", tokens::ADMIN),
        400,
        4000010,
    );
    assert_error(
        &get(&sim, "agents?sortBy=colour", tokens::ADMIN),
        400,
        4000010,
    );
    assert_error(&get(&sim, "agents?skip=1001", tokens::ADMIN), 400, 4000010);
    assert_error(
        &get(&sim, "accounts?limit=1001", tokens::ADMIN),
        400,
        4000010,
    );
    assert_eq!(
        get(&sim, "agents?limit=1000&someUnknownParam=1", tokens::ADMIN).status,
        200
    );
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
    assert_eq!(
        groups
            .iter()
            .filter(|g| g["isDefault"] == json!(true))
            .count(),
        4
    );
    assert!(groups.iter().any(|g| g["type"] == json!("dynamic")));
    let id = groups[0]["id"].as_str().unwrap();
    assert_eq!(
        get(&sim, &format!("groups/{id}"), tokens::ADMIN).json()["data"]["id"],
        json!(id)
    );
}

#[test]
fn cursor_is_padded_standard_base64_and_must_be_encoded_once_with_the_same_filters() {
    let sim = start(200);
    let body = get(&sim, "agents?limit=10&osTypes=windows,linux", tokens::ADMIN).json();
    let cursor = body["pagination"]["nextCursor"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(cursor.ends_with('='), "{cursor}");
    assert!(cursor.contains('+') && cursor.contains('/'), "{cursor}");
    let good = get(
        &sim,
        &format!(
            "agents?limit=10&osTypes=windows,linux&cursor={}",
            encode(&cursor)
        ),
        tokens::ADMIN,
    );
    assert_eq!(good.status, 200);
    assert_ne!(good.json()["data"][0]["id"], body["data"][0]["id"]);
    // Not encoded: '+' arrives as a space.
    assert_error(
        &get(
            &sim,
            &format!("agents?limit=10&osTypes=windows,linux&cursor={cursor}"),
            tokens::ADMIN,
        ),
        400,
        4000010,
    );
    // Encoded twice.
    let twice = encode(&encode(&cursor));
    assert_error(
        &get(
            &sim,
            &format!("agents?limit=10&osTypes=windows,linux&cursor={twice}"),
            tokens::ADMIN,
        ),
        400,
        4000010,
    );
    // Reused with other filters or another sort.
    assert_error(
        &get(
            &sim,
            &format!("agents?limit=10&osTypes=windows&cursor={}", encode(&cursor)),
            tokens::ADMIN,
        ),
        400,
        4000010,
    );
    assert_error(
        &get(
            &sim,
            &format!(
                "agents?limit=10&osTypes=windows,linux&sortOrder=desc&cursor={}",
                encode(&cursor)
            ),
            tokens::ADMIN,
        ),
        400,
        4000010,
    );
    // On another endpoint.
    assert_error(
        &get(
            &sim,
            &format!("groups?cursor={}", encode(&cursor)),
            tokens::ADMIN,
        ),
        400,
        4000010,
    );
    // A different limit is fine.
    assert_eq!(
        get(
            &sim,
            &format!(
                "agents?limit=50&osTypes=windows,linux&cursor={}",
                encode(&cursor)
            ),
            tokens::ADMIN
        )
        .status,
        200
    );
}

#[test]
fn sites_data_is_an_object_with_sites_and_all_sites_and_ends_with_empty_string() {
    let sim = start(100);
    let reply = get(&sim, "sites", tokens::ADMIN);
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let sites = body["data"]["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 4);
    assert_eq!(
        body["data"]["allSites"]["activeLicenses"],
        json!(
            sites
                .iter()
                .map(|s| s["activeLicenses"].as_u64().unwrap())
                .sum::<u64>()
        )
    );
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
    let expected =
        json!({"errors": [{"code": 4010010, "detail": null, "title": "Authentication Failed"}]});
    for token in [None, Some(tokens::UNKNOWN), Some(tokens::EXPIRED), Some("")] {
        let reply = send(&sim, "GET", "agents", token, None);
        assert_eq!(reply.status, 401);
        assert_eq!(reply.json(), expected);
    }
    assert_eq!(send(&sim, "GET", "system/info", None, None).status, 401);
    let status = send(&sim, "GET", "system/status", None, None);
    assert_eq!(
        (status.status, status.json()),
        (200, json!({"data": {"health": "ok"}}))
    );
    let info = get(&sim, "system/info", tokens::VIEWER).json();
    assert_eq!(info["data"]["version"], json!("24.1.2"));
}

#[test]
fn viewer_gets_403_on_agent_actions_but_can_read() {
    let sim = start(10);
    let reply = post(
        &sim,
        "agents/actions/disconnect",
        Some(tokens::VIEWER),
        &json!({"filter": {"ids": ["1"]}, "data": {}}),
    );
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.json(),
        json!({"errors": [{"code": 4030010, "detail": "Action limited to users with higher permissions.", "title": "Insufficient permissions"}]})
    );
    assert_eq!(get(&sim, "agents", tokens::VIEWER).status, 200);
    let details = post(
        &sim,
        "users/api-token-details",
        Some(tokens::VIEWER),
        &json!({"data": {"apiToken": tokens::VIEWER}}),
    );
    assert_eq!(details.status, 200);
}

#[test]
fn site_admin_listings_are_confined_to_its_site() {
    let sim = start(400);
    let (site_id, account_id, other_site, in_site) = {
        let world = sim.world();
        let w = world.lock().unwrap();
        let site = w.sites[0].id.to_string();
        let n = w
            .agents
            .iter()
            .filter(|a| a.site_id == w.sites[0].id)
            .count();
        (
            site,
            w.accounts[0].id.to_string(),
            w.sites[1].id.to_string(),
            n,
        )
    };
    let (agents, _) = collect_pages(&sim, "agents", "limit=100", tokens::SITE_ADMIN);
    assert_eq!(agents.len(), in_site);
    assert!(agents.iter().all(|a| a["siteId"] == json!(site_id)));
    let count = get(&sim, "agents/count", tokens::SITE_ADMIN).json();
    assert_eq!(count, json!({"data": {"total": in_site}}));
    let sites = get(&sim, "sites", tokens::SITE_ADMIN).json();
    assert_eq!(sites["data"]["sites"].as_array().unwrap().len(), 1);
    assert_eq!(sites["data"]["sites"][0]["id"], json!(site_id));
    assert_eq!(
        get(&sim, "groups", tokens::SITE_ADMIN).json()["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        get(&sim, "accounts", tokens::SITE_ADMIN).json()["pagination"]["totalItems"],
        json!(0)
    );
    assert_eq!(
        get(
            &sim,
            &format!("agents?siteIds={other_site}"),
            tokens::SITE_ADMIN
        )
        .json()["pagination"]["totalItems"],
        json!(0)
    );
    assert_error(
        &get(&sim, &format!("sites/{other_site}"), tokens::SITE_ADMIN),
        404,
        4040010,
    );
    assert_error(
        &get(&sim, &format!("accounts/{account_id}"), tokens::SITE_ADMIN),
        404,
        4040010,
    );
    let user = get(&sim, "user", tokens::SITE_ADMIN).json();
    assert_eq!(user["data"]["scope"], json!("site"));
    assert_eq!(user["data"]["scopeRoles"][0]["id"], json!(site_id));
    // An empty action filter reaches every agent in scope, and no further.
    let reply = post(
        &sim,
        "agents/actions/initiate-scan",
        Some(tokens::SITE_ADMIN),
        &json!({"filter": {}, "data": {}}),
    );
    assert_eq!(reply.json(), json!({"data": {"affected": in_site}}));
}

#[test]
fn service_user_sees_one_account_and_is_marked_as_service_user() {
    let sim = start(300);
    let user = get(&sim, "user", tokens::SERVICE_USER).json();
    assert_eq!(user["data"]["source"], json!("service_user"));
    assert_eq!(user["data"]["scope"], json!("account"));
    assert_eq!(
        get(&sim, "user", tokens::ADMIN).json()["data"]["source"],
        json!("mgmt")
    );
    let accounts = get(&sim, "accounts", tokens::SERVICE_USER).json();
    assert_eq!(accounts["data"].as_array().unwrap().len(), 1);
    let account_id = accounts["data"][0]["id"].clone();
    let (agents, _) = collect_pages(&sim, "agents", "limit=1000", tokens::SERVICE_USER);
    assert!(!agents.is_empty() && agents.iter().all(|a| a["accountId"] == account_id));
    assert_eq!(
        get(&sim, "sites", tokens::SERVICE_USER).json()["data"]["sites"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn api_token_details_reports_expiry_for_known_tokens_including_expired() {
    let sim = start(10);
    let details = |token: &str, header: Option<&str>| {
        post(
            &sim,
            "users/api-token-details",
            header,
            &json!({"data": {"apiToken": token}}),
        )
    };
    let reply = details(tokens::EXPIRING, Some(tokens::EXPIRING));
    assert_eq!(reply.status, 200);
    let expires = Timestamp::parse(reply.json()["data"]["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!((expires.0 - Timestamp::now().0) / clock::MICROS_PER_DAY, 10);
    assert!(reply.json()["data"]["createdAt"].is_string());
    assert_eq!(details(tokens::EXPIRED, Some(tokens::EXPIRED)).status, 200);
    assert_eq!(details(tokens::EXPIRED, None).status, 200);
    assert_error(&details(tokens::UNKNOWN, Some(tokens::ADMIN)), 400, 4000010);
    assert_error(&details(tokens::ADMIN, Some(tokens::UNKNOWN)), 401, 4010010);
    assert_error(
        &send(
            &sim,
            "POST",
            "users/api-token-details",
            Some(tokens::ADMIN),
            Some("{not json"),
        ),
        400,
        4000010,
    );
    assert_error(
        &post(
            &sim,
            "users/api-token-details",
            Some(tokens::ADMIN),
            &json!({"data": {}}),
        ),
        400,
        4000010,
    );
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
        post(
            &sim,
            "users/api-token-details",
            Some(token),
            &json!({"data": {"apiToken": token}}),
        );
        get(&sim, &format!("agents?query={token}&token={token}"), token);
        send(
            &sim,
            "POST",
            "agents/actions/fetch-logs",
            Some(token),
            Some(&format!("not json {token}")),
        );
    }
    send(&sim, "GET", "no/such/route", None, None);
    let requests = sim.requests();
    assert_eq!(requests.len(), tokens::ALL.len() * 4 + 1);
    assert_eq!(
        requests[0].authorization.as_deref(),
        Some("ApiToken <redacted>")
    );
    assert_eq!(requests[0].token_name.as_deref(), Some("admin"));
    assert_eq!(requests[0].status, 200);
    assert_eq!(
        requests[0].query,
        vec![("limit".to_string(), "5".to_string())]
    );
    let expired = requests
        .iter()
        .find(|r| r.path.ends_with("/agents") && r.status == 401)
        .unwrap();
    assert_eq!(expired.token_name, None);
    assert_eq!(requests.last().unwrap().status, 404);
    let dump = std::env::temp_dir().join(format!("s1-sim-dump-{}.jsonl", std::process::id()));
    sim.write_request_log(&dump).unwrap();
    let texts = [
        serde_json::to_string(&requests).unwrap(),
        std::fs::read_to_string(&dump).unwrap(),
        std::fs::read_to_string(&log_file).unwrap(),
    ];
    for text in &texts {
        for token in tokens::ALL {
            assert!(!text.contains(token), "token leaked into the request log");
        }
    }
    let lines: Vec<RecordedRequest> = texts[1]
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
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
    let id = get(
        &sim,
        "agents?limit=1&networkStatuses=connected",
        tokens::ADMIN,
    )
    .json()["data"][0]["id"]
        .clone();
    let reply = post(
        &sim,
        "agents/actions/disconnect",
        Some(tokens::ADMIN),
        &json!({"filter": {"ids": [id]}, "data": {}}),
    );
    assert_eq!(reply.json(), json!({"data": {"affected": 1}}));
    let target = format!("agents?ids={}", id.as_str().unwrap());
    assert_eq!(
        get(&sim, &target, tokens::ADMIN).json()["data"][0]["networkStatus"],
        json!("disconnecting")
    );
    assert_eq!(
        get(&sim, &target, tokens::ADMIN).json()["data"][0]["networkStatus"],
        json!("disconnected")
    );
    post(
        &sim,
        "agents/actions/connect",
        Some(tokens::ADMIN),
        &json!({"filter": {"ids": [id]}}),
    );
    assert_eq!(
        get(&sim, &target, tokens::ADMIN).json()["data"][0]["networkStatus"],
        json!("connecting")
    );
    assert_eq!(
        get(&sim, &target, tokens::ADMIN).json()["data"][0]["networkStatus"],
        json!("connected")
    );
}

#[test]
fn agent_actions_validate_their_body_and_change_state() {
    let sim = start(50);
    assert_error(
        &post(
            &sim,
            "agents/actions/disconnect",
            Some(tokens::ADMIN),
            &json!({"data": {}}),
        ),
        400,
        4000010,
    );
    assert_error(
        &post(
            &sim,
            "agents/actions/disconnect",
            Some(tokens::ADMIN),
            &json!({"filter": {"isActive": "maybe"}}),
        ),
        400,
        4000010,
    );
    assert_error(
        &post(
            &sim,
            "agents/actions/broadcast",
            Some(tokens::ADMIN),
            &json!({"filter": {}, "data": {}}),
        ),
        400,
        4000010,
    );
    assert_error(
        &post(
            &sim,
            "agents/actions/move-to-site",
            Some(tokens::ADMIN),
            &json!({"filter": {}, "data": {}}),
        ),
        400,
        4000010,
    );
    assert_error(
        &post(
            &sim,
            "agents/actions/self-destruct",
            Some(tokens::ADMIN),
            &json!({"filter": {}}),
        ),
        404,
        4040010,
    );
    assert_error(
        &post(
            &sim,
            "agents/actions/decommission",
            None,
            &json!({"filter": {}}),
        ),
        401,
        4010010,
    );
    let ids: Vec<Value> = get(&sim, "agents?limit=3&isDecommissioned=false", tokens::ADMIN).json()
        ["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].clone())
        .collect();
    let reply = post(
        &sim,
        "agents/actions/decommission",
        Some(tokens::ADMIN),
        &json!({"filter": {"ids": ids}, "data": {}}),
    );
    assert_eq!(reply.json()["data"]["affected"], json!(3));
    let csv: Vec<&str> = ids.iter().map(|v| v.as_str().unwrap()).collect();
    let after = get(
        &sim,
        &format!("agents?ids={}", csv.join(",")),
        tokens::ADMIN,
    )
    .json();
    assert!(
        after["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["isDecommissioned"] == json!(true))
    );
    post(
        &sim,
        "agents/actions/uninstall",
        Some(tokens::ADMIN),
        &json!({"filter": {"ids": ids}}),
    );
    let world = sim.world();
    let w = world.lock().unwrap();
    assert_eq!(
        w.agents.iter().filter(|a| a.is_pending_uninstall).count(),
        3
    );
}

#[test]
fn agent_filters_and_sorting_follow_the_query() {
    let sim = start(300);
    let all = get(&sim, "agents?limit=1000", tokens::ADMIN).json();
    let agents = all["data"].as_array().unwrap();
    let count = |pred: &dyn Fn(&Value) -> bool| agents.iter().filter(|a| pred(a)).count();
    let total = |q: &str| {
        get(&sim, &format!("agents?{q}"), tokens::ADMIN).json()["pagination"]["totalItems"]
            .as_u64()
            .unwrap() as usize
    };
    assert_eq!(
        total("osTypes=linux,macos"),
        count(&|a| a["osType"] != json!("windows"))
    );
    assert_eq!(
        total("osTypesNin=windows"),
        count(&|a| a["osType"] != json!("windows"))
    );
    assert_eq!(
        total("isActive=false"),
        count(&|a| a["isActive"] == json!(false))
    );
    assert_eq!(
        total("infected=true"),
        count(&|a| a["infected"] == json!(true))
    );
    assert_eq!(
        total("computerName__contains=srv-,lap-"),
        count(&|a| !a["computerName"].as_str().unwrap().starts_with("WKS"))
    );
    let name = agents[5]["computerName"].as_str().unwrap();
    assert_eq!(total(&format!("computerName={name}")), 1);
    let uuid = agents[7]["uuid"].as_str().unwrap();
    assert_eq!(total(&format!("query={}", uuid.to_uppercase())), 1);
    let inet = agents[7]["networkInterfaces"][0]["inet"][0]
        .as_str()
        .unwrap();
    assert!(
        total(&format!("query={inet}")) >= 1,
        "free text is a substring match"
    );
    let pivot = agents[10]["updatedAt"].as_str().unwrap();
    assert_eq!(
        total(&format!("updatedAt__gte={}", encode(pivot))),
        count(&|a| a["updatedAt"].as_str().unwrap() >= pivot)
    );
    let sorted = get(
        &sim,
        "agents?limit=20&sortBy=computerName&sortOrder=desc",
        tokens::ADMIN,
    )
    .json();
    let names: Vec<&str> = sorted["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["computerName"].as_str().unwrap())
        .collect();
    assert!(
        names
            .windows(2)
            .all(|w| w[0].to_lowercase() >= w[1].to_lowercase())
    );
    let (by_update, _) = collect_pages(
        &sim,
        "agents",
        "limit=70&sortBy=updatedAt&sortOrder=asc",
        tokens::ADMIN,
    );
    assert_eq!(by_update.len(), 300);
    assert!(
        by_update
            .windows(2)
            .all(|w| w[0]["updatedAt"].as_str() <= w[1]["updatedAt"].as_str())
    );
    let count_only = get(&sim, "agents?countOnly=true", tokens::ADMIN).json();
    assert_eq!(
        (
            count_only["data"].clone(),
            count_only["pagination"]["totalItems"].clone()
        ),
        (json!([]), json!(300))
    );
    assert_eq!(
        get(&sim, "agents?skipCount=true", tokens::ADMIN).json()["pagination"]["totalItems"],
        Value::Null
    );
    let skipped = get(&sim, "agents?limit=5&skip=5", tokens::ADMIN).json();
    assert_eq!(skipped["data"][0]["id"], agents[5]["id"]);
}

#[test]
fn unknown_routes_and_ids_answer_404_with_the_error_envelope() {
    let sim = start(10);
    assert_error(&get(&sim, "threats-of-doom", tokens::ADMIN), 404, 4040010);
    assert_error(
        &get(&sim, "accounts/1800000000000000001", tokens::ADMIN),
        404,
        4040010,
    );
    assert_error(
        &get(&sim, "groups/not-a-number", tokens::ADMIN),
        404,
        4040010,
    );
    assert_error(&get(&sim, "groups/%FF%FE", tokens::ADMIN), 404, 4040010);
    assert_error(
        &post(
            &sim,
            "agents/actions/%FF",
            Some(tokens::ADMIN),
            &json!({"filter": {}}),
        ),
        404,
        4040010,
    );
    assert_error(&send(&sim, "GET", "/", None, None), 404, 4040010);
    let reply = send(&sim, "DELETE", "agents", Some(tokens::ADMIN), Some(""));
    assert_error(&reply, 405, 4050010);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
}

#[test]
fn the_world_is_deterministic_for_a_seed() {
    let a = seed::build(42, 100, Timestamp::now());
    let b = seed::build(42, 100, Timestamp::now());
    let c = seed::build(7, 100, Timestamp::now());
    let ids = |w: &World| {
        w.agents
            .iter()
            .map(|a| (a.id, a.computer_name.clone(), a.updated_at))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ids(&b));
    assert_ne!(ids(&a), ids(&c));
    assert_eq!((a.accounts.len(), a.sites.len(), a.groups.len()), (2, 4, 8));
    let inactive = seed::build(42, 2500, Timestamp::now())
        .agents
        .iter()
        .filter(|a| !a.is_active)
        .count();
    assert!((150..400).contains(&inactive), "{inactive}");
}

#[test]
fn simulator_stops_on_drop_and_serves_async_callers() {
    let sim = start(5);
    let url = sim.base_url();
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with('/'));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let address = url.trim_start_matches("http://").to_string();
        let status = tokio::task::spawn_blocking(move || {
            let mut s = TcpStream::connect(address).unwrap();
            s.write_all(
                b"GET /web/api/v2.1/system/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            )
            .unwrap();
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
    assert_eq!(
        (w.agents[0].id, w.agents[0].computer_name.as_str()),
        (Id(1_800_915_130_544_195_297), "WKS-ACME-0001")
    );
    assert_eq!(w.sites[0].account_id, w.accounts[0].id);
    assert_eq!(w.groups[0].site_id, w.sites[0].id);
}

#[test]
fn simulator_handle_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Simulator>();
}
