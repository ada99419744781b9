//! The plugin's configuration, read from the host (`wasi:config/store`) and validated once.
//!
//! The preferred deployment leaves `api-token` unset: the host adds `Authorization: ApiToken …`
//! to requests for the configured console, so the secret never enters the sandbox. Hosts without
//! a request hook put the token here instead.

use crate::Error;
use crate::http::Scheme;
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::string::ToString;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

/// Where configuration values come from.
pub trait ConfigSource {
    fn get(&self, key: &str) -> Result<Option<String>, Error>;
}

/// A fixed set of values, for native use and tests.
impl ConfigSource for [(&str, &str)] {
    fn get(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(self.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string()))
    }
}

/// One configuration key: its name, meaning, whether required, whether secret.
pub struct Key {
    pub name: &'static str,
    pub description: &'static str,
    pub required: bool,
    pub secret: bool,
}

pub const URL: &str = "url";
pub const API_TOKEN: &str = "api-token";
/// The shortest `api-token` accepted (SentinelOne issues 80-character tokens).
pub const MIN_TOKEN_LEN: usize = 16;
pub const ACCOUNT_IDS: &str = "account-ids";
pub const SITE_IDS: &str = "site-ids";
pub const TOKEN_WARNING_DAYS: &str = "token-warning-days";
pub const CALL_TIMEOUT_MS: &str = "call-timeout-ms";
pub const MAX_OUTPUT_BYTES: &str = "max-output-bytes";

/// The host's call bound assumed when it names none (the Rust host's default).
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(300);
/// The listing budget assumed when the host names none: a fifth of a 128 MiB instance.
pub const DEFAULT_MAX_OUTPUT_BYTES: usize = 24 * 1024 * 1024;

/// Every key the plugin reads, as `describe` reports them.
pub const KEYS: &[Key] = &[
    Key {
        name: URL,
        description: "The management console's base URL, e.g. https://usea1-acme.sentinelone.net (a trailing /web/api/v2.1 is accepted).",
        required: true,
        secret: false,
    },
    Key {
        name: API_TOKEN,
        description: "The API token, only for hosts that cannot add the Authorization header themselves. Prefer host injection.",
        required: false,
        secret: true,
    },
    Key { name: ACCOUNT_IDS, description: "Comma-separated account ids every request is confined to.", required: false, secret: false },
    Key { name: SITE_IDS, description: "Comma-separated site ids every request is confined to.", required: false, secret: false },
    Key {
        name: CALL_TIMEOUT_MS,
        description: "The host's wall-clock bound on one call, in milliseconds (default 300000). The plugin ends every wait (queries, script tasks, retries, paging) early enough to return what it has (query ids, task ids, a cursor) as a normal result before the host stops the call.",
        required: false,
        secret: false,
    },
    Key {
        name: MAX_OUTPUT_BYTES,
        description: "The most bytes of items one listing returns (default 25165824, 24 MiB). A listing that reaches it stops on a page boundary with more: true and a nextCursor to resume from. A listing needs about twice its output in guest memory plus one page, so hosts set this to about a fifth of the instance's memory limit (the Rust host does).",
        required: false,
        secret: false,
    },
    Key {
        name: TOKEN_WARNING_DAYS,
        description: "The connection test warns when the token expires within this many days (default 30).",
        required: false,
        secret: false,
    },
];

/// The console's origin: scheme and authority. Paths are always the API's own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Console {
    pub scheme: Scheme,
    pub authority: String,
}

impl Console {
    /// Parses `https://host[:port]` with an optional `/` or `/web/api/v2.1` path; rejects
    /// credentials, queries and fragments in the URL.
    pub fn parse(url: &str) -> Result<Console, Error> {
        let bad = |why: &str| Error::Configuration(format!("`{URL}` {why}"));
        let url = url.trim();
        let (scheme, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (Scheme::Https, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (Scheme::Http, rest)
        } else {
            return Err(bad("must start with https://"));
        };
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let path = path.trim_end_matches('/');
        if !(path.is_empty() || path == "/web/api/v2.1") {
            return Err(bad("must be the console's origin, without a path"));
        }
        let host_ok = !authority.is_empty() && authority.bytes().all(|c| c.is_ascii_alphanumeric() || b".-:[]".contains(&c));
        if !host_ok {
            return Err(bad("must name a host (no credentials, query or fragment)"));
        }
        Ok(Console { scheme, authority: authority.to_ascii_lowercase() })
    }
}

/// The API token, when the configuration carries it. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(<redacted>)")
    }
}

/// Account and site ids that every request is confined to. Empty means the token's own scope.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopePins {
    pub account_ids: Vec<String>,
    pub site_ids: Vec<String>,
}

impl ScopePins {
    pub fn is_empty(&self) -> bool {
        self.account_ids.is_empty() && self.site_ids.is_empty()
    }
}

/// The validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub console: Console,
    pub api_token: Option<ApiToken>,
    pub scope: ScopePins,
    pub token_warning_days: i64,
    /// The host's bound on this call ([`CALL_TIMEOUT_MS`]).
    pub call_timeout: Duration,
    /// The most bytes of items one listing returns ([`MAX_OUTPUT_BYTES`]).
    pub max_output_bytes: usize,
}

/// Whether `id` looks like a SentinelOne object id: a decimal string, never a number.
pub fn is_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 20 && id.bytes().all(|c| c.is_ascii_digit())
}

/// An optional whole number in `min..=max`.
fn number(source: &(impl ConfigSource + ?Sized), key: &str, min: u64, max: u64) -> Result<Option<u64>, Error> {
    match source.get(key)? {
        None => Ok(None),
        Some(text) => match text.trim().parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(Error::Configuration(format!("`{key}` must be a whole number from {min} to {max}"))),
        },
    }
}

fn id_list(key: &str, value: Option<String>) -> Result<Vec<String>, Error> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let ids: Vec<String> = value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    match ids.iter().find(|id| !is_id(id)) {
        Some(bad) => Err(Error::Configuration(format!("`{key}` holds `{bad}`, which is not a SentinelOne id"))),
        None => Ok(ids),
    }
}

impl Config {
    /// Reads and validates every key.
    pub fn load(source: &(impl ConfigSource + ?Sized)) -> Result<Config, Error> {
        let url = source.get(URL)?.filter(|u| !u.trim().is_empty());
        let url = url.ok_or_else(|| Error::Configuration(format!("`{URL}` is required")))?;
        let api_token = source.get(API_TOKEN)?.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if api_token.as_deref().is_some_and(|t| !t.bytes().all(|c| c.is_ascii_graphic())) {
            return Err(Error::Configuration(format!("`{API_TOKEN}` holds characters a token cannot have")));
        }
        // Errors are scrubbed of the token by replacing it; a token of a few characters would
        // shred every message (and is no SentinelOne token: those are 80 characters).
        if api_token.as_deref().is_some_and(|t| t.len() < MIN_TOKEN_LEN) {
            return Err(Error::Configuration(format!("`{API_TOKEN}` is too short to be a SentinelOne API token")));
        }
        let token_warning_days = match source.get(TOKEN_WARNING_DAYS)? {
            None => 30,
            Some(days) => days
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|d| (0..=3650).contains(d))
                .ok_or_else(|| Error::Configuration(format!("`{TOKEN_WARNING_DAYS}` must be a whole number of days (0–3650)")))?,
        };
        let call_timeout = number(source, CALL_TIMEOUT_MS, 1_000, 86_400_000)?.map_or(DEFAULT_CALL_TIMEOUT, Duration::from_millis);
        let max_output_bytes = number(source, MAX_OUTPUT_BYTES, 65_536, 1 << 30)?.map_or(DEFAULT_MAX_OUTPUT_BYTES, |n| n as usize);
        Ok(Config {
            console: Console::parse(&url)?,
            api_token: api_token.map(ApiToken),
            scope: ScopePins {
                account_ids: id_list(ACCOUNT_IDS, source.get(ACCOUNT_IDS)?)?,
                site_ids: id_list(SITE_IDS, source.get(SITE_IDS)?)?,
            },
            token_warning_days,
            call_timeout,
            max_output_bytes,
        })
    }

    /// The token value when the configuration holds it, for redaction.
    pub fn secret(&self) -> Option<&str> {
        self.api_token.as_ref().map(ApiToken::expose)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_origin_with_api_prefix_and_trailing_slash() {
        let c = Console::parse("https://USEA1-acme.sentinelone.net/web/api/v2.1/").unwrap();
        assert_eq!(c, Console { scheme: Scheme::Https, authority: "usea1-acme.sentinelone.net".into() });
    }

    #[test]
    fn rejects_urls_with_credentials_or_other_paths() {
        assert!(Console::parse("https://user:pw@evil.example").is_err());
        assert!(Console::parse("https://console.example/other").is_err());
        assert!(Console::parse("ftp://console.example").is_err());
    }

    #[test]
    fn missing_url_is_a_configuration_error() {
        let source: &[(&str, &str)] = &[];
        assert_eq!(Config::load(source).unwrap_err(), Error::Configuration("`url` is required".into()));
    }

    #[test]
    fn scope_pins_must_be_ids() {
        let source: &[(&str, &str)] = &[(URL, "https://c.example"), (SITE_IDS, "123, abc")];
        assert!(matches!(Config::load(source), Err(Error::Configuration(m)) if m.contains("abc")));
    }

    #[test]
    fn host_bounds_are_read_and_checked() {
        let source: &[(&str, &str)] = &[(URL, "https://c.example"), (CALL_TIMEOUT_MS, "5000"), (MAX_OUTPUT_BYTES, "1048576")];
        let config = Config::load(source).unwrap();
        assert_eq!((config.call_timeout, config.max_output_bytes), (Duration::from_secs(5), 1 << 20));
        let source: &[(&str, &str)] = &[(URL, "https://c.example"), (MAX_OUTPUT_BYTES, "12")];
        assert!(matches!(Config::load(source), Err(Error::Configuration(m)) if m.contains(MAX_OUTPUT_BYTES)));
    }

    #[test]
    fn token_debug_is_redacted() {
        let source: &[(&str, &str)] = &[(URL, "https://c.example"), (API_TOKEN, "s3cr3t-0123456789abcdef")];
        let config = Config::load(source).unwrap();
        assert!(!format!("{config:?}").contains("s3cr3t"));
    }

    #[test]
    fn a_token_too_short_to_scrub_from_messages_is_refused() {
        let source: &[(&str, &str)] = &[(URL, "https://c.example"), (API_TOKEN, "t")];
        assert!(matches!(Config::load(source), Err(Error::Configuration(m)) if m.contains("too short")));
    }
}
