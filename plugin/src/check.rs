//! The connection test a platform runs when a user presses Save: can we reach the console, who
//! is the token, what may it do, and how long does it live.

use crate::Error;
use crate::actions::act::not_visible;
use crate::actions::catalog::{ACCOUNTS, SITES};
use crate::client::{Client, Query, data_object};
use crate::http::Method;
use crate::output::object;
use crate::time::{days_between, parse_http_date, parse_iso8601};
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;
use serde::Serialize;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Ready,
    ReadyWithWarnings,
    NotReady,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingCode {
    ConsoleReachable,
    ConsoleUnreachable,
    RequestDenied,
    TokenValid,
    TokenRejected,
    TokenExpired,
    TokenExpiringSoon,
    TokenExpiryUnknown,
    ReadOnlyRole,
    Scope,
    ConfigurationInvalid,
    UnexpectedResponse,
    PinNotVisible,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub code: FindingCode,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    User,
    ServiceUser,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeRole {
    pub scope_id: Option<String>,
    pub scope_name: String,
    pub role_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub kind: IdentityKind,
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub scope: String,
    pub roles: Vec<ScopeRole>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenLifetime {
    pub created_at: Option<String>,
    pub expires_at: Option<String>,
    pub days_left: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConsoleInfo {
    pub version: String,
    pub build: Option<String>,
    pub release: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    pub verdict: Verdict,
    pub summary: String,
    pub console: Option<ConsoleInfo>,
    pub identity: Option<Identity>,
    pub token: Option<TokenLifetime>,
    pub can_act: bool,
    pub findings: Vec<Finding>,
    pub failure: Option<Error>,
}

impl CheckReport {
    fn empty() -> Self {
        CheckReport {
            verdict: Verdict::Ready,
            summary: String::new(),
            console: None,
            identity: None,
            token: None,
            can_act: false,
            findings: Vec::new(),
            failure: None,
        }
    }

    fn note(&mut self, severity: Severity, code: FindingCode, message: impl Into<String>) {
        self.findings.push(Finding { severity, code, message: message.into() });
    }

    /// Ends the report as `not-ready` because of `error`.
    fn fail(mut self, code: FindingCode, summary: impl Into<String>, error: Error) -> Self {
        let summary = summary.into();
        self.note(Severity::Error, code, summary.clone());
        self.failure = Some(error);
        self.finish(summary)
    }

    fn finish(mut self, summary: String) -> Self {
        // Most important first, in the order observed within a severity (a stable partition, not a
        // sort: the component pays for each sort it instantiates).
        let findings = core::mem::take(&mut self.findings);
        for severity in [Severity::Error, Severity::Warning, Severity::Info] {
            self.findings.extend(findings.iter().filter(|f| f.severity == severity).cloned());
        }
        let worst = self.findings.first().map(|f| f.severity);
        self.verdict = match worst {
            Some(Severity::Error) => Verdict::NotReady,
            Some(Severity::Warning) => Verdict::ReadyWithWarnings,
            _ => Verdict::Ready,
        };
        let label = match self.verdict {
            Verdict::Ready => "Ready",
            Verdict::ReadyWithWarnings => "Ready with warnings",
            Verdict::NotReady => "Not ready",
        };
        self.summary = format!("{label}: {summary}");
        self
    }
}

/// The report for a configuration that could not be loaded.
pub fn configuration_failure(error: Error) -> CheckReport {
    let message = error.to_string();
    CheckReport::empty().fail(FindingCode::ConfigurationInvalid, message, error)
}

/// Runs the connection test. Never fails: every failure is a `not-ready` report.
pub fn run(client: &Client) -> CheckReport {
    let mut report = CheckReport::empty();

    // 1. Reachability and authentication: `system/info` needs a valid token.
    let (info, now) = match client.send(Method::Get, "system/info", &Query::new(), None) {
        Ok(response) => {
            let now = response.header("date").and_then(parse_http_date);
            match crate::client::parse_envelope(&response).and_then(|e| console_info(&e)) {
                Ok(info) => (info, now),
                Err(e) => {
                    return report.fail(FindingCode::UnexpectedResponse, "the console answered system/info with an unexpected body", e);
                }
            }
        }
        Err(e @ Error::RequestDenied(_)) => {
            let what = format!("the host's policy does not allow requests to {}", client.config.console.authority);
            return report.fail(FindingCode::RequestDenied, what, e);
        }
        Err(e @ Error::Transport { .. }) => {
            let what = format!("the console at {} could not be reached ({e})", client.config.console.authority);
            return report.fail(FindingCode::ConsoleUnreachable, what, e);
        }
        Err(e @ Error::Unauthorized(_)) => return rejected_token(client, report, e),
        Err(e) => return report.fail(FindingCode::UnexpectedResponse, format!("system/info failed: {e}"), e),
    };
    report.note(Severity::Info, FindingCode::ConsoleReachable, format!("console version {}", info.version));
    report.note(Severity::Info, FindingCode::TokenValid, "the console accepted the API token");
    report.console = Some(info);

    // 2. Identity, roles and (for console users) the token's lifetime.
    let mut lifetime = None;
    match client.get("user", &Query::new()) {
        Ok(envelope) => match identity(&envelope) {
            Ok((identity, token)) => {
                lifetime = token;
                report.identity = Some(identity);
            }
            Err(e) => report.note(Severity::Warning, FindingCode::UnexpectedResponse, format!("the user endpoint answered oddly: {e}")),
        },
        Err(e) => report.note(Severity::Info, FindingCode::Scope, format!("the token's identity could not be read ({e})")),
    }
    if let Some(identity) = &report.identity {
        let roles: Vec<&str> = identity.roles.iter().map(|r| r.role_name.as_str()).collect();
        let read_only = !roles.is_empty() && roles.iter().all(|r| r.eq_ignore_ascii_case("viewer"));
        report.can_act = !read_only && !roles.is_empty();
        let scope_line = format!(
            "{} {} at {} scope with role(s) {}",
            if identity.kind == IdentityKind::ServiceUser { "service user" } else { "user" },
            identity.name,
            identity.scope,
            if roles.is_empty() { "unknown".to_owned() } else { roles.join(", ") }
        );
        report.note(Severity::Info, FindingCode::Scope, scope_line);
        if read_only {
            report.note(
                Severity::Warning,
                FindingCode::ReadOnlyRole,
                "the token is Viewer-only: listings work, actions will be refused (forbidden)",
            );
        }
    }

    // 3. Token lifetime: from the user record, else from api-token-details when we hold the token.
    if lifetime.as_ref().is_none_or(|l: &TokenLifetime| l.expires_at.is_none()) {
        lifetime = token_details(client).ok().or(lifetime);
    }
    let mut summary = format!(
        "connected to console {}{}",
        report.console.as_ref().map_or("", |c| c.version.as_str()),
        report.identity.as_ref().map(|i| format!(" as {}", i.name)).unwrap_or_default()
    );
    match lifetime {
        Some(mut token) => {
            let expires = token.expires_at.as_deref().and_then(parse_iso8601);
            token.days_left = expires.zip(now).map(|(then, now)| days_between(now, then));
            match token.days_left {
                Some(days) if days < 0 => report.note(Severity::Error, FindingCode::TokenExpired, "the API token has expired"),
                Some(days) if days < client.config.token_warning_days => {
                    let when = token.expires_at.clone().unwrap_or_default();
                    report.note(
                        Severity::Warning,
                        FindingCode::TokenExpiringSoon,
                        format!("the API token expires in {days} days ({when}); regenerate it"),
                    );
                    summary = format!("the API token expires in {days} days");
                }
                Some(days) => summary.push_str(&format!("; token expires in {days} days")),
                None => report.note(Severity::Info, FindingCode::TokenExpiryUnknown, "the token's expiry date could not be read"),
            }
            report.token = Some(token);
        }
        None => report.note(Severity::Info, FindingCode::TokenExpiryUnknown, "the token's expiry date could not be read"),
    }
    pins_visible(client, &mut report);
    if report.findings.iter().any(|f| f.code == FindingCode::ReadOnlyRole) && !summary.contains("expires in") {
        summary = "the token is Viewer-only: actions will be refused".into();
    }
    report.finish(summary)
}

/// Step 4: each scope pin must name an account or site the token can see. A pin that names
/// nothing visible confines every request to nothing, which would look like an empty tenant.
fn pins_visible(client: &Client, report: &mut CheckReport) {
    let pins = &client.config.scope;
    for (ids, target) in [(&pins.account_ids, &ACCOUNTS), (&pins.site_ids, &SITES)] {
        if ids.is_empty() {
            continue;
        }
        match not_visible(client, target, ids) {
            Ok(hidden) if hidden.is_empty() => {}
            Ok(hidden) => report.note(
                Severity::Warning,
                FindingCode::PinNotVisible,
                format!(
                    "the configured {} pin(s) {} name nothing this token can see; requests confined to them find nothing",
                    target.what,
                    hidden.join(", ")
                ),
            ),
            Err(e) => report.note(Severity::Info, FindingCode::Scope, format!("the {} pins could not be verified ({e})", target.what)),
        }
    }
}

/// A 401: tell an expired token from an unknown one when the plugin holds the token (hosts that
/// inject the credential keep it out of the sandbox, so the plugin cannot ask about it).
fn rejected_token(client: &Client, report: CheckReport, error: Error) -> CheckReport {
    if let Ok(TokenLifetime { expires_at: Some(expires), .. }) = token_details(client) {
        return report.fail(FindingCode::TokenExpired, format!("the API token expired at {expires}; generate a new one"), error);
    }
    let why = if client.config.api_token.is_some() {
        "the console refused the API token: it is unknown or revoked"
    } else {
        "the console refused the API token: it is unknown, revoked or expired"
    };
    report.fail(FindingCode::TokenRejected, why, error)
}

/// `POST users/api-token-details` for the configured token (only when the configuration holds it).
fn token_details(client: &Client) -> Result<TokenLifetime, Error> {
    let token = client.config.api_token.as_ref().ok_or_else(|| Error::Other("token held by the host".into()))?;
    let envelope = client.post("users/api-token-details", &object(vec![("data", object(vec![("apiToken", token.expose().into())]))]))?;
    let data = data_object(&envelope)?;
    Ok(TokenLifetime { created_at: string(data.get("createdAt")), expires_at: string(data.get("expiresAt")), days_left: None })
}

fn string(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_owned)
}

fn console_info(envelope: &Value) -> Result<ConsoleInfo, Error> {
    let data = data_object(envelope)?;
    let version = string(data.get("version")).ok_or_else(|| Error::UnexpectedResponse("system/info has no version".into()))?;
    Ok(ConsoleInfo { version, build: string(data.get("build")), release: string(data.get("release")) })
}

fn identity(envelope: &Value) -> Result<(Identity, Option<TokenLifetime>), Error> {
    let data = data_object(envelope)?;
    let id = crate::organizations::id_of(data.get("id"), "user.id")?;
    let service = data.get("isServiceUser").and_then(Value::as_bool) == Some(true)
        || string(data.get("source")).is_some_and(|s| s.eq_ignore_ascii_case("service_user") || s.eq_ignore_ascii_case("serviceUser"));
    let mut roles: Vec<ScopeRole> = data
        .get("scopeRoles")
        .and_then(Value::as_array)
        .map(|roles| {
            roles
                .iter()
                .map(|r| ScopeRole {
                    scope_id: r.get("id").and_then(|v| crate::organizations::id_of(Some(v), "").ok()),
                    scope_name: string(r.get("name")).or_else(|| string(r.get("accountName"))).unwrap_or_default(),
                    role_name: string(r.get("roleName")).unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    if roles.is_empty()
        && let Some(lowest) = string(data.get("lowestRole"))
    {
        roles.push(ScopeRole { scope_id: None, scope_name: "global".into(), role_name: lowest });
    }
    let token = data.get("apiToken").and_then(Value::as_object).map(|t| TokenLifetime {
        created_at: string(t.get("createdAt")),
        expires_at: string(t.get("expiresAt")),
        days_left: None,
    });
    let identity = Identity {
        kind: if service { IdentityKind::ServiceUser } else { IdentityKind::User },
        id,
        name: string(data.get("fullName")).or_else(|| string(data.get("name"))).unwrap_or_default(),
        email: string(data.get("email")),
        scope: string(data.get("scope")).unwrap_or_else(|| "unknown".into()),
        roles,
    };
    Ok((identity, token))
}
