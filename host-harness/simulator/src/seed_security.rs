//! Seeds threats (with notes), activities and cloud-detection alerts on the seeded agents.
//!
//! Uses its own [`SplitMix64`] stream (derived from the world seed) and ids above every id seeded
//! before, so the accounts/sites/groups/agents of a seed are unchanged by this module. Counts:
//! [`THREATS`] threats by default, [`ACTIVITIES`] activities (a few per threat on its timeline, the rest agent
//! and user events), [`ALERTS`] alerts; none when there are no agents. Each kind is created in time
//! order, so id order is creation order, as on the console. Seeded type-86 (threat file uploaded)
//! activities have `data.downloadUrl` `/agents/<agentId>/uploads/<their own id>` and an upload in
//! [`World::uploads`] holding the threat's `filePath` under
//! [`super::uploads::SEEDED_UPLOAD_PASSWORD`].

use super::activity_types as types;
use super::clock::{MICROS_PER_DAY, MICROS_PER_SECOND, Timestamp};
use super::model::*;
use super::rng::SplitMix64;
use super::uploads::{SEEDED_UPLOAD_PASSWORD, Upload};
use serde_json::{Value, json};

pub const THREATS: usize = 300;
pub const ACTIVITIES: usize = 1500;
pub const ALERTS: usize = 200;

const THREAT_NAMES: [&str; 12] = [
    "invoice_2026.exe",
    "setup_crack.exe",
    "mimikatz.exe",
    "payload.ps1",
    "update.js",
    "svchost32.exe",
    "Quarterly_Report.docm",
    "keygen.exe",
    "miner",
    "libupdate.so",
    "AdobeUpdater.app",
    "bootstrap.sh",
];
const CLASSIFICATIONS: [&str; 7] = ["Malware", "Ransomware", "Trojan", "PUA", "Infostealer", "Exploit", "Hacktool"];
const RULES: [(&str, &str, &str); 6] = [
    ("Suspicious PowerShell download", "High", "SrcProcCmdLine ContainsCIS \"DownloadString\""),
    ("LSASS memory access", "Critical", "TgtProcName = \"lsass.exe\" AND EventType = \"Open Remote Process Handle\""),
    (
        "Office spawning shell",
        "Medium",
        "SrcProcName In (\"winword.exe\",\"excel.exe\") AND TgtProcName In (\"cmd.exe\",\"powershell.exe\")",
    ),
    ("New scheduled task", "Low", "EventType = \"Task Register\""),
    ("Curl to raw IP", "Medium", "SrcProcName = \"curl\" AND DstIP Exists"),
    ("Shadow copy deletion", "Critical", "SrcProcCmdLine ContainsCIS \"vssadmin delete shadows\""),
];

struct Ids<'r> {
    next: u64,
    rng: &'r mut SplitMix64,
}

impl Ids<'_> {
    fn take(&mut self) -> Id {
        let id = self.next;
        self.next += 1 + self.rng.below(1 << 36);
        Id(id)
    }
}

pub fn populate(world: &mut World, threat_count: usize) {
    let mut rng = SplitMix64::new(world.seed ^ 0x7487_ea75_a1e7_5eed);
    let start = world
        .agents
        .iter()
        .map(|a| a.id.0)
        .chain(world.groups.iter().map(|g| g.id.0))
        .chain(world.users.iter().map(|u| u.id.0))
        .max()
        .unwrap_or(1_800_000_000_000_000_000)
        + (1 << 40);
    world.next_id = start;
    if world.agents.is_empty() {
        return;
    }
    let mut id_rng = SplitMix64::new(rng.next_u64());
    let mut ids = Ids { next: start, rng: &mut id_rng };
    let r = world.reference_time;

    // Threats, oldest first.
    let mut created: Vec<Timestamp> =
        (0..threat_count).map(|_| r.plus_micros(-rng.between(MICROS_PER_SECOND, 90 * MICROS_PER_DAY))).collect();
    created.sort();
    let mut drafts: Vec<(Timestamp, DraftActivity)> = Vec::new();
    for (n, created_at) in created.into_iter().enumerate() {
        let agent = world.agents[rng.below(world.agents.len() as u64) as usize].clone();
        let id = ids.take();
        let threat = threat(&mut rng, &mut ids, n, id, created_at, &agent, r);
        let name = threat.threat_info.threat_name.clone();
        let detected = if threat.threat_info.confidence_level == "malicious" { types::MALICIOUS_THREAT } else { types::SUSPICIOUS_THREAT };
        let on_threat = |activity_type: u32, at: Timestamp, data: Value, text: String| {
            (at, DraftActivity { activity_type, text, data, agent: Some(agent.id), threat: Some(id), user: None })
        };
        drafts.push(on_threat(
            detected,
            created_at,
            json!({"threatName": name, "computerName": agent.computer_name, "fileContentHash": threat.threat_info.sha1}),
            format!("Threat {name} detected on {}", agent.computer_name),
        ));
        let span = (threat.threat_info.updated_at.0 - created_at.0).max(1);
        for report in &threat.mitigation_status {
            let action = report["action"].as_str().unwrap_or("kill");
            let code = if action == "quarantine" { types::MITIGATION_QUARANTINE } else { types::MITIGATION_KILL };
            drafts.push(on_threat(
                code,
                created_at.plus_micros(rng.between(1, 5) * MICROS_PER_SECOND),
                json!({"threatName": name, "computerName": agent.computer_name, "action": action}),
                format!("{} {action} of {name} succeeded", agent.computer_name),
            ));
        }
        if rng.chance(25) {
            let at = created_at.plus_micros(rng.below(span as u64) as i64);
            let user = &world.users[0];
            world.threat_notes.push(ThreatNote {
                id: ids.take(),
                text: format!(
                    "Looked at {name}; {}",
                    rng.pick(&["benign installer?", "escalated to IR", "user confirmed download", "reimaging"])
                ),
                creator: user.full_name.clone(),
                creator_id: user.id,
                created_at: at,
                updated_at: at,
                edited: false,
                threat_id: id,
            });
            drafts.push(on_threat(
                types::THREAT_NOTE_ADDED,
                at,
                json!({"threatName": name, "username": user.full_name}),
                format!("{} added a note to {name}", user.full_name),
            ));
        }
        if threat.threat_info.analyst_verdict != "undefined" {
            drafts.push(on_threat(
                types::THREAT_VERDICT_CHANGED,
                created_at.plus_micros(rng.below(span as u64) as i64),
                json!({"threatName": name, "analystVerdict": threat.threat_info.analyst_verdict}),
                format!("Analyst verdict of {name} changed"),
            ));
        }
        if rng.chance(8) {
            // This id once named the upload; it is still drawn so every later id stays the same,
            // and the `downloadUrl` (added below) names the activity's own id, as the spec says.
            let _former_upload_id = ids.take();
            drafts.push(on_threat(
                types::THREAT_FILE_UPLOADED,
                created_at.plus_micros(rng.below(span as u64) as i64),
                json!({"threatName": name, "filePath": threat.threat_info.file_path}),
                format!("Threat file of {name} uploaded"),
            ));
        }
        world.threats.push(threat);
    }
    world.threat_notes.sort_by_key(|n| (n.created_at, n.id));

    // Agent and user events up to the activity count.
    while drafts.len() < ACTIVITIES {
        let at = r.plus_micros(-rng.between(MICROS_PER_SECOND, 120 * MICROS_PER_DAY));
        let agent = &world.agents[rng.below(world.agents.len() as u64) as usize];
        let user = &world.users[rng.below(world.users.len() as u64) as usize];
        let (activity_type, text, on_agent) = match rng.below(100) {
            0..=19 => (types::USER_LOGGED_IN, format!("{} logged in", user.full_name), false),
            20..=49 => (types::SCAN_FINISHED, format!("Scan finished on {}", agent.computer_name), true),
            50..=64 => (types::SCAN_STARTED, format!("Scan started on {}", agent.computer_name), true),
            65..=79 => (types::AGENT_REGISTERED, format!("{} registered", agent.computer_name), true),
            80..=89 => (types::AGENT_DISCONNECTED, format!("{} disconnected {}", user.full_name, agent.computer_name), true),
            _ => (types::AGENT_CONNECTED, format!("{} reconnected {}", user.full_name, agent.computer_name), true),
        };
        let data = if on_agent {
            json!({"computerName": agent.computer_name, "username": user.full_name})
        } else {
            json!({"username": user.full_name, "role": user.role.name()})
        };
        drafts.push((
            at,
            DraftActivity {
                activity_type,
                text,
                data,
                agent: on_agent.then_some(agent.id),
                threat: None,
                user: (!on_agent || activity_type == types::AGENT_DISCONNECTED || activity_type == types::AGENT_CONNECTED)
                    .then_some(user.id),
            },
        ));
    }
    drafts.sort_by_key(|(at, _)| *at);
    for (at, mut draft) in drafts {
        let id = ids.take();
        if draft.activity_type == types::THREAT_FILE_UPLOADED
            && let (Some(agent), Value::Object(data)) = (draft.agent, &mut draft.data)
        {
            let path = data.get("filePath").and_then(Value::as_str).unwrap_or_default().to_string();
            data.insert("downloadUrl".into(), json!(format!("/agents/{agent}/uploads/{id}")));
            world.uploads.insert(id, Upload::new(agent, SEEDED_UPLOAD_PASSWORD, vec![path]));
        }
        let agent = draft.agent.and_then(|a| world.agents.iter().find(|x| x.id == a));
        world.activities.push(Activity {
            id,
            activity_type: draft.activity_type,
            activity_uuid: format!("{}-{}-{}-{}-{}", rng.hex(8), rng.hex(4), rng.hex(4), rng.hex(4), rng.hex(12)),
            primary_description: draft.text,
            secondary_description: agent.map(|a| a.computer_name.clone()),
            description: None,
            comments: None,
            created_at: at,
            updated_at: at,
            data: draft.data,
            agent_id: draft.agent,
            agent_updated_version: None,
            threat_id: draft.threat,
            user_id: draft.user,
            hash: None,
            os_family: agent.map(|a| a.os_type.clone()),
            account_id: agent.map(|a| a.account_id),
            account_name: agent.map(|a| a.account_name.clone()),
            site_id: agent.map(|a| a.site_id),
            site_name: agent.map(|a| a.site_name.clone()),
            group_id: agent.map(|a| a.group_id),
            group_name: agent.map(|a| a.group_name.clone()),
        });
    }

    // Alerts, oldest first.
    let rule_ids: Vec<Id> = RULES.iter().map(|_| ids.take()).collect();
    let mut created: Vec<Timestamp> = (0..ALERTS).map(|_| r.plus_micros(-rng.between(MICROS_PER_SECOND, 30 * MICROS_PER_DAY))).collect();
    created.sort();
    for created_at in created {
        let agent = &world.agents[rng.below(world.agents.len() as u64) as usize];
        let rule = rng.below(RULES.len() as u64) as usize;
        let (rule_name, severity, s1ql) = RULES[rule];
        let incident = match rng.below(100) {
            0..=69 => "UNRESOLVED",
            70..=79 => "IN_PROGRESS",
            _ => "RESOLVED",
        };
        let verdict = match rng.below(100) {
            0..=74 => "UNDEFINED",
            75..=84 => "TRUE_POSITIVE",
            85..=94 => "FALSE_POSITIVE",
            _ => "SUSPICIOUS",
        };
        let updated_at = created_at.plus_micros(rng.below(3 * MICROS_PER_DAY as u64) as i64).min(r);
        let process = *rng.pick(&["powershell.exe", "cmd.exe", "winword.exe", "curl", "bash"]);
        world.alerts.push(Alert {
            alert_info: AlertInfo {
                alert_id: ids.take(),
                created_at,
                updated_at,
                reported_at: created_at.plus_micros(rng.between(1, 90) * MICROS_PER_SECOND),
                incident_status: display_case(incident),
                analyst_verdict: display_case(verdict),
                event_type: rng.pick(&["PROCESSCREATION", "FILECREATION", "IP", "DNS"]).to_string(),
                hit_type: "Events".into(),
                source: "STAR".into(),
                dv_event_id: format!("01{}", rng.hex(24).to_uppercase()),
                is_edr: true,
                src_ip: agent.network_interfaces.first().and_then(|i| i.inet.first().cloned()),
                dst_ip: rng.chance(40).then(|| format!("198.51.100.{}", rng.between(1, 254))),
                dst_port: rng.chance(40).then(|| rng.pick(&["443", "80", "8080"]).to_string()),
            },
            rule_info: AlertRuleInfo {
                id: rule_ids[rule],
                name: rule_name.into(),
                description: format!("Custom rule: {rule_name}"),
                severity: severity.into(),
                s1ql: s1ql.into(),
                query_type: "events".into(),
                query_lang: "1.0".into(),
                scope_level: "account".into(),
                treat_as_threat: "UNDEFINED".into(),
            },
            agent_detection_info: AlertAgentDetection {
                account_id: agent.account_id,
                site_id: agent.site_id,
                uuid: agent.uuid.clone(),
                name: agent.computer_name.clone(),
                os_family: agent.os_type.clone(),
                os_name: agent.os_name.clone(),
                os_revision: agent.os_revision.clone(),
                version: agent.agent_version.clone(),
                machine_type: agent.machine_type.clone(),
            },
            agent_realtime_info: json!({
                "id": agent.id, "uuid": agent.uuid, "name": agent.computer_name, "os": agent.os_type,
                "machineType": agent.machine_type, "isActive": agent.is_active,
                "isDecommissioned": agent.is_decommissioned, "infected": agent.infected,
            }),
            source_process_info: process_info(&mut rng, process, created_at, &agent.last_logged_in_user_name),
            source_parent_process_info: process_info(
                &mut rng,
                "explorer.exe",
                created_at.plus_micros(-3_600 * MICROS_PER_SECOND),
                &agent.last_logged_in_user_name,
            ),
            target_process_info: json!({"tgtProcName": null, "tgtFilePath": null}),
            container_info: json!({}),
            kubernetes_info: json!({}),
        });
    }
    world.next_id = ids.next;
}

struct DraftActivity {
    activity_type: u32,
    text: String,
    data: Value,
    agent: Option<Id>,
    threat: Option<Id>,
    user: Option<Id>,
}

fn process_info(rng: &mut SplitMix64, name: &str, started: Timestamp, user: &str) -> Value {
    json!({
        "name": name, "pid": rng.between(100, 65_000).to_string(),
        "commandline": format!("{name} {}", rng.pick(&["-nop -w hidden", "/c whoami", "--silent", ""])),
        "filePath": format!("C:\\Windows\\System32\\{name}"), "fileHashSha1": rng.hex(40),
        "fileHashSha256": rng.hex(64), "fileHashMd5": rng.hex(32),
        "storyline": rng.hex(16).to_uppercase(), "user": user, "pidStarttime": started,
        "uniqueId": rng.hex(16).to_uppercase(), "integrityLevel": "medium", "subsystem": "win32",
        "fileSignerIdentity": "",
    })
}

#[allow(clippy::too_many_arguments)]
fn threat(rng: &mut SplitMix64, ids: &mut Ids<'_>, n: usize, id: Id, created_at: Timestamp, agent: &Agent, r: Timestamp) -> Threat {
    let file = *rng.pick(&THREAT_NAMES);
    let confidence = match rng.below(100) {
        0..=69 => "malicious",
        70..=97 => "suspicious",
        _ => "n/a",
    };
    let verdict = match rng.below(100) {
        0..=59 => "undefined",
        60..=84 => "true_positive",
        85..=92 => "false_positive",
        _ => "suspicious",
    };
    let incident = match rng.below(100) {
        0..=54 => "unresolved",
        55..=69 => "in_progress",
        _ => "resolved",
    };
    let mitigation = if verdict == "false_positive" && rng.chance(50) {
        "marked_as_benign"
    } else if confidence == "malicious" && agent.mitigation_mode == "protect" {
        "mitigated"
    } else {
        "not_mitigated"
    };
    let updated_at = created_at.plus_micros(rng.below((r.0 - created_at.0).max(1) as u64) as i64).min(r);
    let user = agent.last_logged_in_user_name.clone();
    let file_path = match agent.os_type.as_str() {
        "windows" | "windows_legacy" => {
            format!("\\Device\\HarddiskVolume3\\Users\\{user}\\Downloads\\{file}")
        }
        "macos" => format!("/Users/{user}/Downloads/{file}"),
        _ => format!("/tmp/{file}"),
    };
    let mitigation_reports = if mitigation == "mitigated" {
        ["kill", "quarantine"].iter().map(|action| report(action, created_at.plus_micros(rng.between(1, 5) * MICROS_PER_SECOND))).collect()
    } else {
        Vec::new()
    };
    let ticket = rng.chance(10).then(|| format!("INC-{:05}", 10_000 + n));
    let extension = file.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    Threat {
        id,
        threat_info: ThreatInfo {
            threat_id: id,
            threat_name: file.into(),
            classification: rng.pick(&CLASSIFICATIONS).to_string(),
            classification_source: rng.pick(&["Cloud", "Behavioral", "Static", "Engine"]).to_string(),
            confidence_level: confidence.into(),
            analyst_verdict: verdict.into(),
            analyst_verdict_description: display_case(verdict),
            incident_status: incident.into(),
            incident_status_description: display_case(incident),
            mitigation_status: mitigation.into(),
            mitigation_status_description: display_case(mitigation),
            mitigated_preemptively: false,
            sha1: rng.hex(40),
            sha256: rng.chance(80).then(|| rng.hex(64)),
            md5: None,
            file_path,
            file_size: rng.between(2_000, 40_000_000) as u64,
            file_extension: extension.to_uppercase(),
            file_extension_type: if extension.is_empty() { "None" } else { "Executable" }.into(),
            file_verification_type: "NotSigned".into(),
            publisher_name: String::new(),
            is_valid_certificate: false,
            process_user: format!("{}\\{user}", agent.domain),
            originator_process: rng.pick(&["explorer.exe", "chrome.exe", "outlook.exe", "bash"]).to_string(),
            storyline: rng.hex(16).to_uppercase(),
            collection_id: ids.take(),
            detection_type: if rng.chance(60) { "static" } else { "dynamic" }.into(),
            engines: vec!["SentinelOne Cloud".into()],
            detection_engines: vec![json!({"key": "sentinelone_cloud", "title": "SentinelOne Cloud"})],
            initiated_by: rng.pick(&["agent_policy", "full_disk_scan", "star_active"]).to_string(),
            initiated_by_description: "Agent Policy".into(),
            identified_at: created_at.plus_micros(-rng.between(0, 2) * MICROS_PER_SECOND),
            created_at,
            updated_at,
            pending_actions: false,
            failed_actions: false,
            reboot_required: false,
            automatically_resolved: false,
            external_ticket_exists: ticket.is_some(),
            external_ticket_id: ticket,
            is_fileless: false,
        },
        agent_realtime_info: ThreatAgentRealtime::of(agent),
        agent_detection_info: json!({
            "agentUuid": agent.uuid, "agentVersion": agent.agent_version, "agentOsName": agent.os_name,
            "agentOsRevision": agent.os_revision, "agentDomain": agent.domain,
            "agentIpV4": agent.network_interfaces.first().map(|i| i.inet.join(",")),
            "agentIpV6": null, "externalIp": agent.external_ip,
            "agentLastLoggedInUserName": agent.last_logged_in_user_name,
            "agentMitigationMode": agent.mitigation_mode, "agentRegisteredAt": agent.registered_at,
            "accountId": agent.account_id, "accountName": agent.account_name, "siteId": agent.site_id,
            "siteName": agent.site_name, "groupId": agent.group_id, "groupName": agent.group_name,
            "cloudProviders": {},
        }),
        mitigation_status: mitigation_reports,
        indicators: Vec::new(),
        container_info: json!({}),
        kubernetes_info: json!({}),
        whitening_options: vec!["hash".into(), "path".into()],
    }
}

/// One entry of a threat's top-level `mitigationStatus` array.
pub fn report(action: &str, at: Timestamp) -> Value {
    json!({
        "action": action, "status": "success", "lastUpdate": at, "mitigationStartedAt": at,
        "mitigationEndedAt": at, "actionsCounters": {"success": 1, "failed": 0, "total": 1,
        "notFound": 0, "pendingReboot": 0}, "latestReport": null, "reportId": null,
        "groupNotFound": false,
    })
}
