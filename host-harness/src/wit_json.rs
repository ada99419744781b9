//! The plugin's typed errors as JSON, with WIT's own names: `{"tag": "forbidden", "val": {...}}`,
//! record fields in kebab case (`retry-after-seconds`). This is the shape jco gives a variant in
//! JavaScript (with its camelCase fields), so the CLI, logs and other-language hosts read alike,
//! and it never depends on how Rust spells the generated types.

use crate::bindings::sentinelone::plugin::types::{Error as PluginError, TransportKind, UpstreamError};
use serde_json::{Value, json};

/// `{"tag": <case>, "val": <payload>}` for a plugin error.
pub fn plugin_error(error: &PluginError) -> Value {
    let (tag, val) = match error {
        PluginError::Unauthorized(u) => ("unauthorized", upstream(u)),
        PluginError::Forbidden(u) => ("forbidden", upstream(u)),
        PluginError::NotFound(u) => ("not-found", upstream(u)),
        PluginError::InvalidInput(i) => ("invalid-input", json!({ "field": i.field, "message": i.message })),
        PluginError::RateLimited(r) => ("rate-limited", json!({ "retry-after-seconds": r.retry_after_seconds, "detail": r.detail })),
        PluginError::Upstream(u) => ("upstream", upstream(u)),
        PluginError::RequestDenied(m) => ("request-denied", json!(m)),
        PluginError::Transport(t) => ("transport", json!({ "kind": transport_kind(t.kind), "message": t.message })),
        PluginError::Configuration(m) => ("configuration", json!(m)),
        PluginError::UnexpectedResponse(m) => ("unexpected-response", json!(m)),
        PluginError::Other(m) => ("other", json!(m)),
    };
    json!({ "tag": tag, "val": val })
}

/// The WIT case name of a plugin error (`forbidden`, `invalid-input`, ...).
pub fn plugin_error_case(error: &PluginError) -> String {
    plugin_error(error)["tag"].as_str().unwrap_or_default().to_owned()
}

fn upstream(u: &UpstreamError) -> Value {
    json!({ "status": u.status, "code": u.code, "title": u.title, "detail": u.detail })
}

fn transport_kind(kind: TransportKind) -> &'static str {
    match kind {
        TransportKind::Timeout => "timeout",
        TransportKind::Connection => "connection",
        TransportKind::Dns => "dns",
        TransportKind::Tls => "tls",
        TransportKind::ResponseTooLarge => "response-too-large",
        TransportKind::Protocol => "protocol",
        TransportKind::Other => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::sentinelone::plugin::types::{RateLimited, TransportError};

    #[test]
    fn cases_and_fields_carry_their_wit_names() {
        let e = PluginError::RateLimited(RateLimited { retry_after_seconds: Some(7), detail: None });
        assert_eq!(plugin_error(&e), json!({"tag": "rate-limited", "val": {"retry-after-seconds": 7, "detail": null}}));
        let e = PluginError::Transport(TransportError { kind: TransportKind::ResponseTooLarge, message: "m".into() });
        assert_eq!(plugin_error(&e)["val"]["kind"], "response-too-large");
        assert_eq!(plugin_error_case(&PluginError::RequestDenied("x".into())), "request-denied");
    }
}
