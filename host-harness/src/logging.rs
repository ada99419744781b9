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

/// What a call's logging may use (from the policy's [`crate::policy::CallLimits`]): a chatty or
/// hostile plugin can neither grow the host's memory nor flood its logs.
#[derive(Debug, Default)]
pub struct CallLog {
    pub lines: Vec<LogLine>,
    pub max_lines: usize,
    pub max_line_bytes: usize,
    /// Lines dropped once `max_lines` was reached.
    pub dropped: u64,
}

impl CallLog {
    pub fn new(max_lines: usize, max_line_bytes: usize) -> CallLog {
        CallLog { lines: Vec::new(), max_lines, max_line_bytes, dropped: 0 }
    }

    /// Keeps a line (cut to the size cap), or counts it as dropped; says whether it was kept.
    fn keep(&mut self, level: &'static str, context: String, message: String) -> Option<&LogLine> {
        if self.lines.len() >= self.max_lines {
            self.dropped += 1;
            if self.dropped == 1 {
                tracing::warn!(target: "harness::logging", max = self.max_lines, "the plugin reached its log line limit; further lines are dropped");
            }
            return None;
        }
        let cut = |mut text: String, max: usize| {
            if text.len() > max {
                let keep = (0..=max).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
                let dropped = text.len() - keep;
                text.truncate(keep);
                text.push_str(&format!("… ({dropped} bytes cut)"));
            }
            text
        };
        self.lines.push(LogLine { level, context: cut(context, 256), message: cut(message, self.max_line_bytes) });
        self.lines.last()
    }

    /// The lines, with a last one saying how many were dropped, if any.
    pub fn take(&mut self) -> Vec<LogLine> {
        let mut lines = std::mem::take(&mut self.lines);
        if self.dropped > 0 {
            lines.push(LogLine {
                level: "warn",
                context: "host".into(),
                message: format!("{} more lines were dropped (the call's log limit is {})", self.dropped, self.max_lines),
            });
        }
        lines
    }
}

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
        let Some(LogLine { context, message, .. }) = self.logs.keep(level, context, message) else { return };
        match level {
            "trace" => tracing::trace!(target: "plugin", %context, "{message}"),
            "debug" => tracing::debug!(target: "plugin", %context, "{message}"),
            "info" => tracing::info!(target: "plugin", %context, "{message}"),
            "warn" => tracing::warn!(target: "plugin", %context, "{message}"),
            _ => tracing::error!(target: "plugin", %context, "{message}"),
        }
    }
}
