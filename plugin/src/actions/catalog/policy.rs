//! The blocklist (SentinelOne's `restrictions`), exclusions (classic and unified), and hash
//! verdicts.

use super::super::act::{Body, Count, Target};
use super::super::params::{Kind, Param};
use super::{LIST_CONTROLS, OS_TYPES, list, row, ts};
use crate::actions::{Action, Op, Role, lists};
use crate::http::Method;

const SCOPE_FILTERS: &[Param] = &[
    Param::query("accountIds", Kind::Ids, "Entries set at these accounts."),
    Param::query("siteIds", Kind::Ids, "Entries set at these sites."),
    Param::query("groupIds", Kind::Ids, "Entries set at these groups."),
    Param::query("tenant", Kind::Bool, "Entries set for the whole tenant."),
    Param::query("includeChildren", Kind::Bool, "Also entries set below the given scopes."),
    Param::query("includeParents", Kind::Bool, "Also entries set above the given scopes (what applies there)."),
    Param::query("ids", Kind::Ids, "Entry ids."),
    Param::query("osTypes", Kind::Choices(OS_TYPES), "Operating systems."),
    Param::query("value__contains", Kind::Texts, "Values containing any of these (hash lookups)."),
    Param::query("description__contains", Kind::Texts, "Descriptions containing any of these."),
    ts("createdAt__gt"),
    ts("createdAt__lt"),
];
const BLOCKLIST_FILTERS: &[Param] = &[
    Param::query("value", Kind::Text, "Exact value (case-sensitive)."),
    Param::query("source", Kind::Choices(&["user", "cloud", "action_from_threat", "catalog"]), "How the entry was made."),
    Param::query("sortBy", Kind::Choice(&["id", "createdAt", "updatedAt", "osType", "description", "value", "scopePath"]), "Sort field."),
];
const EXCLUSION_TYPES: &[&str] = &["path", "certificate", "browser", "file_type", "white_hash"];
const EXCLUSION_FILTERS: &[Param] = &[
    Param::query("type", Kind::Choice(EXCLUSION_TYPES), "Exclusion type."),
    Param::query("sortBy", Kind::Choice(&["id", "createdAt", "updatedAt", "osType", "description", "value"]), "Sort field."),
];

/// Where a new entry applies: exactly one of these. Without it, the configuration's scope pins.
const WRITE_SCOPE: &[Param] = &[
    Param::query("tenant", Kind::Bool, "true: the whole tenant."),
    Param::query("accountIds", Kind::Ids, "These accounts."),
    Param::query("siteIds", Kind::Ids, "These sites."),
    Param::query("groupIds", Kind::Ids, "These groups."),
];
const SCOPE: Param = Param::control(
    "scope",
    Kind::Filter(WRITE_SCOPE),
    "Where the entry applies: exactly one of tenant, accountIds, siteIds, groupIds (default: the configured scope pins).",
);
const OS_TYPES_PARAM: Param =
    Param::control("osTypes", Kind::Choices(OS_TYPES), "The operating systems to add it for: one entry per OS.").required();

const BLOCKLIST_ADD: &[Param] = &[
    Param::data("type", Kind::Const("black_hash"), "Always black_hash (sent for you)."),
    Param::data("value", Kind::Sha1, "The SHA1 to block.").required(),
    OS_TYPES_PARAM,
    Param::data("description", Kind::Text, "Why it is blocked."),
    SCOPE,
];
const EXCLUSION_ADD: &[Param] = &[
    Param::data("type", Kind::Choice(EXCLUSION_TYPES), "Exclusion type.").required(),
    Param::data("value", Kind::Text, "The path, certificate id, browser, file type or SHA1 (white_hash) to exclude.").required(),
    OS_TYPES_PARAM,
    Param::data("pathExclusionType", Kind::Choice(&["file", "folder", "subfolders"]), "For path exclusions: what the path covers."),
    Param::data(
        "mode",
        Kind::Choice(&[
            "suppress",
            "disable_in_process_monitor",
            "disable_in_process_monitor_deep",
            "disable_all_monitors",
            "disable_all_monitors_deep",
        ]),
        "For path exclusions: what is turned off.",
    ),
    Param::data("description", Kind::Text, "Why it is excluded."),
    SCOPE,
];

const DELETE_TARGET: Param = Param::control("ids", Kind::Ids, "The entries to delete.").required();
const DRY_RUN: Param = Param::control("dryRun", Kind::Bool, "Report which ids exist within the scope and delete none.");
const BLOCKLIST_DELETE: &[Param] =
    &[DELETE_TARGET, Param::data("type", Kind::Const("black_hash"), "Always black_hash (sent for you)."), DRY_RUN];
const EXCLUSION_DELETE: &[Param] =
    &[DELETE_TARGET, Param::data("type", Kind::Choice(EXCLUSION_TYPES), "The entries' type.").required(), DRY_RUN];

/// Blocklist entries, deleted by id with `DELETE restrictions {"data": {"type", "ids"}}`;
/// `includeChildren` so entries set below a pinned scope are found there.
pub const BLOCKLIST: Target = Target {
    lookup_extra: &[("includeChildren", "true")],
    body: Body::DataIds,
    ..Target::new("blocklist entry", "restrictions", SCOPE_FILTERS, Count::ListTotal("restrictions"))
};
pub const EXCLUSIONS: Target = Target {
    lookup_extra: &[("includeChildren", "true")],
    body: Body::DataIds,
    ..Target::new("exclusion", "exclusions", SCOPE_FILTERS, Count::ListTotal("exclusions"))
};

/// `unified-exclusions`: SentinelOne's newer exclusions API, one list per mode type.
const MODE_TYPES: &[&str] = &["suppression", "agent_interaction"];
const UNIFIED_FILTERS: &[Param] = &[
    Param::query(
        "modeType",
        Kind::Choice(MODE_TYPES),
        "Which exclusions: suppression (detections suppressed) or agent_interaction (agent monitors turned off).",
    )
    .required(),
    Param::query(
        "conditions",
        Kind::Choices(&["white_hash", "path", "certificate", "file_type", "browser", "user", "host", "process"]),
        "Exclusion types.",
    ),
    Param::query("threatType", Kind::Choices(&["EDR", "IDR"]), "Threat types (EDR: endpoint, IDR: identity)."),
    Param::query("source", Kind::Choices(&["user", "cloud", "action_from_threat", "catalog"]), "How the exclusion was made."),
    Param::query("sortBy", Kind::Choice(&["id", "createdAt", "updatedAt", "description", "osType", "scopePath"]), "Sort field."),
];
const UNIFIED_DELETE: &[Param] = &[
    DELETE_TARGET,
    Param::control("modeType", Kind::Choice(MODE_TYPES), "The exclusions' mode type (as unified-exclusions.list shows it).").required(),
    Param::control("exclusionType", Kind::Choice(&["EDR", "IDR"]), "The exclusions' threat type (default EDR)."),
    DRY_RUN,
];
const fn unified(mode: &'static [(&'static str, &'static str)]) -> Target {
    Target {
        lookup_extra: mode,
        body: Body::DataExclusions,
        ..Target::new("unified exclusion", "unified-exclusions", SCOPE_FILTERS, Count::ListTotal("unified-exclusions"))
    }
}
/// Unified exclusions, resolved by id within one mode type (the lookup requires `modeType`) and
/// one threat type (so a dry run finds exactly what the delete will remove), keyed by both.
pub const UNIFIED_EXCLUSIONS: [(&str, &str, Target); 4] = [
    ("suppression", "EDR", unified(&[("includeChildren", "true"), ("modeType", "suppression"), ("threatType", "EDR")])),
    ("suppression", "IDR", unified(&[("includeChildren", "true"), ("modeType", "suppression"), ("threatType", "IDR")])),
    ("agent_interaction", "EDR", unified(&[("includeChildren", "true"), ("modeType", "agent_interaction"), ("threatType", "EDR")])),
    ("agent_interaction", "IDR", unified(&[("includeChildren", "true"), ("modeType", "agent_interaction"), ("threatType", "IDR")])),
];

const HASH: &[Param] = &[Param::control("hash", Kind::Hash, "An MD5, SHA1 or SHA256 (hex).").required()];

pub const ACTIONS: &[Action] = &[
    list("blocklist.list", "List the blocklist", "Blocked hashes (SentinelOne's restrictions) with their scopes.", "restrictions", &[SCOPE_FILTERS, BLOCKLIST_FILTERS, LIST_CONTROLS])
        .example(r#"{"value__contains": ["3395856ce81f2b7382dee72602f798b642f14140"], "includeParents": true}"#),
    row("blocklist.add", "Block a hash", "Add a SHA1 to the blocklist for each OS given, at one scope; an OS that already has it is reported, not an error.", &[BLOCKLIST_ADD], Op::Native(lists::add_to_blocklist))
        .role(Role::Soc)
        .destructive()
        .example(r#"{"value": "3395856ce81f2b7382dee72602f798b642f14140", "osTypes": ["windows", "macos"], "description": "INC-20431 dropper", "scope": {"siteIds": ["1834780238610855650"]}}"#),
    row("blocklist.delete", "Unblock hashes", "Delete blocklist entries by id.", &[BLOCKLIST_DELETE], Op::Act { method: Method::Delete, path: "restrictions", target: &BLOCKLIST })
        .role(Role::Soc)
        .destructive()
        .example(r#"{"ids": ["1834780238610858001"]}"#),
    list("exclusions.list", "List exclusions", "Path, certificate, browser, file-type and hash exclusions with their scopes.", "exclusions", &[SCOPE_FILTERS, EXCLUSION_FILTERS, LIST_CONTROLS])
        .example(r#"{"type": "path", "siteIds": ["1834780238610855650"], "includeParents": true}"#),
    row("exclusions.add", "Add an exclusion", "Add an exclusion for each OS given, at one scope; an OS that already has it is reported, not an error.", &[EXCLUSION_ADD], Op::Native(lists::add_exclusion))
        .role(Role::Soc)
        .destructive()
        .example(r#"{"type": "path", "value": "/opt/backup/bin/agent", "osTypes": ["linux"], "pathExclusionType": "file", "mode": "suppress", "scope": {"siteIds": ["1834780238610855650"]}}"#),
    row("exclusions.delete", "Delete exclusions", "Delete exclusions by id.", &[EXCLUSION_DELETE], Op::Act { method: Method::Delete, path: "exclusions", target: &EXCLUSIONS })
        .role(Role::Soc)
        .destructive()
        .example(r#"{"ids": ["1834780238610859001"], "type": "path"}"#),
    list(
        "unified-exclusions.list",
        "List unified exclusions",
        "Exclusions through SentinelOne's newer unified API, one mode type at a time, with their scopes.",
        "unified-exclusions",
        &[SCOPE_FILTERS, UNIFIED_FILTERS, LIST_CONTROLS],
    )
    .example(r#"{"modeType": "suppression", "conditions": ["white_hash"], "siteIds": ["1834780238610855650"], "includeParents": true}"#),
    row(
        "unified-exclusions.delete",
        "Delete unified exclusions",
        "Delete exclusions by id through the unified API (DELETE unified-exclusions).",
        &[UNIFIED_DELETE],
        Op::Native(lists::delete_unified_exclusions),
    )
    .role(Role::Soc)
    .destructive()
    .example(r#"{"ids": ["1834780238610859001"], "modeType": "agent_interaction"}"#),
    row("hashes.verdict", "Hash verdict", "SentinelOne's cloud verdict on a file hash.", &[HASH], Op::Read { path: "hashes/{hash}/verdict" })
        .example(r#"{"hash": "3395856ce81f2b7382dee72602f798b642f14140"}"#),
    row(
        "hashes.reputation",
        "Hash reputation rank",
        "SentinelOne's reputation rank for a file hash, \"0\" to \"10\" (5-10 malicious, 1-4 not, 0 unknown); older integrations read this, newer ones hashes.verdict.",
        &[HASH],
        Op::Read { path: "hashes/{hash}/reputation" },
    )
    .example(r#"{"hash": "3395856ce81f2b7382dee72602f798b642f14140"}"#),
];
