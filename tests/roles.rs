//! Role boundaries, as SentinelOne draws them: SOC, IT and incident response each act in their own
//! family, an admin in all, a viewer in none; a site admin only in its site. What the catalog
//! declares (`minimum-role`) is what the console enforces.

mod support;

use host_harness::PluginError;
use s1_simulator::tokens;
use serde_json::json;
use support::*;

/// An action by `token` on the first active Windows agent: `Ok(affected)` or the typed error.
async fn act(token: &str, action: &str, extra: serde_json::Value) -> Result<u64, PluginError> {
    let sim = simulator();
    let agent = world(&sim).agents.iter().find(|a| a.is_active && a.os_type == "windows").unwrap().id.to_string();
    let mut input = json!({"ids": [agent]});
    input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let outcome = invoke(&connect(&sim, token), action, &input.to_string()).await;
    outcome.value.map(|out| serde_json::from_str::<serde_json::Value>(&out).unwrap()["affected"].as_u64().unwrap_or(0))
}

fn forbidden(result: &Result<u64, PluginError>) -> bool {
    matches!(result, Err(PluginError::Forbidden(u)) if u.status == 403)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_soc_token_may_isolate_but_not_uninstall() {
    assert_eq!(act(tokens::SOC, "agents.isolate", json!({})).await.unwrap(), 1);
    assert!(forbidden(&act(tokens::SOC, "agents.uninstall", json!({})).await));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_it_token_may_scan_but_not_isolate() {
    assert_eq!(act(tokens::IT, "agents.scan", json!({})).await.unwrap(), 1);
    assert!(forbidden(&act(tokens::IT, "agents.isolate", json!({})).await));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_response_token_may_run_scripts_but_not_restart() {
    let script = json!({"scriptId": s1_simulator::SCRIPT_LIBRARY[0].id.to_string(), "taskDescription": "t", "outputDestination": "SentinelCloud", "waitSeconds": 0});
    assert_eq!(act(tokens::INCIDENT_RESPONSE, "scripts.run", script).await.unwrap(), 1);
    assert!(forbidden(&act(tokens::INCIDENT_RESPONSE, "agents.restart", json!({})).await));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_token_may_disable_and_enable_agents() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let agent = world(&sim).agents[0].id;
    let out = invoke_ok(&conn, "agents.disable", &json!({"ids": [agent.to_string()], "shouldReboot": false}).to_string()).await;
    assert_eq!(out["affected"], 1);
    let post = sim.requests().into_iter().rfind(|r| r.method == "POST").unwrap();
    assert_eq!(post.path, "/web/api/v2.1/agents/actions/disable-agent");
    assert_eq!(post.body, Some(json!({"filter": {"ids": [agent.to_string()]}, "data": {"shouldReboot": false}})));
    assert_eq!(world(&sim).agents[0].operational_state, "fully_disabled");
    invoke_ok(&conn, "agents.enable", &json!({"ids": [agent.to_string()], "shouldReboot": false}).to_string()).await;
    assert_eq!(world(&sim).agents[0].operational_state, "na");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_soc_token_may_not_disable_agents() {
    assert!(forbidden(&act(tokens::SOC, "agents.disable", json!({"shouldReboot": false})).await));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_admin_acts_in_its_site_and_sees_no_agent_elsewhere() {
    let sim = simulator();
    let (inside, outside) = {
        let w = world(&sim);
        let site = w.users.iter().find(|u| u.token == tokens::SITE_ADMIN).map(|_| w.sites[0].id).unwrap();
        let pick = |here: bool| w.agents.iter().find(|a| a.is_active && (a.site_id == site) == here).unwrap().id.to_string();
        (pick(true), pick(false))
    };
    let conn = connect(&sim, tokens::SITE_ADMIN);
    let out = invoke_ok(&conn, "agents.isolate", &json!({"ids": [inside]}).to_string()).await;
    assert_eq!(out["affected"], 1);
    let out = invoke_ok(&conn, "agents.isolate", &json!({"ids": [outside.clone()]}).to_string()).await;
    assert_eq!((out["affected"].as_u64(), out["notFound"][0].as_str()), (Some(0), Some(outside.as_str())), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_it_token_marks_an_outdated_agent_up_to_date() {
    let sim = simulator();
    let agent = world(&sim).agents.iter().find(|a| !a.is_up_to_date).unwrap().id;
    let out = invoke_ok(&connect(&sim, tokens::IT), "agents.mark-up-to-date", &json!({"ids": [agent.to_string()]}).to_string()).await;
    assert_eq!(out["affected"], 1);
    let post = sim.requests().into_iter().rfind(|r| r.method == "POST").unwrap();
    assert_eq!(
        (post.path.as_str(), post.body.clone()),
        ("/web/api/v2.1/agents/actions/mark-up-to-date", Some(json!({"filter": {"ids": [agent.to_string()]}, "data": {}})))
    );
    assert!(world(&sim).agents.iter().find(|a| a.id == agent).unwrap().is_up_to_date);
}
