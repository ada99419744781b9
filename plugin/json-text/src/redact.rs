//! Secrets out of JSON text, in one pass.
//!
//! SentinelOne puts secrets into some records it returns (a site's or group's
//! `registrationToken` lets anyone enrol agents; agents carry a `licenseKey`; token endpoints
//! answer `token`). No output of the plugin carries them: the string value of every key in
//! [`SECRET_KEYS`], at any depth, becomes `"<redacted>"`. The scan is over the text, so it costs a
//! copy only for the records that hold such a key.

use crate::scan::{skip_space, string_end};
use alloc::borrow::Cow;
use alloc::string::String;

/// Keys whose string values are secrets, wherever they appear in a record.
pub const SECRET_KEYS: &[&str] = &[
    "registrationToken",
    "licenseKey",
    "apiToken",
    "token",
    "accessToken",
    "refreshToken",
    "secret",
    "clientSecret",
    "password",
    "passphrase",
];

/// What replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// `json` with the string value of every [`SECRET_KEYS`] key replaced by `"<redacted>"`. `json`
/// must be valid JSON text (it always is: it comes from a parsed page or a serialised value).
///
/// One pass from string to string (this runs on every record of every listing and collection,
/// so it must not rescan the text once per key); nothing is copied unless a secret is found.
pub fn redact(json: &str) -> Cow<'_, str> {
    let bytes = json.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i;
        i = string_end(bytes, start);
        let after = skip_space(bytes, i);
        if after >= bytes.len() || bytes[after] != b':' || !is_secret_key(bytes, start + 1, i - 1) {
            continue;
        }
        let value = skip_space(bytes, after + 1);
        i = value;
        if value < bytes.len() && bytes[value] == b'"' {
            let value_end = string_end(bytes, value);
            let text = out.get_or_insert_with(|| String::with_capacity(json.len()));
            text.push_str(&json[copied..value]);
            text.push('"');
            text.push_str(REDACTED);
            text.push('"');
            copied = value_end;
            i = value_end;
        }
    }
    match out {
        None => Cow::Borrowed(json),
        Some(mut text) => {
            text.push_str(&json[copied..]);
            Cow::Owned(text)
        }
    }
}

/// Whether `bytes[from..to]` (a key's raw text, between its quotes) is one of [`SECRET_KEYS`].
#[inline(always)]
fn is_secret_key(bytes: &[u8], from: usize, to: usize) -> bool {
    let len = to - from;
    // Most keys are ruled out by their length alone, without a comparison.
    SECRET_KEYS.iter().any(|k| k.len() == len && k.as_bytes() == &bytes[from..to])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn secret_values_are_redacted_at_any_depth() {
        let text =
            r#"{"id":"1","registrationToken":"eyJ1cmwi","inner":{"licenseKey" : "ABC-123","keep":"token"},"list":[{"token":"t\"x"}]}"#;
        let redacted = redact(text);
        let value: Value = serde_json::from_str(&redacted).unwrap();
        assert_eq!(value["registrationToken"], REDACTED);
        assert_eq!(value["inner"]["licenseKey"], REDACTED);
        assert_eq!(value["inner"]["keep"], "token", "a value that merely says token is kept");
        assert_eq!(value["list"][0]["token"], REDACTED);
        assert_eq!(value["id"], "1");
    }

    #[test]
    fn a_secret_key_holding_an_object_keeps_its_metadata() {
        let text = r#"{"apiToken":{"createdAt":"2026-01-01T00:00:00Z","expiresAt":"2026-07-01T00:00:00Z"}}"#;
        assert_eq!(redact(text), text);
    }

    #[test]
    fn escaped_quotes_and_secret_words_inside_strings_are_not_taken_for_keys() {
        let text = r#"{"note":"say \"token\": \"x\"","path":"C:\\","k\"ey":"v","list":["token",":"],"password" :"p","token":null}"#;
        let value: Value = serde_json::from_str(&redact(text)).unwrap();
        assert_eq!(value["note"], r#"say "token": "x""#);
        assert_eq!(value["path"], "C:\\");
        assert_eq!(value["list"], json!(["token", ":"]));
        assert_eq!(value["password"], REDACTED, "space before the colon");
        assert_eq!(value["token"], Value::Null, "only string values are secrets");
    }

    #[test]
    fn unterminated_text_ends_the_scan_without_panicking() {
        for text in [r#"{"token":"abc"#, r#"{"token""#, r#"{"a\"#, "\"", "{\"token\":"] {
            assert!(!redact(text).contains("abc\""), "{text}");
        }
    }

    #[test]
    fn text_without_secret_keys_is_not_copied() {
        assert!(matches!(redact(r#"{"id":"1","name":"x"}"#), Cow::Borrowed(_)));
    }
}
