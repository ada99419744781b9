//! `wasi:logging` for the plugin: every line goes to `tracing` (target `plugin`) and is kept
//! with the call's outcome, so tests and platforms can inspect exactly what the plugin said.

use crate::bindings::wasi::logging::logging::{Host, Level};
use crate::runtime::HostState;

/// One line the plugin logged.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LogLine {
    pub level: &'static str,
    pub context: String,
    pub message: String,
}

/// Lines kept per call at most; a chatty plugin cannot grow the host's memory without bound.
const MAX_LINES: usize = 10_000;

impl Host for HostState {
    fn log(&mut self, level: Level, context: String, message: String) {
        let level = match level {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Critical => "critical",
        };
        match level {
            "trace" => tracing::trace!(target: "plugin", %context, "{message}"),
            "debug" => tracing::debug!(target: "plugin", %context, "{message}"),
            "info" => tracing::info!(target: "plugin", %context, "{message}"),
            "warn" => tracing::warn!(target: "plugin", %context, "{message}"),
            _ => tracing::error!(target: "plugin", %context, "{message}"),
        }
        if self.logs.len() < MAX_LINES {
            self.logs.push(LogLine { level, context, message });
        }
    }
}
