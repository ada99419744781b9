//! The plugin's hot path over SentinelOne's JSON, in its own crate so that the component profile
//! can build it for speed (`opt-level = 3`) while the rest of the plugin is built for size: every
//! listing and collection page passes through here, byte by byte.
//!
//! - [`envelope`]: a list response parsed in one validating pass, its items left as raw slices.
//! - [`redact`]: secrets out of JSON text in one pass.
//! - [`scan`]: string ends and values at a JSON pointer in text already validated.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod envelope;
pub mod redact;
pub mod scan;
