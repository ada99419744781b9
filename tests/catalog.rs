//! The catalog as platforms see it through `describe`: every input schema is a valid draft
//! 2020-12 schema, and its published example is valid both for the schema and for the plugin's
//! own validation (so a form rendered from the schema never produces input the plugin refuses).

mod support;

use host_harness::{Connection, PluginError};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_input_schema_is_valid_draft_2020_12_and_accepts_its_example() {
    let info = support::runtime().describe().await.unwrap();
    assert!(info.actions.len() >= 60, "{} actions", info.actions.len());
    for action in &info.actions {
        let schema: Value =
            serde_json::from_str(&action.input_schema).unwrap_or_else(|e| panic!("{}: schema is not JSON: {e}", action.name));
        assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema", "{}", action.name);
        if let Err(e) = jsonschema::draft202012::meta::validate(&schema) {
            panic!("{}: not a valid draft 2020-12 schema: {e}", action.name);
        }
        let validator = jsonschema::draft202012::options().should_validate_formats(true).build(&schema).unwrap();
        let examples = schema["examples"].as_array().unwrap_or_else(|| panic!("{}: no examples", action.name));
        assert_eq!(examples.len(), 1, "{}", action.name);
        if let Err(e) = validator.validate(&examples[0]) {
            panic!("{}: its example does not match its schema: {e}", action.name);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_published_example_passes_the_plugins_validation() {
    // A policy that allows no host: an input the plugin accepts ends in `request-denied` (or a
    // report), and nothing leaves the sandbox.
    let mut conn = Connection::new("https://console.example.invalid", None).unwrap();
    conn.policy.allowed_origins.clear();
    let info = support::runtime().describe().await.unwrap();
    for action in &info.actions {
        let schema: Value = serde_json::from_str(&action.input_schema).unwrap();
        let example = schema["examples"][0].to_string();
        match support::invoke(&conn, &action.name, &example).await.value {
            Err(PluginError::InvalidInput(e)) => panic!("{}: the plugin refuses its own example {example}: {e:?}", action.name),
            Err(PluginError::RequestDenied(_)) | Ok(_) => {}
            Err(other) => panic!("{}: expected the request to be denied, got {other:?}", action.name),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemas_reject_what_the_plugin_rejects() {
    let info = support::runtime().describe().await.unwrap();
    let schema_of =
        |name: &str| -> Value { serde_json::from_str(&info.actions.iter().find(|a| a.name == name).unwrap().input_schema).unwrap() };
    for (name, bad) in [
        ("agents.isolate", r#"{}"#),
        ("agents.isolate", r#"{"filter": {"isActive": true}}"#),
        ("agents.isolate", r#"{"ids": ["1"], "filter": {"isActive": true}}"#),
        ("agents.fetch-files", r#"{"id": "1", "files": ["relative/path"], "password": "Zip-Pass-2026!"}"#),
        ("blocklist.add", r#"{"value": "not-a-sha1", "osTypes": ["windows"]}"#),
        ("hashes.verdict", r#"{"hash": "../../agents"}"#),
        ("dv.query", r#"{"query": "x", "fromDate": "yesterday", "toDate": "2026-11-21T00:00:00Z"}"#),
    ] {
        let validator = jsonschema::draft202012::options().should_validate_formats(true).build(&schema_of(name)).unwrap();
        assert!(!validator.is_valid(&serde_json::from_str(bad).unwrap()), "{name} schema accepts {bad}");
    }
}
