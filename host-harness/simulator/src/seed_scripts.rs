//! The remote-script library (`GET remote-scripts`): twelve scripts, the same for every seed.
//!
//! Ids are fixed literals from `1_950_334_...` upward (creation order = id order), far above every
//! seeded and run-time id, so adding the library changed no existing id. Ten scripts are global
//! (the SentinelOne library); one belongs to the first account (Acme) and one to the second
//! (Globex), so scope matters. Dates are relative to [`REFERENCE_TIME`].

use super::model::{Id, World};
use super::remote_scripts::Script;
use super::seed::REFERENCE_TIME;

/// One library entry as seeded; tests can name scripts through [`SCRIPT_LIBRARY`].
pub struct ScriptSpec {
    pub id: u64,
    pub name: &'static str,
    /// `artifactCollection`, `dataCollection` or `action`.
    pub script_type: &'static str,
    pub os_types: &'static [&'static str],
    pub input_required: bool,
    pub input_instructions: Option<&'static str>,
    pub input_example: Option<&'static str>,
    pub timeout_seconds: u32,
    /// `None`: global; `Some(i)`: the i-th seeded account.
    pub account: Option<usize>,
    pub description: &'static str,
    created_days_ago: i64,
}

const ALL_OS: &[&str] = &["windows", "macos", "linux"];

pub const SCRIPT_LIBRARY: [ScriptSpec; 12] = [
    ScriptSpec {
        id: 1_950_334_312_457_691_137,
        name: "Collect Process List",
        script_type: "dataCollection",
        os_types: ALL_OS,
        input_required: false,
        input_instructions: None,
        input_example: None,
        timeout_seconds: 300,
        account: None,
        description: "Lists running processes with their command lines and owners.",
        created_days_ago: 400,
    },
    ScriptSpec {
        id: 1_950_334_377_102_548_993,
        name: "Collect Windows Event Logs",
        script_type: "artifactCollection",
        os_types: &["windows"],
        input_required: true,
        input_instructions: Some("Comma-separated event log names to export."),
        input_example: Some("-Logs Security,System"),
        timeout_seconds: 900,
        account: None,
        description: "Exports the named Windows event logs as EVTX files.",
        created_days_ago: 380,
    },
    ScriptSpec {
        id: 1_950_334_409_886_013_441,
        name: "Collect Browser History",
        script_type: "artifactCollection",
        os_types: &["windows", "macos"],
        input_required: false,
        input_instructions: None,
        input_example: None,
        timeout_seconds: 600,
        account: None,
        description: "Copies Chrome, Edge, Firefox and Safari history databases.",
        created_days_ago: 350,
    },
    ScriptSpec {
        id: 1_950_335_102_715_990_017,
        name: "Network Connections Snapshot",
        script_type: "dataCollection",
        os_types: ALL_OS,
        input_required: false,
        input_instructions: None,
        input_example: None,
        timeout_seconds: 300,
        account: None,
        description: "Records open sockets and the processes that own them.",
        created_days_ago: 300,
    },
    ScriptSpec {
        id: 1_950_335_288_410_996_737,
        name: "Kill Process by Name",
        script_type: "action",
        os_types: ALL_OS,
        input_required: true,
        input_instructions: Some("The process image name to terminate."),
        input_example: Some("-ProcessName notepad.exe"),
        timeout_seconds: 120,
        account: None,
        description: "Terminates every process with the given image name.",
        created_days_ago: 280,
    },
    ScriptSpec {
        id: 1_950_336_001_219_051_521,
        name: "Delete File",
        script_type: "action",
        os_types: ALL_OS,
        input_required: true,
        input_instructions: Some("The full path of the file to delete."),
        input_example: Some(r"-Path C:\Temp\payload.exe"),
        timeout_seconds: 120,
        account: None,
        description: "Deletes one file and reports its hash first.",
        created_days_ago: 240,
    },
    ScriptSpec {
        id: 1_950_336_457_335_980_033,
        name: "Collect Linux Auth Logs",
        script_type: "artifactCollection",
        os_types: &["linux"],
        input_required: false,
        input_instructions: None,
        input_example: None,
        timeout_seconds: 600,
        account: None,
        description: "Archives /var/log/auth.log, /var/log/secure and wtmp.",
        created_days_ago: 200,
    },
    ScriptSpec {
        id: 1_950_337_110_903_373_825,
        name: "macOS Unified Log Collection",
        script_type: "artifactCollection",
        os_types: &["macos"],
        input_required: false,
        input_instructions: Some("Optional: how far back to collect (default 1h)."),
        input_example: Some("--last 4h"),
        timeout_seconds: 1800,
        account: None,
        description: "Runs log collect and archives the logarchive bundle.",
        created_days_ago: 150,
    },
    ScriptSpec {
        id: 1_950_337_624_782_176_257,
        name: "List Installed Software",
        script_type: "dataCollection",
        os_types: &["windows", "macos"],
        input_required: false,
        input_instructions: None,
        input_example: None,
        timeout_seconds: 600,
        account: None,
        description: "Lists installed applications with versions and publishers.",
        created_days_ago: 120,
    },
    ScriptSpec {
        id: 1_950_338_080_115_343_361,
        name: "Flush DNS Cache",
        script_type: "action",
        os_types: &["windows", "macos"],
        input_required: false,
        input_instructions: None,
        input_example: None,
        timeout_seconds: 60,
        account: None,
        description: "Clears the resolver cache.",
        created_days_ago: 90,
    },
    ScriptSpec {
        id: 1_950_338_512_093_724_673,
        name: "Acme Custom Inventory",
        script_type: "dataCollection",
        os_types: &["windows"],
        input_required: false,
        input_instructions: None,
        input_example: None,
        timeout_seconds: 300,
        account: Some(0),
        description: "Acme's asset inventory export for the CMDB.",
        created_days_ago: 60,
    },
    ScriptSpec {
        id: 1_950_339_005_630_197_761,
        name: "Globex Compliance Check",
        script_type: "dataCollection",
        os_types: &["windows", "linux"],
        input_required: true,
        input_instructions: Some("The benchmark profile to check against."),
        input_example: Some("-Profile CIS-L1"),
        timeout_seconds: 900,
        account: Some(1),
        description: "Checks the host against a CIS benchmark profile.",
        created_days_ago: 30,
    },
];

pub fn build(world: &World) -> Vec<Script> {
    let admin = world.users.iter().find(|u| u.token_name == "admin");
    SCRIPT_LIBRARY
        .iter()
        .filter_map(|spec| {
            let account = match spec.account {
                Some(index) => Some(world.accounts.get(index)?),
                None => None,
            };
            let created_at = REFERENCE_TIME.plus_days(-spec.created_days_ago);
            let extension = if spec.os_types == ["windows"] { "ps1" } else { "sh" };
            Some(Script {
                id: Id(spec.id),
                script_name: spec.name.into(),
                script_type: spec.script_type.into(),
                os_types: spec.os_types.iter().map(|s| s.to_string()).collect(),
                input_required: spec.input_required,
                input_instructions: spec.input_instructions.map(str::to_string),
                input_example: spec.input_example.map(str::to_string),
                script_runtime_timeout_seconds: spec.timeout_seconds,
                version: format!("1.{}", spec.created_days_ago % 7),
                scope_level: if account.is_some() { "account" } else { "global" }.into(),
                scope_id: account.map(|a| a.id),
                scope_name: account.map(|a| a.name.clone()),
                created_at,
                updated_at: created_at.plus_days(spec.created_days_ago / 3),
                creator: match (account, admin) {
                    (Some(_), Some(user)) => user.full_name.clone(),
                    _ => "SentinelOne".into(),
                },
                creator_id: account.and(admin).map(|u| u.id),
                script_description: spec.description.into(),
                file_name: format!("{}.{extension}", slug(spec.name)),
            })
        })
        .collect()
}

fn slug(name: &str) -> String {
    name.to_lowercase().replace(' ', "_")
}
