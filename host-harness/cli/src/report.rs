//! The demo's human-readable report: what a platform engineer reads to see that it works.

use host_harness::{CheckReport, OrganizationTree, Severity, Verdict};
use serde_json::Value;
use std::fmt::Write as _;

/// The connection test, as lines.
pub fn check(report: &CheckReport) -> String {
    let mut out = String::new();
    let verdict = match report.verdict {
        Verdict::Ready => "READY",
        Verdict::ReadyWithWarnings => "READY WITH WARNINGS",
        Verdict::NotReady => "NOT READY",
    };
    let _ = writeln!(out, "  verdict   {verdict}");
    let _ = writeln!(out, "  summary   {}", report.summary);
    if let Some(console) = &report.console {
        let _ = writeln!(out, "  console   version {}", console.version);
    }
    if let Some(identity) = &report.identity {
        let roles: Vec<String> = identity.roles.iter().map(|r| format!("{} @ {}", r.role_name, r.scope_name)).collect();
        let _ = writeln!(
            out,
            "  identity  {} <{}> — {} scope — {}",
            identity.name,
            identity.email.as_deref().unwrap_or("-"),
            identity.scope,
            roles.join(", ")
        );
    }
    if let Some(token) = &report.token {
        let days = token.days_left.map_or("unknown".to_owned(), |d| format!("{d} days left"));
        let _ = writeln!(out, "  token     expires {} ({days})", token.expires_at.as_deref().unwrap_or("?"));
    }
    let _ = writeln!(out, "  can act   {}", if report.can_act { "yes" } else { "no (read-only)" });
    for f in &report.findings {
        let mark = match f.severity {
            Severity::Info => "·",
            Severity::Warning => "!",
            Severity::Error => "✗",
        };
        let _ = writeln!(out, "    {mark} {}", f.message);
    }
    out
}

/// The organisation tree, indented.
pub fn tree(tree: &OrganizationTree) -> String {
    let mut out = String::new();
    let count = |n: Option<i64>| n.map_or("-".to_owned(), |n| n.to_string());
    for account in &tree.accounts {
        let _ = writeln!(
            out,
            "  account {} {:<24} state {:<8} active agents {}",
            account.id,
            account.name,
            account.state.as_deref().unwrap_or("?"),
            count(account.active_agents)
        );
        for site in &account.sites {
            let _ = writeln!(
                out,
                "    site {} {:<24} {:<6} licences {}/{}",
                site.id,
                site.name,
                site.state,
                count(site.licences.active),
                count(site.licences.total)
            );
            for group in &site.groups {
                let default = if group.is_default { " (default)" } else { "" };
                let _ = writeln!(out, "      group {} {}{default} — {} agents", group.id, group.name, count(group.total_agents));
            }
        }
    }
    let _ = writeln!(out, "  all sites: licences {}/{}", count(tree.all_sites.active), count(tree.all_sites.total));
    out
}

/// A few agents as a table.
pub fn agents(items: &[Value]) -> String {
    let mut out = String::new();
    let field = |a: &Value, k: &str| a.get(k).map_or("-".to_owned(), |v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
    let _ = writeln!(out, "  {:<20} {:<18} {:<8} {:<13} {:<8} site", "id", "computer", "os", "network", "active");
    for a in items {
        let _ = writeln!(
            out,
            "  {:<20} {:<18} {:<8} {:<13} {:<8} {}",
            field(a, "id"),
            field(a, "computerName"),
            field(a, "osType"),
            field(a, "networkStatus"),
            field(a, "isActive"),
            field(a, "siteName")
        );
    }
    out
}

/// The action catalog as a Markdown table, generated from `describe` (the README embeds it
/// between `<!-- catalog:start -->` and `<!-- catalog:end -->`, and a test keeps them equal).
pub fn catalog_markdown(info: &host_harness::PluginInfo) -> String {
    let mut out = String::from("| action | title | minimum role | destructive | inputs |\n|---|---|---|---|---|\n");
    for action in &info.actions {
        let schema: Value = serde_json::from_str(&action.input_schema).unwrap_or_default();
        let required: Vec<&str> = schema["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let inputs: Vec<String> = schema["properties"]
            .as_object()
            .map(|p| p.keys().map(|k| if required.contains(&k.as_str()) { format!("**{k}**") } else { k.clone() }).collect())
            .unwrap_or_default();
        let inputs = if inputs.len() > 8 { format!("{} … ({} in all)", inputs[..8].join(", "), inputs.len()) } else { inputs.join(", ") };
        let role = match action.minimum_role {
            host_harness::Role::Viewer => "viewer",
            host_harness::Role::Soc => "SOC",
            host_harness::Role::It => "IT",
            host_harness::Role::IncidentResponse => "incident response",
            host_harness::Role::Admin => "admin",
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {role} | {} | {} |",
            action.name,
            action.title,
            if action.destructive { "yes" } else { "" },
            inputs
        );
    }
    out.push_str("\n### One worked example per family\n\nEach input is the example the action's schema publishes (`describe`); `--input` also takes `@file.json` or `-` (stdin).\n");
    for (family, action) in worked_examples(info) {
        let schema: Value = serde_json::from_str(&action.input_schema).unwrap_or_default();
        let example = schema["examples"][0].to_string();
        let _ =
            write!(out, "\n**{family}**: {}\n\n```sh\ns1-harness invoke {} --input '{example}'\n```\n", action.description, action.name);
    }
    out
}

/// For each family, in catalog order, the action that best shows it: the first one that changes
/// something (or runs a query), else the first with a non-empty example.
fn worked_examples(info: &host_harness::PluginInfo) -> Vec<(&str, &host_harness::ActionInfo)> {
    let mut families: Vec<&str> = Vec::new();
    for action in &info.actions {
        if !families.contains(&action.family.as_str()) {
            families.push(&action.family);
        }
    }
    let has_example = |a: &&host_harness::ActionInfo| {
        serde_json::from_str::<Value>(&a.input_schema).is_ok_and(|s| s["examples"][0].as_object().is_some_and(|e| !e.is_empty()))
    };
    families
        .into_iter()
        .filter_map(|family| {
            let members: Vec<&host_harness::ActionInfo> = info.actions.iter().filter(|a| a.family == family).filter(has_example).collect();
            let acting = members.iter().find(|a| a.minimum_role != host_harness::Role::Viewer).or(members.first())?;
            Some((family, *acting))
        })
        .collect()
}

/// The markers between which a README holds the generated catalog.
pub const CATALOG_START: &str = "<!-- catalog:start -->\n";
pub const CATALOG_END: &str = "<!-- catalog:end -->";

/// `document` with the text between the catalog markers replaced by `catalog`; an error names a
/// missing marker.
pub fn splice_catalog(document: &str, catalog: &str) -> Result<String, String> {
    let start = document.find(CATALOG_START).ok_or("no `<!-- catalog:start -->` line")? + CATALOG_START.len();
    let end = document[start..].find(CATALOG_END).ok_or("no `<!-- catalog:end -->` after the start marker")? + start;
    Ok(format!("{}{catalog}{}", &document[..start], &document[end..]))
}

/// The first line where two texts differ, as a short diff for a drift message.
pub fn first_difference(old: &str, new: &str) -> Option<String> {
    let (mut a, mut b) = (old.lines(), new.lines());
    for line in 1.. {
        match (a.next(), b.next()) {
            (None, None) => return None,
            (x, y) if x == y => continue,
            (x, y) => return Some(format!("line {line}:\n- {}\n+ {}", x.unwrap_or("<end>"), y.unwrap_or("<end>"))),
        }
    }
    None
}
