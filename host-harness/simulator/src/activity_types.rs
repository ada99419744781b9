//! The activity type table served by `GET activities/types` and used by seeding and actions.
//!
//! Only 86 ("threat file uploaded") is taken from the reference; the other codes are the
//! simulator's own (a client must look codes up with `activities/types`, never hard-code them).

pub const AGENT_REGISTERED: u32 = 17;
pub const SUSPICIOUS_THREAT: u32 = 18;
pub const MALICIOUS_THREAT: u32 = 19;
pub const USER_LOGGED_IN: u32 = 27;
pub const AGENT_DISCONNECTED: u32 = 52;
pub const AGENT_CONNECTED: u32 = 53;
pub const THREAT_FILE_UPLOADED: u32 = 86;
pub const SCAN_STARTED: u32 = 90;
pub const SCAN_ABORTED: u32 = 91;
pub const SCAN_FINISHED: u32 = 92;
pub const MITIGATION_KILL: u32 = 2001;
pub const MITIGATION_REMEDIATE: u32 = 2002;
pub const MITIGATION_ROLLBACK: u32 = 2003;
pub const MITIGATION_QUARANTINE: u32 = 2004;
pub const MITIGATION_UNQUARANTINE: u32 = 2005;
pub const THREAT_NOTE_ADDED: u32 = 3100;
pub const THREAT_INCIDENT_CHANGED: u32 = 4003;
pub const THREAT_VERDICT_CHANGED: u32 = 4008;
pub const THREAT_TICKET_CHANGED: u32 = 4012;
pub const ALERT_INCIDENT_CHANGED: u32 = 3770;
pub const ALERT_VERDICT_CHANGED: u32 = 3771;
pub const AGENT_MOVED_TO_GROUP: u32 = 63;
pub const AGENT_FILES_UPLOADED: u32 = 80;
pub const THREAT_ADDED_TO_BLOCKLIST: u32 = 3021;

/// `(id, action, descriptionTemplate)` of every type but the actions', which their rows carry
/// ([`super::actions::AGENT_ACTIONS`], [`super::filter_actions::FILTER_ACTIONS`]); [`all`] lists
/// them all.
pub const TYPES: &[(u32, &str, &str)] = &[
    (AGENT_REGISTERED, "Agent Registered", "New agent {{ computer_name }} registered"),
    (SUSPICIOUS_THREAT, "New Suspicious Threat Not Mitigated", "Suspicious threat {{ threat_name }} detected on {{ computer_name }}"),
    (MALICIOUS_THREAT, "New Malicious Threat Not Mitigated", "Malicious threat {{ threat_name }} detected on {{ computer_name }}"),
    (USER_LOGGED_IN, "User Logged In", "The management user {{ username }} logged in"),
    (THREAT_FILE_UPLOADED, "Threat File Uploaded", "Threat file of {{ threat_name }} uploaded from {{ computer_name }}"),
    (SCAN_FINISHED, "Scan Finished", "Full disk scan finished on {{ computer_name }}"),
    (AGENT_MOVED_TO_GROUP, "Agent Moved To Group", "{{ username }} moved {{ computer_name }} to group {{ group_name }}"),
    (AGENT_FILES_UPLOADED, "Agent Files Uploaded", "Files fetched from {{ computer_name }} were uploaded"),
    (THREAT_ADDED_TO_BLOCKLIST, "Threat Hash Added To Blocklist", "{{ username }} added the hash of {{ threat_name }} to the blocklist"),
];

/// Every activity type: the table above and the agent actions' own.
pub fn all() -> impl Iterator<Item = (u32, &'static str, &'static str)> {
    let agent_actions = super::actions::AGENT_ACTIONS.iter().map(|a| a.activity);
    let filter_actions = super::filter_actions::FILTER_ACTIONS.iter().map(|a| a.activity);
    TYPES.iter().copied().chain(agent_actions).chain(filter_actions)
}
