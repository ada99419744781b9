//! Every request the catalog can make is one SentinelOne's v2.1 specification declares: the
//! simulator checks each request against the spec (path template, query names, body keys) and
//! answers an undeclared one with a 400, so here every action's published example, and the example
//! with each of its inputs and filters set in turn, runs against it with no violation.

mod support;

use s1_simulator::tokens;
use serde_json::{Map, Value, json};
use support::*;

/// A value the schema `property` accepts: its first enum value or example, else one of its type.
fn sample(property: &Value) -> Option<Value> {
    if let Some(first) = property.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
        return Some(first.clone());
    }
    if let Some(example) = property.get("examples").and_then(Value::as_array).and_then(|e| e.first()) {
        return Some(example.clone());
    }
    let typed = match property.get("type").and_then(Value::as_str)? {
        "boolean" => json!(true),
        "integer" | "number" => json!(property.get("minimum").and_then(Value::as_i64).unwrap_or(1).max(1)),
        "string" if property.get("format").and_then(Value::as_str) == Some("date-time") => json!("2026-01-01T00:00:00Z"),
        "string" => json!("1834780238610855700"),
        "array" => json!([sample(property.get("items")?)?]),
        _ => return None,
    };
    Some(typed)
}

/// The inputs to try for one action: its example, then the example with each property (and
/// each key of an object property such as `filter`) set to a sample value.
fn inputs(schema: &Value) -> Vec<Value> {
    let example = schema["examples"][0].clone();
    let mut inputs = vec![example.clone()];
    let properties = schema.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
    for (name, property) in &properties {
        // The generic request's path is the caller's own choice, not a catalog request.
        if name == "path" {
            continue;
        }
        if let Some(inner) = property.get("properties").and_then(Value::as_object) {
            for (key, inner_property) in inner {
                let Some(value) = sample(inner_property) else { continue };
                let mut input = example.clone();
                let mut object: Map<String, Value> = input[name.as_str()].as_object().cloned().unwrap_or_default();
                object.insert(key.clone(), value);
                input[name.as_str()] = Value::Object(object);
                if name == "filter" {
                    // An action on a filter: the action itself, and its dry run (the count).
                    input.as_object_mut().unwrap().remove("ids");
                    for confirm in ["confirmFilter", "dryRun"] {
                        let mut confirmed = input.clone();
                        confirmed[confirm] = json!(true);
                        inputs.push(confirmed);
                    }
                } else {
                    inputs.push(input);
                }
            }
        } else if let Some(value) = sample(property) {
            let mut input = example.clone();
            input[name.as_str()] = value;
            inputs.push(input);
        }
    }
    // Wait as little as the action allows: the requests are what is checked, not the results.
    if let Some(shortest) = properties.get("waitSeconds").and_then(|w| w.get("minimum")) {
        for input in &mut inputs {
            input["waitSeconds"] = shortest.clone();
        }
    }
    inputs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_example_and_filter_is_declared_by_the_v2_1_specification() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let info = runtime().describe().await.unwrap();
    let mut tried = 0;
    let mut violations = Vec::new();
    for action in &info.actions {
        let schema: Value = serde_json::from_str(&action.input_schema).unwrap();
        for input in inputs(&schema) {
            let before = sim.spec_violations().len();
            let _ = runtime().invoke(&conn, &action.name, &input.to_string()).await.expect("no host fault");
            tried += 1;
            for v in &sim.spec_violations()[before..] {
                violations.push(format!("{} {input}: {v}", action.name));
            }
        }
    }
    assert!(tried > 300, "{tried} inputs tried");
    assert!(violations.is_empty(), "{} violations:\n{}", violations.len(), violations.join("\n"));
}
