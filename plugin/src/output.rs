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

use alloc::borrow::Cow;
use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::string::ToString;
use alloc::vec::Vec;
use serde_json::Value;
use serde_json::value::RawValue;

pub use s1_json_text::redact::{REDACTED, SECRET_KEYS, redact};

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
    /// A typed output (the check report, the organisation tree) written straight to text, without
    /// building a value first; secrets redacted.
    pub fn serialized(output: &impl serde::Serialize) -> Result<Output, crate::Error> {
        serde_json::to_string(output).map(|text| Output::Text(redacted(text))).map_err(|e| crate::Error::Other(e.to_string()))
    }

    /// The output as the JSON text `invoke` returns, without secrets.
    pub fn into_text(self) -> String {
        match self {
            Output::Value(value) => redacted(text(&value)),
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

/// A JSON object of `fields`: what `json!` builds, without the serializer into `Value` that its
/// `to_value` compiles for every type of value it is given.
pub fn object(fields: Vec<(&str, Value)>) -> Value {
    Value::Object(object_map(fields))
}

/// [`object`]'s map. Inserted one by one: `Map::from_iter` would compile a sort per use.
pub fn object_map(fields: Vec<(&str, Value)>) -> serde_json::Map<String, Value> {
    let mut map = serde_json::Map::new();
    for (key, value) in fields {
        map.insert(key.to_owned(), value);
    }
    map
}

/// A value as compact JSON text. `Value`'s `to_string` goes through `Display`, which also
/// compiles the pretty printer (for `{:#}`).
pub fn text(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// `text` without secrets, copied only when it holds some.
fn redacted(text: String) -> String {
    match redact(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(redacted) => redacted,
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
        self.parts.push((key.to_owned(), Part::Json(redacted(text(&value.into())))));
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
