//! `scripts.run`: execute a library script on agents (a targeted action, with every guard that
//! implies), then poll the run's tasks until each has ended or the wait runs out.

use super::act;
use super::catalog::AGENTS;
use super::{Action, control};
use crate::Error;
use crate::client::{Client, MAX_PAGE_SIZE, Query};
use crate::http::Method;
use crate::output::{ObjectText, Output, RawItems, object};
use crate::pages::{Bound, Flow, Items};
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;
use serde_json::{Map, Value};

/// Task statuses SentinelOne reports.
pub const TASK_STATUSES: &[&str] = &[
    "created",
    "pending",
    "pending_user_action",
    "scheduled",
    "in_progress",
    "completed",
    "failed",
    "canceled",
    "expired",
    "partially_completed",
];
/// The statuses after which a task changes no more.
const ENDED: &[&str] = &["completed", "failed", "canceled", "expired", "partially_completed"];
/// Between two status reads (no limit is documented; one every two seconds is gentle).
const POLL_INTERVAL: Duration = Duration::from_secs(2);
const DEFAULT_WAIT: Duration = Duration::from_secs(60);
/// The most tasks one run's status is read for.
const MAX_TASKS: usize = 10_000;

pub fn run(client: &Client, action: &Action, fields: &Map<String, Value>) -> Result<Output, Error> {
    let out = act::run(client, action, &AGENTS, Method::Post, "remote-scripts/execute", fields)?;
    let Some(parent) = out.pointer("/data/parentTaskId").and_then(Value::as_str).map(str::to_owned) else {
        // A dry run, or a run waiting for approval in the console (no tasks yet).
        return Ok(out.into());
    };
    let wait = control(fields, "waitSeconds").map_or(DEFAULT_WAIT, Duration::from_secs);
    let deadline = client.wait_deadline(wait);
    let query = Query::new().with("parentTaskId", &parent);
    let bound = Bound { page_size: MAX_PAGE_SIZE, max_items: MAX_TASKS, max_bytes: client.config.max_output_bytes };
    loop {
        let mut tasks = RawItems::default();
        let mut counts: Vec<(String, u64)> = Vec::new();
        let walked = client.walk("remote-scripts/status", &query, Items::Data, bound, |_, items| {
            for item in items {
                let task: TaskStatus = serde_json::from_str(item.get()).unwrap_or_default();
                let status = task.status.unwrap_or_else(|| "unknown".to_owned());
                match counts.iter_mut().find(|(s, _)| *s == status) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((status, 1)),
                }
            }
            tasks.push(items);
            Ok(Flow::More)
        });
        // The script runs already: a failed status read must not lose the parentTaskId.
        let (more, failure) = match walked {
            Ok(walk) => (walk.more, None),
            Err(e) => (true, Some(e)),
        };
        let done = failure.is_none() && !tasks.is_empty() && !more && counts.iter().all(|(s, _)| ENDED.contains(&s.as_str()));
        if done || failure.is_some() || !deadline.sleep_within(client.clock, POLL_INTERVAL) {
            let mut warnings: Vec<Value> = out.get("warnings").and_then(Value::as_array).cloned().unwrap_or_default();
            if let Some(e) = failure {
                warnings.push(
                    format!(
                        "the script was started, but reading its tasks failed ({e}); follow them with scripts.status and the parentTaskId"
                    )
                    .into(),
                );
            } else if !done {
                warnings.push(Value::from("some tasks had not ended when the wait ended (waitSeconds, or the host's call bound); follow them with scripts.status and the parentTaskId"));
            }
            let mut head = ObjectText::new();
            for (key, value) in out.as_object().into_iter().flatten().filter(|(k, _)| *k != "warnings") {
                head = head.field(key, value.clone());
            }
            let head = head
                .field("warnings", warnings)
                .field("parentTaskId", parent.as_str())
                .field("finished", done)
                .field("statusCounts", object(counts.iter().map(|(s, n)| (s.as_str(), Value::from(*n))).collect()))
                .items("tasks", tasks)
                .field("moreTasks", more);
            return Ok(head.into());
        }
    }
}

/// The one field of a task the wait needs.
#[derive(Default, serde::Deserialize)]
struct TaskStatus {
    #[serde(default)]
    status: Option<String>,
}
