//! `scripts.run`: execute a library script on agents (a targeted action, with every guard that
//! implies), then poll the run's tasks until each has ended or the wait runs out.

use super::act;
use super::{Action, control};
use super::catalog::AGENTS;
use crate::Error;
use crate::client::{Bound, Client, Items, MAX_PAGE_SIZE, Query};
use crate::clock::Deadline;
use crate::http::Method;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// Task statuses SentinelOne reports.
pub const TASK_STATUSES: &[&str] =
    &["created", "pending", "pending_user_action", "scheduled", "in_progress", "completed", "failed", "canceled", "expired", "partially_completed"];
/// The statuses after which a task changes no more.
const ENDED: &[&str] = &["completed", "failed", "canceled", "expired", "partially_completed"];
/// Between two status reads (no limit is documented; one every two seconds is gentle).
const POLL_INTERVAL: Duration = Duration::from_secs(2);
const DEFAULT_WAIT: Duration = Duration::from_secs(60);
/// The most tasks one run's status is read for.
const MAX_TASKS: usize = 10_000;

pub fn run(client: &Client, action: &Action, fields: &Map<String, Value>) -> Result<Value, Error> {
    let mut out = act::run(client, action, &AGENTS, Method::Post, "remote-scripts/execute", fields)?;
    let Some(parent) = out.pointer("/data/parentTaskId").and_then(Value::as_str).map(str::to_owned) else {
        // A dry run, or a run waiting for approval in the console (no tasks yet).
        return Ok(out);
    };
    let wait = control(fields, "waitSeconds").map_or(DEFAULT_WAIT, Duration::from_secs);
    let deadline = Deadline::after(client.clock, wait);
    let query = Query::new().with("parentTaskId", &parent);
    loop {
        let tasks = client.list("remote-scripts/status", &query, Items::Data, Bound { page_size: MAX_PAGE_SIZE, max_items: MAX_TASKS })?.items;
        let status = |t: &Value| t.get("status").and_then(Value::as_str).unwrap_or("unknown").to_owned();
        let done = !tasks.is_empty() && tasks.iter().all(|t| ENDED.contains(&status(t).as_str()));
        if done || !deadline.sleep_within(client.clock, POLL_INTERVAL) {
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            for task in &tasks {
                *counts.entry(status(task)).or_default() += 1;
            }
            if let Some(o) = out.as_object_mut() {
                if let (false, Some(Value::Array(w))) = (done, o.get_mut("warnings")) {
                    w.push(json!("some tasks had not ended when waitSeconds ran out; follow them with scripts.status"));
                }
                o.insert("parentTaskId".into(), json!(parent));
                o.insert("finished".into(), json!(done));
                o.insert("statusCounts".into(), json!(counts));
                o.insert("tasks".into(), json!(tasks));
            }
            return Ok(out);
        }
    }
}
