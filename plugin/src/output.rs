//! The JSON text an action returns, assembled in bounded memory, with secrets taken out.
//!
//! Small outputs (a count, an action's outcome) are built as `serde_json::Value`s. Listings are
//! not: their items arrive as raw text slices of each page ([`crate::pages`]), are copied once into
//! one text chunk per page, and the chunks are joined once, into a string of exactly the final
//! size, when the output is complete. A listing of N bytes so needs about 2N bytes of memory at its
//! peak (the chunks and the final text) plus one page, instead of the ~10N a `Value` tree, its
//! clone and its serialisation took.
//!
//! Redaction: SentinelOne puts secrets into some records it returns (a site's or group's
//! `registrationToken` lets anyone enrol agents; agents carry a `licenseKey`; token endpoints
//! answer `token`). No output of the plugin carries them: the string value of every key in
//! [`SECRET_KEYS`], at any depth, becomes `"<redacted>"`. The scan is over the text, so it costs a
//! copy only for the records that hold such a key.

use crate::json_text::{skip_space, string_end};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;

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
/// so it must not rescan the text once per key); nothing is copied unless a secret is found. The
/// scan indexes bytes directly ([`crate::json_text`] says why).
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

/// An action's output.
#[derive(Debug)]
pub enum Output {
    /// A small output, built as a value.
    Value(Value),
    /// An output assembled as text (a listing), already redacted.
    Text(String),
}

impl From<Value> for Output {
    fn from(value: Value) -> Self {
        Output::Value(value)
    }
}

impl Output {
    /// The output as the JSON text `invoke` returns, without secrets.
    pub fn into_text(self) -> String {
        match self {
            Output::Value(value) => {
                let text = value.to_string();
                match redact(&text) {
                    Cow::Borrowed(_) => text,
                    Cow::Owned(redacted) => redacted,
                }
            }
            Output::Text(text) => text,
        }
    }

    /// The output parsed back into a value (tests, and callers that reshape small outputs).
    pub fn to_value(&self) -> Value {
        match self {
            Output::Value(value) => value.clone(),
            Output::Text(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        }
    }
}

/// A JSON array of raw items: one redacted text chunk per page, joined only when the output is
/// assembled.
#[derive(Debug, Default)]
pub struct RawItems {
    chunks: Vec<String>,
    count: usize,
    bytes: usize,
}

impl RawItems {
    /// Appends one page's items.
    pub fn push(&mut self, items: &[&RawValue]) {
        if items.is_empty() {
            return;
        }
        let size = items.iter().map(|i| i.get().len() + 1).sum();
        let mut chunk = String::with_capacity(size);
        for item in items {
            if !chunk.is_empty() {
                chunk.push(',');
            }
            chunk.push_str(&redact(item.get()));
        }
        self.count += items.len();
        self.bytes += chunk.len();
        self.chunks.push(chunk);
    }

    /// How many items are held.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The size of `[..]` as text.
    fn text_len(&self) -> usize {
        self.bytes + self.chunks.len().saturating_sub(1) + 2
    }

    fn write(self, out: &mut String) {
        out.push('[');
        for (i, chunk) in self.chunks.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&chunk);
        }
        out.push(']');
    }
}

enum Part {
    Json(String),
    Items(RawItems),
}

/// A JSON object assembled once, into a string of exactly its size: plain fields are serialised
/// as they are added (they are small), item arrays are kept as chunks until [`ObjectText::finish`].
#[derive(Default)]
pub struct ObjectText {
    parts: Vec<(String, Part)>,
}

impl ObjectText {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key: value` (one `Value` type, not a generic: each serialised type costs the
    /// component code).
    pub fn field(mut self, key: &str, value: impl Into<Value>) -> Self {
        let text = value.into().to_string();
        self.parts.push((key.to_owned(), Part::Json(redact(&text).into_owned())));
        self
    }

    /// Adds `key: raw` as sent.
    fn raw(mut self, key: &str, raw: &RawValue) -> Self {
        self.parts.push((key.to_owned(), Part::Json(redact(raw.get()).into_owned())));
        self
    }

    /// Adds `key: [items]`.
    pub fn items(mut self, key: &str, items: RawItems) -> Self {
        self.parts.push((key.to_owned(), Part::Items(items)));
        self
    }

    /// Adds the fields of a listing: `items`, `returned`, `totalItems`, `more`, `nextCursor`, then
    /// `beside` (fields SentinelOne sent beside the items, such as `allSites`).
    pub fn listing(self, items: RawItems, walk: &crate::pages::Walk, beside: Vec<(String, Box<RawValue>)>) -> Self {
        let returned = items.len();
        let mut out = self
            .items("items", items)
            .field("returned", returned)
            .field("totalItems", walk.total_items)
            .field("more", walk.more)
            .field("nextCursor", walk.next_cursor.clone());
        for (key, value) in beside {
            out = out.raw(&key, &value);
        }
        out
    }

    /// The object as text.
    pub fn finish(self) -> String {
        let key_len = |k: &str| serde_json::to_string(k).map_or(2, |q| q.len());
        let commas = self.parts.len().saturating_sub(1);
        let size: usize = 2
            + commas
            + self
                .parts
                .iter()
                .map(|(k, p)| {
                    key_len(k)
                        + 1
                        + match p {
                            Part::Json(text) => text.len(),
                            Part::Items(items) => items.text_len(),
                        }
                })
                .sum::<usize>();
        let mut out = String::with_capacity(size);
        out.push('{');
        for (i, (key, part)) in self.parts.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(&key).unwrap_or_default());
            out.push(':');
            match part {
                Part::Json(text) => out.push_str(&text),
                Part::Items(items) => items.write(&mut out),
            }
        }
        out.push('}');
        out
    }
}

impl From<ObjectText> for Output {
    fn from(object: ObjectText) -> Self {
        Output::Text(object.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    #[test]
    fn a_listing_is_assembled_with_its_exact_size() {
        let page: Vec<Box<RawValue>> = ["{\"id\":\"1\"}", "{\"id\":\"2\",\"licenseKey\":\"k\"}"]
            .iter()
            .map(|t| RawValue::from_string((*t).to_owned()).unwrap())
            .collect();
        let mut items = RawItems::default();
        items.push(&page.iter().map(AsRef::as_ref).collect::<Vec<_>>());
        items.push(&[page[0].as_ref()]);
        let walk = crate::pages::Walk { total_items: Some(3), more: true, next_cursor: Some("c".into()), ..Default::default() };
        let text = ObjectText::new().field("queryId", "q").listing(items, &walk, vec![]).finish();
        assert_eq!(text.len(), text.capacity(), "one allocation of the final size");
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            json!({"queryId": "q", "items": [{"id": "1"}, {"id": "2", "licenseKey": REDACTED}, {"id": "1"}], "returned": 3, "totalItems": 3, "more": true, "nextCursor": "c"})
        );
    }

    #[test]
    fn an_empty_listing_is_an_empty_array() {
        let text = ObjectText::new().listing(RawItems::default(), &crate::pages::Walk::default(), vec![]).finish();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["items"], json!([]));
    }
}
