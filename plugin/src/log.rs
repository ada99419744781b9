//! Logging through the host (`wasi:logging`), behind a trait so the logic can log natively too.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

/// A log level, as `wasi:logging` defines them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// Where log lines go. Implementations never see a credential: callers log paths, statuses and
/// counts, never headers or bodies.
pub trait Log {
    fn log(&self, level: Level, message: &str);
}

/// Discards everything.
pub struct NoLog;

impl Log for NoLog {
    fn log(&self, _: Level, _: &str) {}
}

/// Keeps every line, for tests.
#[derive(Default)]
pub struct MemoryLog(pub core::cell::RefCell<Vec<(Level, String)>>);

impl Log for MemoryLog {
    fn log(&self, level: Level, message: &str) {
        self.0.borrow_mut().push((level, message.to_owned()));
    }
}

/// Text formatted into a fixed 512-byte buffer, cut (on a character boundary) where the buffer
/// ends: for messages that must not allocate (the panic handler's: a panic may be an allocation
/// failure).
pub struct BoundedText {
    bytes: [u8; 512],
    len: usize,
}

impl BoundedText {
    pub const fn new() -> BoundedText {
        BoundedText { bytes: [0; 512], len: 0 }
    }

    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl Default for BoundedText {
    fn default() -> Self {
        BoundedText::new()
    }
}

impl core::fmt::Write for BoundedText {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        let mut take = text.len().min(self.bytes.len() - self.len);
        while !text.is_char_boundary(take) {
            take -= 1;
        }
        self.bytes[self.len..self.len + take].copy_from_slice(&text.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::BoundedText;
    use core::fmt::Write;

    #[test]
    fn bounded_text_keeps_what_fits_and_cuts_on_a_character_boundary() {
        let mut text = BoundedText::new();
        let (file, line) = ("plugin/src/x.rs", 42);
        write!(text, "panicked at {file}: {line}").unwrap();
        assert_eq!(text.as_str(), "panicked at plugin/src/x.rs: 42");
        let mut full = BoundedText::new();
        let (head, tail) = ("a".repeat(511), "é and more");
        write!(full, "{head}{tail}").unwrap();
        assert_eq!(full.as_str(), "a".repeat(511), "the two-byte é does not fit in the last byte");
    }
}
