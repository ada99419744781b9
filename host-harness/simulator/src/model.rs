//! The simulated console's state: accounts, sites, groups, agents and users.
//!
//! Fields are typed (ids as [`Id`], instants as [`Timestamp`]) so filters compare values, and they
//! serialize to the console's JSON shapes (camelCase, ids as decimal strings, ISO timestamps).
//! Counters that depend on agents (`activeAgents`, `totalAgents`, licence use) are recomputed by
//! [`World::refresh_counts`] before they are served, so agent actions show up in them.

use super::clock::Timestamp;
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::fmt;

/// A console object id: 18–19 decimal digits, always sent as a JSON string (it exceeds 2^53).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(pub u64);

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: Id,
    pub name: String,
    pub state: String,
    pub account_type: String,
    pub active_agents: usize,
    pub active_licenses: usize,
    pub number_of_sites: usize,
    pub total_licenses: usize,
    pub expiration: Timestamp,
    pub unlimited_expiration: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub creator: String,
    pub creator_id: Id,
    pub external_id: Option<String>,
    pub is_default: bool,
    pub usage_type: String,
    pub billing_mode: String,
    pub skus: Value,
    pub licenses: Value,
    /// Short code used in computer names (`WKS-ACME-0001`); not part of the API.
    #[serde(skip)]
    pub code: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Site {
    pub id: Id,
    pub name: String,
    pub account_id: Id,
    pub account_name: String,
    pub state: String,
    pub site_type: String,
    pub suite: String,
    pub sku: String,
    pub health_status: bool,
    pub is_default: bool,
    pub active_licenses: usize,
    pub total_licenses: usize,
    pub unlimited_licenses: bool,
    pub expiration: Option<Timestamp>,
    pub unlimited_expiration: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub creator: String,
    pub creator_id: Id,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub registration_token: String,
    pub licenses: Value,
    pub usage_type: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: Id,
    pub name: String,
    pub site_id: Id,
    #[serde(rename = "type")]
    pub group_type: String,
    pub rank: Option<u32>,
    pub is_default: bool,
    pub inherits: bool,
    pub total_agents: usize,
    pub filter_id: Option<Id>,
    pub filter_name: Option<String>,
    pub description: Option<String>,
    pub creator: String,
    pub creator_id: Id,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub registration_token: String,
    /// The owning account, for scope checks; not part of the API object.
    #[serde(skip)]
    pub account_id: Id,
}

#[derive(Clone, Debug, Serialize)]
pub struct NetworkInterface {
    pub id: Id,
    pub name: String,
    pub inet: Vec<String>,
    pub inet6: Vec<String>,
    pub physical: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    pub id: Id,
    pub uuid: String,
    pub computer_name: String,
    pub os_type: String,
    pub os_name: String,
    pub os_revision: String,
    pub os_arch: String,
    pub machine_type: String,
    pub agent_version: String,
    pub is_active: bool,
    pub is_decommissioned: bool,
    pub decommissioned_at: Option<Timestamp>,
    pub is_uninstalled: bool,
    pub is_pending_uninstall: bool,
    pub is_up_to_date: bool,
    pub infected: bool,
    pub active_threats: u32,
    pub network_status: String,
    pub scan_status: String,
    pub scan_started_at: Option<Timestamp>,
    pub scan_finished_at: Option<Timestamp>,
    pub scan_aborted_at: Option<Timestamp>,
    pub last_successful_scan_date: Option<Timestamp>,
    pub mitigation_mode: String,
    pub mitigation_mode_suspicious: String,
    pub last_active_date: Timestamp,
    pub registered_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub external_ip: String,
    pub last_ip_to_mgmt: String,
    pub domain: String,
    pub last_logged_in_user_name: String,
    pub account_id: Id,
    pub account_name: String,
    pub site_id: Id,
    pub site_name: String,
    pub group_id: Id,
    pub group_name: String,
    pub group_ip: String,
    pub network_interfaces: Vec<NetworkInterface>,
    pub encrypted_applications: bool,
    pub operational_state: String,
    pub user_actions_needed: Vec<String>,
    pub missing_permissions: Vec<String>,
    pub threat_reboot_required: bool,
    pub network_quarantine_enabled: bool,
    pub firewall_enabled: bool,
    pub location_enabled: bool,
    pub ranger_status: String,
    pub ranger_version: Option<String>,
    pub tags: Value,
    pub external_id: String,
    /// The licence key the agent was installed with: a secret collectors must not index.
    pub license_key: String,
    pub serial_number: String,
    pub model_name: String,
    pub cpu_count: u32,
    pub core_count: u32,
    pub total_memory: u64,
    pub installer_type: String,
    pub active_directory: Value,
    pub cloud_providers: Value,
    pub detection_state: Option<String>,
    pub apps_vulnerability_status: String,
    /// A network status the agent will settle into (`disconnecting` → `disconnected`), see
    /// [`crate::agents`]; not part of the API object.
    #[serde(skip)]
    pub pending_status: Option<PendingStatus>,
}

/// A transitional `networkStatus`: the first agent read that matches the agent still shows the
/// transitional value and records its sequence number; a later read settles it.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingStatus {
    pub settles_to: String,
    pub seen_in_read: Option<u64>,
}

/// SentinelOne's built-in roles. `Soc`, `It` and `IncidentResponse` are peers, each allowed its
/// own family of actions; `Admin` may do everything, `Viewer` nothing that changes state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    Soc,
    It,
    IncidentResponse,
    Viewer,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Soc => "SOC",
            Role::It => "IT",
            Role::IncidentResponse => "Incident Response",
            Role::Viewer => "Viewer",
        }
    }

    /// Whether this role may do what `needed` may.
    pub fn covers(self, needed: Role) -> bool {
        self == Role::Admin || (self == needed && self != Role::Viewer) || needed == Role::Viewer
    }
}

/// Where a user's permissions apply. Listings and actions are confined to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Tenant,
    Account(Id),
    Site { account: Id, site: Id },
}

impl Scope {
    pub fn admits(self, account: Id, site: Id) -> bool {
        match self {
            Scope::Tenant => true,
            Scope::Account(a) => a == account,
            Scope::Site { site: s, .. } => s == site,
        }
    }

    pub fn admits_account(self, account: Id) -> bool {
        match self {
            Scope::Tenant => true,
            Scope::Account(a) => a == account,
            // A site-scoped user does not see accounts (our choice: an empty list, not a 403).
            Scope::Site { .. } => false,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scope::Tenant => "tenant",
            Scope::Account(_) => "account",
            Scope::Site { .. } => "site",
        }
    }
}

/// One console user per seeded token.
#[derive(Clone, Debug)]
pub struct User {
    /// Short name reported in the request log ("admin", "viewer", ...).
    pub token_name: &'static str,
    pub token: &'static str,
    pub id: Id,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub role_id: Id,
    pub scope: Scope,
    pub source: &'static str,
    pub token_created_at: Timestamp,
    pub token_expires_at: Timestamp,
    pub date_joined: Timestamp,
    pub last_login: Timestamp,
}

/// The whole simulated console. Shared behind `Arc<Mutex<_>>`; tests may read it directly.
#[derive(Clone, Debug)]
pub struct World {
    pub seed: u64,
    /// The simulator's start time: token expiries are relative to it.
    pub started_at: Timestamp,
    /// Fixed reference instant the seeded timestamps are relative to (so they are deterministic).
    pub reference_time: Timestamp,
    pub accounts: Vec<Account>,
    pub sites: Vec<Site>,
    pub groups: Vec<Group>,
    pub agents: Vec<Agent>,
    pub users: Vec<User>,
    /// Counts agent reads, to settle transitional network statuses.
    pub agent_reads: u64,
    pub threats: Vec<Threat>,
    pub threat_notes: Vec<ThreatNote>,
    pub activities: Vec<Activity>,
    pub alerts: Vec<Alert>,
    /// The blocklist (`restrictions`), see [`super::policy`].
    pub restrictions: Vec<super::policy::PolicyItem>,
    /// Exclusions, see [`super::policy`].
    pub exclusions: Vec<super::policy::PolicyItem>,
    /// What each file-upload activity's zip holds, password included (never serialized; see
    /// [`super::uploads`]).
    pub uploads: super::uploads::Uploads,
    /// The next id handed out at run time (notes, activities); above every seeded id.
    pub next_id: u64,
}

impl World {
    pub fn user_by_token(&self, token: &str) -> Option<&User> {
        self.users.iter().find(|u| u.token == token)
    }

    pub fn site(&self, id: Id) -> Option<&Site> {
        self.sites.iter().find(|s| s.id == id)
    }

    pub fn account(&self, id: Id) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// A fresh id, larger than every id handed out before (creation order = id order).
    pub fn new_id(&mut self) -> Id {
        self.next_id += 1 + (self.next_id % 7919) * 131;
        Id(self.next_id)
    }

    /// Copies each threat's agent into its `agentRealtimeInfo` (agents move and change state).
    pub fn refresh_threat_agents(&mut self) {
        let agents: std::collections::HashMap<Id, &Agent> = self.agents.iter().map(|a| (a.id, a)).collect();
        for threat in &mut self.threats {
            if let Some(agent) = agents.get(&threat.agent_realtime_info.agent_id) {
                threat.agent_realtime_info = ThreatAgentRealtime::of(agent);
            }
        }
    }

    /// Appends an activity caused by a console action at `now`.
    pub fn record_activity(&mut self, now: Timestamp, draft: ActivityDraft) -> Id {
        let id = self.new_id();
        let (agent, account, site) = match draft.agent_id.and_then(|a| self.agents.iter().find(|x| x.id == a)) {
            Some(agent) => {
                (Some(agent), Some((agent.account_id, agent.account_name.clone())), Some((agent.site_id, agent.site_name.clone())))
            }
            None => (None, None, None),
        };
        let activity = Activity {
            id,
            activity_type: draft.activity_type,
            activity_uuid: format!("{:032x}", u128::from(id.0).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)),
            primary_description: draft.primary_description,
            secondary_description: draft.secondary_description,
            description: None,
            comments: None,
            created_at: now,
            updated_at: now,
            data: draft.data,
            agent_id: draft.agent_id,
            agent_updated_version: None,
            threat_id: draft.threat_id,
            user_id: draft.user_id,
            hash: None,
            os_family: agent.map(|a| a.os_type.clone()),
            account_id: account.as_ref().map(|a| a.0),
            account_name: account.map(|a| a.1),
            site_id: site.as_ref().map(|s| s.0),
            site_name: site.map(|s| s.1),
            group_id: agent.map(|a| a.group_id),
            group_name: agent.map(|a| a.group_name.clone()),
        };
        self.activities.push(activity);
        id
    }

    /// Recomputes the agent-derived counters on accounts, sites and groups.
    pub fn refresh_counts(&mut self) {
        for account in &mut self.accounts {
            let agents = self.agents.iter().filter(|a| a.account_id == account.id && !a.is_decommissioned);
            account.active_licenses = agents.clone().count();
            account.active_agents = agents.filter(|a| a.is_active).count();
            account.number_of_sites = self.sites.iter().filter(|s| s.account_id == account.id).count();
        }
        for site in &mut self.sites {
            site.active_licenses = self.agents.iter().filter(|a| a.site_id == site.id && !a.is_decommissioned).count();
        }
        for group in &mut self.groups {
            group.total_agents = self.agents.iter().filter(|a| a.group_id == group.id).count();
        }
    }
}

/// What an action says happened; [`World::record_activity`] fills in ids, times and scope.
pub struct ActivityDraft {
    pub activity_type: u32,
    pub primary_description: String,
    pub secondary_description: Option<String>,
    pub data: Value,
    pub agent_id: Option<Id>,
    pub threat_id: Option<Id>,
    pub user_id: Option<Id>,
}

/// A threat in the v2.1 nested shape. `threatInfo.mitigationStatus` is a string while the
/// top-level `mitigationStatus` is the array of action reports (the console's own name clash).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Threat {
    pub id: Id,
    pub threat_info: ThreatInfo,
    pub agent_realtime_info: ThreatAgentRealtime,
    /// A snapshot taken at detection time (free-form; many fields are null on the console too).
    pub agent_detection_info: Value,
    pub mitigation_status: Vec<Value>,
    pub indicators: Vec<Value>,
    pub container_info: Value,
    pub kubernetes_info: Value,
    pub whitening_options: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreatInfo {
    pub threat_id: Id,
    pub threat_name: String,
    pub classification: String,
    pub classification_source: String,
    pub confidence_level: String,
    pub analyst_verdict: String,
    pub analyst_verdict_description: String,
    pub incident_status: String,
    pub incident_status_description: String,
    pub mitigation_status: String,
    pub mitigation_status_description: String,
    pub mitigated_preemptively: bool,
    pub sha1: String,
    pub sha256: Option<String>,
    pub md5: Option<String>,
    pub file_path: String,
    pub file_size: u64,
    pub file_extension: String,
    pub file_extension_type: String,
    pub file_verification_type: String,
    pub publisher_name: String,
    pub is_valid_certificate: bool,
    pub process_user: String,
    pub originator_process: String,
    pub storyline: String,
    pub collection_id: Id,
    pub detection_type: String,
    pub engines: Vec<String>,
    pub detection_engines: Vec<Value>,
    pub initiated_by: String,
    pub initiated_by_description: String,
    pub identified_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub pending_actions: bool,
    pub failed_actions: bool,
    pub reboot_required: bool,
    pub automatically_resolved: bool,
    pub external_ticket_id: Option<String>,
    pub external_ticket_exists: bool,
    pub is_fileless: bool,
}

/// The agent as it is now (refreshed from the live agent on every threat read).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreatAgentRealtime {
    pub agent_id: Id,
    pub agent_uuid: String,
    pub agent_computer_name: String,
    pub agent_os_type: String,
    pub agent_os_name: String,
    pub agent_os_revision: String,
    pub agent_version: String,
    pub agent_machine_type: String,
    pub agent_domain: String,
    pub agent_is_active: bool,
    pub agent_is_decommissioned: bool,
    pub agent_infected: bool,
    pub agent_network_status: String,
    pub agent_mitigation_mode: String,
    pub active_threats: u32,
    pub account_id: Id,
    pub account_name: String,
    pub site_id: Id,
    pub site_name: String,
    pub group_id: Id,
    pub group_name: String,
    pub network_interfaces: Vec<NetworkInterface>,
    pub scan_status: String,
    pub operational_state: String,
    pub reboot_required: bool,
    pub user_actions_needed: Vec<String>,
}

impl ThreatAgentRealtime {
    pub fn of(agent: &Agent) -> ThreatAgentRealtime {
        ThreatAgentRealtime {
            agent_id: agent.id,
            agent_uuid: agent.uuid.clone(),
            agent_computer_name: agent.computer_name.clone(),
            agent_os_type: agent.os_type.clone(),
            agent_os_name: agent.os_name.clone(),
            agent_os_revision: agent.os_revision.clone(),
            agent_version: agent.agent_version.clone(),
            agent_machine_type: agent.machine_type.clone(),
            agent_domain: agent.domain.clone(),
            agent_is_active: agent.is_active,
            agent_is_decommissioned: agent.is_decommissioned,
            agent_infected: agent.infected,
            agent_network_status: agent.network_status.clone(),
            agent_mitigation_mode: agent.mitigation_mode.clone(),
            active_threats: agent.active_threats,
            account_id: agent.account_id,
            account_name: agent.account_name.clone(),
            site_id: agent.site_id,
            site_name: agent.site_name.clone(),
            group_id: agent.group_id,
            group_name: agent.group_name.clone(),
            network_interfaces: agent.network_interfaces.clone(),
            scan_status: agent.scan_status.clone(),
            operational_state: agent.operational_state.clone(),
            reboot_required: agent.threat_reboot_required,
            user_actions_needed: agent.user_actions_needed.clone(),
        }
    }
}

/// A note on a threat (`GET threats/{id}/notes`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreatNote {
    pub id: Id,
    pub text: String,
    pub creator: String,
    pub creator_id: Id,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub edited: bool,
    #[serde(skip)]
    pub threat_id: Id,
}

/// An activity (`GET activities`, and the items of a threat's timeline).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    pub id: Id,
    pub activity_type: u32,
    pub activity_uuid: String,
    pub primary_description: String,
    pub secondary_description: Option<String>,
    pub description: Option<String>,
    pub comments: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub data: Value,
    pub agent_id: Option<Id>,
    pub agent_updated_version: Option<String>,
    pub threat_id: Option<Id>,
    pub user_id: Option<Id>,
    pub hash: Option<String>,
    pub os_family: Option<String>,
    pub account_id: Option<Id>,
    pub account_name: Option<String>,
    pub site_id: Option<Id>,
    pub site_name: Option<String>,
    pub group_id: Option<Id>,
    pub group_name: Option<String>,
}

/// A cloud-detection (STAR) alert. It has no top-level `id`: the id is `alertInfo.alertId`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub alert_info: AlertInfo,
    pub rule_info: AlertRuleInfo,
    pub agent_detection_info: AlertAgentDetection,
    pub agent_realtime_info: Value,
    pub source_process_info: Value,
    pub source_parent_process_info: Value,
    pub target_process_info: Value,
    pub container_info: Value,
    pub kubernetes_info: Value,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertInfo {
    pub alert_id: Id,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub reported_at: Timestamp,
    /// Display case: `Unresolved`, `In progress`, `Resolved`.
    pub incident_status: String,
    /// Display case: `Undefined`, `True positive`, `False positive`, `Suspicious`.
    pub analyst_verdict: String,
    pub event_type: String,
    pub hit_type: String,
    pub source: String,
    pub dv_event_id: String,
    pub is_edr: bool,
    pub src_ip: Option<String>,
    pub dst_ip: Option<String>,
    pub dst_port: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertRuleInfo {
    pub id: Id,
    pub name: String,
    pub description: String,
    /// `Low`, `Medium`, `High` or `Critical`.
    pub severity: String,
    pub s1ql: String,
    pub query_type: String,
    pub query_lang: String,
    pub scope_level: String,
    pub treat_as_threat: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertAgentDetection {
    pub account_id: Id,
    pub site_id: Id,
    pub uuid: String,
    pub name: String,
    pub os_family: String,
    pub os_name: String,
    pub os_revision: String,
    pub version: String,
    pub machine_type: String,
}

/// `true_positive` or `TRUE_POSITIVE` → `True positive` (the console's display case).
pub fn display_case(snake: &str) -> String {
    let words = snake.to_lowercase().replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
