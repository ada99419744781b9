//! Over-HTTP tests of the blocklist, exclusions, hash verdicts, threat extras (explore events,
//! add-to-blacklist, fetch-file), group move-agents and the agent extras (applications,
//! fetch-files).

use super::test_client::{delete_json, encode, get_json, get_ok, post_json, put_json, request_json, start};
use super::*;
use serde_json::{Value, json};
use std::collections::HashSet;

pub(super) fn assert_error(reply: &(u16, Value), status: u16, code: u64) {
    assert_eq!(reply.0, status, "{}", reply.1);
    assert_eq!(reply.1["errors"][0]["code"], json!(code), "{}", reply.1);
}

/// Every item of a listing, following `nextCursor`; also the number of pages.
pub(super) fn all_pages(sim: &Simulator, endpoint: &str, query: &str, token: &str) -> (Vec<Value>, usize) {
    let (mut items, mut pages, mut cursor) = (Vec::new(), 0, None::<String>);
    loop {
        let mut target = format!("{endpoint}?{query}");
        if let Some(c) = &cursor {
            target.push_str(&format!("&cursor={}", encode(c)));
        }
        let body = get_ok(sim, &target, token);
        pages += 1;
        items.extend(body["data"].as_array().unwrap().iter().cloned());
        match body["pagination"]["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return (items, pages),
        }
    }
}

const SHA1: &str = "0123456789abcdef0123456789abcdef01234567";
pub(super) const PASSWORD: &str = "Str0ng!Passw0rd";

fn restriction(value: &str, filter: Value) -> Value {
    json!({"data": {"type": "black_hash", "value": value, "osType": "windows", "description": "test"},
           "filter": filter})
}

/// (account, site, group of that site, another site) ids of the first site, as strings.
pub(super) fn first_site(sim: &Simulator) -> (String, String, String, String) {
    let world = sim.world();
    let w = world.lock().unwrap();
    let site = &w.sites[0];
    let group = w.groups.iter().find(|g| g.site_id == site.id).unwrap();
    (site.account_id.to_string(), site.id.to_string(), group.id.to_string(), w.sites[1].id.to_string())
}

pub(super) fn ids_of(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

fn listed(sim: &Simulator, query: &str, token: &str, id: &str) -> bool {
    let (items, _) = all_pages(sim, "restrictions", &format!("limit=1000&{query}"), token);
    ids_of(&items).iter().any(|i| i == id)
}

// ---- restrictions ----

#[test]
fn duplicate_restriction_is_400_already_exists() {
    let sim = start(20);
    let (_, site, ..) = first_site(&sim);
    let body = restriction(SHA1, json!({"siteIds": [site]}));
    let (status, created) = post_json(&sim, "restrictions", tokens::ADMIN, &body);
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["data"].as_array().unwrap().len(), 1);
    let reply = post_json(&sim, "restrictions", tokens::ADMIN, &body);
    assert_error(&reply, 400, 4000030);
    assert_eq!(reply.1["errors"][0]["title"], json!("Already Exists Error"));
    let upper = restriction(&SHA1.to_uppercase(), json!({"siteIds": [site]}));
    assert_error(&post_json(&sim, "restrictions", tokens::ADMIN, &upper), 400, 4000030);
}

#[test]
fn created_restriction_has_the_console_shape() {
    let sim = start(20);
    let (account, site, ..) = first_site(&sim);
    let body = restriction(SHA1, json!({"siteIds": [site]}));
    let (_, created) = post_json(&sim, "restrictions", tokens::ADMIN, &body);
    let item = &created["data"][0];
    assert_eq!(item["scope"], json!({"siteIds": [site]}));
    assert_eq!(item["scopePath"], json!("Global / Acme Corporation / Acme Headquarters"));
    assert_eq!(item["scopeName"], json!("Acme Headquarters"));
    assert_eq!(item["source"], json!("user"));
    assert_eq!(item["userName"], json!("Ada Admin"));
    assert_eq!((item["type"].clone(), item["value"].clone()), (json!("black_hash"), json!(SHA1)));
    assert!(item["id"].is_string() && item["createdAt"].is_string());
    assert!(item.get("mode").is_none());
    let tenant = restriction(SHA1, json!({"tenant": true}));
    let (_, global) = post_json(&sim, "restrictions", tokens::ADMIN, &tenant);
    assert_eq!(global["data"][0]["scope"], json!({"tenant": true}));
    assert_eq!(global["data"][0]["scopePath"], json!("Global"));
    let accounts = restriction(SHA1, json!({"accountIds": [account]}));
    let (_, at_account) = post_json(&sim, "restrictions", tokens::ADMIN, &accounts);
    assert_eq!(at_account["data"][0]["scopePath"], json!("Global / Acme Corporation"));
}

#[test]
fn restriction_at_a_site_is_listed_at_that_site_and_with_include_flags_only() {
    let sim = start(20);
    let (account, site, group, other_site) = first_site(&sim);
    let body = restriction(SHA1, json!({"siteIds": [site]}));
    let (_, created) = post_json(&sim, "restrictions", tokens::ADMIN, &body);
    let id = created["data"][0]["id"].as_str().unwrap().to_string();
    let admin = tokens::ADMIN;
    assert!(listed(&sim, "", admin, &id), "no scope filter lists everything visible");
    assert!(listed(&sim, &format!("siteIds={site}"), admin, &id));
    assert!(!listed(&sim, &format!("siteIds={other_site}"), admin, &id));
    assert!(!listed(&sim, &format!("accountIds={account}"), admin, &id));
    assert!(listed(&sim, &format!("accountIds={account}&includeChildren=true"), admin, &id));
    assert!(!listed(&sim, "tenant=true", admin, &id));
    assert!(listed(&sim, "tenant=true&includeChildren=true", admin, &id));
    assert!(!listed(&sim, &format!("groupIds={group}"), admin, &id));
    assert!(listed(&sim, &format!("groupIds={group}&includeParents=true"), admin, &id));
    assert!(!listed(&sim, &format!("siteIds={site}&includeChildren=true&value=x"), admin, &id));
}

#[test]
fn site_admin_sees_and_creates_only_at_its_site() {
    let sim = start(20);
    let (account, site, group, other_site) = first_site(&sim);
    let at_other = restriction(SHA1, json!({"siteIds": [other_site]}));
    let (_, other) = post_json(&sim, "restrictions", tokens::ADMIN, &at_other);
    let other_id = other["data"][0]["id"].as_str().unwrap().to_string();
    assert!(!listed(&sim, "", tokens::SITE_ADMIN, &other_id));
    for filter in [json!({"tenant": true}), json!({"accountIds": [account]}), json!({"siteIds": [other_site]})] {
        let reply = post_json(&sim, "restrictions", tokens::SITE_ADMIN, &restriction(SHA1, filter));
        assert_error(&reply, 403, 4030010);
    }
    for filter in [json!({"siteIds": [site]}), json!({"groupIds": [group]})] {
        let (status, body) = post_json(&sim, "restrictions", tokens::SITE_ADMIN, &restriction(SHA1, filter));
        assert_eq!(status, 200, "{body}");
        assert!(listed(&sim, "", tokens::SITE_ADMIN, body["data"][0]["id"].as_str().unwrap()));
    }
    let (items, _) = all_pages(&sim, "restrictions", "limit=1000", tokens::SITE_ADMIN);
    assert!(items.iter().all(|i| { i["scopePath"].as_str().unwrap().contains("Acme Headquarters") }));
}

#[test]
fn restriction_validation_errors_name_the_field() {
    let sim = start(20);
    let (_, site, ..) = first_site(&sim);
    let cases = [
        (json!({"type": "black_hash", "value": "abc", "osType": "windows"}), "data.value"),
        (json!({"type": "white_hash", "value": SHA1, "osType": "windows"}), "data.type"),
        (json!({"value": SHA1, "osType": "windows"}), "data.type"),
        (json!({"type": "black_hash", "value": SHA1}), "data.osType"),
        (json!({"type": "black_hash", "value": SHA1, "osType": "solaris"}), "data.osType"),
    ];
    for (data, field) in cases {
        let body = json!({"data": data, "filter": {"siteIds": [site]}});
        let reply = post_json(&sim, "restrictions", tokens::ADMIN, &body);
        assert_error(&reply, 400, 4000010);
        assert!(reply.1["errors"][0]["detail"].as_str().unwrap().contains(field), "{}", reply.1);
    }
    for filter in [json!({}), json!({"tenant": false}), json!({"siteIds": ["123"]}), json!({"siteIds": [site], "tenant": true})] {
        let reply = post_json(&sim, "restrictions", tokens::ADMIN, &restriction(SHA1, filter));
        assert_error(&reply, 400, 4000010);
    }
}

#[test]
fn delete_affects_only_the_given_visible_ids() {
    let sim = start(20);
    let (_, site, _, other_site) = first_site(&sim);
    let mut ids = Vec::new();
    for (n, s) in [&site, &site, &other_site].into_iter().enumerate() {
        let value = format!("{:040x}", n + 1);
        let (_, body) = post_json(&sim, "restrictions", tokens::ADMIN, &restriction(&value, json!({"siteIds": [s]})));
        ids.push(body["data"][0]["id"].as_str().unwrap().to_string());
    }
    let before = get_ok(&sim, "restrictions?limit=1", tokens::ADMIN)["pagination"]["totalItems"].clone();
    let delete =
        |token: &str, ids: Vec<&str>| delete_json(&sim, "restrictions", token, &json!({"data": {"type": "black_hash", "ids": ids}}));
    // The site admin cannot see the other site's entry; unknown ids count for nothing.
    let reply = delete(tokens::SITE_ADMIN, vec![&ids[0], &ids[2], "42"]);
    assert_eq!(reply, (200, json!({"data": {"affected": 1}})));
    assert_eq!(delete(tokens::ADMIN, vec![&ids[0], &ids[2]]).1, json!({"data": {"affected": 1}}));
    assert!(listed(&sim, "", tokens::ADMIN, &ids[1]));
    let after = get_ok(&sim, "restrictions?limit=1", tokens::ADMIN)["pagination"]["totalItems"].clone();
    assert_eq!(before.as_u64().unwrap() - 2, after.as_u64().unwrap());
    assert_error(&delete(tokens::ADMIN, vec![]), 400, 4000010);
    let no_ids = json!({"data": {"type": "black_hash"}});
    assert_error(&delete_json(&sim, "restrictions", tokens::ADMIN, &no_ids), 400, 4000010);
}

#[test]
fn restriction_list_filters_sort_and_page() {
    let sim = start(50);
    let (items, pages) = all_pages(&sim, "restrictions", "limit=7&sortBy=value&sortOrder=desc", tokens::ADMIN);
    assert_eq!((items.len(), pages), (seed_policy::RESTRICTIONS, 3));
    let values: Vec<String> = items.iter().map(|i| i["value"].as_str().unwrap().to_lowercase()).collect();
    let mut sorted = values.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(values, sorted);
    let upper = items.iter().find(|i| i["value"].as_str().unwrap().chars().any(|c| c.is_ascii_uppercase())).unwrap();
    let value = upper["value"].as_str().unwrap();
    let exact = get_ok(&sim, &format!("restrictions?value={value}"), tokens::ADMIN);
    assert_eq!(exact["data"].as_array().unwrap().len(), 1);
    let lower = get_ok(&sim, &format!("restrictions?value={}", value.to_lowercase()), tokens::ADMIN);
    assert_eq!(lower["data"], json!([]), "value is exact and case-sensitive");
    let contains = get_ok(&sim, &format!("restrictions?value__contains={}", &value[..12].to_lowercase()), tokens::ADMIN);
    assert_eq!(contains["data"].as_array().unwrap().len(), 1);
    let from_threats = get_ok(&sim, "restrictions?source=action_from_threat&limit=100", tokens::ADMIN);
    assert!(!from_threats["data"].as_array().unwrap().is_empty());
    assert!(from_threats["data"].as_array().unwrap().iter().all(|i| i["source"] == json!("action_from_threat")));
    assert_error(&get_json(&sim, "restrictions?type=path", tokens::ADMIN), 400, 4000010);
    assert_error(&get_json(&sim, "restrictions?limit=1001", tokens::ADMIN), 400, 4000010);
    assert_eq!(get_ok(&sim, "restrictions?limit=1000", tokens::ADMIN)["pagination"]["nextCursor"], Value::Null);
}

// ---- exclusions ----

#[test]
fn path_exclusion_needs_a_path_type_and_an_absolute_path() {
    let sim = start(20);
    let (_, site, ..) = first_site(&sim);
    let post = |data: Value| post_json(&sim, "exclusions", tokens::ADMIN, &json!({"data": data, "filter": {"siteIds": [site]}}));
    let missing = post(json!({"type": "path", "value": "C:\\Tools\\", "osType": "windows"}));
    assert_error(&missing, 400, 4000010);
    assert!(missing.1["errors"][0]["detail"].as_str().unwrap().contains("data.pathExclusionType"));
    assert_error(&post(json!({"type": "path", "value": "Tools\\x.exe", "osType": "windows", "pathExclusionType": "file"})), 400, 4000010);
    assert_error(
        &post(json!({"type": "path", "value": "/opt/x", "osType": "linux", "pathExclusionType": "file", "mode": "loud"})),
        400,
        4000010,
    );
    assert_error(&post(json!({"type": "white_hash", "value": "xyz", "osType": "linux"})), 400, 4000010);
    let (status, body) = post(json!({"type": "path", "value": "C:\\Tools\\", "osType": "windows", "pathExclusionType": "subfolders"}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"][0]["mode"], json!("suppress"));
    assert_eq!(body["data"][0]["pathExclusionType"], json!("subfolders"));
    let again = post(json!({"type": "path", "value": "C:\\Tools\\", "osType": "windows", "pathExclusionType": "folder"}));
    assert_error(&again, 400, 4000030);
}

#[test]
fn exclusions_list_filters_by_type_and_are_seeded() {
    let sim = start(50);
    let (all, _) = all_pages(&sim, "exclusions", "limit=1000", tokens::ADMIN);
    assert_eq!(all.len(), seed_policy::EXCLUSIONS);
    let (hashes, _) = all_pages(&sim, "exclusions", "limit=1000&types=white_hash", tokens::ADMIN);
    assert!(!hashes.is_empty() && hashes.iter().all(|e| e["type"] == json!("white_hash")));
    assert!(hashes.iter().all(|e| e["mode"].is_null() && e["pathExclusionType"].is_null()));
    let id = hashes[0]["id"].as_str().unwrap();
    let delete = json!({"data": {"type": "white_hash", "ids": [id]}});
    let reply = delete_json(&sim, "exclusions", tokens::ADMIN, &delete);
    assert_eq!(reply, (200, json!({"data": {"affected": 1}})));
    assert_error(&get_json(&sim, "exclusions?type=black_hash", tokens::ADMIN), 400, 4000010);
}

// ---- seeding ----

#[test]
fn seeded_policy_is_deterministic_and_above_every_earlier_id() {
    let a = seed::build(42, 300, Timestamp::now());
    let b = seed::build(42, 300, Timestamp::now());
    let text = |w: &World| serde_json::to_string(&(&w.restrictions, &w.exclusions)).unwrap();
    assert_eq!(text(&a), text(&b));
    assert_eq!((a.restrictions.len(), a.exclusions.len()), (20, 20));
    let earlier = a
        .threats
        .iter()
        .map(|t| t.id)
        .chain(a.activities.iter().map(|x| x.id))
        .chain(a.alerts.iter().map(|x| x.alert_info.alert_id))
        .chain(a.threat_notes.iter().map(|x| x.id))
        .max()
        .unwrap();
    let policy_ids: Vec<Id> = a.restrictions.iter().chain(&a.exclusions).map(|p| p.id).collect();
    assert!(policy_ids.iter().all(|id| *id > earlier && id.0 < a.next_id));
    let sha1s: HashSet<&str> = a.threats.iter().map(|t| t.threat_info.sha1.as_str()).collect();
    let from_threats = a.restrictions.iter().filter(|r| sha1s.contains(r.value.as_str())).count();
    assert_eq!(from_threats, 7);
    let paths: HashSet<String> = a.restrictions.iter().chain(&a.exclusions).map(|p| p.scope_path.clone()).collect();
    assert!(paths.len() >= 12, "{paths:?}");
    assert!(seed::build(42, 0, Timestamp::now()).restrictions.is_empty());
}

// ---- hashes ----

#[test]
fn hash_verdict_follows_seeded_threats_and_white_hash_exclusions() {
    let sim = start(50);
    let (malicious, suspicious, benign) = {
        let world = sim.world();
        let w = world.lock().unwrap();
        let sha1 =
            |level: &str| w.threats.iter().find(|t| t.threat_info.confidence_level == level).map(|t| t.threat_info.sha1.clone()).unwrap();
        let white = w.exclusions.iter().find(|e| e.item_type == "white_hash").unwrap();
        (sha1("malicious"), sha1("suspicious"), white.value.clone())
    };
    let verdict = |hash: &str, token: &str| get_ok(&sim, &format!("hashes/{hash}/verdict"), token)["data"]["verdict"].clone();
    assert_eq!(verdict(&malicious, tokens::ADMIN), json!("malicious"));
    assert_eq!(verdict(&malicious.to_uppercase(), tokens::SITE_ADMIN), json!("malicious"));
    assert_eq!(verdict(&suspicious, tokens::VIEWER), json!("suspicious"));
    assert_eq!(verdict(&benign, tokens::ADMIN), json!("benign"));
    assert_eq!(verdict(&"e".repeat(64), tokens::ADMIN), json!("undefined"));
    assert_eq!(verdict(&"e".repeat(32), tokens::ADMIN), json!("undefined"));
    for bad in ["abc".to_string(), "g".repeat(40), "a".repeat(41)] {
        assert_error(&get_json(&sim, &format!("hashes/{bad}/verdict"), tokens::ADMIN), 400, 4000010);
    }
}

// ---- threats ----

/// The first seeded threat that `pick` accepts (nothing moves agents in these tests, so the seeded
/// `agentRealtimeInfo` is current).
pub(super) fn threat(sim: &Simulator, pick: impl Fn(&Threat) -> bool) -> Threat {
    let world = sim.world();
    let w = world.lock().unwrap();
    w.threats.iter().find(|t| pick(t)).cloned().expect("a seeded threat matches")
}

#[test]
fn add_to_blacklist_creates_a_restriction_from_the_threat() {
    let sim = start(50);
    let t = threat(&sim, |_| true);
    let body = json!({"filter": {"ids": [t.id]}, "data": {"targetScope": "site", "description": "from IR"}});
    let (status, reply) = post_json(&sim, "threats/add-to-blacklist", tokens::ADMIN, &body);
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["data"]["affected"], json!(1));
    assert_eq!(reply["data"]["details"][0]["result"], json!("success"));
    let sha1 = &t.threat_info.sha1;
    let found = get_ok(&sim, &format!("restrictions?value={sha1}&siteIds={}", t.agent_realtime_info.site_id), tokens::ADMIN);
    let item = &found["data"][0];
    assert_eq!(item["source"], json!("action_from_threat"));
    assert_eq!(item["osType"], json!(t.agent_realtime_info.agent_os_type));
    assert_eq!(item["description"], json!("from IR"));
    assert_eq!(item["scope"], json!({"siteIds": [t.agent_realtime_info.site_id]}));
    let again = post_json(&sim, "threats/add-to-blacklist", tokens::ADMIN, &body).1;
    assert_eq!(again["data"]["affected"], json!(1));
    assert_eq!(again["data"]["details"][0]["result"], json!("already_exists"));
    let timeline = get_ok(
        &sim,
        &format!("threats/{}/timeline?activityTypes={}&limit=100", t.id, activity_types::THREAT_ADDED_TO_BLOCKLIST),
        tokens::ADMIN,
    );
    assert_eq!(timeline["data"].as_array().unwrap().len(), 2);
}

#[test]
fn add_to_blacklist_needs_a_target_scope_the_caller_may_use() {
    let sim = start(50);
    let no_target = json!({"filter": {"ids": ["1"]}, "data": {}});
    assert_error(&post_json(&sim, "threats/add-to-blacklist", tokens::ADMIN, &no_target), 400, 4000010);
    let tenant = json!({"filter": {"ids": ["1"]}, "data": {"targetScope": "tenant"}});
    assert_error(&post_json(&sim, "threats/add-to-blacklist", tokens::SITE_ADMIN, &tenant), 403, 4030010);
    assert_error(&post_json(&sim, "threats/add-to-blacklist", tokens::SERVICE_USER, &tenant), 403, 4030010);
}

#[test]
fn fetch_file_adds_a_type_86_activity_on_the_timeline() {
    let sim = start(50);
    let t = threat(&sim, |t| t.agent_realtime_info.agent_is_active && !t.agent_realtime_info.agent_is_decommissioned);
    let body = json!({"filter": {"ids": [t.id]}, "data": {"password": PASSWORD}});
    let (status, reply) = post_json(&sim, "threats/fetch-file", tokens::ADMIN, &body);
    assert_eq!((status, reply), (200, json!({"data": {"affected": 1}})));
    let timeline = get_ok(&sim, &format!("threats/{}/timeline?activityTypes=86&limit=100", t.id), tokens::ADMIN);
    let newest =
        timeline["data"].as_array().unwrap().iter().max_by_key(|a| a["id"].as_str().unwrap().parse::<u64>().unwrap()).unwrap().clone();
    let agent = t.agent_realtime_info.agent_id;
    let activity_id = newest["id"].as_str().unwrap();
    assert_eq!(newest["data"]["downloadUrl"], json!(format!("/agents/{agent}/uploads/{activity_id}")));
    assert_eq!(newest["data"]["fileDisplayName"], json!(t.threat_info.threat_name));
    let activities = get_ok(&sim, &format!("activities?activityTypes=86&ids={activity_id}"), tokens::ADMIN);
    assert_eq!(activities["data"][0]["threatId"], json!(t.id));
}

#[test]
fn fetch_file_refuses_a_weak_password_and_skips_inactive_agents() {
    let sim = start(300);
    let weak = json!({"filter": {}, "data": {"password": "password123"}});
    let reply = post_json(&sim, "threats/fetch-file", tokens::ADMIN, &weak);
    assert_error(&reply, 400, 4000010);
    assert!(reply.1["errors"][0]["detail"].as_str().unwrap().contains("data.password"));
    let t = threat(&sim, |t| !t.agent_realtime_info.agent_is_active);
    let body = json!({"filter": {"ids": [t.id]}, "data": {"password": PASSWORD}});
    assert_eq!(post_json(&sim, "threats/fetch-file", tokens::ADMIN, &body).1, json!({"data": {"affected": 0}}));
}

#[test]
fn explore_events_paging_returns_every_event_exactly_once() {
    let sim = start(50);
    let (t, expected) = {
        let world = sim.world();
        let w = world.lock().unwrap();
        let t = w.threats.iter().find(|t| threat_extras::events_of(w.seed, t).len() > 100).unwrap().clone();
        let n = threat_extras::events_of(w.seed, &t).len();
        (t, n)
    };
    for order in ["sortBy=id", "sortBy=createdAt&sortOrder=desc", "sortBy=processName", "sortBy=pid"] {
        let (events, pages) = all_pages(&sim, &format!("threats/{}/explore/events", t.id), &format!("limit=100&{order}"), tokens::ADMIN);
        assert_eq!((events.len(), pages), (expected, 2), "{order}");
        let unique: HashSet<String> = ids_of(&events).into_iter().collect();
        assert_eq!(unique.len(), expected, "{order}");
    }
    let first = get_ok(&sim, &format!("threats/{}/explore/events?limit=1", t.id), tokens::ADMIN);
    assert_eq!(first["data"][0]["eventType"], json!("Process Creation"));
    assert_eq!(first["data"][0]["sha1"], json!(t.threat_info.sha1));
    assert_eq!(first["pagination"]["totalItems"], json!(expected));
}

#[test]
fn explore_events_filter_by_type_and_process_and_404_out_of_scope() {
    let sim = start(50);
    let t = threat(&sim, |_| true);
    let target = |q: &str| format!("threats/{}/explore/events?limit=1000&{q}", t.id);
    let dns = get_ok(&sim, &target("eventTypes=DNS%20Resolved"), tokens::ADMIN);
    assert!(
        dns["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["eventType"] == json!("DNS Resolved") && e["dnsRequest"].is_string() && e["dstIp"].is_null())
    );
    let ip = get_ok(&sim, &target("eventSubTypes=ip"), tokens::ADMIN);
    assert!(ip["data"].as_array().unwrap().iter().all(|e| e["dstPort"].is_u64()));
    let name = &t.threat_info.threat_name;
    let own = get_ok(&sim, &target(&format!("processName__like={}", encode(&name[..3]))), tokens::ADMIN);
    assert!(!own["data"].as_array().unwrap().is_empty());
    assert_error(&get_json(&sim, "threats/1/explore/events", tokens::ADMIN), 404, 4040010);
    let (_, site, ..) = first_site(&sim);
    let foreign = threat(&sim, |x| x.agent_realtime_info.site_id.to_string() != site);
    assert_error(&get_json(&sim, &format!("threats/{}/explore/events", foreign.id), tokens::SITE_ADMIN), 404, 4040010);
}

// ---- groups ----

#[test]
fn move_agents_moves_only_same_site_agents_and_returns_agents_moved() {
    let sim = start(100);
    let (group, movable, other_site_agent) = {
        let world = sim.world();
        let w = world.lock().unwrap();
        let site = w.sites[0].id;
        let group = w.groups.iter().find(|g| g.site_id == site && !g.is_default && g.group_type == "static").unwrap().clone();
        let movable: Vec<Agent> = w.agents.iter().filter(|a| a.site_id == site && a.group_id != group.id).take(3).cloned().collect();
        let other = w.agents.iter().find(|a| a.site_id != site).unwrap().clone();
        (group, movable, other)
    };
    let mut ids: Vec<String> = movable.iter().map(|a| a.id.to_string()).collect();
    ids.push(other_site_agent.id.to_string());
    let body = json!({"filter": {"agentIds": ids}});
    let reply = put_json(&sim, &format!("groups/{}/move-agents", group.id), tokens::ADMIN, &body);
    assert_eq!(reply, (200, json!({"data": {"agentsMoved": 3}})));
    let agents = get_ok(&sim, &format!("agents?ids={}", ids.join(",")), tokens::ADMIN);
    for agent in agents["data"].as_array().unwrap() {
        let moved = agent["id"] != json!(other_site_agent.id);
        assert_eq!(agent["groupId"] == json!(group.id), moved, "{agent}");
    }
    assert_eq!(agents["data"].as_array().unwrap().iter().filter(|a| a["groupName"] == json!(group.name)).count(), 3);
    let same_again = json!({"filter": {"ids": [movable[0].id]}});
    assert_eq!(
        put_json(&sim, &format!("groups/{}/move-agents", group.id), tokens::ADMIN, &same_again).1,
        json!({"data": {"agentsMoved": 0}})
    );
}

#[test]
fn move_agents_validates_the_group_and_the_filter() {
    let sim = start(20);
    let (group, dynamic) = {
        let world = sim.world();
        let w = world.lock().unwrap();
        let dynamic = w.groups.iter().find(|g| g.group_type == "dynamic").unwrap().id;
        (w.groups[0].id, dynamic)
    };
    let body = json!({"filter": {"agentIds": ["1"]}});
    assert_error(&put_json(&sim, "groups/1/move-agents", tokens::ADMIN, &body), 404, 4040010);
    assert_error(&put_json(&sim, &format!("groups/{group}/move-agents"), tokens::ADMIN, &json!({"filter": {}})), 400, 4000010);
    assert_error(&put_json(&sim, &format!("groups/{group}/move-agents"), tokens::ADMIN, &json!({})), 400, 4000010);
    assert_error(&put_json(&sim, &format!("groups/{dynamic}/move-agents"), tokens::ADMIN, &body), 400, 4000010);
}

// ---- agents ----

#[test]
fn applications_without_ids_is_400() {
    let sim = start(20);
    assert_error(&get_json(&sim, "agents/applications", tokens::ADMIN), 400, 4000010);
    assert_error(&get_json(&sim, "agents/applications?ids=abc", tokens::ADMIN), 400, 4000010);
}

#[test]
fn applications_are_deterministic_per_agent_and_confined_to_scope() {
    let sim = start(100);
    let (inside, outside) = {
        let world = sim.world();
        let w = world.lock().unwrap();
        let site = w.sites[0].id;
        let inside = w.agents.iter().find(|a| a.site_id == site).unwrap().id;
        let outside = w.agents.iter().find(|a| a.site_id != site).unwrap().id;
        (inside, outside)
    };
    let apps = get_ok(&sim, &format!("agents/applications?ids={inside}"), tokens::ADMIN);
    assert!(apps.get("pagination").is_none());
    let list = apps["data"].as_array().unwrap();
    assert!(!list.is_empty());
    for key in ["name", "publisher", "size", "version", "installedDate"] {
        assert!(list.iter().all(|a| !a[key].is_null()), "{key}");
    }
    assert_eq!(get_ok(&sim, &format!("agents/applications?ids={inside}"), tokens::ADMIN), apps);
    let both = get_ok(&sim, &format!("agents/applications?ids={inside},{outside}"), tokens::SITE_ADMIN);
    assert_eq!(both, apps, "the out-of-scope agent contributes nothing");
}

pub(super) fn active_agent(sim: &Simulator) -> Agent {
    let world = sim.world();
    let w = world.lock().unwrap();
    w.agents.iter().find(|a| a.is_active && a.os_type == "windows").unwrap().clone()
}

#[test]
fn fetch_files_with_weak_password_is_400_and_unknown_agent_404() {
    let sim = start(50);
    let agent = active_agent(&sim);
    let target = format!("agents/{}/actions/fetch-files", agent.id);
    let weak = json!({"data": {"password": "Short1!", "files": ["C:\\Windows\\Temp\\a.log"]}});
    let reply = post_json(&sim, &target, tokens::ADMIN, &weak);
    assert_error(&reply, 400, 4000010);
    assert!(reply.1["errors"][0]["detail"].as_str().unwrap().contains("data.password"));
    let good = json!({"data": {"password": PASSWORD, "files": ["C:\\Windows\\Temp\\a.log"]}});
    assert_error(&post_json(&sim, "agents/1/actions/fetch-files", tokens::ADMIN, &good), 404, 4040010);
    for files in [json!([]), json!(["C:\\Temp\\*.log"]), json!(["/etc/passwd"]), json!(vec!["C:\\a"; 11])] {
        let body = json!({"data": {"password": PASSWORD, "files": files}});
        assert_error(&post_json(&sim, &target, tokens::ADMIN, &body), 400, 4000010);
    }
}

#[test]
fn fetch_files_answers_success_and_records_an_upload_activity() {
    let sim = start(50);
    let agent = active_agent(&sim);
    let body = json!({"data": {"password": PASSWORD, "files": ["C:\\Windows\\Temp\\a.log", "C:\\Users\\x\\b.txt"]}});
    let reply = post_json(&sim, &format!("agents/{}/actions/fetch-files", agent.id), tokens::ADMIN, &body);
    assert_eq!(reply, (200, json!({"data": {"success": true}})));
    let activities =
        get_ok(&sim, &format!("activities?activityTypes={}&agentIds={}", activity_types::AGENT_FILES_UPLOADED, agent.id), tokens::ADMIN);
    let activity = &activities["data"][0];
    let id = activity["id"].as_str().unwrap();
    assert_eq!(activity["data"]["downloadUrl"], json!(format!("/agents/{}/uploads/{id}", agent.id)));
    let types = get_ok(&sim, "activities/types", tokens::ADMIN);
    assert!(types["data"].as_array().unwrap().iter().any(|t| t["id"] == json!(80)));
}

// ---- permissions and the request log ----

#[test]
fn viewer_gets_403_on_every_write() {
    let sim = start(20);
    let (_, site, group, _) = first_site(&sim);
    let agent = active_agent(&sim);
    let writes = [
        ("POST", "restrictions".to_string(), restriction(SHA1, json!({"siteIds": [site]}))),
        ("DELETE", "restrictions".into(), json!({"data": {"type": "black_hash", "ids": ["1"]}})),
        (
            "POST",
            "exclusions".into(),
            json!({"data": {"type": "white_hash", "value": SHA1, "osType": "linux"}, "filter": {"tenant": true}}),
        ),
        ("DELETE", "exclusions".into(), json!({"data": {"type": "white_hash", "ids": ["1"]}})),
        ("POST", "threats/add-to-blacklist".into(), json!({"filter": {"ids": ["1"]}, "data": {"targetScope": "site"}})),
        ("POST", "threats/fetch-file".into(), json!({"filter": {"ids": ["1"]}, "data": {"password": PASSWORD}})),
        ("PUT", format!("groups/{group}/move-agents"), json!({"filter": {"agentIds": [agent.id]}})),
        ("POST", format!("agents/{}/actions/fetch-files", agent.id), json!({"data": {"password": PASSWORD, "files": ["C:\\a.txt"]}})),
    ];
    for (method, target, body) in writes {
        assert_error(&request_json(&sim, method, &target, tokens::VIEWER, Some(&body)), 403, 4030010);
    }
    assert_eq!(get_json(&sim, "restrictions", tokens::VIEWER).0, 200);
    assert_eq!(get_json(&sim, "exclusions", tokens::VIEWER).0, 200);
}

#[test]
fn request_log_redacts_fetch_passwords() {
    let sim = start(20);
    let agent = active_agent(&sim);
    let body = json!({"data": {"password": PASSWORD, "files": ["C:\\a.txt"]}});
    post_json(&sim, &format!("agents/{}/actions/fetch-files", agent.id), tokens::ADMIN, &body);
    post_json(&sim, "threats/fetch-file", tokens::ADMIN, &json!({"filter": {"ids": ["1"]}, "data": {"password": PASSWORD}}));
    let requests = sim.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.body.as_ref().unwrap()["data"]["password"] == json!("<redacted>")));
    assert!(!serde_json::to_string(&requests).unwrap().contains(PASSWORD));
}
