//! A wasmtime host for the SentinelOne plugin, built the way a platform embeds it, plus a
//! SentinelOne simulator to run it against.
//!
//! - [`policy`]: what the sandbox allows (pure data, no wasmtime).
//! - [`credentials`]: the API token, held by the host and never printed.
//! - [`outbound`]: the `wasi:http` hook that enforces the policy and adds the credential.
//! - [`runtime`]: one engine, a precompiled component, a fresh store per call.
//! - [`simulator`]: a SentinelOne console on loopback.
//! - [`report`]: the human-readable demo report.

mod bindings;
pub mod cpu;
pub mod credentials;
mod logging;
pub mod outbound;
pub mod policy;
pub mod report;
pub mod runtime;
pub mod simulator;
pub mod wit_json;

pub use bindings::exports::sentinelone::plugin::integration::{
    ActionInfo, CheckReport, ConfigKey, Finding, FindingCode, Identity, IdentityKind, PluginInfo, Role, ScopeRole, Severity, TokenLifetime, Verdict,
};
pub use bindings::exports::sentinelone::plugin::organizations::{Account, Group, Licences, OrganizationTree, Site};
pub use bindings::sentinelone::plugin::types::{Error as PluginError, InvalidInput, RateLimited, TransportError, TransportKind, UpstreamError};
pub use credentials::{Credential, Delivery};
pub use logging::LogLine;
pub use policy::Policy;
pub use runtime::{Connection, Fault, FaultKind, LoadReport, Outcome, Runtime};
