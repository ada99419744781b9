//! Query-string handling: decoding, csv arrays, typed values, and turning an action's JSON
//! `filter` object into the same shape so GET filters and action filters share one parser.
//!
//! Decoding is done here rather than by a library so that the rules are explicit: `+` is a space
//! and `%XX` is a byte (as in `application/x-www-form-urlencoded`). A client that sends a base64
//! cursor without encoding it therefore turns `+` into a space, and one that encodes it twice
//! leaves `%2B` behind; both cursors then fail to decode and get a 400, as they should.
//! A key given twice is treated as one csv list (the console documents csv; this is lenient).
//! An empty value counts as absent.

use super::clock::Timestamp;
use super::errors::ApiError;
use super::model::Id;
use serde_json::{Map, Value};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params {
    pub pairs: Vec<(String, String)>,
}

impl Params {
    pub fn parse(raw: Option<&str>) -> Params {
        let pairs = raw
            .unwrap_or("")
            .split('&')
            .filter(|segment| !segment.is_empty())
            .map(|segment| match segment.split_once('=') {
                Some((k, v)) => (decode(k), decode(v)),
                None => (decode(segment), String::new()),
            })
            .collect();
        Params { pairs }
    }

    /// Converts an action body's `filter` object: arrays become csv, scalars their text, `null` is
    /// skipped. Nested objects are not agent filters and are rejected.
    pub fn from_filter(filter: &Map<String, Value>) -> Result<Params, ApiError> {
        let mut pairs = Vec::new();
        for (key, value) in filter {
            let text = match value {
                Value::Null => continue,
                Value::Array(items) => items.iter().map(|item| scalar(key, item)).collect::<Result<Vec<_>, _>>()?.join(","),
                other => scalar(key, other)?,
            };
            pairs.push((key.clone(), text));
        }
        Ok(Params { pairs })
    }

    /// The value for `key` (repeated keys joined with commas); `None` when absent or empty.
    pub fn get(&self, key: &str) -> Option<String> {
        let values: Vec<&str> = self.pairs.iter().filter(|(k, v)| k == key && !v.is_empty()).map(|(_, v)| v.as_str()).collect();
        (!values.is_empty()).then(|| values.join(","))
    }

    /// A csv array, items trimmed, empty items dropped.
    pub fn csv(&self, key: &str) -> Option<Vec<String>> {
        let items: Vec<String> = self.get(key)?.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
        (!items.is_empty()).then_some(items)
    }

    /// A csv array whose items must come from `allowed`.
    pub fn csv_enum(&self, key: &str, allowed: &[&str]) -> Result<Option<Vec<String>>, ApiError> {
        let Some(items) = self.csv(key) else {
            return Ok(None);
        };
        if let Some(bad) = items.iter().find(|item| !allowed.contains(&item.as_str())) {
            return Err(ApiError::validation(format!("{key}: '{bad}' is not one of {}", allowed.join(", "))));
        }
        Ok(Some(items))
    }

    /// A csv array of object ids (decimal digits only: a float or a number in JSON notation is a 400).
    pub fn ids(&self, key: &str) -> Result<Option<Vec<Id>>, ApiError> {
        let Some(items) = self.csv(key) else {
            return Ok(None);
        };
        items
            .iter()
            .map(|item| parse_id(item).ok_or_else(|| ApiError::validation(format!("{key}: '{item}' is not a valid id"))))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// A csv of booleans (`true,false` means "either").
    pub fn bools(&self, key: &str) -> Result<Option<Vec<bool>>, ApiError> {
        let Some(items) = self.csv(key) else {
            return Ok(None);
        };
        items.iter().map(|item| parse_bool(key, item)).collect::<Result<Vec<_>, _>>().map(Some)
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        self.get(key).map(|value| parse_bool(key, &value)).transpose()
    }

    pub fn unsigned(&self, key: &str) -> Result<Option<u64>, ApiError> {
        self.get(key)
            .map(|value| {
                value.trim().parse::<u64>().map_err(|_| ApiError::validation(format!("{key}: '{value}' is not a non-negative integer")))
            })
            .transpose()
    }

    pub fn timestamp(&self, key: &str) -> Result<Option<Timestamp>, ApiError> {
        self.get(key)
            .map(|value| {
                Timestamp::parse(&value).ok_or_else(|| ApiError::validation(format!("{key}: '{value}' is not an ISO-8601 date-time")))
            })
            .transpose()
    }
}

/// Ids are 1–20 decimal digits that fit a u64.
pub fn parse_id(text: &str) -> Option<Id> {
    let text = text.trim();
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().map(Id)
}

fn parse_bool(key: &str, text: &str) -> Result<bool, ApiError> {
    match text.trim() {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" => Ok(false),
        other => Err(ApiError::validation(format!("{key}: '{other}' is not a boolean"))),
    }
}

fn scalar(key: &str, value: &Value) -> Result<String, ApiError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(ApiError::validation(format!("filter.{key}: unsupported value"))),
    }
}

/// `application/x-www-form-urlencoded` decoding; malformed escapes are kept literally.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => match (bytes.get(i + 1).and_then(hex_value), bytes.get(i + 2).and_then(hex_value)) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(b: &u8) -> Option<u8> {
    (*b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_pairs_and_joins_repeated_keys() {
        let p = Params::parse(Some("a=1&b=x%2By+z&a=2&c=&d"));
        assert_eq!(p.get("a").as_deref(), Some("1,2"));
        assert_eq!(p.get("b").as_deref(), Some("x+y z"));
        assert_eq!(p.get("c"), None);
        assert_eq!(p.get("d"), None);
        assert!(p.bool("a").is_err());
    }
}
