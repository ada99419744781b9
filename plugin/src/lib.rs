//! The SentinelOne Management API (v2.1) integration, built as a `wasm32-wasip2` component.
//!
//! Everything here except [`component`] is plain Rust that also compiles and unit-tests natively:
//! the component reaches SentinelOne only through the [`http::Transport`] seam, which the
//! component implements with the host's `wasi:http/outgoing-handler` and the tests with a fake.
//!
//! - [`config`]: the host-given configuration (console URL, scope pins, optional token).
//! - [`clock`]: waiting on the host's monotonic clock, for polls and retries.
//! - [`client`]: requests, SentinelOne's envelope and error bodies, cursor pagination.
//! - [`actions`]: the declarative action catalog and the one engine that runs it.
//! - [`check`]: the connection test a platform runs on Save.
//! - [`organizations`]: the accounts → sites → groups tree.
//! - [`downloads`]: agent uploads, cloud threat files and script results, as bytes.
//!
//! The crate is `no_std` (with `alloc`): the component then carries no libc, no stdio and no
//! panic printing, and imports only the interfaces it uses. Native builds (tests, the benchmark's
//! native baseline) link std as usual.
#![cfg_attr(not(test), no_std)]

extern crate alloc;
#[cfg(all(not(test), not(target_arch = "wasm32")))]
extern crate std;

pub mod actions;
pub mod check;
pub mod client;
pub mod clock;
pub mod collect;
pub mod config;
pub mod downloads;
pub mod error;
pub mod http;
pub mod log;
pub mod organizations;
pub mod output;
pub mod pages;
pub mod time;

#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(target_arch = "wasm32")]
mod component;

pub use error::Error;

/// The plugin's name, as `describe` reports it.
pub const NAME: &str = "sentinelone";
/// The plugin's version, as `describe` reports it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The SentinelOne Management API version this plugin speaks.
pub const API_VERSION: &str = "v2.1";
/// The path prefix of every Management API v2.1 endpoint.
pub const API_PREFIX: &str = "/web/api/v2.1/";
