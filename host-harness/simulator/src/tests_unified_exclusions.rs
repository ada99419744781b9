//! Over-HTTP tests of `GET|DELETE unified-exclusions`.

use super::test_client::{delete_json, get_json, get_ok, post_json, start};
use super::tests_policy::{all_pages, assert_error, first_site, ids_of};
use super::*;
use serde_json::{Value, json};

const SHA1: &str = "0123456789abcdef0123456789abcdef01234567";

/// Every unified exclusion of `mode_type` the token sees (with `query` added).
fn unified(sim: &Simulator, mode_type: &str, query: &str, token: &str) -> Vec<Value> {
    all_pages(sim, "unified-exclusions", &format!("modeType={mode_type}&limit=1000{query}"), token).0
}

/// Creates an exclusion at the first site through `POST exclusions`; its id.
fn add_exclusion(sim: &Simulator, data: Value) -> String {
    let (_, site, ..) = first_site(sim);
    let (status, body) = post_json(sim, "exclusions", tokens::ADMIN, &json!({"data": data, "filter": {"siteIds": [site]}}));
    assert_eq!(status, 200, "{body}");
    body["data"][0]["id"].as_str().unwrap().to_string()
}

fn path_exclusion(value: &str, mode: &str) -> Value {
    json!({"type": "path", "value": value, "osType": "windows", "pathExclusionType": "folder", "mode": mode})
}

#[test]
fn unified_exclusions_need_a_mode_type() {
    let sim = start(20);
    let missing = get_json(&sim, "unified-exclusions", tokens::ADMIN);
    assert_error(&missing, 400, 4000010);
    assert!(missing.1["errors"][0]["detail"].as_str().unwrap().contains("modeType"), "{}", missing.1);
    assert_error(&get_json(&sim, "unified-exclusions?modeType=both", tokens::ADMIN), 400, 4000010);
}

#[test]
fn unified_exclusions_split_the_exclusions_by_mode_type() {
    let sim = start(50);
    let suppression = unified(&sim, "suppression", "", tokens::ADMIN);
    let interaction = unified(&sim, "agent_interaction", "", tokens::ADMIN);
    assert_eq!(suppression.len() + interaction.len(), seed_policy::EXCLUSIONS);
    assert_eq!(interaction.len(), 4);
    for item in &interaction {
        let mode = item["mode"].as_str().unwrap();
        assert!(item["type"] == json!("path") && mode.starts_with("disable_"), "{item}");
        let level = if mode.starts_with("disable_all_monitors") { "disable_all_monitors" } else { "disable_in_process_monitor" };
        assert_eq!(
            (&item["modeType"], &item["threatType"], &item["interactionLevel"]),
            (&json!("agent_interaction"), &json!("EDR"), &json!(level))
        );
    }
    for item in &suppression {
        assert_eq!(
            (&item["modeType"], &item["threatType"], &item["interactionLevel"]),
            (&json!("suppression"), &json!("EDR"), &Value::Null)
        );
    }
}

#[test]
fn an_exclusion_added_through_exclusions_is_a_unified_exclusion() {
    let sim = start(20);
    let deep = add_exclusion(&sim, path_exclusion("C:\\Tools\\", "disable_in_process_monitor_deep"));
    let hash = add_exclusion(&sim, json!({"type": "white_hash", "value": SHA1, "osType": "windows", "description": "tool"}));
    let interaction = unified(&sim, "agent_interaction", "", tokens::ADMIN);
    let item = interaction.iter().find(|i| i["id"] == json!(deep)).expect("listed as agent interaction");
    assert_eq!(item["interactionLevel"], json!("disable_in_process_monitor"));
    assert_eq!(item["value"], json!("C:\\Tools\\"));
    let suppression = unified(&sim, "suppression", "", tokens::ADMIN);
    let item = suppression.iter().find(|i| i["id"] == json!(hash)).expect("listed as suppression");
    let (_, exclusions) = get_json(&sim, &format!("exclusions?ids={hash}"), tokens::ADMIN);
    for (key, value) in exclusions["data"][0].as_object().unwrap() {
        assert_eq!(&item[key], value, "{key}");
    }
}

#[test]
fn unified_exclusions_filter_by_threat_type_and_conditions() {
    let sim = start(50);
    let all = unified(&sim, "suppression", "", tokens::ADMIN);
    assert_eq!(unified(&sim, "suppression", "&threatType=EDR", tokens::ADMIN).len(), all.len());
    assert!(unified(&sim, "suppression", "&threatType=IDR", tokens::ADMIN).is_empty());
    let hashes = unified(&sim, "suppression", "&conditions=white_hash", tokens::ADMIN);
    assert!(!hashes.is_empty() && hashes.iter().all(|i| i["type"] == json!("white_hash")));
    let both = unified(&sim, "suppression", "&conditions=white_hash,path", tokens::ADMIN);
    assert!(both.len() > hashes.len() && both.iter().all(|i| i["type"] == json!("white_hash") || i["type"] == json!("path")));
    assert!(unified(&sim, "suppression", "&conditions=user,host,process", tokens::ADMIN).is_empty());
    assert_error(&get_json(&sim, "unified-exclusions?modeType=suppression&threatType=XDR", tokens::ADMIN), 400, 4000010);
    assert_error(&get_json(&sim, "unified-exclusions?modeType=suppression&conditions=registry", tokens::ADMIN), 400, 4000010);
}

#[test]
fn unified_exclusions_filter_like_exclusions() {
    let sim = start(50);
    let (account, site, ..) = first_site(&sim);
    for query in [
        format!("accountIds={account}&includeChildren=true"),
        format!("siteIds={site}&includeParents=true"),
        "tenant=true".to_string(),
        "osTypes=linux,macos".to_string(),
        "source=user".to_string(),
        "description__contains=a".to_string(),
    ] {
        let exclusions = ids_of(&all_pages(&sim, "exclusions", &format!("limit=1000&{query}"), tokens::ADMIN).0);
        let mut both = ids_of(&unified(&sim, "suppression", &format!("&{query}"), tokens::ADMIN));
        both.extend(ids_of(&unified(&sim, "agent_interaction", &format!("&{query}"), tokens::ADMIN)));
        both.sort_by_key(|id| id.parse::<u64>().unwrap());
        assert_eq!(both, exclusions, "{query}");
    }
}

#[test]
fn unified_exclusions_filter_by_interaction_level_and_path_type() {
    let sim = start(50);
    let all_monitors = unified(&sim, "agent_interaction", "&interactionLevel=disable_all_monitors", tokens::ADMIN);
    assert_eq!(all_monitors.len(), 2);
    assert!(all_monitors.iter().all(|i| i["interactionLevel"] == json!("disable_all_monitors")));
    assert!(unified(&sim, "agent_interaction", "&interactionLevel=identity_only", tokens::ADMIN).is_empty());
    assert!(unified(&sim, "suppression", "&interactionLevel=disable_all_monitors", tokens::ADMIN).is_empty());
    let files = unified(&sim, "suppression", "&pathExclusionTypes=file", tokens::ADMIN);
    assert!(!files.is_empty() && files.iter().all(|i| i["pathExclusionType"] == json!("file")));
}

#[test]
fn unified_exclusions_refuse_filters_the_simulator_does_not_model() {
    let sim = start(20);
    for query in ["engines=suppress", "exclusionName__contains=x", "applicationName__contains=x"] {
        let reply = get_json(&sim, &format!("unified-exclusions?modeType=suppression&{query}"), tokens::ADMIN);
        assert_error(&reply, 400, 4000010);
        assert!(reply.1["errors"][0]["detail"].as_str().unwrap().contains("not modelled"), "{}", reply.1);
    }
    assert!(sim.spec_violations().is_empty(), "{:?}", sim.spec_violations());
}

#[test]
fn unified_exclusions_refuse_what_the_spec_does_not_declare_for_them() {
    let sim = start(20);
    assert_error(&get_json(&sim, "unified-exclusions?modeType=suppression&types=path", tokens::ADMIN), 400, 4000010);
    assert_eq!(sim.spec_violations().len(), 1);
}

#[test]
fn unified_exclusions_sort_and_page() {
    let sim = start(50);
    let (items, pages) =
        all_pages(&sim, "unified-exclusions", "modeType=suppression&limit=5&sortBy=scopePath&sortOrder=desc", tokens::ADMIN);
    assert_eq!((items.len(), pages), (16, 4));
    let paths: Vec<String> = items.iter().map(|i| i["scopePath"].as_str().unwrap().to_lowercase()).collect();
    assert!(paths.windows(2).all(|w| w[0] >= w[1]), "{paths:?}");
    let count = get_ok(&sim, "unified-exclusions?modeType=suppression&countOnly=true", tokens::ADMIN);
    assert_eq!((count["data"].clone(), count["pagination"]["totalItems"].clone()), (json!([]), json!(16)));
    assert_eq!(
        get_ok(&sim, "unified-exclusions?modeType=suppression&skipCount=true", tokens::ADMIN)["pagination"]["totalItems"],
        Value::Null
    );
    let skipped = get_ok(&sim, "unified-exclusions?modeType=suppression&skip=15", tokens::ADMIN);
    assert_eq!(skipped["data"].as_array().unwrap().len(), 1);
    for bad in ["sortBy=userName", "sortBy=value", "limit=1001"] {
        assert_error(&get_json(&sim, &format!("unified-exclusions?modeType=suppression&{bad}"), tokens::ADMIN), 400, 4000010);
    }
}

#[test]
fn unified_exclusions_are_visible_as_exclusions_are() {
    let sim = start(50);
    let exclusions = ids_of(&all_pages(&sim, "exclusions", "limit=1000&sortBy=id", tokens::SITE_ADMIN).0);
    let mut unified_ids = ids_of(&unified(&sim, "suppression", "", tokens::SITE_ADMIN));
    unified_ids.extend(ids_of(&unified(&sim, "agent_interaction", "", tokens::SITE_ADMIN)));
    unified_ids.sort_by_key(|id| id.parse::<u64>().unwrap());
    assert_eq!(unified_ids, exclusions);
    assert!(!exclusions.is_empty() && exclusions.len() < seed_policy::EXCLUSIONS, "{exclusions:?}");
    assert_eq!(get_json(&sim, "unified-exclusions?modeType=suppression", tokens::VIEWER).0, 200);
}

#[test]
fn unified_exclusions_delete_removes_the_visible_edr_ids_only() {
    let sim = start(20);
    let (_, _, _, other_site) = first_site(&sim);
    let mine = add_exclusion(&sim, path_exclusion("C:\\A\\", "suppress"));
    let also_mine = add_exclusion(&sim, path_exclusion("C:\\B\\", "disable_all_monitors"));
    let body = json!({"data": {"type": "white_hash", "value": SHA1, "osType": "linux"}, "filter": {"siteIds": [other_site]}});
    let (_, other) = post_json(&sim, "exclusions", tokens::ADMIN, &body);
    let foreign = other["data"][0]["id"].as_str().unwrap().to_string();
    let entries = json!([
        {"id": mine, "exclusionType": "EDR"},
        {"id": also_mine, "exclusionType": "IDR"},
        {"id": foreign, "exclusionType": "EDR"},
        {"id": "42", "exclusionType": "EDR"},
    ]);
    let reply = delete_json(&sim, "unified-exclusions", tokens::SITE_ADMIN, &json!({"data": {"exclusions": entries}}));
    assert_eq!(reply, (200, json!({"data": {"affected": 1}})));
    let left = ids_of(&all_pages(&sim, "exclusions", "limit=1000", tokens::ADMIN).0);
    assert!(!left.contains(&mine) && left.contains(&also_mine) && left.contains(&foreign));
    let again = json!({"data": {"exclusions": [{"id": also_mine, "exclusionType": "EDR"}]}});
    assert_eq!(delete_json(&sim, "unified-exclusions", tokens::SOC, &again), (200, json!({"data": {"affected": 1}})));
}

#[test]
fn unified_exclusions_delete_names_the_bad_entry() {
    let sim = start(20);
    for data in [json!({}), json!({"exclusions": []}), json!({"exclusions": {"id": "1"}})] {
        let reply = delete_json(&sim, "unified-exclusions", tokens::ADMIN, &json!({"data": data}));
        assert_error(&reply, 400, 4000010);
        assert!(reply.1["errors"][0]["detail"].as_str().unwrap().contains("data.exclusions"), "{}", reply.1);
    }
    let cases = [
        (json!([{"exclusionType": "EDR"}]), "data.exclusions[0].id"),
        (json!([{"id": 12345, "exclusionType": "EDR"}]), "data.exclusions[0].id"),
        (json!([{"id": "1", "exclusionType": "EDR"}, {"id": "2", "exclusionType": "XDR"}]), "data.exclusions[1].exclusionType"),
        (json!([{"id": "1"}]), "data.exclusions[0].exclusionType"),
    ];
    for (entries, field) in cases {
        let reply = delete_json(&sim, "unified-exclusions", tokens::ADMIN, &json!({"data": {"exclusions": entries}}));
        assert_error(&reply, 400, 4000010);
        assert!(reply.1["errors"][0]["detail"].as_str().unwrap().contains(field), "{field}: {}", reply.1);
    }
    assert_eq!(all_pages(&sim, "exclusions", "limit=1000", tokens::ADMIN).0.len(), seed_policy::EXCLUSIONS);
}

#[test]
fn viewer_and_it_get_403_on_unified_exclusions_delete() {
    let sim = start(20);
    let body = json!({"data": {"exclusions": [{"id": "1", "exclusionType": "EDR"}]}});
    for token in [tokens::VIEWER, tokens::IT] {
        assert_error(&delete_json(&sim, "unified-exclusions", token, &body), 403, 4030010);
    }
}
