//! A platform's settings for one tenant, as one value (TOML or JSON), in the spirit of Extism's
//! manifest: the console, the scope pins, the limits, the extra origins, the trust roots, the
//! proxy, and the component it must run. Parsed and validated once, with errors that name the
//! field; the result is a [`Connection`]. The API token is not part of it: it comes from the
//! platform's secret store (see [`crate::credentials`]).
//!
//! ```toml
//! console = "https://usea1-acme.sentinelone.net"
//! site-ids = ["1834780238610855650"]
//! component-sha256 = "4f2a…"            # optional: refuse any other build of the plugin
//!
//! [network]
//! allowed-origins = ["https://files.acme.example"]   # besides the console (downloads)
//! ca-file = "/etc/msp/acme-root.pem"                  # trusted besides the system store
//! proxy = "http://proxy.msp.example:3128"             # https goes through CONNECT
//!
//! [limits]
//! memory-mib = 128
//! call-timeout-seconds = 300
//! ```

use crate::credentials::Credential;
use crate::policy::{Origin, Policy};
use crate::runtime::Connection;
use crate::transport::Route;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// Settings that could not be used, naming the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid settings: {field}: {message}")]
pub struct SettingsError {
    pub field: String,
    pub message: String,
}

fn bad(field: &str, message: impl Into<String>) -> SettingsError {
    SettingsError { field: field.to_owned(), message: message.into() }
}

/// One tenant's settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConnectionSettings {
    /// The console's URL, e.g. `https://usea1-acme.sentinelone.net`.
    pub console: String,
    /// Account ids every request is confined to.
    #[serde(default)]
    pub account_ids: Vec<String>,
    /// Site ids every request is confined to.
    #[serde(default)]
    pub site_ids: Vec<String>,
    /// `check` warns when the token expires within this many days (plugin default 30).
    pub token_warning_days: Option<u32>,
    /// The sha256 (hex) of the only component this connection may run.
    pub component_sha256: Option<String>,
    #[serde(default)]
    pub network: NetworkSettings,
    #[serde(default)]
    pub limits: LimitSettings,
}

/// Where the plugin may connect, and how.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NetworkSettings {
    /// Origins besides the console's (`https://host[:port]`), e.g. for pre-signed downloads.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Plain http to a loopback console (a simulator); never elsewhere.
    #[serde(default)]
    pub allow_loopback_http: bool,
    /// Let names that resolve to private or loopback addresses through (an on-premises console).
    #[serde(default)]
    pub allow_private_addresses: bool,
    /// A PEM file of CA certificates trusted besides the system store.
    pub ca_file: Option<PathBuf>,
    /// The same, inline.
    pub ca_pem: Option<String>,
    /// An HTTP proxy that tunnels https with CONNECT (`http://host:port`).
    pub proxy: Option<String>,
}

/// Bounds on each call; absent ones keep the policy's defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitSettings {
    pub memory_mib: Option<u32>,
    pub guest_cpu_ms: Option<u64>,
    pub call_timeout_seconds: Option<u64>,
    pub connect_timeout_seconds: Option<u64>,
    pub first_byte_timeout_seconds: Option<u64>,
    pub max_response_mib: Option<u64>,
    pub max_request_mib: Option<u64>,
    pub max_requests: Option<usize>,
}

impl ConnectionSettings {
    /// Parses TOML settings.
    pub fn from_toml(text: &str) -> Result<ConnectionSettings, SettingsError> {
        toml::from_str(text)
            .map_err(|e| bad(e.span().map_or("settings".to_owned(), |s| format!("at byte {}", s.start)).as_str(), e.message()))
    }

    /// Parses JSON settings.
    pub fn from_json(text: &str) -> Result<ConnectionSettings, SettingsError> {
        serde_json::from_str(text).map_err(|e| bad("settings", e.to_string()))
    }

    /// Validates the settings and makes the connection (with `credential` from the secret store).
    pub fn connection(&self, credential: Option<Credential>) -> Result<Connection, SettingsError> {
        let console = Origin::parse(&self.console).map_err(|e| bad("console", e.0))?;
        for (field, ids) in [("account-ids", &self.account_ids), ("site-ids", &self.site_ids)] {
            if let Some(id) = ids.iter().find(|id| id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit())) {
                return Err(bad(field, format!("`{id}` is not a SentinelOne id (a string of digits)")));
            }
        }
        if let Some(hash) = &self.component_sha256
            && !(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(bad("component-sha256", "expected 64 hex characters"));
        }
        let mut policy =
            Policy { allowed_origins: vec![console], allow_loopback_http: self.network.allow_loopback_http, ..Policy::deny_all() };
        for (i, origin) in self.network.allowed_origins.iter().enumerate() {
            policy.allowed_origins.push(Origin::parse(origin).map_err(|e| bad(&format!("network.allowed-origins[{i}]"), e.0))?);
        }
        self.limits.apply(&mut policy)?;
        let network = self.network.network(policy.http.connect_timeout)?;
        Ok(Connection {
            console_url: self.console.trim().to_owned(),
            credential,
            account_ids: self.account_ids.clone(),
            site_ids: self.site_ids.clone(),
            token_warning_days: self.token_warning_days,
            policy,
            network,
            component_sha256: self.component_sha256.as_ref().map(|h| h.to_ascii_lowercase()),
        })
    }
}

impl NetworkSettings {
    fn network(&self, connect_timeout: Duration) -> Result<Route, SettingsError> {
        let mut pem = Vec::new();
        if let Some(path) = &self.ca_file {
            pem = std::fs::read(path).map_err(|e| bad("network.ca-file", format!("cannot read {}: {e}", path.display())))?;
        }
        if let Some(inline) = &self.ca_pem {
            pem.extend_from_slice(inline.as_bytes());
        }
        if !pem.is_empty() && !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(bad(if self.ca_file.is_some() { "network.ca-file" } else { "network.ca-pem" }, "holds no PEM certificate"));
        }
        let proxy = match &self.proxy {
            None => None,
            Some(text) => {
                let uri: http::Uri = text.parse().map_err(|_| bad("network.proxy", "not a URL"))?;
                let plain =
                    uri.scheme_str() == Some("http") && uri.host().is_some() && uri.path_and_query().is_none_or(|p| p.as_str() == "/");
                if !plain || uri.authority().is_some_and(|a| a.as_str().contains('@')) {
                    return Err(bad("network.proxy", "expected http://host:port (credentials in the URL are not accepted)"));
                }
                Some(uri)
            }
        };
        Ok(Route {
            extra_ca_pem: (!pem.is_empty()).then_some(pem),
            proxy,
            allow_private_addresses: self.allow_private_addresses,
            connect_timeout,
        })
    }
}

impl LimitSettings {
    fn apply(&self, policy: &mut Policy) -> Result<(), SettingsError> {
        let positive = |field: &str, value: Option<u64>| match value {
            Some(0) => Err(bad(field, "must be above 0")),
            other => Ok(other),
        };
        if let Some(mib) = positive("limits.memory-mib", self.memory_mib.map(u64::from))? {
            policy.memory_limit_bytes = (mib as usize).saturating_mul(1024 * 1024);
        }
        if let Some(ms) = positive("limits.guest-cpu-ms", self.guest_cpu_ms)? {
            policy.guest_cpu = Duration::from_millis(ms);
        }
        if let Some(s) = positive("limits.call-timeout-seconds", self.call_timeout_seconds)? {
            policy.call_timeout = Duration::from_secs(s);
        }
        if let Some(s) = positive("limits.connect-timeout-seconds", self.connect_timeout_seconds)? {
            policy.http.connect_timeout = Duration::from_secs(s);
        }
        if let Some(s) = positive("limits.first-byte-timeout-seconds", self.first_byte_timeout_seconds)? {
            policy.http.first_byte_timeout = Duration::from_secs(s);
        }
        if let Some(mib) = positive("limits.max-response-mib", self.max_response_mib)? {
            policy.http.max_response_bytes = mib.saturating_mul(1024 * 1024);
        }
        if let Some(mib) = positive("limits.max-request-mib", self.max_request_mib)? {
            policy.http.max_request_bytes = mib.saturating_mul(1024 * 1024);
        }
        if let Some(n) = positive("limits.max-requests", self.max_requests.map(|n| n as u64))? {
            policy.limits.max_requests = n as usize;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
console = "https://usea1-acme.sentinelone.net"
site-ids = ["1834780238610855650"]
component-sha256 = "4F2A000000000000000000000000000000000000000000000000000000000001"

[network]
allowed-origins = ["https://files.acme.example"]
ca-pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
proxy = "http://proxy.msp.example:3128"

[limits]
memory-mib = 64
call-timeout-seconds = 30
"#;

    #[test]
    fn toml_settings_make_a_connection() {
        let connection = ConnectionSettings::from_toml(FULL).unwrap().connection(None).unwrap();
        assert_eq!(connection.policy.allowed_origins.len(), 2);
        assert_eq!((connection.policy.memory_limit_bytes, connection.policy.call_timeout), (64 << 20, Duration::from_secs(30)));
        assert_eq!(connection.network.proxy.as_ref().map(ToString::to_string).as_deref(), Some("http://proxy.msp.example:3128/"));
        assert!(connection.network.extra_ca_pem.is_some());
        assert_eq!(connection.component_sha256.as_deref(), Some("4f2a000000000000000000000000000000000000000000000000000000000001"));
    }

    #[test]
    fn json_settings_are_the_same_value() {
        let toml = ConnectionSettings::from_toml(FULL).unwrap();
        let json = ConnectionSettings::from_json(&serde_json::to_string(&toml).unwrap()).unwrap();
        assert_eq!(toml, json);
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (r#"console = "ftp://x""#, "console"),
            ("console = \"https://c.example\"\nsite-ids = [\"abc\"]", "site-ids"),
            ("console = \"https://c.example\"\ncomponent-sha256 = \"xyz\"", "component-sha256"),
            ("console = \"https://c.example\"\n[network]\nproxy = \"http://u:p@proxy:3128\"", "network.proxy"),
            ("console = \"https://c.example\"\n[network]\nallowed-origins = [\"nope\"]", "network.allowed-origins[0]"),
            ("console = \"https://c.example\"\n[network]\nca-pem = \"hello\"", "network.ca-pem"),
            ("console = \"https://c.example\"\n[limits]\nmemory-mib = 0", "limits.memory-mib"),
        ];
        for (text, field) in cases {
            let error = ConnectionSettings::from_toml(text).and_then(|s| s.connection(None)).unwrap_err();
            assert_eq!(error.field, field, "{text}: {error}");
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        let error = ConnectionSettings::from_toml("console = \"https://c.example\"\nconsle = 1").unwrap_err();
        assert!(error.message.contains("unknown field"), "{error}");
    }
}
