//! The sandbox policy: what the plugin may reach and how much time and memory it may use.
//!
//! A `Policy` is a plain value, parsed and validated once, with no wasmtime in sight; the runtime
//! only asks it questions. Outbound access is denied by default:
//!
//! | request                                         | decision                                   |
//! |-------------------------------------------------|--------------------------------------------|
//! | `https://` to an allowed origin                 | allowed                                    |
//! | `http://` to an allowed origin on loopback      | allowed only with `allow_loopback_http`    |
//! | `http://` anywhere else                         | denied: plain http                         |
//! | any other origin (host, port or scheme differs) | denied: not allowed                        |
//! | an empty allow-list                             | everything denied                          |
//!
//! | a URI with userinfo (`user:pw@host`)            | denied, whatever the host                  |
//! | beyond the call's request budget                | denied: too many requests                  |
//!
//! An origin is scheme, host and port: `https://console.example` allows port 443 only. IP
//! literals in any form (`10.0.0.1`, `[::1]`, `2130706433`) are hosts like any other: denied
//! unless they are exactly an allowed origin.
//!
//! Beside outbound access, a policy bounds everything a call can consume on the host: guest
//! memory and CPU, wall-clock time, response and request body sizes, the number of requests, log
//! lines and their size, resource-table entries, and the size of an `invoke` input.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// A scheme, a lower-cased host and a port (defaulted from the scheme).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    pub https: bool,
    pub host: String,
    pub port: u16,
}

impl Origin {
    /// Parses `https://host[:port]` (any path is ignored; credentials are refused).
    pub fn parse(url: &str) -> Result<Origin, PolicyError> {
        let bad = |why: &str| PolicyError(format!("`{url}`: {why}"));
        let uri: http::Uri = url.trim().parse().map_err(|_| bad("not a URL"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(bad("the scheme must be https (or http for a loopback simulator)")),
        };
        let authority = uri.authority().ok_or_else(|| bad("no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("credentials in the URL are not allowed"));
        }
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        Ok(Origin { https, host, port })
    }

    /// The origin of a request URI, when it has a scheme and a host and no userinfo.
    pub fn of_uri(uri: &http::Uri) -> Option<Origin> {
        let https = match uri.scheme_str()? {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        let authority = uri.authority()?;
        if authority.as_str().contains('@') {
            return None;
        }
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        Some(Origin { https, host, port })
    }

    /// Whether the host is a loopback address or `localhost`.
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost" || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)
        }
    }
}

/// A policy that could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid policy: {0}")]
pub struct PolicyError(pub String);

/// Why an outbound request was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    #[error("{0} is not an allowed origin")]
    NotAllowed(String),
    #[error("plain http to {0} is not allowed (https only; loopback http needs an explicit flag)")]
    PlainHttp(String),
    #[error("the request URI has no scheme or host, or carries credentials")]
    Malformed,
    #[error("the call already sent its {0} requests")]
    TooManyRequests(usize),
    #[error("the request body is over the {0}-byte cap")]
    BodyTooLarge(u64),
}

/// Limits on the exchange itself: the guest may ask for any wasi-http timeout, and gets at most
/// these (wasi-http's own default is 600 s each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    pub connect_timeout: Duration,
    pub first_byte_timeout: Duration,
    pub between_bytes_timeout: Duration,
    /// The most a response body may hold; larger responses fail with `HttpResponseBodySize`.
    pub max_response_bytes: u64,
    /// The most a request body may hold; a larger one is cut off (the request never completes)
    /// and fails with `HttpRequestBodySize`.
    pub max_request_bytes: u64,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            connect_timeout: Duration::from_secs(10),
            first_byte_timeout: Duration::from_secs(60),
            between_bytes_timeout: Duration::from_secs(30),
            max_response_bytes: 32 * 1024 * 1024,
            max_request_bytes: 4 * 1024 * 1024,
        }
    }
}

/// Everything the host enforces on one plugin call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The origins the plugin may reach; empty denies everything.
    pub allowed_origins: Vec<Origin>,
    /// Lets plain `http://` through to loopback origins (the simulator); never elsewhere.
    pub allow_loopback_http: bool,
    pub http: HttpLimits,
    /// The most linear memory the instance may grow to.
    pub memory_limit_bytes: usize,
    /// CPU bound: the guest's own execution time in one call. Time in host calls (waiting for
    /// HTTP, sleeping on a clock) is not counted, so a long listing over a slow link is bounded by
    /// `call_timeout` alone, while a guest that computes (or spins) is stopped here.
    pub guest_cpu: Duration,
    /// Wall-clock bound on one whole export call, host calls included. The plugin is told it
    /// (`call-timeout-ms`) and ends its own waits early enough to return a result.
    pub call_timeout: Duration,
    /// Counts and sizes a call may not exceed.
    pub limits: CallLimits,
}

/// What one call may consume on the host besides memory and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallLimits {
    /// Outbound requests (each is also recorded in the call's outcome); later ones are denied.
    pub max_requests: usize,
    /// Log lines kept and forwarded; later ones are dropped (one notice says so).
    pub max_log_lines: usize,
    /// The longest log line kept; longer ones are cut.
    pub max_log_line_bytes: usize,
    /// Live `wasi` resources (fields, requests, streams, pollables) the guest may hold at once.
    /// wasmtime-wasi-http 48 also keeps each request's `request-options` until the call ends, so
    /// this stays well above `max_requests`.
    pub max_table_entries: usize,
    /// The largest `invoke` input accepted; a larger one is `invalid-input` without a call.
    pub max_input_bytes: usize,
}

impl Default for CallLimits {
    fn default() -> Self {
        CallLimits {
            max_requests: 10_000,
            max_log_lines: 10_000,
            max_log_line_bytes: 8 * 1024,
            max_table_entries: 20_000,
            max_input_bytes: 1024 * 1024,
        }
    }
}

/// How often the runtime advances the engine's epoch.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

impl Policy {
    /// Deny-by-default policy allowing only the console at `console_url`.
    pub fn for_console(console_url: &str) -> Result<Policy, PolicyError> {
        Ok(Policy { allowed_origins: vec![Origin::parse(console_url)?], ..Policy::deny_all() })
    }

    /// A policy that lets nothing out.
    pub fn deny_all() -> Policy {
        Policy {
            allowed_origins: Vec::new(),
            allow_loopback_http: false,
            http: HttpLimits::default(),
            memory_limit_bytes: 128 * 1024 * 1024,
            guest_cpu: Duration::from_secs(10),
            call_timeout: Duration::from_secs(300),
            limits: CallLimits::default(),
        }
    }

    /// Checks the final request URI (after any rewriting), the only thing that leaves the host.
    pub fn decide(&self, uri: &http::Uri) -> Result<Origin, Denial> {
        let origin = Origin::of_uri(uri).ok_or(Denial::Malformed)?;
        if !self.allowed_origins.contains(&origin) {
            return Err(Denial::NotAllowed(origin.to_string()));
        }
        let loopback_allowed = self.allow_loopback_http && origin.is_loopback();
        if !origin.https && !loopback_allowed {
            return Err(Denial::PlainHttp(origin.to_string()));
        }
        Ok(origin)
    }

    /// The guest's requested timeout, capped.
    pub fn clamp(requested: Option<Duration>, cap: Duration) -> Duration {
        requested.map_or(cap, |r| r.min(cap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> http::Uri {
        s.parse().unwrap()
    }

    #[test]
    fn allows_https_to_the_console_origin() {
        let p = Policy::for_console("https://Usea1-Acme.sentinelone.net/web/api/v2.1").unwrap();
        assert!(p.decide(&uri("https://usea1-acme.sentinelone.net/web/api/v2.1/agents?limit=1")).is_ok());
    }

    #[test]
    fn denies_another_host_port_or_scheme() {
        let p = Policy::for_console("https://console.example").unwrap();
        for other in ["https://evil.example/", "https://console.example:8443/", "https://console.example.evil.example/"] {
            assert!(matches!(p.decide(&uri(other)), Err(Denial::NotAllowed(_))), "{other}");
        }
    }

    #[test]
    fn denies_plain_http_even_to_an_allowed_loopback_origin_without_the_flag() {
        let p = Policy::for_console("http://127.0.0.1:8080").unwrap();
        assert!(matches!(p.decide(&uri("http://127.0.0.1:8080/x")), Err(Denial::PlainHttp(_))));
        let p = Policy { allow_loopback_http: true, ..p };
        assert!(p.decide(&uri("http://127.0.0.1:8080/x")).is_ok());
    }

    #[test]
    fn loopback_flag_never_allows_plain_http_to_a_remote_host() {
        let p = Policy { allow_loopback_http: true, ..Policy::for_console("http://console.example").unwrap() };
        assert!(matches!(p.decide(&uri("http://console.example/x")), Err(Denial::PlainHttp(_))));
    }

    #[test]
    fn empty_allow_list_denies_everything() {
        assert!(Policy::deny_all().decide(&uri("https://console.example/")).is_err());
    }

    #[test]
    fn refuses_urls_with_credentials() {
        assert!(Origin::parse("https://user:pw@console.example").is_err());
    }

    #[test]
    fn denies_a_request_uri_with_userinfo_even_to_the_console() {
        let p = Policy::for_console("https://console.example").unwrap();
        assert_eq!(p.decide(&uri("https://user:pw@console.example/x")), Err(Denial::Malformed));
    }

    #[test]
    fn ip_literals_are_denied_unless_exactly_allowed() {
        let p = Policy { allow_loopback_http: true, ..Policy::for_console("http://127.0.0.1:8080").unwrap() };
        for other in
            ["http://127.0.0.2:8080/", "http://[::1]:8080/", "http://2130706433:8080/", "http://0x7f000001:8080/", "https://10.0.0.1/"]
        {
            assert!(matches!(p.decide(&uri(other)), Err(Denial::NotAllowed(_))), "{other}");
        }
    }

    #[test]
    fn clamps_requested_timeouts_to_the_cap() {
        let cap = Duration::from_secs(10);
        assert_eq!(Policy::clamp(None, cap), cap);
        assert_eq!(Policy::clamp(Some(Duration::from_secs(600)), cap), cap);
        assert_eq!(Policy::clamp(Some(Duration::from_secs(2)), cap), Duration::from_secs(2));
    }
}
