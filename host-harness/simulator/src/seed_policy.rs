//! Seeds [`RESTRICTIONS`] blocklist entries and [`EXCLUSIONS`] exclusions spread over every level
//! (Global, both accounts, every site and group), only when there are agents and threats.
//!
//! Uses its own [`SplitMix64`] stream and ids taken above every id seeded before (it runs after
//! [`super::seed_security`] and moves `next_id` past its own ids), so no earlier seeded id or value
//! changes. Both kinds are created in one time-ordered sequence (id order = creation order).
//! Restriction `k` (0-based, in id order) for `k % 3 == 0` blocks the SHA1 of
//! `threats[(k * 37 + 11) % threats.len()]` at its agent's site (even `k`) or group (odd `k`),
//! with `source: "action_from_threat"` and the agent's `osType`; the others hold random SHA1s
//! (upper case when `k % 7 == 4`, as the console keeps the case it was given) at
//! `levels[k % 15]`. Exclusion `k` follows [`EXCLUSION_SPECS`]`[k % 10]` at `levels[(k + 3) % 15]`;
//! its `white_hash` values are random SHA1s matching no threat.

use super::clock::{MICROS_PER_DAY, MICROS_PER_SECOND, Timestamp};
use super::exclusions;
use super::model::{Id, World};
use super::policy::{Draft, Node, OS_TYPES};
use super::rng::SplitMix64;
use serde_json::json;

pub const RESTRICTIONS: usize = 20;
pub const EXCLUSIONS: usize = 20;

/// `(type, osType, value, mode, pathExclusionType)`; an empty value is a random SHA1.
pub type ExclusionSpec = (&'static str, &'static str, &'static str, Option<&'static str>, Option<&'static str>);

pub const EXCLUSION_SPECS: [ExclusionSpec; 10] = [
    ("path", "windows", "C:\\Program Files\\Veeam\\Backup\\", Some("disable_in_process_monitor"), Some("subfolders")),
    ("white_hash", "windows", "", None, None),
    ("certificate", "windows", "Acme Software Ltd", None, None),
    ("path", "linux", "/opt/splunkforwarder/bin/splunkd", Some("suppress"), Some("file")),
    ("file_type", "windows", "LOG", None, None),
    ("browser", "windows", "Chrome", None, None),
    ("path", "macos", "/Applications/Docker.app/", Some("disable_all_monitors"), Some("folder")),
    ("white_hash", "linux", "", None, None),
    ("certificate", "macos", "Developer ID Application: Globex Industries (GX4K2M9Q7T)", None, None),
    ("path", "windows", "C:\\ProgramData\\Backup Agent\\agent.exe", Some("suppress"), Some("file")),
];

/// Every level, widest first: Global, the accounts, the sites, the groups.
fn levels(world: &World) -> Vec<Vec<Node>> {
    let nodes = std::iter::once(Node::Tenant)
        .chain(world.accounts.iter().map(|a| Node::Account(a.id)))
        .chain(world.sites.iter().map(|s| Node::Site(s.id)))
        .chain(world.groups.iter().map(|g| Node::Group(g.id)));
    nodes.filter_map(|n| n.path(world)).collect()
}

fn restriction(world: &World, rng: &mut SplitMix64, k: usize, levels: &[Vec<Node>], admin: &(Id, String)) -> (Draft, Vec<Node>) {
    if k.is_multiple_of(3) {
        let threat = &world.threats[(k * 37 + 11) % world.threats.len()];
        let agent = &threat.agent_realtime_info;
        let node = if k.is_multiple_of(2) { Node::Site(agent.site_id) } else { Node::Group(agent.group_id) };
        let draft = Draft {
            item_type: "black_hash".into(),
            value: threat.threat_info.sha1.clone(),
            os_type: agent.agent_os_type.clone(),
            description: Some(format!("Blocked from threat {}", threat.threat_info.threat_name)),
            source: "action_from_threat".into(),
            extras: Default::default(),
            user: Some(admin.clone()),
            imported: false,
        };
        return (draft, node.path(world).unwrap_or_else(|| vec![Node::Tenant]));
    }
    let source = *rng.pick(&["user", "user", "cloud", "catalog"]);
    let value = rng.hex(40);
    let draft = Draft {
        item_type: "black_hash".into(),
        value: if k % 7 == 4 { value.to_uppercase() } else { value },
        os_type: rng.pick(&OS_TYPES).to_string(),
        description: Some(format!("Known bad file #{k} ({source})")),
        source: source.into(),
        extras: Default::default(),
        user: (source == "user").then(|| admin.clone()),
        imported: source == "catalog",
    };
    (draft, levels[k % levels.len()].clone())
}

fn exclusion(rng: &mut SplitMix64, k: usize, levels: &[Vec<Node>], admin: &(Id, String)) -> (Draft, Vec<Node>) {
    let (item_type, os_type, value, mode, path_type) = EXCLUSION_SPECS[k % EXCLUSION_SPECS.len()];
    let data = json!({"mode": mode, "pathExclusionType": path_type});
    let draft = Draft {
        item_type: item_type.into(),
        value: if value.is_empty() { rng.hex(40) } else { value.into() },
        os_type: os_type.into(),
        description: Some(format!("Seeded {item_type} exclusion #{k}")),
        source: "user".into(),
        extras: exclusions::extras(&data, item_type).unwrap_or_default(),
        user: Some(admin.clone()),
        imported: false,
    };
    (draft, levels[(k + 3) % levels.len()].clone())
}

pub fn populate(world: &mut World) {
    if world.agents.is_empty() || world.threats.is_empty() || world.users.is_empty() {
        return;
    }
    let mut rng = SplitMix64::new(world.seed ^ 0x9011_c7e5_eed5_0001);
    let levels = levels(world);
    let admin = (world.users[0].id, world.users[0].full_name.clone());
    let r = world.reference_time;
    let mut times: Vec<Timestamp> =
        (0..RESTRICTIONS + EXCLUSIONS).map(|_| r.plus_micros(-rng.between(MICROS_PER_SECOND, 180 * MICROS_PER_DAY))).collect();
    times.sort();
    let mut next = world.next_id;
    for (n, at) in times.into_iter().enumerate() {
        let id = Id(next);
        next += 1 + rng.below(1 << 36);
        let k = n / 2;
        if n.is_multiple_of(2) {
            let (draft, path) = restriction(world, &mut rng, k, &levels, &admin);
            let item = draft.build(world, id, path, at);
            world.restrictions.push(item);
        } else {
            let (draft, path) = exclusion(&mut rng, k, &levels, &admin);
            let item = draft.build(world, id, path, at);
            world.exclusions.push(item);
        }
    }
    world.next_id = next;
}
