//! The plugin's one error type, mirrored one-to-one by the WIT `error` variant.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use core::fmt;

/// What SentinelOne said when it refused a request (the first entry of its `errors` array).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Upstream {
    pub status: u16,
    pub code: Option<i64>,
    pub title: Option<String>,
    pub detail: Option<String>,
}

impl fmt::Display for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = self.code {
            write!(f, " ({code})")?;
        }
        if let Some(title) = &self.title {
            write!(f, ": {title}")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

/// Which part of an exchange failed below HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransportKind {
    Timeout,
    Connection,
    Dns,
    Tls,
    ResponseTooLarge,
    Protocol,
    Other,
}

/// Every way an operation can fail; see `wit/types.wit` for when each case happens and whether
/// retrying helps.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(tag = "error", rename_all = "kebab-case")]
pub enum Error {
    #[error("unauthorized: {0}")]
    Unauthorized(Upstream),
    #[error("forbidden: {0}")]
    Forbidden(Upstream),
    #[error("not found: {0}")]
    NotFound(Upstream),
    #[error("invalid input{}: {message}", field.as_deref().map(|f| format!(" at {f}")).unwrap_or_default())]
    InvalidInput { field: Option<String>, message: String },
    #[error("rate limited{}", retry_after_seconds.map(|s| format!(", retry after {s} s")).unwrap_or_default())]
    RateLimited { retry_after_seconds: Option<u32>, detail: Option<String> },
    #[error("SentinelOne error: {0}")]
    Upstream(Upstream),
    #[error("request denied by the host's policy: {0}")]
    #[serde(serialize_with = "as_message")]
    RequestDenied(String),
    #[error("transport error ({kind:?}): {message}")]
    Transport { kind: TransportKind, message: String },
    #[error("configuration error: {0}")]
    #[serde(serialize_with = "as_message")]
    Configuration(String),
    #[error("unexpected response: {0}")]
    #[serde(serialize_with = "as_message")]
    UnexpectedResponse(String),
    #[error("{0}")]
    #[serde(serialize_with = "as_message")]
    Other(String),
}

impl Error {
    /// The error as the JSON object outputs embed (its `Serialize` shape). Written as text and
    /// read back: a serializer into `Value` would be compiled for this one type.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_string(self).ok().and_then(|text| serde_json::from_str(&text).ok()).unwrap_or(serde_json::Value::Null)
    }

    /// An `invalid-input` error at a JSON pointer.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput { field: Some(field.into()), message: message.into() }
    }

    /// An `invalid-input` error about the input as a whole.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Error::InvalidInput { field: None, message: message.into() }
    }

    /// Maps a non-success HTTP answer and its SentinelOne error body to the typed error.
    pub fn from_status(status: u16, body: &[u8], retry_after: Option<&str>) -> Self {
        let upstream = upstream_from_body(status, body);
        match status {
            401 => Error::Unauthorized(upstream),
            403 => Error::Forbidden(upstream),
            404 => Error::NotFound(upstream),
            429 => Error::RateLimited {
                retry_after_seconds: retry_after.and_then(parse_retry_after),
                detail: upstream.detail.or(upstream.title),
            },
            _ => Error::Upstream(upstream),
        }
    }

    /// Maps a non-success answer of a host other than the console (the storage behind a signed
    /// download link) to the typed error. Its 401/403/404 say nothing about the token or its
    /// role (an expired or tampered signature is a 403), so every refusal but a 429 is
    /// `upstream`, titled with the S3-style `<Code>` and detailed with its `<Message>`.
    pub fn from_storage_status(status: u16, body: &[u8], retry_after: Option<&str>) -> Self {
        if status == 429 {
            return Error::from_status(status, body, retry_after);
        }
        let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
        let element = |name: &str| {
            let start = text.find(&format!("<{name}>"))? + name.len() + 2;
            let end = start + text[start..].find(&format!("</{name}>"))?;
            Some(text[start..end].trim().to_owned()).filter(|s| !s.is_empty())
        };
        Error::Upstream(Upstream { status, code: None, title: element("Code"), detail: element("Message") })
    }

    /// Replaces every occurrence of `secret` in the error's text. A defence in depth: the plugin
    /// never puts a credential into an error, but a server might echo one back in a detail.
    pub fn redacted(self, secret: Option<&str>) -> Self {
        let Some(secret) = secret.filter(|s| !s.is_empty()) else { return self };
        let r = |s: String| s.replace(secret, "<redacted>");
        let ro = |s: Option<String>| s.map(r);
        let ru = |u: Upstream| Upstream { title: ro(u.title), detail: ro(u.detail), ..u };
        match self {
            Error::Unauthorized(u) => Error::Unauthorized(ru(u)),
            Error::Forbidden(u) => Error::Forbidden(ru(u)),
            Error::NotFound(u) => Error::NotFound(ru(u)),
            Error::Upstream(u) => Error::Upstream(ru(u)),
            Error::InvalidInput { field, message } => Error::InvalidInput { field: ro(field), message: r(message) },
            Error::RateLimited { retry_after_seconds, detail } => Error::RateLimited { retry_after_seconds, detail: ro(detail) },
            Error::RequestDenied(m) => Error::RequestDenied(r(m)),
            Error::Transport { kind, message } => Error::Transport { kind, message: r(message) },
            Error::Configuration(m) => Error::Configuration(r(m)),
            Error::UnexpectedResponse(m) => Error::UnexpectedResponse(r(m)),
            Error::Other(m) => Error::Other(r(m)),
        }
    }
}

/// Reads SentinelOne's `{"errors":[{"code","title","detail"}]}` body; tolerates anything else.
fn upstream_from_body(status: u16, body: &[u8]) -> Upstream {
    let mut upstream = Upstream { status, ..Upstream::default() };
    let Some(value) = core::str::from_utf8(body).ok().and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok()) else {
        return upstream;
    };
    let first = value.get("errors").and_then(|e| e.as_array()).and_then(|a| a.first());
    if let Some(first) = first {
        upstream.code = first.get("code").and_then(|c| c.as_i64());
        upstream.title = first.get("title").and_then(|t| t.as_str()).map(str::to_owned);
        upstream.detail = first.get("detail").and_then(|d| d.as_str()).map(str::to_owned);
    }
    upstream
}

/// A message-only case as `{"error": <case>, "message": ...}`: the tag needs an object to go
/// into, and a bare string is not one (serde refuses to write it).
fn as_message<S: serde::Serializer>(message: &str, serializer: S) -> Result<S::Ok, S::Error> {
    #[derive(serde::Serialize)]
    struct Message<'a> {
        message: &'a str,
    }
    serde::Serialize::serialize(&Message { message }, serializer)
}

/// `Retry-After` as delta-seconds (SentinelOne is not known to send the HTTP-date form).
fn parse_retry_after(value: &str) -> Option<u32> {
    value.trim().parse::<u32>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_serialises_as_an_object_tagged_with_its_case() {
        let denied = Error::RequestDenied("the host's policy does not allow requests to x".into());
        assert_eq!(
            denied.to_value(),
            serde_json::json!({"error": "request-denied", "message": "the host's policy does not allow requests to x"})
        );
        let invalid = Error::invalid("/ids/0", "expected ids");
        assert_eq!(invalid.to_value(), serde_json::json!({"error": "invalid-input", "field": "/ids/0", "message": "expected ids"}));
        let forbidden = Error::Forbidden(Upstream { status: 403, ..Upstream::default() });
        assert_eq!(forbidden.to_value()["error"], "forbidden");
        for e in [Error::Configuration("c".into()), Error::UnexpectedResponse("u".into()), Error::Other("o".into())] {
            assert_eq!(e.to_value()["message"], e.to_string().rsplit(": ").next().unwrap(), "{e:?}");
        }
    }

    #[test]
    fn maps_sentinelone_401_body_with_null_detail() {
        let body = br#"{"errors":[{"code":4010010,"detail":null,"title":"Authentication Failed"}]}"#;
        assert_eq!(
            Error::from_status(401, body, None),
            Error::Unauthorized(Upstream { status: 401, code: Some(4010010), title: Some("Authentication Failed".into()), detail: None })
        );
    }

    #[test]
    fn maps_429_with_retry_after_seconds() {
        assert_eq!(Error::from_status(429, b"", Some("7")), Error::RateLimited { retry_after_seconds: Some(7), detail: None });
    }

    #[test]
    fn tolerates_a_non_json_error_body() {
        assert_eq!(
            Error::from_status(502, b"<html>bad gateway</html>", None),
            Error::Upstream(Upstream { status: 502, ..Default::default() })
        );
    }

    #[test]
    fn a_storage_refusal_is_upstream_with_its_s3_code_and_message() {
        let body = b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";
        assert_eq!(
            Error::from_storage_status(403, body, None),
            Error::Upstream(Upstream {
                status: 403,
                code: None,
                title: Some("AccessDenied".into()),
                detail: Some("Request has expired".into())
            })
        );
    }

    #[test]
    fn redaction_removes_an_echoed_secret() {
        let e = Error::Upstream(Upstream { status: 400, detail: Some("token abc123 bad".into()), ..Default::default() });
        assert!(!e.redacted(Some("abc123")).to_string().contains("abc123"));
    }
}
