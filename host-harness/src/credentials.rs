//! The API token, held by the host. It is never printed: `Debug` and `Display` redact it, and the
//! only way to read it is [`Credential::expose`], called where the header is built.

use std::fmt;
use std::path::Path;

/// How the token reaches SentinelOne.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The host adds `Authorization: ApiToken …` to requests for the console: the plugin never
    /// sees the secret (the preferred way).
    HostHeader,
    /// The host puts the token in the plugin's configuration (`api-token`), for hosts with no
    /// request hook (e.g. wasmtime-py).
    ConfigStore,
}

/// The shortest token accepted: SentinelOne issues 80-character tokens, and the plugin refuses
/// an `api-token` shorter than this too.
pub const MIN_TOKEN_LEN: usize = 16;

/// A SentinelOne API token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    secret: String,
    pub delivery: Delivery,
}

impl Credential {
    /// A token, trimmed; refuses an empty one or one that cannot be a header value.
    pub fn new(secret: &str, delivery: Delivery) -> anyhow::Result<Credential> {
        let secret = secret.trim();
        anyhow::ensure!(!secret.is_empty(), "the API token is empty");
        anyhow::ensure!(secret.bytes().all(|b| b.is_ascii_graphic()), "the API token holds characters a token cannot have");
        // Secrets are scrubbed from text by replacement; a few characters would match everywhere.
        anyhow::ensure!(secret.len() >= MIN_TOKEN_LEN, "the API token is too short to be a SentinelOne API token");
        Ok(Credential { secret: secret.to_owned(), delivery })
    }

    /// Reads a token from a file (its first line).
    pub fn from_file(path: &Path, delivery: Delivery) -> anyhow::Result<Credential> {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read the token file {}: {e}", path.display()))?;
        Credential::new(text.lines().next().unwrap_or_default(), delivery)
    }

    /// The secret itself, for the one place that builds the header or the config entry.
    pub fn expose(&self) -> &str {
        &self.secret
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credential(<redacted>, {:?})", self.delivery)
    }
}
