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
    /// [`crate::simulator::agents`]; not part of the API object.
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    Viewer,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Viewer => "Viewer",
        }
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

    /// Recomputes the agent-derived counters on accounts, sites and groups.
    pub fn refresh_counts(&mut self) {
        for account in &mut self.accounts {
            let agents = self
                .agents
                .iter()
                .filter(|a| a.account_id == account.id && !a.is_decommissioned);
            account.active_licenses = agents.clone().count();
            account.active_agents = agents.filter(|a| a.is_active).count();
            account.number_of_sites = self
                .sites
                .iter()
                .filter(|s| s.account_id == account.id)
                .count();
        }
        for site in &mut self.sites {
            site.active_licenses = self
                .agents
                .iter()
                .filter(|a| a.site_id == site.id && !a.is_decommissioned)
                .count();
        }
        for group in &mut self.groups {
            group.total_agents = self
                .agents
                .iter()
                .filter(|a| a.group_id == group.id)
                .count();
        }
    }
}
