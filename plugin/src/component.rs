//! The component's edge: the WIT exports, the `wasi:http` transport, the `wasi:config` source
//! and the `wasi:logging` sink. Everything here translates; the logic lives elsewhere.

use crate::bindings::exports::sentinelone::plugin::{collection, downloads, integration, organizations as orgs};
use crate::bindings::sentinelone::plugin::types as wit;
use crate::bindings::wasi::clocks::monotonic_clock;
use crate::bindings::wasi::config::store;
use crate::bindings::wasi::http::outgoing_handler;
use crate::bindings::wasi::http::types::{
    ErrorCode, Fields, HeaderError, IncomingBody, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};
use crate::bindings::wasi::io::streams::StreamError;
use crate::bindings::wasi::logging::logging;
use crate::check::{self, CheckReport};
use crate::client::Client;
use crate::clock::Clock;
use crate::config::{Config, ConfigSource};
use crate::error::{TransportKind, Upstream};
use crate::http::{self, MAX_RESPONSE_BYTES, Request, Response, Transport};
use crate::log::{Level, Log};
use crate::{Error, actions, organizations};
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

struct Component;

/// The allocator std would have brought: dlmalloc over the linear memory's `memory.grow`.
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

// `memcpy`, `memcmp` and friends, which core calls and std would have linked: taken from the
// target's own wasi-libc archive, whose other objects (stdio, environment, start-up) stay out.
#[link(name = "c")]
unsafe extern "C" {}

/// The canonical ABI's allocator export, through the global allocator. wasi-libc defines it for
/// std builds (over its C malloc); without std the component defines it, as wit-bindgen does for
/// targets without libc.
///
/// # Safety
/// Called by the host's canonical ABI only: `old_ptr`/`old_len`/`align` describe a block this
/// allocator gave out (or `old_len` is 0), and `align` is a power of two.
#[unsafe(no_mangle)]
unsafe extern "C" fn cabi_realloc(old_ptr: *mut u8, old_len: usize, align: usize, new_len: usize) -> *mut u8 {
    use alloc::alloc::{Layout, alloc, realloc};
    if new_len == 0 {
        return align as *mut u8;
    }
    // SAFETY: the canonical ABI passes a power-of-two `align` and, with `old_len` > 0, a block
    // allocated here with that layout.
    let ptr = unsafe {
        if old_len == 0 {
            alloc(Layout::from_size_align_unchecked(new_len, align))
        } else {
            realloc(old_ptr, Layout::from_size_align_unchecked(old_len, align), new_len)
        }
    };
    if ptr.is_null() {
        core::arch::wasm32::unreachable();
    }
    ptr
}

/// A panic is a bug (the plugin answers bad input with typed errors): its message goes to the
/// host's log, then the call traps, which the host reports as a failed call. The message is
/// formatted on the stack, since the panic may be an allocation failure, and only once: a panic
/// while reporting one traps straight away.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    static REPORTING: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
    if !REPORTING.swap(true, core::sync::atomic::Ordering::Relaxed) {
        let mut message = crate::log::BoundedText::new();
        let _ = core::fmt::write(&mut message, format_args!("the plugin panicked: {info}"));
        logging::log(logging::Level::Critical, "sentinelone", message.as_str());
    }
    core::arch::wasm32::unreachable()
}

crate::bindings::export!(Component with_types_in crate::bindings);

/// `wasi:config/store` as the plugin's configuration source, read whole with one `get-all`: the
/// configuration is read on every call, and one host crossing replaces one per key.
struct HostConfig(Vec<(String, String)>);

impl ConfigSource for HostConfig {
    fn get(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
    }
}

/// The configuration the host holds for this call, read and validated.
fn load_config() -> Result<Config, Error> {
    let values = store::get_all().map_err(|e| {
        let why = match e {
            store::Error::Upstream(m) | store::Error::Io(m) => m,
        };
        Error::Configuration(format!("the host could not read the configuration: {why}"))
    })?;
    Config::load(&HostConfig(values))
}

/// `wasi:logging` as the plugin's log sink.
struct HostLog;

impl Log for HostLog {
    fn log(&self, level: Level, message: &str) {
        let level = match level {
            Level::Trace => logging::Level::Trace,
            Level::Debug => logging::Level::Debug,
            Level::Info => logging::Level::Info,
            Level::Warn => logging::Level::Warn,
            Level::Error => logging::Level::Error,
        };
        logging::log(level, "sentinelone", message);
    }
}

/// Writes a request body (if any) to the outgoing body's stream.
fn write_body(body: &OutgoingBody, bytes: Option<&[u8]>, authority: &str) -> Result<(), Error> {
    let Some(bytes) = bytes else { return Ok(()) };
    let stream = body.write().map_err(|()| Error::Transport { kind: TransportKind::Protocol, message: "no request body stream".into() })?;
    for chunk in bytes.chunks(4096) {
        stream.blocking_write_and_flush(chunk).map_err(|e| stream_error(e, authority))?;
    }
    Ok(())
}

/// `wasi:clocks/monotonic-clock` as the plugin's clock: sleeping blocks on a host pollable, so a
/// waiting guest burns no CPU (and the host's wall-clock bound still applies).
struct HostClock;

impl Clock for HostClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(monotonic_clock::now())
    }

    fn sleep(&self, duration: Duration) {
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        monotonic_clock::subscribe_duration(nanos).block();
    }
}

/// `wasi:http/outgoing-handler` as the plugin's transport: one blocking exchange per request.
struct WasiHttp;

/// Timeouts the plugin asks for; the host clamps them to its policy.
const CONNECT_TIMEOUT_NS: u64 = 10_000_000_000;
const FIRST_BYTE_TIMEOUT_NS: u64 = 60_000_000_000;
const BETWEEN_BYTES_TIMEOUT_NS: u64 = 30_000_000_000;

impl Transport for WasiHttp {
    fn send(&self, request: &Request) -> Result<Response, Error> {
        let protocol = |m: &str| Error::Transport { kind: TransportKind::Protocol, message: m.to_owned() };
        let entries: Vec<(String, Vec<u8>)> = request.headers.iter().map(|(n, v)| (n.clone(), v.as_bytes().to_vec())).collect();
        let headers = Fields::from_list(&entries).map_err(|e| {
            let why = match e {
                HeaderError::InvalidSyntax => "invalid-syntax",
                HeaderError::Forbidden => "forbidden",
                HeaderError::Immutable => "immutable",
            };
            protocol(&format!("header refused by the host: {why}"))
        })?;
        let outgoing = OutgoingRequest::new(headers);
        let method = match request.method {
            http::Method::Get => Method::Get,
            http::Method::Post => Method::Post,
            http::Method::Put => Method::Put,
            http::Method::Delete => Method::Delete,
        };
        let scheme = match request.scheme {
            http::Scheme::Http => Scheme::Http,
            http::Scheme::Https => Scheme::Https,
        };
        let parts_ok = outgoing.set_method(&method).is_ok()
            && outgoing.set_scheme(Some(&scheme)).is_ok()
            && outgoing.set_authority(Some(&request.authority)).is_ok()
            && outgoing.set_path_with_query(Some(&request.path_and_query)).is_ok();
        if !parts_ok {
            return Err(protocol("the host refused the request line"));
        }
        // Never wait past the call's deadline (at least a second, so a request can still be made).
        let left = u64::try_from(request.time_left.as_nanos()).unwrap_or(u64::MAX).max(1_000_000_000);
        let options = RequestOptions::new();
        let _ = options.set_connect_timeout(Some(CONNECT_TIMEOUT_NS.min(left)));
        let _ = options.set_first_byte_timeout(Some(FIRST_BYTE_TIMEOUT_NS.min(left)));
        let _ = options.set_between_bytes_timeout(Some(BETWEEN_BYTES_TIMEOUT_NS.min(left)));

        let body = outgoing.body().map_err(|()| protocol("no request body"))?;
        let pending = outgoing_handler::handle(outgoing, Some(options)).map_err(|e| from_error_code(e, &request.authority))?;
        // A request the host refuses (policy, connection) breaks its body stream too; the
        // response future says why, so a body error is reported only when the future does not.
        let sent = match write_body(&body, request.body.as_deref(), &request.authority) {
            Ok(()) => OutgoingBody::finish(body, None).map_err(|e| from_error_code(e, &request.authority)),
            Err(e) => Err(e),
        };

        pending.subscribe().block();
        let response = match pending.get() {
            Some(Ok(Ok(response))) => {
                sent?;
                response
            }
            Some(Ok(Err(code))) => return Err(from_error_code(code, &request.authority)),
            Some(Err(())) | None => return Err(protocol("the response was already taken")),
        };
        let status = response.status();
        let response_headers: Vec<(String, String)> =
            response.headers().entries().into_iter().map(|(n, v)| (n, String::from_utf8_lossy(&v).into_owned())).collect();
        let incoming = response.consume().map_err(|()| protocol("no response body"))?;
        let stream = incoming.stream().map_err(|()| protocol("no response body stream"))?;
        // Read into a buffer of the announced size, so a large page is not copied as it grows.
        let announced = headers_length(&response_headers).unwrap_or(0).min(MAX_RESPONSE_BYTES);
        let mut body = Vec::with_capacity(announced);
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => {
                    // Checked before the buffer grows: a body just over the cap must be a typed
                    // error, not a doubled allocation that traps on the memory limit.
                    // Growth doubles (so reading stays linear) but never past the cap.
                    let needed = body.len() + chunk.len();
                    let fits = needed <= MAX_RESPONSE_BYTES
                        && (needed <= body.capacity()
                            || body.try_reserve_exact((body.capacity() * 2).clamp(needed, MAX_RESPONSE_BYTES) - body.len()).is_ok());
                    if !fits {
                        return Err(Error::Transport {
                            kind: TransportKind::ResponseTooLarge,
                            message: format!("the response exceeded {MAX_RESPONSE_BYTES} bytes, or the memory left"),
                        });
                    }
                    body.extend_from_slice(&chunk);
                }
                Err(StreamError::Closed) => break,
                Err(e) => return Err(stream_error(e, &request.authority)),
            }
        }
        drop(stream);
        let _ = IncomingBody::finish(incoming);
        Ok(Response { status, headers: response_headers, body })
    }
}

/// The `content-length` a response announced.
fn headers_length(headers: &[(String, String)]) -> Option<usize> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.trim().parse().ok())
}

fn stream_error(error: StreamError, authority: &str) -> Error {
    match error {
        StreamError::Closed => Error::Transport { kind: TransportKind::Connection, message: "the stream closed early".into() },
        StreamError::LastOperationFailed(e) => match crate::bindings::wasi::http::types::http_error_code(&e) {
            Some(code) => from_error_code(code, authority),
            None => Error::Transport { kind: TransportKind::Other, message: e.to_debug_string() },
        },
    }
}

/// wasi-http's error codes, folded into what a caller acts on.
fn from_error_code(code: ErrorCode, authority: &str) -> Error {
    let kind = match &code {
        ErrorCode::HttpRequestDenied => {
            return Error::RequestDenied(format!("the host's policy does not allow requests to {authority}"));
        }
        ErrorCode::DestinationIpProhibited => {
            return Error::RequestDenied(format!("the host refused the address {authority} resolves to (private, loopback or link-local)"));
        }
        ErrorCode::DnsTimeout
        | ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => TransportKind::Timeout,
        ErrorCode::DnsError(_) => TransportKind::Dns,
        ErrorCode::DestinationNotFound
        | ErrorCode::DestinationUnavailable
        | ErrorCode::DestinationIpUnroutable
        | ErrorCode::ConnectionRefused
        | ErrorCode::ConnectionTerminated
        | ErrorCode::ConnectionLimitReached => TransportKind::Connection,
        ErrorCode::TlsProtocolError | ErrorCode::TlsCertificateError | ErrorCode::TlsAlertReceived(_) => TransportKind::Tls,
        ErrorCode::HttpResponseBodySize(_) | ErrorCode::HttpResponseHeaderSectionSize(_) | ErrorCode::HttpResponseHeaderSize(_) => {
            TransportKind::ResponseTooLarge
        }
        ErrorCode::HttpProtocolError | ErrorCode::HttpResponseIncomplete | ErrorCode::HttpResponseTransferCoding(_) => {
            TransportKind::Protocol
        }
        _ => TransportKind::Other,
    };
    Error::Transport { kind, message: format!("{} while talking to {authority}", error_code_text(&code)) }
}

/// An error code by its WIT name, with the text it carries if any (`internal-error: <why>`):
/// what a person reading the transport error needs, without `Debug` formatting in the component.
fn error_code_text(code: &ErrorCode) -> String {
    let name = match code {
        ErrorCode::DnsTimeout => "dns-timeout",
        ErrorCode::DnsError(_) => "dns-error",
        ErrorCode::DestinationNotFound => "destination-not-found",
        ErrorCode::DestinationUnavailable => "destination-unavailable",
        ErrorCode::DestinationIpProhibited => "destination-ip-prohibited",
        ErrorCode::DestinationIpUnroutable => "destination-ip-unroutable",
        ErrorCode::ConnectionRefused => "connection-refused",
        ErrorCode::ConnectionTerminated => "connection-terminated",
        ErrorCode::ConnectionTimeout => "connection-timeout",
        ErrorCode::ConnectionReadTimeout => "connection-read-timeout",
        ErrorCode::ConnectionWriteTimeout => "connection-write-timeout",
        ErrorCode::ConnectionLimitReached => "connection-limit-reached",
        ErrorCode::TlsProtocolError => "tls-protocol-error",
        ErrorCode::TlsCertificateError => "tls-certificate-error",
        ErrorCode::TlsAlertReceived(_) => "tls-alert-received",
        ErrorCode::HttpRequestDenied => "http-request-denied",
        ErrorCode::HttpRequestLengthRequired => "http-request-length-required",
        ErrorCode::HttpRequestBodySize(_) => "http-request-body-size",
        ErrorCode::HttpRequestMethodInvalid => "http-request-method-invalid",
        ErrorCode::HttpRequestUriInvalid => "http-request-uri-invalid",
        ErrorCode::HttpRequestUriTooLong => "http-request-uri-too-long",
        ErrorCode::HttpRequestHeaderSectionSize(_) => "http-request-header-section-size",
        ErrorCode::HttpRequestHeaderSize(_) => "http-request-header-size",
        ErrorCode::HttpRequestTrailerSectionSize(_) => "http-request-trailer-section-size",
        ErrorCode::HttpRequestTrailerSize(_) => "http-request-trailer-size",
        ErrorCode::HttpResponseIncomplete => "http-response-incomplete",
        ErrorCode::HttpResponseHeaderSectionSize(_) => "http-response-header-section-size",
        ErrorCode::HttpResponseHeaderSize(_) => "http-response-header-size",
        ErrorCode::HttpResponseBodySize(_) => "http-response-body-size",
        ErrorCode::HttpResponseTrailerSectionSize(_) => "http-response-trailer-section-size",
        ErrorCode::HttpResponseTrailerSize(_) => "http-response-trailer-size",
        ErrorCode::HttpResponseTransferCoding(_) => "http-response-transfer-coding",
        ErrorCode::HttpResponseContentCoding(_) => "http-response-content-coding",
        ErrorCode::HttpResponseTimeout => "http-response-timeout",
        ErrorCode::HttpUpgradeFailed => "http-upgrade-failed",
        ErrorCode::HttpProtocolError => "http-protocol-error",
        ErrorCode::LoopDetected => "loop-detected",
        ErrorCode::ConfigurationError => "configuration-error",
        ErrorCode::InternalError(_) => "internal-error",
    };
    let detail = match code {
        ErrorCode::DnsError(payload) => payload.rcode.as_deref(),
        ErrorCode::TlsAlertReceived(payload) => payload.alert_message.as_deref(),
        ErrorCode::HttpResponseTransferCoding(coding) | ErrorCode::HttpResponseContentCoding(coding) => coding.as_deref(),
        ErrorCode::InternalError(why) => why.as_deref(),
        _ => None,
    };
    match detail {
        Some(detail) => format!("{name}: {detail}"),
        None => name.to_owned(),
    }
}

/// Loads the configuration and runs `f` with a client; the configuration is read per call, as
/// every call gets a fresh instance.
fn with_client<T>(f: impl FnOnce(&Client) -> Result<T, Error>) -> Result<T, Error> {
    let config = load_config()?;
    let client = Client::new(&WasiHttp, &config, &HostLog, &HostClock);
    f(&client).map_err(|e| e.redacted(config.secret()))
}

impl integration::Guest for Component {
    fn describe() -> integration::PluginInfo {
        integration::PluginInfo {
            name: crate::NAME.into(),
            version: crate::VERSION.into(),
            api_version: crate::API_VERSION.into(),
            config_keys: crate::config::KEYS
                .iter()
                .map(|k| integration::ConfigKey {
                    name: k.name.into(),
                    description: k.description.into(),
                    required: k.required,
                    secret: k.secret,
                })
                .collect(),
            actions: actions::all()
                .map(|a| integration::ActionInfo {
                    name: a.name.into(),
                    title: a.title.into(),
                    description: a.description.into(),
                    family: a.family().into(),
                    input_schema: a.input_schema(),
                    minimum_role: role(a.role),
                    destructive: a.destructive,
                })
                .collect(),
        }
    }

    fn check() -> integration::CheckReport {
        let report = match load_config() {
            Err(e) => check::configuration_failure(e),
            Ok(config) => {
                let client = Client::new(&WasiHttp, &config, &HostLog, &HostClock);
                let mut report = check::run(&client);
                report.failure = report.failure.map(|e| e.redacted(config.secret()));
                report
            }
        };
        check_report(report)
    }

    fn invoke(action: String, input: String) -> Result<String, wit::Error> {
        with_client(|client| actions::invoke(client, &action, &input)).map(crate::output::Output::into_text).map_err(error)
    }
}

impl orgs::Guest for Component {
    fn tree() -> Result<orgs::OrganizationTree, wit::Error> {
        let tree = with_client(organizations::tree).map_err(error)?;
        let licences = |l: organizations::Licences| orgs::Licences { active: l.active, total: l.total, unlimited: l.unlimited };
        Ok(orgs::OrganizationTree {
            all_sites: licences(tree.all_sites),
            accounts: tree
                .accounts
                .into_iter()
                .map(|a| orgs::Account {
                    id: a.id,
                    name: a.name,
                    state: a.state,
                    account_type: a.account_type,
                    active_agents: a.active_agents,
                    sites: a
                        .sites
                        .into_iter()
                        .map(|s| orgs::Site {
                            id: s.id,
                            name: s.name,
                            state: s.state,
                            site_type: s.site_type,
                            licences: licences(s.licences),
                            groups: s
                                .groups
                                .into_iter()
                                .map(|g| orgs::Group {
                                    id: g.id,
                                    name: g.name,
                                    kind: g.kind,
                                    is_default: g.is_default,
                                    total_agents: g.total_agents,
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        })
    }
}

impl collection::Guest for Component {
    fn streams() -> Vec<collection::StreamInfo> {
        crate::collect::streams::STREAMS
            .iter()
            .map(|s| collection::StreamInfo {
                name: s.name.into(),
                description: s.description.into(),
                minimum_role: role(s.role),
                event_record: s.record.into(),
                version_field: s.version_field(),
            })
            .collect()
    }

    fn collect(
        stream_name: String,
        checkpoint: Option<String>,
        options: collection::CollectOptions,
    ) -> Result<collection::Batch, wit::Error> {
        let options = crate::collect::Options {
            max_events: options.max_events,
            since: options.since,
            settle_seconds: options.settle_seconds,
            revisit_seconds: options.revisit_seconds,
        };
        let batch = with_client(|client| {
            let mut batch = crate::collect::collect(client, &stream_name, checkpoint.as_deref(), &options)?;
            // The error that ended the batch early is returned beside its events, not as the call's error.
            batch.stopped_by = batch.stopped_by.map(|e| e.redacted(client.config.secret()));
            Ok(batch)
        })
        .map_err(error)?;
        Ok(collection::Batch {
            events: batch.events,
            checkpoint: batch.checkpoint,
            caught_up: batch.caught_up,
            counts: collection::Counts {
                pages: batch.counts.pages,
                records_read: batch.counts.records_read,
                duplicates_dropped: batch.counts.duplicates_dropped,
            },
            stopped_by: batch.stopped_by.map(error),
        })
    }
}

impl downloads::Guest for Component {
    fn download(source: downloads::DownloadSource) -> Result<downloads::DownloadedFile, wit::Error> {
        let source = match source {
            downloads::DownloadSource::AgentUpload(u) => {
                crate::downloads::Source::AgentUpload { agent_id: u.agent_id, activity_id: u.activity_id }
            }
            downloads::DownloadSource::ThreatFromCloud(id) => crate::downloads::Source::ThreatFromCloud(id),
            downloads::DownloadSource::ScriptResult(id) => crate::downloads::Source::ScriptResult(id),
        };
        let file = with_client(|client| crate::downloads::download(client, &source)).map_err(error)?;
        Ok(downloads::DownloadedFile { name: file.name, content_type: file.content_type, origin: file.origin, bytes: file.bytes })
    }
}

fn role(role: actions::Role) -> integration::Role {
    match role {
        actions::Role::Viewer => integration::Role::Viewer,
        actions::Role::Soc => integration::Role::Soc,
        actions::Role::It => integration::Role::It,
        actions::Role::IncidentResponse => integration::Role::IncidentResponse,
        actions::Role::Admin => integration::Role::Admin,
    }
}

fn upstream(u: Upstream) -> wit::UpstreamError {
    wit::UpstreamError { status: u.status, code: u.code, title: u.title, detail: u.detail }
}

/// The plugin's error as the WIT variant, case for case.
fn error(e: Error) -> wit::Error {
    match e {
        Error::Unauthorized(u) => wit::Error::Unauthorized(upstream(u)),
        Error::Forbidden(u) => wit::Error::Forbidden(upstream(u)),
        Error::NotFound(u) => wit::Error::NotFound(upstream(u)),
        Error::Upstream(u) => wit::Error::Upstream(upstream(u)),
        Error::InvalidInput { field, message } => wit::Error::InvalidInput(wit::InvalidInput { field, message }),
        Error::RateLimited { retry_after_seconds, detail } => wit::Error::RateLimited(wit::RateLimited { retry_after_seconds, detail }),
        Error::RequestDenied(m) => wit::Error::RequestDenied(m),
        Error::Transport { kind, message } => wit::Error::Transport(wit::TransportError {
            kind: match kind {
                TransportKind::Timeout => wit::TransportKind::Timeout,
                TransportKind::Connection => wit::TransportKind::Connection,
                TransportKind::Dns => wit::TransportKind::Dns,
                TransportKind::Tls => wit::TransportKind::Tls,
                TransportKind::ResponseTooLarge => wit::TransportKind::ResponseTooLarge,
                TransportKind::Protocol => wit::TransportKind::Protocol,
                TransportKind::Other => wit::TransportKind::Other,
            },
            message,
        }),
        Error::Configuration(m) => wit::Error::Configuration(m),
        Error::UnexpectedResponse(m) => wit::Error::UnexpectedResponse(m),
        Error::Other(m) => wit::Error::Other(m),
    }
}

fn check_report(r: CheckReport) -> integration::CheckReport {
    use check::{FindingCode as F, Severity as S, Verdict as V};
    integration::CheckReport {
        verdict: match r.verdict {
            V::Ready => integration::Verdict::Ready,
            V::ReadyWithWarnings => integration::Verdict::ReadyWithWarnings,
            V::NotReady => integration::Verdict::NotReady,
        },
        summary: r.summary,
        console: r.console.map(|c| integration::ConsoleInfo { version: c.version, build: c.build, release: c.release }),
        identity: r.identity.map(|i| integration::Identity {
            kind: match i.kind {
                check::IdentityKind::User => integration::IdentityKind::User,
                check::IdentityKind::ServiceUser => integration::IdentityKind::ServiceUser,
            },
            id: i.id,
            name: i.name,
            email: i.email,
            scope: i.scope,
            roles: i
                .roles
                .into_iter()
                .map(|s| integration::ScopeRole { scope_id: s.scope_id, scope_name: s.scope_name, role_name: s.role_name })
                .collect(),
        }),
        token: r.token.map(|t| integration::TokenLifetime { created_at: t.created_at, expires_at: t.expires_at, days_left: t.days_left }),
        can_act: r.can_act,
        findings: r
            .findings
            .into_iter()
            .map(|f| integration::Finding {
                severity: match f.severity {
                    S::Info => integration::Severity::Info,
                    S::Warning => integration::Severity::Warning,
                    S::Error => integration::Severity::Error,
                },
                code: match f.code {
                    F::ConsoleReachable => integration::FindingCode::ConsoleReachable,
                    F::ConsoleUnreachable => integration::FindingCode::ConsoleUnreachable,
                    F::RequestDenied => integration::FindingCode::RequestDenied,
                    F::TokenValid => integration::FindingCode::TokenValid,
                    F::TokenRejected => integration::FindingCode::TokenRejected,
                    F::TokenExpired => integration::FindingCode::TokenExpired,
                    F::TokenExpiringSoon => integration::FindingCode::TokenExpiringSoon,
                    F::TokenExpiryUnknown => integration::FindingCode::TokenExpiryUnknown,
                    F::ReadOnlyRole => integration::FindingCode::ReadOnlyRole,
                    F::Scope => integration::FindingCode::Scope,
                    F::ConfigurationInvalid => integration::FindingCode::ConfigurationInvalid,
                    F::UnexpectedResponse => integration::FindingCode::UnexpectedResponse,
                    F::PinNotVisible => integration::FindingCode::PinNotVisible,
                },
                message: f.message,
            })
            .collect(),
        failure: r.failure.map(error),
    }
}
