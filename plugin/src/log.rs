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
