//! The wasmtime host library for the SentinelOne plugin: what a platform embeds to load the
//! component and call it for its tenants. The simulator (`s1-simulator`), the `s1-harness` CLI
//! and the component build (`plugin-artifacts`) are separate crates: none of them is compiled into
//! an embedder.
//!
//! - [`policy`]: what the sandbox allows (pure data, no wasmtime).
//! - [`credentials`]: the API token, held by the host and never printed.
//! - [`outbound`]: the `wasi:http` hook that enforces the policy and adds the credential.
//! - [`settings`]: a tenant's settings as one TOML/JSON value, validated into a [`Connection`].
//! - [`transport`]: the pooled HTTPS client (trust roots, proxy, private-address guard).
//! - [`runtime`]: one engine, a precompiled component, a fresh store per call.
//! - [`collector`]: the collection loop, with exactly-once file delivery.
//! - [`cpu`]: the guest's own CPU time, metered by call hooks.
//! - [`wit_json`]: the plugin's typed errors as JSON with WIT's names.

mod bindings;
pub mod collector;
pub mod cpu;
pub mod credentials;
mod logging;
pub mod outbound;
pub mod policy;
pub mod runtime;
pub mod settings;
pub mod transport;
pub mod wit_json;

pub use bindings::exports::sentinelone::plugin::collection::{Batch, CollectOptions, Counts, StreamInfo};
pub use bindings::exports::sentinelone::plugin::downloads::{AgentUpload, DownloadSource, DownloadedFile};
pub use bindings::exports::sentinelone::plugin::integration::{
    ActionInfo, CheckReport, ConfigKey, Finding, FindingCode, Identity, IdentityKind, PluginInfo, Role, ScopeRole, Severity, TokenLifetime,
    Verdict,
};
pub use bindings::exports::sentinelone::plugin::organizations::{Account, Group, Licences, OrganizationTree, Site};
pub use bindings::sentinelone::plugin::types::{
    Error as PluginError, InvalidInput, RateLimited, TransportError, TransportKind, UpstreamError,
};
pub use credentials::{Credential, Delivery};
pub use logging::LogLine;
pub use policy::Policy;
pub use runtime::{Allocation, Connection, Fault, FaultKind, LoadReport, Outcome, Runtime, Session};
pub use settings::ConnectionSettings;
