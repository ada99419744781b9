//! Reading JSON text that has already been validated (a page's items, kept as raw slices) without
//! parsing it again: finding where strings and values end, and the value at a JSON pointer.
//!
//! Collection needs three fields of every record (its id, watermark and version) and redaction
//! needs every key: parsing each record a second time with serde to get them cost as much as
//! parsing the page. These scans only skip strings and count brackets. They never panic on any
//! input, valid JSON or not; on valid JSON they agree with a parser (the tests hold them to
//! `serde_json`), except that a duplicated key answers with its first value.
//!
//! The loops index bytes directly, with no iterator adapters or per-string calls in the way.

use alloc::string::String;

/// The index just past the string starting with the quote at `start` (the text's end when the
/// string is unterminated).
#[inline(always)]
pub fn string_end(bytes: &[u8], start: usize) -> usize {
    string_end_escaped(bytes, start).0
}

/// [`string_end`], and whether the string holds an escape. Strings are most of a record's bytes,
/// so they are crossed eight bytes at a time while no byte is a quote or a backslash.
#[inline(always)]
fn string_end_escaped(bytes: &[u8], start: usize) -> (usize, bool) {
    let mut i = start + 1;
    let mut escaped = false;
    loop {
        while let Some(word) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
            if has_byte(word, b'"') | has_byte(word, b'\\') != 0 {
                break;
            }
            i += 8;
        }
        match bytes.get(i) {
            None => return (bytes.len(), escaped),
            Some(b'"') => return (i + 1, escaped),
            Some(b'\\') => {
                escaped = true;
                i += 2;
            }
            Some(_) => i += 1,
        }
    }
}

/// Non-zero when some byte of `word` is `byte` (the high bit of each such byte is set; bytes above
/// a match may be flagged too, which only ends the fast path early).
#[inline(always)]
fn has_byte(word: u64, byte: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let x = word ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The first index at or after `i` that is not JSON whitespace.
#[inline(always)]
pub fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The index just past the value starting at `start`: a string, an object or array (brackets
/// counted, strings inside skipped), or a number or literal (up to the next delimiter).
fn value_end(bytes: &[u8], start: usize) -> usize {
    match bytes.get(start) {
        Some(b'"') => string_end(bytes, start),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = start;
            while i < bytes.len() {
                match bytes[i] {
                    b'"' => {
                        i = string_end(bytes, i);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            bytes.len()
        }
        _ => {
            let mut i = start;
            while i < bytes.len() && !matches!(bytes[i], b',' | b'}' | b']') && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            i
        }
    }
}

/// The value of `key` in the object `object` (its text), as text; `None` when `object` is not an
/// object or has no such key. A key written with escapes is compared decoded.
pub fn member<'a>(object: &'a str, key: &str) -> Option<&'a str> {
    let bytes = object.as_bytes();
    let mut i = skip_space(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        i = skip_space(bytes, i);
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let (key_start, (key_end, escaped)) = (i, string_end_escaped(bytes, i));
        let quoted_key = object.get(key_start..key_end)?;
        i = skip_space(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_space(bytes, i + 1);
        let end = value_end(bytes, start);
        let matches = if escaped {
            decoded(quoted_key).is_some_and(|k| k == key)
        } else {
            quoted_key.len() == key.len() + 2 && &quoted_key.as_bytes()[1..quoted_key.len() - 1] == key.as_bytes()
        };
        if matches {
            return object.get(start..end);
        }
        i = skip_space(bytes, end);
        match bytes.get(i) {
            Some(b',') => i += 1,
            _ => return None,
        }
    }
}

/// The value at a JSON pointer (`/alertInfo/createdAt`; object members only) in `text`.
pub fn lookup<'a>(text: &'a str, pointer: &str) -> Option<&'a str> {
    // Segments are found byte by byte (a `/` is never inside a UTF-8 sequence): `str::split`
    // would compile its searcher a second time in this crate's speed-first build.
    let slash = |s: &str| s.bytes().position(|b| b == b'/');
    let Some(first) = slash(pointer) else { return Some(text) };
    let (mut value, mut rest) = (text, &pointer[first + 1..]);
    while let Some(end) = slash(rest) {
        value = member(value, &rest[..end])?;
        rest = &rest[end + 1..];
    }
    member(value, rest)
}

/// A JSON string's text (quotes included) decoded; `None` when it is not a string.
fn decoded(quoted: &str) -> Option<String> {
    serde_json::from_str(quoted).ok()
}

/// A value's text as a string: the contents of a JSON string (decoded only when it holds an
/// escape); `None` for anything else.
pub fn as_str(value: &str) -> Option<alloc::borrow::Cow<'_, str>> {
    let bytes = value.as_bytes();
    if bytes.first() != Some(&b'"') {
        return None;
    }
    match string_end_escaped(bytes, 0) {
        // Without escapes, ending on a quote is ending the string (an unterminated one ends elsewhere).
        (end, false) if end == bytes.len() && end >= 2 && bytes[end - 1] == b'"' => value.get(1..end - 1).map(alloc::borrow::Cow::Borrowed),
        (end, true) if end == bytes.len() => decoded(value).map(alloc::borrow::Cow::Owned),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const RECORD: &str = r#" { "id" : "1834780238610855700", "n": -1.5e3, "t": true, "z": null,
        "nested": {"updatedAt": "x", "list": [{"updatedAt": "y"}, "]}", "\"{"]},
        "alertInfo": {"alertId": "9", "createdAt": "2026-11-01T00:00:00.000000Z"},
        "upd\u0061tedAt": "2026-11-02T00:00:00Z", "empty": {}, "last": [] } "#;

    #[test]
    fn lookups_agree_with_a_parser() {
        let parsed: Value = serde_json::from_str(RECORD).unwrap();
        for pointer in ["/id", "/n", "/t", "/z", "/nested", "/nested/updatedAt", "/alertInfo/createdAt", "/updatedAt", "/empty", "/last"] {
            let found = lookup(RECORD, pointer).unwrap_or_else(|| panic!("{pointer}"));
            let value: Value = serde_json::from_str(found).unwrap();
            assert_eq!(Some(&value), parsed.pointer(pointer), "{pointer}");
        }
    }

    #[test]
    fn keys_inside_nested_values_and_strings_are_not_members() {
        assert_eq!(lookup(RECORD, "/list"), None);
        assert_eq!(lookup(RECORD, "/alertId"), None);
        assert_eq!(lookup(RECORD, "/nested/list/updatedAt"), None, "arrays are not walked");
        assert_eq!(lookup(r#"{"a":"\"b\":1","c":2}"#, "/b"), None);
    }

    #[test]
    fn strings_are_read_and_decoded_only_when_escaped() {
        assert!(matches!(as_str(r#""plain""#), Some(alloc::borrow::Cow::Borrowed("plain"))));
        assert_eq!(as_str(r#""a\"b\u0041""#).as_deref(), Some("a\"bA"));
        assert_eq!(as_str("12"), None);
        assert_eq!(as_str("\""), None);
        assert_eq!(as_str("\"abc"), None, "unterminated");
        assert_eq!(as_str("\"ab\\\""), None, "unterminated after an escaped quote");
        assert_eq!(as_str("\"\""), Some(alloc::borrow::Cow::Borrowed("")));
    }

    #[test]
    fn string_ends_agree_with_a_byte_by_byte_scan() {
        fn naive(bytes: &[u8], start: usize) -> usize {
            let mut i = start + 1;
            while i < bytes.len() {
                match bytes[i] {
                    b'"' => return i + 1,
                    b'\\' => i += 2,
                    _ => i += 1,
                }
            }
            bytes.len()
        }
        let texts = [
            r#""""#,
            r#""short""#,
            r#""exactly eight b""#,
            r#""a longer string with no escapes at all, well past a word" tail"#,
            r#""escape \" then more text after the escaped quote here""#,
            r#""backslash at a word edge......\\" x"#,
            r#""unterminated and longer than one word"#,
            r#""ends on a backslash \"#,
            "\"\u{e9}\u{1F600} non-ascii \u{fffd} bytes all the way\"",
        ];
        for text in texts {
            for start in 0..text.len() {
                if text.as_bytes()[start] == b'"' {
                    assert_eq!(string_end(text.as_bytes(), start), naive(text.as_bytes(), start), "{text} from {start}");
                }
            }
        }
    }

    #[test]
    fn broken_text_gives_none_without_panicking() {
        for text in
            ["", "{", "{\"", "{\"a\"", "{\"a\":", "{\"a\":\"", "{\"a\":{", "[1]", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{\"\\", "{\"a\\\":1}"]
        {
            for pointer in ["/a", "/b", "/a/b"] {
                let _ = lookup(text, pointer);
            }
        }
        assert_eq!(lookup("{\"a\":1 \"b\":2}", "/b"), None);
    }
}
