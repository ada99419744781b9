//! Organisation mapping: the accounts → sites → groups tree, exact and confined; moving agents
//! between groups; reads by id that stay inside the scope pins.

mod support;

use host_harness::PluginError;
use s1_simulator::tokens;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_tree_matches_the_consoles_accounts_sites_and_groups_exactly() {
    let sim = simulator();
    let tree = runtime().organizations(&connect(&sim, tokens::ADMIN)).await.unwrap().value.unwrap();
    let w = world(&sim);
    let account_ids: Vec<String> = tree.accounts.iter().map(|a| a.id.clone()).collect();
    assert_eq!(account_ids, w.accounts.iter().map(|a| a.id.to_string()).collect::<Vec<_>>());
    for account in &tree.accounts {
        let expected_sites: Vec<String> =
            w.sites.iter().filter(|s| s.account_id.to_string() == account.id).map(|s| s.id.to_string()).collect();
        assert_eq!(account.sites.iter().map(|s| s.id.clone()).collect::<Vec<_>>(), expected_sites);
        assert_eq!(account.state.as_deref(), Some("active"));
        for site in &account.sites {
            let expected_groups: Vec<String> =
                w.groups.iter().filter(|g| g.site_id.to_string() == site.id).map(|g| g.id.to_string()).collect();
            assert_eq!(site.groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>(), expected_groups);
            assert_eq!(site.groups.iter().filter(|g| g.is_default).count(), 1, "one default group per site");
            assert!(site.licences.total.is_some());
        }
    }
    assert_eq!((tree.accounts.len(), tree.accounts.iter().map(|a| a.sites.len()).sum::<usize>()), (2, 4));
    assert_eq!(tree.accounts.iter().flat_map(|a| &a.sites).map(|s| s.groups.len()).sum::<usize>(), 8);
    let total: i64 = tree.accounts.iter().flat_map(|a| &a.sites).filter_map(|s| s.licences.total).sum();
    assert_eq!(tree.all_sites.total, Some(total), "allSites totals every site");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_tree_ids_are_exact_strings_beyond_2_pow_53() {
    let sim = simulator();
    let tree = runtime().organizations(&connect(&sim, tokens::ADMIN)).await.unwrap().value.unwrap();
    for id in tree.accounts.iter().flat_map(|a| std::iter::once(&a.id).chain(a.sites.iter().map(|s| &s.id))) {
        assert!(id.parse::<u64>().unwrap() > 1 << 53 && (18..=19).contains(&id.len()), "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_tree_of_a_site_admin_holds_only_its_site() {
    let sim = simulator();
    let tree = runtime().organizations(&connect(&sim, tokens::SITE_ADMIN)).await.unwrap().value.unwrap();
    let w = world(&sim);
    assert_eq!(tree.accounts.len(), 1);
    assert_eq!(tree.accounts[0].name, w.accounts[0].name, "named from the site's accountName");
    let sites: Vec<&str> = tree.accounts[0].sites.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(sites, [w.sites[0].id.to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_tree_is_confined_to_pinned_sites_in_every_request() {
    let sim = simulator();
    let w = world(&sim);
    let pinned = w.sites[2].id.to_string();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.site_ids = vec![pinned.clone()];
    let tree = runtime().organizations(&conn).await.unwrap().value.unwrap();
    let sites: Vec<&str> = tree.accounts.iter().flat_map(|a| &a.sites).map(|s| s.id.as_str()).collect();
    assert_eq!(sites, [pinned.as_str()]);
    for request in sim.requests().iter().filter(|r| r.path.ends_with("/sites") || r.path.ends_with("/groups")) {
        assert!(request.query.contains(&("siteIds".into(), pinned.clone())), "{request:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sites_list_reads_the_nested_sites_shape_to_its_empty_string_end_marker() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "sites.list", r#"{"limit": 3}"#).await;
    let expected: Vec<String> = world(&sim).sites.iter().map(|s| s.id.to_string()).collect();
    assert_eq!(ids(&output), expected);
    assert_eq!(sim.requests().len(), 2, "3 + 1 sites, then the \"\" end marker");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sites_list_keeps_the_tenants_licence_totals() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "sites.list", r#"{"limit": 3}"#).await;
    let total: usize = world(&sim).sites.iter().map(|s| s.total_licenses).sum();
    assert_eq!(output["allSites"]["totalLicenses"].as_u64(), Some(total as u64), "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_list_pages_at_its_300_cap_to_the_null_string_end_marker() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let output = invoke_ok(&conn, "groups.list", r#"{"limit": 5}"#).await;
    assert_eq!(ids(&output).len(), 8);
    assert_eq!(sim.requests().len(), 2);
    let error = invoke_err(&conn, "groups.list", r#"{"limit": 301}"#).await;
    assert!(matches!(error, host_harness::PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/limit")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_list_is_confined_to_pinned_accounts() {
    let sim = simulator();
    let w = world(&sim);
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.account_ids = vec![w.accounts[1].id.to_string()];
    let output = invoke_ok(&conn, "accounts.list", "{}").await;
    assert_eq!(ids(&output), [w.accounts[1].id.to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_get_returns_one_site_by_id_and_unknown_ids_are_not_found() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let site = world(&sim).sites[2].clone();
    let output = invoke_ok(&conn, "sites.get", &format!(r#"{{"id": "{}"}}"#, site.id)).await;
    assert_eq!((output["id"].as_str(), output["name"].as_str()), (Some(site.id.to_string().as_str()), Some(site.name.as_str())));
    let error = invoke_err(&conn, "sites.get", r#"{"id": "42"}"#).await;
    assert!(matches!(error, host_harness::PluginError::NotFound(ref u) if u.status == 404));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_agents_moves_only_agents_of_the_groups_site_and_says_so() {
    let sim = simulator();
    let w = world(&sim);
    let group = w.groups.iter().find(|g| g.group_type == "static" && !g.is_default).unwrap();
    let same_site = w.agents.iter().find(|a| a.site_id == group.site_id && a.group_id != group.id).unwrap();
    let other_site = w.agents.iter().find(|a| a.site_id != group.site_id).unwrap();
    let input = serde_json::json!({"groupId": group.id.to_string(), "ids": [same_site.id.to_string(), other_site.id.to_string()]});
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "groups.move-agents", &input.to_string()).await;
    assert_eq!(output["affected"], 1);
    assert_eq!(output["warnings"][0], "SentinelOne affected 1 of the 2 agents asked for");
    let put = sim.requests().into_iter().find(|r| r.method == "PUT").unwrap();
    assert_eq!(put.path, format!("/web/api/v2.1/groups/{}/move-agents", group.id));
    assert_eq!(
        put.body,
        Some(serde_json::json!({"filter": {"ids": [same_site.id.to_string(), other_site.id.to_string()]}})),
        "the spec declares no data"
    );
    let after = world(&sim);
    let group_of = |id| after.agents.iter().find(|a| a.id == id).unwrap().group_id;
    assert_eq!((group_of(same_site.id), group_of(other_site.id)), (group.id, other_site.group_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_pinned_configuration_cannot_read_another_site_by_id() {
    let sim = simulator();
    let w = world(&sim);
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.site_ids = vec![w.sites[0].id.to_string()];
    let error = invoke_err(&conn, "sites.get", &serde_json::json!({"id": w.sites[1].id.to_string()}).to_string()).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/id")), "{error:?}");
    assert!(sim.requests().iter().all(|r| r.path != format!("/web/api/v2.1/sites/{}", w.sites[1].id)), "the site itself was never read");
    let group_elsewhere = w.groups.iter().find(|g| g.site_id != w.sites[0].id).unwrap();
    let error = invoke_err(&conn, "groups.get", &serde_json::json!({"id": group_elsewhere.id.to_string()}).to_string()).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/id")), "{error:?}");
}
