//! Builds the deterministic world: the same seed and agent count always give the same accounts,
//! sites, groups, agents and ids (only token expiries follow the wall clock, because "expires in 10
//! days" must stay true whenever the tests run).
//!
//! Seeded timestamps are relative to a fixed reference instant, [`REFERENCE_TIME`]
//! (2026-03-01T12:00:00Z), not to "now", so fixtures and expectations never drift. Actions stamp
//! `updatedAt` with the wall clock, which is later than every seeded timestamp.

use super::clock::{MICROS_PER_DAY, MICROS_PER_SECOND, Timestamp};
use super::model::*;
use super::rng::SplitMix64;
use super::tokens;
use serde_json::{Value, json};

/// 2026-03-01T12:00:00Z.
pub const REFERENCE_TIME: Timestamp = Timestamp(1_772_366_400 * MICROS_PER_SECOND);

/// The newest agent version per OS (also reported by `system/info` for Windows).
pub const LATEST_WINDOWS_AGENT: &str = "24.1.4.257";

/// Hands out ids in increasing order with random gaps: unique, 19 digits, far above 2^53, and
/// ordered like the console's time-based ids (creation order = id order).
struct IdSequence {
    next: u64,
}

impl IdSequence {
    fn take(&mut self, rng: &mut SplitMix64) -> Id {
        let id = self.next;
        self.next += 1 + rng.below(1 << 40);
        Id(id)
    }
}

struct AccountSpec {
    name: &'static str,
    code: &'static str,
    domain: &'static str,
    account_type: &'static str,
    sites: [&'static str; 2],
}

const ACCOUNTS: [AccountSpec; 2] = [
    AccountSpec {
        name: "Acme Corporation",
        code: "ACME",
        domain: "ACME",
        account_type: "Paid",
        sites: ["Acme Headquarters", "Acme Branch Offices"],
    },
    AccountSpec {
        name: "Globex Industries",
        code: "GLBX",
        domain: "GLOBEX",
        account_type: "Trial",
        sites: ["Globex Plant North", "Globex Field Sales"],
    },
];

const FIRST_NAMES: [&str; 12] = ["james", "maria", "wei", "fatima", "olga", "diego", "aiko", "liam", "noor", "sven", "grace", "tomas"];
const LAST_NAMES: [&str; 12] =
    ["smith", "garcia", "chen", "khan", "ivanova", "lopez", "tanaka", "murphy", "haddad", "berg", "okafor", "novak"];

#[cfg(test)]
pub fn build(seed: u64, agent_count: usize, started_at: Timestamp) -> World {
    build_with(seed, agent_count, super::seed_security::THREATS, started_at)
}

/// [`build`] with `threat_count` threats instead of the default.
pub fn build_with(seed: u64, agent_count: usize, threat_count: usize, started_at: Timestamp) -> World {
    let mut rng = SplitMix64::new(seed);
    let mut ids = IdSequence { next: 1_800_000_000_000_000_000 + rng.below(1 << 50) };
    let r = REFERENCE_TIME;
    let creator_id = ids.take(&mut rng);
    let creator = "Simulated Seeder".to_string();

    let mut accounts = Vec::new();
    let mut sites = Vec::new();
    let mut groups = Vec::new();
    for (account_index, spec) in ACCOUNTS.iter().enumerate() {
        let account_id = ids.take(&mut rng);
        let created = r.plus_days(-rng.between(700, 900)).plus_micros(jitter(&mut rng));
        let total_licenses = 3000;
        accounts.push(Account {
            id: account_id,
            name: spec.name.to_string(),
            state: "active".into(),
            account_type: spec.account_type.into(),
            active_agents: 0,
            active_licenses: 0,
            number_of_sites: 0,
            total_licenses,
            expiration: r.plus_days(365),
            unlimited_expiration: false,
            created_at: created,
            updated_at: created.plus_days(rng.between(1, 300)),
            creator: creator.clone(),
            creator_id,
            external_id: None,
            is_default: account_index == 0,
            usage_type: "customer".into(),
            billing_mode: "subscription".into(),
            skus: json!([{"type": "Core", "displayName": "Singularity Complete", "totalAgents": total_licenses, "unlimited": false}]),
            licenses: licenses(total_licenses),
            code: spec.code.into(),
        });
        for (site_in_account, site_name) in spec.sites.iter().enumerate() {
            let site_index = sites.len();
            let site_id = ids.take(&mut rng);
            let site_created = created.plus_days(rng.between(1, 30)).plus_micros(jitter(&mut rng));
            let site_licenses = 1500;
            sites.push(Site {
                id: site_id,
                name: site_name.to_string(),
                account_id,
                account_name: spec.name.into(),
                state: "active".into(),
                site_type: spec.account_type.into(),
                suite: "Complete".into(),
                sku: "Complete".into(),
                health_status: true,
                is_default: site_in_account == 0,
                active_licenses: 0,
                total_licenses: site_licenses,
                unlimited_licenses: false,
                expiration: Some(r.plus_days(365)),
                unlimited_expiration: false,
                created_at: site_created,
                updated_at: site_created.plus_days(rng.between(1, 200)),
                creator: creator.clone(),
                creator_id,
                description: Some(format!("{site_name} endpoints")),
                external_id: None,
                registration_token: rng.alphanumeric(88),
                licenses: licenses(site_licenses),
                usage_type: "customer".into(),
            });
            // One default static group per site, plus one other: static on even sites, dynamic on odd
            // ones, so every world has both kinds.
            let group_created = site_created.plus_micros(rng.between(1, 3600) * MICROS_PER_SECOND);
            groups.push(Group {
                id: ids.take(&mut rng),
                name: "Default Group".into(),
                site_id,
                group_type: "static".into(),
                rank: None,
                is_default: true,
                inherits: true,
                total_agents: 0,
                filter_id: None,
                filter_name: None,
                description: None,
                creator: creator.clone(),
                creator_id,
                created_at: group_created,
                updated_at: group_created,
                registration_token: rng.alphanumeric(88),
                account_id,
            });
            let dynamic = site_index % 2 == 1;
            let (name, filter_name) = if dynamic {
                let name = *rng.pick(&["Windows Laptops", "Linux Servers", "Stale Agents"]);
                (name.to_string(), Some(format!("{name} filter")))
            } else {
                (rng.pick(&["Servers", "Finance", "Engineering", "Kiosks"]).to_string(), None)
            };
            let second_created = group_created.plus_days(rng.between(1, 100));
            groups.push(Group {
                id: ids.take(&mut rng),
                name,
                site_id,
                group_type: if dynamic { "dynamic" } else { "static" }.into(),
                rank: dynamic.then_some(1),
                is_default: false,
                inherits: !dynamic,
                total_agents: 0,
                filter_id: if dynamic { Some(ids.take(&mut rng)) } else { None },
                filter_name,
                description: Some("Seeded by the simulator".into()),
                creator: creator.clone(),
                creator_id,
                created_at: second_created,
                updated_at: second_created.plus_days(rng.between(0, 30)),
                registration_token: rng.alphanumeric(88),
                account_id,
            });
        }
    }

    let users = users(&mut rng, &mut ids, &accounts, &sites, started_at);

    let mut agents = Vec::with_capacity(agent_count);
    for index in 0..agent_count {
        let site_index = rng.below(sites.len() as u64) as usize;
        let site = &sites[site_index];
        let account_index = accounts.iter().position(|a| a.id == site.account_id).unwrap_or(0);
        let site_groups: Vec<&Group> = groups.iter().filter(|g| g.site_id == site.id).collect();
        let group = if rng.chance(65) { site_groups[0] } else { site_groups[site_groups.len() - 1] };
        agents.push(agent(&mut rng, &mut ids, index, &accounts[account_index], site, site_index, group, &ACCOUNTS[account_index]));
    }

    let mut world = World {
        seed,
        started_at,
        reference_time: r,
        accounts,
        sites,
        groups,
        agents,
        users,
        agent_reads: 0,
        threats: Vec::new(),
        threat_notes: Vec::new(),
        activities: Vec::new(),
        alerts: Vec::new(),
        restrictions: Vec::new(),
        exclusions: Vec::new(),
        uploads: Default::default(),
        next_id: 0,
    };
    world.refresh_counts();
    // Threats, activities and alerts use their own generator, so adding them left every id and
    // value seeded above unchanged.
    super::seed_security::populate(&mut world, threat_count);
    // Blocklist entries and exclusions: their own generator again, ids above all of the above.
    super::seed_policy::populate(&mut world);
    role_users(&mut world, started_at);
    world
}

/// Users for the roles between Viewer and Admin, at tenant scope. Added last, with ids from
/// [`World::new_id`], so every value seeded before them is unchanged.
fn role_users(world: &mut World, now: Timestamp) {
    let specs = [
        ("soc", tokens::SOC, "sofia.soc@acme.example", "Sofia SOC", Role::Soc),
        ("it", tokens::IT, "ivan.it@acme.example", "Ivan IT", Role::It),
        ("incident_response", tokens::INCIDENT_RESPONSE, "iris.ir@acme.example", "Iris IncidentResponse", Role::IncidentResponse),
    ];
    for (token_name, token, email, full_name, role) in specs {
        let (id, role_id) = (world.new_id(), world.new_id());
        world.users.push(User {
            token_name,
            token,
            id,
            email: email.into(),
            full_name: full_name.into(),
            role,
            role_id,
            scope: Scope::Tenant,
            source: "mgmt",
            token_created_at: now.plus_days(-10),
            token_expires_at: now.plus_micros(120 * MICROS_PER_DAY + 3 * 3600 * MICROS_PER_SECOND),
            date_joined: REFERENCE_TIME.plus_days(-100),
            last_login: REFERENCE_TIME,
        });
    }
}

fn jitter(rng: &mut SplitMix64) -> i64 {
    rng.between(0, 86_399) * MICROS_PER_SECOND + rng.below(1_000_000) as i64
}

fn licenses(total: usize) -> Value {
    json!({
        "bundles": [{"name": "complete", "displayName": "Complete", "majorVersion": 1, "minorVersion": 0,
                     "totalSurfaces": total, "surfaces": [{"name": "Total Agents", "count": total}]}],
        "modules": [],
        "settings": [{"groupName": "Data Retention", "setting": "14 Days", "displayName": "14 Days"}]
    })
}

fn users(rng: &mut SplitMix64, ids: &mut IdSequence, accounts: &[Account], sites: &[Site], now: Timestamp) -> Vec<User> {
    let admin_role = ids.take(rng);
    let viewer_role = ids.take(rng);
    let first_account = accounts[0].id;
    let first_site = sites[0].id;
    let hours = 3600 * MICROS_PER_SECOND;
    // (name, token, email, full name, role, scope, source, created days ago, expires in micros)
    // Expiries sit 3 hours past a whole day, so "days left" read from a second-precision `Date`
    // header stays exact however slowly a test runs.
    type UserSpec = (&'static str, &'static str, &'static str, &'static str, Role, Scope, &'static str, i64, i64);
    let specs: [UserSpec; 6] = [
        (
            "admin",
            tokens::ADMIN,
            "ada.admin@acme.example",
            "Ada Admin",
            Role::Admin,
            Scope::Tenant,
            "mgmt",
            15,
            180 * MICROS_PER_DAY + 3 * hours,
        ),
        (
            "expiring",
            tokens::EXPIRING,
            "evan.expiring@acme.example",
            "Evan Expiring",
            Role::Admin,
            Scope::Tenant,
            "mgmt",
            170,
            10 * MICROS_PER_DAY + 3 * hours,
        ),
        (
            "expired",
            tokens::EXPIRED,
            "edith.expired@acme.example",
            "Edith Expired",
            Role::Admin,
            Scope::Tenant,
            "mgmt",
            185,
            -5 * MICROS_PER_DAY,
        ),
        (
            "viewer",
            tokens::VIEWER,
            "vera.viewer@acme.example",
            "Vera Viewer",
            Role::Viewer,
            Scope::Tenant,
            "mgmt",
            30,
            90 * MICROS_PER_DAY + 3 * hours,
        ),
        (
            "site_admin",
            tokens::SITE_ADMIN,
            "sam.siteadmin@acme.example",
            "Sam SiteAdmin",
            Role::Admin,
            Scope::Site { account: first_account, site: first_site },
            "mgmt",
            20,
            150 * MICROS_PER_DAY + 3 * hours,
        ),
        (
            "service_user",
            tokens::SERVICE_USER,
            "svc-integration@acme.example",
            "svc-integration",
            Role::Admin,
            Scope::Account(first_account),
            "service_user",
            5,
            60 * MICROS_PER_DAY + 3 * hours,
        ),
    ];
    specs
        .into_iter()
        .map(|(token_name, token, email, full_name, role, scope, source, created_days_ago, expires_in)| {
            let joined = REFERENCE_TIME.plus_days(-rng.between(200, 600)).plus_micros(jitter(rng));
            User {
                token_name,
                token,
                id: ids.take(rng),
                email: email.into(),
                full_name: full_name.into(),
                role,
                role_id: if role == Role::Admin { admin_role } else { viewer_role },
                scope,
                source,
                token_created_at: now.plus_days(-created_days_ago),
                token_expires_at: now.plus_micros(expires_in),
                date_joined: joined,
                last_login: REFERENCE_TIME.plus_micros(-jitter(rng)),
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn agent(
    rng: &mut SplitMix64,
    ids: &mut IdSequence,
    index: usize,
    account: &Account,
    site: &Site,
    site_index: usize,
    group: &Group,
    spec: &AccountSpec,
) -> Agent {
    let r = REFERENCE_TIME;
    let id = ids.take(rng);
    let machine_type = match rng.below(100) {
        0..=14 => "server",
        15..=59 => "laptop",
        _ => "desktop",
    };
    let os_type = match (machine_type, rng.below(100)) {
        ("server", 0..=49) => "windows",
        ("server", _) => "linux",
        (_, 0..=74) => "windows",
        (_, 75..=89) => "macos",
        _ => "linux",
    };
    let (os_name, os_revision, versions, latest, iface, installer, model) = match (os_type, machine_type) {
        ("windows", "server") => (
            *rng.pick(&["Windows Server 2022 Standard", "Windows Server 2019 Datacenter"]),
            *rng.pick(&["20348", "17763"]),
            &["24.1.4.257", "23.4.6.347"][..],
            "24.1.4.257",
            "Ethernet0",
            ".msi",
            *rng.pick(&["VMware Virtual Platform", "PowerEdge R650"]),
        ),
        ("windows", _) => (
            *rng.pick(&["Windows 11 Pro", "Windows 11 Enterprise", "Windows 10 Enterprise"]),
            *rng.pick(&["22631", "26100", "19045"]),
            &["24.1.4.257", "23.4.6.347", "23.3.3.264"][..],
            "24.1.4.257",
            if machine_type == "laptop" { "Wi-Fi" } else { "Ethernet" },
            ".exe",
            *rng.pick(&["Latitude 7440", "ThinkPad T14 Gen 3", "HP EliteDesk 800 G6", "OptiPlex 7090"]),
        ),
        ("macos", _) => (
            *rng.pick(&["macOS Sonoma", "macOS Sequoia"]),
            *rng.pick(&["14.4.1 (23E224)", "15.1 (24B83)"]),
            &["24.1.3.7200", "23.4.2.7364"][..],
            "24.1.3.7200",
            "en0",
            ".pkg",
            *rng.pick(&["MacBookPro18,3", "MacBookAir10,1", "Mac14,3"]),
        ),
        _ => (
            *rng.pick(&["Ubuntu 22.04.4 LTS", "Red Hat Enterprise Linux 9.3", "Debian GNU/Linux 12"]),
            *rng.pick(&["5.15.0-105-generic", "5.14.0-362.8.1.el9_3.x86_64", "6.1.0-18-amd64"]),
            &["24.1.2.6", "23.4.2.14"][..],
            "24.1.2.6",
            "eth0",
            *rng.pick(&[".deb", ".rpm"]),
            *rng.pick(&["VMware Virtual Platform", "KVM", "PowerEdge R650"]),
        ),
    };
    let os_arch = if os_type == "macos" && rng.chance(60) { "ARM64" } else { "64 bit" };
    let agent_version = rng.pick(versions).to_string();
    let is_decommissioned = rng.chance(1);
    let is_active = !is_decommissioned && rng.chance(90);
    let infected = rng.chance(5);
    let created_at = r.plus_days(-rng.between(30, 700)).plus_micros(-jitter(rng));
    let registered_at = created_at.plus_micros(rng.between(1, 5_000_000));
    let last_active_date = if is_active {
        r.plus_micros(-rng.between(0, 600 * MICROS_PER_SECOND))
    } else {
        r.plus_days(-rng.between(3, 90)).plus_micros(-jitter(rng))
    };
    let updated_at = r.plus_micros(-rng.between(0, 30 * MICROS_PER_DAY)).max(registered_at);
    let (scan_status, scan_started_at, scan_finished_at, scan_aborted_at) = match rng.below(100) {
        0..=69 => {
            let started = r.plus_days(-rng.between(1, 40)).plus_micros(jitter(rng));
            ("finished", Some(started), Some(started.plus_micros(rng.between(1, 3) * 3600 * MICROS_PER_SECOND)), None)
        }
        70..=89 => ("none", None, None, None),
        90..=94 => ("started", Some(r.plus_micros(-rng.between(60, 7200) * MICROS_PER_SECOND)), None, None),
        _ => {
            let started = r.plus_days(-rng.between(1, 20)).plus_micros(jitter(rng));
            ("aborted", Some(started), None, Some(started.plus_micros(rng.between(60, 3600) * MICROS_PER_SECOND)))
        }
    };
    let n = index + 1;
    let prefix = match machine_type {
        "server" => "SRV",
        "laptop" => "LAP",
        _ => "WKS",
    };
    let computer_name = format!("{prefix}-{}-{n:04}", account.code);
    let octet2 = 10 + site_index;
    let inet = format!("10.{octet2}.{}.{}", (index / 250) % 256, index % 250 + 2);
    let external_ip =
        if machine_type == "laptop" { format!("198.51.100.{}", rng.between(1, 254)) } else { format!("203.0.113.{}", 10 + site_index) };
    let mac: Vec<String> = (0..6).map(|_| rng.hex(2)).collect();
    let user = match (machine_type, os_type) {
        ("server", "windows") => "Administrator".to_string(),
        ("server", _) => "root".to_string(),
        _ => format!("{}.{}", rng.pick(&FIRST_NAMES), rng.pick(&LAST_NAMES)),
    };
    let domain = match os_type {
        "windows" if rng.chance(90) => spec.domain.to_string(),
        "windows" => "WORKGROUP".to_string(),
        _ => "unknown".to_string(),
    };
    let tags = if rng.chance(20) {
        let value = *rng.pick(&["prod", "dev", "vip"]);
        json!({"sentinelone": [{"key": "env", "value": value, "id": ids.take(rng),
            "assignedAt": r.plus_days(-rng.between(1, 60)), "assignedBy": "Ada Admin", "assignedById": ids.take(rng)}]})
    } else {
        json!({"sentinelone": []})
    };
    let cores = *rng.pick(&[4u32, 8, 16, 32]);
    let interface_id = ids.take(rng);
    Agent {
        id,
        uuid: rng.hex(32),
        computer_name: computer_name.clone(),
        os_type: os_type.into(),
        os_name: os_name.into(),
        os_revision: os_revision.into(),
        os_arch: os_arch.into(),
        machine_type: machine_type.into(),
        is_up_to_date: agent_version == latest,
        agent_version,
        is_active,
        is_decommissioned,
        decommissioned_at: is_decommissioned.then(|| r.plus_days(-rng.between(1, 30))),
        is_uninstalled: false,
        is_pending_uninstall: false,
        infected,
        active_threats: if infected { rng.between(1, 3) as u32 } else { 0 },
        network_status: if rng.chance(2) { "disconnected" } else { "connected" }.into(),
        scan_status: scan_status.into(),
        scan_started_at,
        scan_finished_at,
        scan_aborted_at,
        last_successful_scan_date: scan_finished_at,
        mitigation_mode: if rng.chance(85) { "protect" } else { "detect" }.into(),
        mitigation_mode_suspicious: "detect".into(),
        last_active_date,
        registered_at,
        created_at,
        updated_at,
        external_ip,
        last_ip_to_mgmt: inet.clone(),
        domain: domain.clone(),
        last_logged_in_user_name: user,
        account_id: account.id,
        account_name: account.name.clone(),
        site_id: site.id,
        site_name: site.name.clone(),
        group_id: group.id,
        group_name: group.name.clone(),
        group_ip: format!("10.{octet2}.{}.x", (index / 250) % 256),
        network_interfaces: vec![NetworkInterface {
            id: interface_id,
            name: iface.into(),
            inet: vec![inet],
            inet6: vec![format!("fe80::{}:{}:{}:{}", rng.hex(4), rng.hex(4), rng.hex(4), rng.hex(4))],
            physical: mac.join(":"),
        }],
        encrypted_applications: rng.chance(30),
        operational_state: "na".into(),
        user_actions_needed: if rng.chance(3) { vec!["reboot_needed".into()] } else { vec![] },
        missing_permissions: if os_type == "macos" && rng.chance(10) { vec!["user_action_needed_fda".into()] } else { vec![] },
        threat_reboot_required: false,
        network_quarantine_enabled: false,
        firewall_enabled: rng.chance(70),
        location_enabled: rng.chance(50),
        ranger_status: if rng.chance(50) { "Enabled" } else { "NotApplicable" }.into(),
        ranger_version: None,
        tags,
        external_id: String::new(),
        // Derived from the id, not drawn from the generator: every other seeded value stays as it was.
        license_key: format!("{:016X}-{:08X}", super::rng::fnv1a(&id.0.to_le_bytes()), id.0 % 0xFFFF_FFFF),
        serial_number: rng.alphanumeric(10).to_uppercase(),
        model_name: model.into(),
        cpu_count: if machine_type == "server" { 2 } else { 1 },
        core_count: cores,
        total_memory: *rng.pick(&[8192u64, 16384, 32768, 65536]),
        installer_type: installer.into(),
        active_directory: if os_type == "windows" && domain != "WORKGROUP" {
            json!({"computerDistinguishedName": format!("CN={computer_name},OU=Computers,DC={},DC=local", domain.to_lowercase()),
                   "computerMemberOf": [], "lastUserDistinguishedName": null, "lastUserMemberOf": []})
        } else {
            json!({"computerDistinguishedName": null, "computerMemberOf": [], "lastUserDistinguishedName": null, "lastUserMemberOf": []})
        },
        cloud_providers: json!({}),
        detection_state: None,
        apps_vulnerability_status: rng.pick(&["up_to_date", "patch_required", "not_applicable"]).to_string(),
        pending_status: None,
    }
}
