//! The streams `collect` offers: where each reads, what moves its watermark, and what a version is.

use crate::actions::Role;
use alloc::string::String;

/// One stream, declared once.
#[derive(Debug)]
pub struct Stream {
    pub name: &'static str,
    pub description: &'static str,
    /// What one event's `record` is.
    pub record: &'static str,
    pub role: Role,
    /// The list endpoint.
    pub path: &'static str,
    /// The query filter the watermark moves on (`updatedAt` → `updatedAt__gte`/`__lte`).
    pub filter: &'static str,
    /// The `sortBy` that orders by that field.
    pub sort_by: &'static str,
    /// Where a record keeps its id (a JSON pointer).
    pub id_at: &'static str,
    /// Where a record keeps the watermark's timestamp.
    pub mark_at: &'static str,
    /// Where a record keeps its version: the field whose change is a new event.
    pub version_at: &'static str,
    /// Whether changes are caught by revisiting (the version is not the watermark field).
    pub revisit: bool,
}

impl Stream {
    /// The version field as a dotted path, for `streams`.
    pub fn version_field(&self) -> String {
        self.version_at.trim_start_matches('/').replace('/', ".")
    }
}

pub const STREAMS: &[Stream] = &[
    Stream {
        name: "threats",
        description: "Every threat when it is created and every time it changes (analyst verdict, incident status, mitigation): one event per version.",
        record: "a threat in the v2.1 nested shape (threatInfo, agentRealtimeInfo, agentDetectionInfo, ...)",
        role: Role::Viewer,
        path: "threats",
        filter: "updatedAt",
        sort_by: "updatedAt",
        id_at: "/id",
        mark_at: "/threatInfo/updatedAt",
        version_at: "/threatInfo/updatedAt",
        revisit: false,
    },
    Stream {
        name: "alerts",
        description: "Cloud-detection (STAR and custom rule) alerts when they are created, and their later changes of verdict and incident status, caught by revisiting recent alerts.",
        record: "a cloud-detection alert (alertInfo, ruleInfo, agentDetectionInfo, process and target details); its id is alertInfo.alertId",
        role: Role::Viewer,
        path: "cloud-detection/alerts",
        filter: "createdAt",
        sort_by: "alertInfoCreatedAt",
        id_at: "/alertInfo/alertId",
        mark_at: "/alertInfo/createdAt",
        version_at: "/alertInfo/updatedAt",
        revisit: true,
    },
    Stream {
        name: "activities",
        description: "The console's activity log (logins, policy changes, agent and threat actions, downloads): immutable, one event per activity.",
        record: "an activity (activityType, primaryDescription, data, ids of the agent, threat, user, site)",
        role: Role::Viewer,
        path: "activities",
        filter: "createdAt",
        sort_by: "createdAt",
        id_at: "/id",
        mark_at: "/createdAt",
        version_at: "/createdAt",
        revisit: false,
    },
    Stream {
        name: "agents",
        description: "Endpoint inventory: every agent when it registers and every time its record changes (version, network status, health, policy).",
        record: "an agent, as agents.list returns it (secrets such as licenseKey redacted)",
        role: Role::Viewer,
        path: "agents",
        filter: "updatedAt",
        sort_by: "updatedAt",
        id_at: "/id",
        mark_at: "/updatedAt",
        version_at: "/updatedAt",
        revisit: false,
    },
];

/// The stream called `name`.
pub fn find(name: &str) -> Option<&'static Stream> {
    STREAMS.iter().find(|s| s.name == name)
}
