//! The Deep Visibility event stream behind `dv/init-query` and `dv/events/pq`, and the small query
//! language subset that aims a query.
//!
//! # Events
//! Every agent has 3 to 6 events in any date range, spread over `[fromDate, toDate]`. They derive
//! from the world seed, the agent id and the range only, so two queries over the same range see the
//! same events (same ids) and the query text just selects among them. Types: `Process Creation`,
//! `File Creation`, `File Modification`, `File Deletion`, `DNS Resolved`, `IP Connect`, `Login`;
//! fields that do not apply to a type are `null` (network fields outside `IP Connect`/`Login`,
//! `dnsRequest` outside `DNS Resolved`, file fields and hashes outside process/file events).
//! `pid` is a decimal string, ports are numbers. `srcProcUid` equals `processUniqueKey`.
//!
//! # Query subset (S1QL, and the filter part of a PowerQuery)
//! Terms joined by `AND` (any case): `AgentName = "x"` (also `EndpointName`, `endpoint.name`),
//! `EventType = "Process Creation"` (also `event.type`), `ProcessName Contains "x"` (also
//! `SrcProcName`, `src.process.name`). `=`/`==` compare whole values, `Contains`/`ContainsCIS`
//! substrings, both case-insensitively, on any of the three fields.
//! A term outside this subset is ignored (it matches everything), and a query containing `OR` or
//! `NOT` matches everything: the simulator does not pretend to evaluate what it cannot.

use super::clock::{MICROS_PER_SECOND, Timestamp};
use super::model::{Agent, Id};
use super::rng::{SplitMix64, fnv1a};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DvEvent {
    pub id: Id,
    pub event_type: &'static str,
    pub created_at: Timestamp,
    pub agent_id: Id,
    pub agent_name: String,
    pub agent_uuid: String,
    pub agent_os: String,
    pub site_name: String,
    pub process_name: String,
    pub pid: String,
    pub process_cmd: String,
    pub process_unique_key: String,
    pub src_proc_uid: String,
    pub process_start_time: Timestamp,
    pub user: String,
    pub src_ip: Option<String>,
    pub dst_ip: Option<String>,
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
    pub dns_request: Option<String>,
    pub file_full_name: Option<String>,
    pub sha1: Option<String>,
    pub sha256: Option<String>,
    pub md5: Option<String>,
}

const EVENT_TYPES: [&str; 7] =
    ["Process Creation", "File Creation", "File Modification", "File Deletion", "DNS Resolved", "IP Connect", "Login"];

/// `(name, image path, command line)` per OS family.
type Process = (&'static str, &'static str, &'static str);

const WINDOWS_PROCESSES: [Process; 6] = [
    (
        "powershell.exe",
        r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
        r"powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\Scripts\inventory.ps1",
    ),
    ("cmd.exe", r"C:\Windows\System32\cmd.exe", "cmd.exe /c whoami /all"),
    ("chrome.exe", r"C:\Program Files\Google\Chrome\Application\chrome.exe", r#""chrome.exe" --type=renderer --lang=en-US"#),
    ("svchost.exe", r"C:\Windows\System32\svchost.exe", "svchost.exe -k netsvcs -p"),
    ("OUTLOOK.EXE", r"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE", r#""OUTLOOK.EXE" /recycle"#),
    ("rundll32.exe", r"C:\Windows\System32\rundll32.exe", "rundll32.exe shell32.dll,Control_RunDLL"),
];
const MACOS_PROCESSES: [Process; 5] = [
    ("zsh", "/bin/zsh", "/bin/zsh -l"),
    ("curl", "/usr/bin/curl", "curl -sS https://updates.example.com/feed.xml"),
    ("python3", "/usr/bin/python3", "python3 /usr/local/bin/sync_agent.py"),
    ("Safari", "/Applications/Safari.app/Contents/MacOS/Safari", "Safari"),
    ("launchd", "/sbin/launchd", "/sbin/launchd"),
];
const LINUX_PROCESSES: [Process; 6] = [
    ("bash", "/usr/bin/bash", "bash -c uptime"),
    ("sshd", "/usr/sbin/sshd", "sshd: root@pts/0"),
    ("curl", "/usr/bin/curl", "curl -fsSL https://repo.example.com/key.gpg"),
    ("python3", "/usr/bin/python3", "python3 /opt/app/worker.py"),
    ("nginx", "/usr/sbin/nginx", "nginx: worker process"),
    ("systemd", "/usr/lib/systemd/systemd", "/sbin/init splash"),
];
const DOMAINS: [&str; 6] =
    ["login.microsoftonline.com", "updates.example.com", "github.com", "cdn.example.net", "api.segment.io", "x3kq9v.duckdns.org"];
const DESTINATIONS: [(&str, u16); 5] =
    [("93.184.216.34", 443), ("140.82.112.3", 443), ("20.190.151.7", 443), ("185.199.108.153", 80), ("198.51.100.77", 8443)];
const FILE_NAMES: [&str; 5] = ["report_q1.xlsx", "invoice_2026.pdf", "setup.tmp", "notes.txt", "payload.bin"];

/// The events of one agent in `[from, to]` (needs `from < to`), oldest first.
pub fn agent_events(seed: u64, agent: &Agent, from: Timestamp, to: Timestamp) -> Vec<DvEvent> {
    let mut rng =
        SplitMix64::new(seed ^ agent.id.0.rotate_left(17) ^ (from.0 as u64).wrapping_mul(0x9E37_79B9) ^ (to.0 as u64).rotate_left(31));
    let count = rng.between(3, 6);
    let span = (to.0 - from.0).max(1) as u64;
    let mut events: Vec<DvEvent> = (0..count)
        .map(|_| {
            let created_at = from.plus_micros(rng.below(span) as i64);
            event(&mut rng, agent, created_at)
        })
        .collect();
    events.sort_by_key(|e| (e.created_at, e.id));
    events
}

fn event(rng: &mut SplitMix64, agent: &Agent, created_at: Timestamp) -> DvEvent {
    let event_type = *rng.pick(&EVENT_TYPES);
    let (process_name, image, cmd) = *match agent.os_type.as_str() {
        "macos" => rng.pick(&MACOS_PROCESSES),
        "linux" => rng.pick(&LINUX_PROCESSES),
        _ => rng.pick(&WINDOWS_PROCESSES),
    };
    let unique_key = rng.hex(16).to_uppercase();
    let agent_ip = agent.network_interfaces.first().and_then(|i| i.inet.first()).cloned();
    let user = agent.last_logged_in_user_name.clone();
    let file = match event_type {
        "Process Creation" => Some(image.to_string()),
        "File Creation" | "File Modification" | "File Deletion" => Some(file_path(agent, &user, rng.pick::<&str>(&FILE_NAMES))),
        _ => None,
    };
    let hashed = file.as_deref().filter(|_| event_type != "File Deletion");
    let ephemeral = rng.between(49152, 65535) as u16;
    let (src_ip, dst_ip, dst_port) = match event_type {
        "IP Connect" => {
            let (ip, port) = *rng.pick(&DESTINATIONS);
            (agent_ip, Some(ip.to_string()), port)
        }
        "Login" => {
            let port = if agent.os_type == "windows" { 3389 } else { 22 };
            (Some("10.0.0.5".to_string()), agent_ip, port)
        }
        _ => (None, None, 0),
    };
    let network = dst_ip.is_some();
    DvEvent {
        id: Id(1_000_000_000_000_000_000 + rng.below(8_000_000_000_000_000_000)),
        event_type,
        created_at,
        agent_id: agent.id,
        agent_name: agent.computer_name.clone(),
        agent_uuid: agent.uuid.clone(),
        agent_os: agent.os_type.clone(),
        site_name: agent.site_name.clone(),
        process_name: process_name.to_string(),
        pid: rng.between(300, 65000).to_string(),
        process_cmd: cmd.to_string(),
        src_proc_uid: unique_key.clone(),
        process_unique_key: unique_key,
        process_start_time: created_at.plus_micros(-rng.between(1, 7200) * MICROS_PER_SECOND),
        user,
        src_ip,
        dst_ip,
        src_port: network.then_some(ephemeral),
        dst_port: network.then_some(dst_port),
        dns_request: (event_type == "DNS Resolved").then(|| rng.pick(&DOMAINS).to_string()),
        sha1: hashed.map(|f| hash_hex(f, 40)),
        sha256: hashed.map(|f| hash_hex(f, 64)),
        md5: hashed.map(|f| hash_hex(f, 32)),
        file_full_name: file,
    }
}

fn file_path(agent: &Agent, user: &str, name: &str) -> String {
    match agent.os_type.as_str() {
        "macos" => format!("/Users/{user}/Downloads/{name}"),
        "linux" => format!("/home/{user}/{name}"),
        _ => format!(r"C:\Users\{user}\Downloads\{name}"),
    }
}

/// Stable lower-case hex of `digits` digits derived from `text` (same file, same hashes).
fn hash_hex(text: &str, digits: usize) -> String {
    SplitMix64::new(fnv1a(text.as_bytes())).hex(digits)
}

/// A query token: bare words (field names, keywords, numbers), quoted strings, operators,
/// and punctuation.
#[derive(Clone, Debug, PartialEq)]
pub enum Token {
    Word(String),
    Quoted(String),
    Op(String),
    Pipe,
    Comma,
    Open,
    Close,
}

impl Token {
    pub fn is_word(&self, word: &str) -> bool {
        matches!(self, Token::Word(w) if w.eq_ignore_ascii_case(word))
    }

    /// The text of a word or quoted string.
    pub fn text(&self) -> Option<&str> {
        match self {
            Token::Word(t) | Token::Quoted(t) => Some(t),
            _ => None,
        }
    }
}

pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '"' | '\'' => {
                let mut value = String::new();
                while let Some(next) = chars.next() {
                    match next {
                        '\\' => value.extend(chars.next()),
                        q if q == c => break,
                        other => value.push(other),
                    }
                }
                out.push(Token::Quoted(value));
            }
            '|' => out.push(Token::Pipe),
            ',' => out.push(Token::Comma),
            '(' => out.push(Token::Open),
            ')' => out.push(Token::Close),
            '=' | '!' | '<' | '>' => {
                let mut op = c.to_string();
                while let Some(next) = chars.next_if(|n| "=!<>".contains(*n)) {
                    op.push(next);
                }
                out.push(Token::Op(op));
            }
            _ => {
                let mut word = c.to_string();
                while let Some(next) = chars.next_if(|n| !n.is_whitespace() && !"\"'|,()=!<>".contains(*n)) {
                    word.push(next);
                }
                out.push(Token::Word(word));
            }
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Field {
    AgentName,
    EventType,
    ProcessName,
}

#[derive(Clone, Debug)]
struct Term {
    field: Field,
    contains: bool,
    /// Lower case.
    value: String,
}

/// The conjunction of the recognised terms of a query (empty: everything matches).
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    terms: Vec<Term>,
}

impl EventFilter {
    pub fn parse(text: &str) -> EventFilter {
        EventFilter::from_tokens(&tokens(text))
    }

    pub fn from_tokens(tokens: &[Token]) -> EventFilter {
        if tokens.iter().any(|t| t.is_word("OR") || t.is_word("NOT")) {
            return EventFilter::default();
        }
        let terms = tokens.split(|t| t.is_word("AND")).filter_map(term).collect();
        EventFilter { terms }
    }

    pub fn matches(&self, event: &DvEvent) -> bool {
        self.terms.iter().all(|term| {
            let value = match term.field {
                Field::AgentName => &event.agent_name,
                Field::EventType => event.event_type,
                Field::ProcessName => &event.process_name,
            }
            .to_lowercase();
            if term.contains { value.contains(&term.value) } else { value == term.value }
        })
    }
}

fn term(tokens: &[Token]) -> Option<Term> {
    let [Token::Word(field), op, value] = tokens else {
        return None;
    };
    let field = match field.to_ascii_lowercase().as_str() {
        "agentname" | "endpointname" | "endpoint.name" => Field::AgentName,
        "eventtype" | "event.type" => Field::EventType,
        "processname" | "srcprocname" | "src.process.name" => Field::ProcessName,
        _ => return None,
    };
    let contains = match op {
        Token::Op(op) if op == "=" || op == "==" => false,
        Token::Word(_) if op.is_word("contains") || op.is_word("containscis") => true,
        _ => return None,
    };
    Some(Term { field, contains, value: value.text()?.to_lowercase() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes_and_recognises_the_subset() {
        assert_eq!(
            tokens(r#"AgentName="a b" and x|group c=count() by y"#),
            vec![
                Token::Word("AgentName".into()),
                Token::Op("=".into()),
                Token::Quoted("a b".into()),
                Token::Word("and".into()),
                Token::Word("x".into()),
                Token::Pipe,
                Token::Word("group".into()),
                Token::Word("c".into()),
                Token::Op("=".into()),
                Token::Word("count".into()),
                Token::Open,
                Token::Close,
                Token::Word("by".into()),
                Token::Word("y".into()),
            ]
        );
        let filter =
            EventFilter::parse(r#"AgentName = "WKS-1" AND EventType = "Process Creation" AND ProcessName Contains "SH" AND DstPort = 443"#);
        assert_eq!(filter.terms.len(), 3);
        assert!(EventFilter::parse(r#"AgentName = "a" OR AgentName = "b""#).terms.is_empty());
        assert!(EventFilter::parse("anything at all").terms.is_empty());
    }
}
