//! Action parameters, declared once: the same declaration yields the JSON Schema that
//! `describe` publishes, the validation `invoke` runs before any request, and the query string.

use crate::Error;
use crate::client::Query;
use crate::config::is_id;
use crate::time::parse_iso8601;
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde_json::{Map, Value};

/// The shape of one parameter's value.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// One SentinelOne id (a decimal string).
    Id,
    /// A non-empty array of ids, sent comma-separated.
    Ids,
    /// A non-empty string.
    Text,
    /// A non-empty array of strings, sent comma-separated (so no value may contain a comma).
    Texts,
    /// One of the listed values.
    Choice(&'static [&'static str]),
    /// A non-empty array of the listed values, sent comma-separated.
    Choices(&'static [&'static str]),
    Bool,
    /// An ISO-8601 UTC timestamp, as SentinelOne's `__gt`/`__lt` filters take them.
    Timestamp,
    Integer {
        min: i64,
        max: i64,
    },
    /// A non-empty object of these parameters: a target filter in an action body.
    Filter(&'static [Param]),
    /// Any JSON object (the generic request's query and body).
    Object,
    /// Always this value: the engine sends it whether or not the input gives it.
    Const(&'static str),
    /// A password SentinelOne protects uploads with: at least 10 characters mixing upper and
    /// lower case, digits and symbols (checked here, so a weak one never reaches the console).
    /// Never echoed in an error.
    Password,
    /// 1 to 10 absolute file paths (`/...` or `C:\...`) without wildcards.
    Paths,
    /// An MD5, SHA1 or SHA256 in hex (safe to place in a path).
    Hash,
    /// A SHA1 in hex.
    Sha1,
}

/// `^[0-9a-fA-F]{n}$` alternatives for the hash kinds.
const HASH_PATTERN: &str = "^([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$";
const SHA1_PATTERN: &str = "^[0-9a-fA-F]{40}$";
const PATH_PATTERN: &str = r"^(/|[A-Za-z]:\\)[^*?]*$";

pub fn is_hex(s: &str, lengths: &[usize]) -> bool {
    lengths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

pub fn is_absolute_path(s: &str) -> bool {
    let b = s.as_bytes();
    let rooted = s.starts_with('/') || (b.len() > 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\');
    rooted && !s.contains(['*', '?'])
}

/// SentinelOne's rule for upload passwords.
fn is_strong_password(s: &str) -> bool {
    s.chars().count() >= 10
        && s.chars().any(|c| c.is_uppercase())
        && s.chars().any(|c| c.is_lowercase())
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars().any(|c| !c.is_alphanumeric())
}

/// What the engine does with a parameter's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// Sent as the query parameter of the same name.
    Query,
    /// Read by the engine itself (`limit`, `maxItems`, `id`, ...), never sent as-is.
    Control,
    /// Sent in an action body's `data` object under the same name.
    Data,
}

/// One input field of an action.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    pub kind: Kind,
    pub doc: &'static str,
    pub required: bool,
    pub usage: Use,
}

impl Param {
    pub const fn query(name: &'static str, kind: Kind, doc: &'static str) -> Param {
        Param { name, kind, doc, required: false, usage: Use::Query }
    }

    pub const fn control(name: &'static str, kind: Kind, doc: &'static str) -> Param {
        Param { name, kind, doc, required: false, usage: Use::Control }
    }

    pub const fn data(name: &'static str, kind: Kind, doc: &'static str) -> Param {
        Param { name, kind, doc, required: false, usage: Use::Data }
    }

    pub const fn required(self) -> Param {
        Param { required: true, ..self }
    }

    /// This parameter's JSON Schema, as text.
    fn schema(&self) -> String {
        const ID_PATTERN: &str = "^[0-9]{1,20}$";
        const NO_COMMA: &str = "^[^,]+$";
        // A non-empty array of unique strings, each matching `items`; `bound` may add `maxItems`.
        let string_array = |items: String, bound: &str| {
            format!(r#""type":"array","items":{{"type":"string",{items}}},"minItems":1{bound},"uniqueItems":true"#)
        };
        let pattern = |pattern: &str| format!(r#""pattern":{}"#, quoted(pattern));
        let shape = match self.kind {
            Kind::Id => format!(r#""type":"string",{}"#, pattern(ID_PATTERN)),
            Kind::Ids => string_array(pattern(ID_PATTERN), ""),
            Kind::Text => r#""type":"string","minLength":1"#.to_owned(),
            Kind::Texts => string_array(pattern(NO_COMMA), ""),
            Kind::Choice(values) => format!(r#""type":"string","enum":{}"#, quoted_list(values)),
            Kind::Choices(values) => string_array(format!(r#""enum":{}"#, quoted_list(values)), ""),
            Kind::Bool => r#""type":"boolean""#.to_owned(),
            Kind::Timestamp => r#""type":"string","format":"date-time""#.to_owned(),
            Kind::Integer { min, max } => format!(r#""type":"integer","minimum":{min},"maximum":{max}"#),
            Kind::Object => r#""type":"object""#.to_owned(),
            Kind::Const(value) => format!(r#""const":{}"#, quoted(value)),
            Kind::Password => r#""type":"string","minLength":10,"writeOnly":true"#.to_owned(),
            Kind::Paths => string_array(pattern(PATH_PATTERN), r#","maxItems":10"#),
            Kind::Hash => format!(r#""type":"string",{}"#, pattern(HASH_PATTERN)),
            Kind::Sha1 => format!(r#""type":"string",{}"#, pattern(SHA1_PATTERN)),
            Kind::Filter(params) => format!(r#"{},"minProperties":1"#, object_schema(&params.iter().collect::<Vec<_>>())),
        };
        format!(r#"{{{shape},"description":{}}}"#, quoted(self.doc))
    }

    /// Checks one value; the error names the field as a JSON pointer.
    fn check(&self, value: &Value) -> Result<(), Error> {
        let at = format!("/{}", self.name);
        let bad = |message: String| Err(Error::invalid(at.clone(), message));
        // Array kinds: a non-empty array whose every element passes `ok`, named by index when not.
        let each = |ok: &dyn Fn(&str) -> bool, what: &str| -> Result<(), Error> {
            let Some(items) = value.as_array().filter(|a| !a.is_empty()) else {
                return Err(Error::invalid(at.clone(), format!("expected a non-empty array of {what}")));
            };
            let mut seen = alloc::collections::BTreeSet::new();
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(s) if ok(s) && seen.insert(s) => {}
                    Some(s) if ok(s) => return Err(Error::invalid(format!("{at}/{i}"), "values must be unique")),
                    _ => return Err(Error::invalid(format!("{at}/{i}"), format!("expected {what}"))),
                }
            }
            Ok(())
        };
        match self.kind {
            Kind::Id => match value.as_str() {
                Some(id) if is_id(id) => Ok(()),
                _ => bad("expected a SentinelOne id: a string of digits, e.g. \"1834780238610855645\"".into()),
            },
            Kind::Ids => each(&|s| is_id(s), "ids: strings of digits"),
            Kind::Text => match value.as_str() {
                Some(s) if !s.is_empty() => Ok(()),
                _ => bad("expected a non-empty string".into()),
            },
            Kind::Texts => each(
                &|s| !s.is_empty() && !s.contains(','),
                "non-empty strings without commas (SentinelOne separates array values with commas)",
            ),
            Kind::Choice(values) => match value.as_str() {
                Some(s) if values.contains(&s) => Ok(()),
                _ => bad(format!("expected one of: {}", values.join(", "))),
            },
            Kind::Choices(values) => each(&|s| values.contains(&s), &format!("values among: {}", values.join(", "))),
            Kind::Bool => match value {
                Value::Bool(_) => Ok(()),
                _ => bad("expected true or false".into()),
            },
            Kind::Timestamp => match value.as_str().and_then(parse_iso8601) {
                Some(_) => Ok(()),
                None => bad("expected an ISO-8601 timestamp, e.g. \"2026-01-31T08:00:00.000000Z\"".into()),
            },
            Kind::Integer { min, max } => match value.as_i64() {
                Some(n) if (min..=max).contains(&n) => Ok(()),
                _ => bad(format!("expected a whole number from {min} to {max}")),
            },
            Kind::Object => match value {
                Value::Object(_) => Ok(()),
                _ => bad("expected a JSON object".into()),
            },
            Kind::Const(expected) => match value.as_str() {
                Some(s) if s == expected => Ok(()),
                _ => bad(format!("expected \"{expected}\" (or leave it out)")),
            },
            Kind::Password => match value.as_str() {
                Some(s) if is_strong_password(s) => Ok(()),
                _ => bad("expected a password of at least 10 characters mixing upper and lower case, digits and symbols".into()),
            },
            Kind::Paths => match value.as_array() {
                Some(items) if items.len() > 10 => bad("at most 10 files per request".into()),
                _ => each(&is_absolute_path, "absolute file paths without wildcards"),
            },
            Kind::Hash => match value.as_str() {
                Some(s) if is_hex(s, &[32, 40, 64]) => Ok(()),
                _ => bad("expected an MD5, SHA1 or SHA256 in hex".into()),
            },
            Kind::Sha1 => match value.as_str() {
                Some(s) if is_hex(s, &[40]) => Ok(()),
                _ => bad("expected a SHA1: 40 hex characters".into()),
            },
            Kind::Filter(params) => match value {
                Value::Object(fields) if !fields.is_empty() => validate_fields(&params.iter().collect::<Vec<_>>(), fields, &at).map(|_| ()),
                _ => bad("expected a non-empty filter object: an empty filter would match every object in scope".into()),
            },
        }
    }

    /// The value as SentinelOne's query syntax: arrays comma-separated, booleans as words.
    pub fn query_value(value: &Value) -> String {
        match value {
            Value::String(s) => s.clone(),
            Value::Array(items) => items.iter().map(Self::query_value).collect::<Vec<_>>().join(","),
            other => crate::output::text(other),
        }
    }
}

/// The JSON Schema (draft 2020-12) of an input made of `params`, as text; `extra` is more
/// members (`,"key":value...`) for the top-level object.
pub fn input_schema(title: &str, params: &[&Param], extra: &str) -> String {
    format!(r#"{{"$schema":"https://json-schema.org/draft/2020-12/schema","title":{},{}{extra}}}"#, quoted(title), object_schema(params))
}

/// The members of an object schema whose properties are `params` (and nothing else).
fn object_schema(params: &[&Param]) -> String {
    let properties: Vec<String> = params.iter().map(|p| format!("{}:{}", quoted(p.name), p.schema())).collect();
    let required: Vec<&str> = params.iter().filter(|p| p.required).map(|p| p.name).collect();
    format!(
        r#""type":"object","properties":{{{}}},"required":{},"additionalProperties":false"#,
        properties.join(","),
        quoted_list(&required)
    )
}

/// `text` as a JSON string.
fn quoted(text: &str) -> String {
    crate::output::text(&Value::from(text))
}

/// `items` as a JSON array of strings.
fn quoted_list(items: &[&str]) -> String {
    format!("[{}]", items.iter().map(|item| quoted(item)).collect::<Vec<_>>().join(","))
}

/// Parses and validates an action input against `params`: a JSON object (an empty text means
/// `{}`), no unknown fields, every required field present, every value of its declared kind.
pub fn validate(params: &[&Param], input: &str) -> Result<Map<String, Value>, Error> {
    let input = if input.trim().is_empty() { "{}" } else { input };
    let value: Value = serde_json::from_str(input).map_err(|e| Error::invalid_input(format!("the input is not JSON: {e}")))?;
    let Value::Object(fields) = value else {
        return Err(Error::invalid_input("the input must be a JSON object"));
    };
    validate_fields(params, &fields, "")?;
    Ok(fields)
}

/// Checks an object's fields against `params`; pointers are prefixed with `at`.
fn validate_fields(params: &[&Param], fields: &Map<String, Value>, at: &str) -> Result<(), Error> {
    for (name, value) in fields {
        let Some(param) = params.iter().find(|p| p.name == name) else {
            let known: Vec<&str> = params.iter().map(|p| p.name).collect();
            return Err(Error::invalid(format!("{at}/{name}"), format!("unknown field; expected one of: {}", known.join(", "))));
        };
        param.check(value).map_err(|e| match e {
            Error::InvalidInput { field: Some(f), message } => Error::InvalidInput { field: Some(format!("{at}{f}")), message },
            other => other,
        })?;
    }
    if let Some(missing) = params.iter().find(|p| p.required && !fields.contains_key(p.name)) {
        return Err(Error::invalid(format!("{at}/{}", missing.name), "this field is required"));
    }
    Ok(())
}

/// The `data` object of an action body: the validated `Use::Data` fields, as given.
/// `Kind::Const` fields are always there, given or not.
pub fn to_data(params: &[&Param], fields: &Map<String, Value>) -> Map<String, Value> {
    let mut data = Map::new();
    for p in params.iter().filter(|p| p.usage == Use::Data) {
        let value = match p.kind {
            Kind::Const(value) => Value::from(value),
            _ => match fields.get(p.name) {
                Some(value) => value.clone(),
                None => continue,
            },
        };
        data.insert(p.name.to_owned(), value);
    }
    data
}

/// The query parameters among validated `fields`.
pub fn to_query(params: &[&Param], fields: &Map<String, Value>) -> Query {
    let mut query = Query::new();
    for p in params.iter().filter(|p| p.usage == Use::Query) {
        if let Some(value) = fields.get(p.name) {
            query.push(p.name, Param::query_value(value));
        }
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &[Param] = &[
        Param::query("ids", Kind::Ids, "Agent ids."),
        Param::query("isActive", Kind::Bool, "Active agents only."),
        Param::query("osTypes", Kind::Choices(&["windows", "linux"]), "OS."),
        Param::query("computerName__contains", Kind::Texts, "Name parts."),
        Param::control("id", Kind::Id, "One id.").required(),
    ];

    fn params() -> Vec<&'static Param> {
        P.iter().collect()
    }

    #[test]
    fn names_the_offending_array_element() {
        let e = validate(&params(), r#"{"id":"1","ids":["123", 456]}"#).unwrap_err();
        assert_eq!(e, Error::invalid("/ids/1", "expected ids: strings of digits"));
    }

    #[test]
    fn refuses_unknown_fields() {
        let e = validate(&params(), r#"{"id":"1","siteId":"1"}"#).unwrap_err();
        assert!(matches!(e, Error::InvalidInput { field: Some(f), .. } if f == "/siteId"));
    }

    #[test]
    fn refuses_a_missing_required_field_and_non_objects() {
        assert_eq!(validate(&params(), "{}").unwrap_err(), Error::invalid("/id", "this field is required"));
        assert!(matches!(validate(&params(), "[1]"), Err(Error::InvalidInput { field: None, .. })));
        assert!(matches!(validate(&params(), "{"), Err(Error::InvalidInput { field: None, .. })));
    }

    #[test]
    fn refuses_commas_inside_array_values() {
        let e = validate(&params(), r#"{"id":"1","computerName__contains":["a,b"]}"#).unwrap_err();
        assert!(matches!(e, Error::InvalidInput { field: Some(f), .. } if f == "/computerName__contains/0"));
    }

    #[test]
    fn a_weak_password_is_refused_without_being_echoed() {
        const PW: &[Param] = &[Param::data("password", Kind::Password, "Zip password.")];
        let params: Vec<&Param> = PW.iter().collect();
        let e = validate(&params, r#"{"password":"short1!"}"#).unwrap_err();
        assert!(matches!(&e, Error::InvalidInput { field: Some(f), .. } if f == "/password"));
        assert!(!e.to_string().contains("short1!"));
        assert!(validate(&params, r#"{"password":"Zip-Pass-2026!"}"#).is_ok());
    }

    #[test]
    fn file_paths_must_be_absolute_and_without_wildcards() {
        assert!(is_absolute_path("C:\\Temp\\a.exe") && is_absolute_path("/tmp/a"));
        assert!(!is_absolute_path("tmp/a") && !is_absolute_path("/tmp/*.log"));
    }

    #[test]
    fn builds_comma_separated_query_values_and_skips_controls() {
        let fields = validate(&params(), r#"{"id":"9","ids":["1","2"],"isActive":false,"osTypes":["linux"]}"#).unwrap();
        assert_eq!(to_query(&params(), &fields).encode(), "ids=1,2&isActive=false&osTypes=linux");
    }
}
