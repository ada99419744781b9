//! A hostile component: the fixture that proves the host's sandbox.
//!
//! It implements the same `world plugin` as the real SentinelOne plugin (`wit/world.wit`), so the
//! host loads it exactly as it loads the plugin, but its `invoke` export does what a compromised
//! or malicious plugin would: it sends requests to other hosts, to IP literals (in every spelling)
//! and over plain http, smuggles credentials and routing headers, and exhausts the CPU, memory,
//! the log sink, the resource table, the request body and the request rate. The end-to-end tests
//! run every attempt and assert that each ends as a typed denial or a host error (a trap, an
//! interruption, a resource limit), never as a request that got out.
//!
//! Each action name is one attempt (see [`attempt`]). The input names the console the host
//! allows: `{"authority":"127.0.0.1:4567","scheme":"http"}` (`scheme` defaults to `https`). The
//! output is a JSON report of how the attempt ended, for example
//! `{"attempt":"ip-v4","outcome":"error","detail":"HttpRequestDenied"}`, where `outcome` is:
//!
//! - `response`: the request got an HTTP response (`status`);
//! - `error`: a wasi-http `error-code` from `handle`, the response future or a body stream
//!   (`detail` is its debug text);
//! - `header-refused`: `fields.append` or `fields.from-list` refused a header (`detail` is the
//!   `header-error`'s debug text);
//! - `refused`: the request refused its method, scheme, authority or path (`detail` names the
//!   setter);
//! - `done`: a resource attack finished without being stopped (with its count).
//!
//! It is its own workspace, built apart from the root one:
//! `cargo build --manifest-path tests/hostile/Cargo.toml --target wasm32-wasip2 --release
//! --target-dir target/hostile`.

mod bindings {
    wit_bindgen::generate!({
        world: "plugin",
        path: "../../wit",
        generate_all,
    });
}

use bindings::exports::sentinelone::plugin::{collection, downloads, integration, organizations};
use bindings::sentinelone::plugin::types::{Error, InvalidInput};
use bindings::wasi::http::outgoing_handler;
use bindings::wasi::http::types::{
    ErrorCode, Fields, HeaderError, IncomingResponse, Method, OutgoingBody, OutgoingRequest, Scheme, http_error_code,
};
use bindings::wasi::io::streams::StreamError;
use bindings::wasi::logging::logging;
use core::hint::black_box;
use std::fmt::Write as _;

struct Hostile;

bindings::export!(Hostile with_types_in bindings);

impl integration::Guest for Hostile {
    fn describe() -> integration::PluginInfo {
        integration::PluginInfo {
            name: "hostile".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            api_version: "v2.1".into(),
            config_keys: Vec::new(),
            actions: Vec::new(),
        }
    }

    fn check() -> integration::CheckReport {
        integration::CheckReport {
            verdict: integration::Verdict::NotReady,
            summary: "a hostile test fixture, never ready".into(),
            console: None,
            identity: None,
            token: None,
            can_act: false,
            findings: Vec::new(),
            failure: None,
        }
    }

    fn invoke(action: String, input: String) -> Result<String, Error> {
        attempt(&action, &input).map(|report| report.to_json(&action))
    }
}

impl organizations::Guest for Hostile {
    fn tree() -> Result<organizations::OrganizationTree, Error> {
        Err(Error::Other("hostile".into()))
    }
}

impl collection::Guest for Hostile {
    fn streams() -> Vec<collection::StreamInfo> {
        Vec::new()
    }

    /// The collection entry point is one more way in: it runs the same attempts as `invoke`, with
    /// the stream name as the attempt and the checkpoint as its input.
    fn collect(stream_name: String, checkpoint: Option<String>, _: collection::CollectOptions) -> Result<collection::Batch, Error> {
        let report = attempt(&stream_name, checkpoint.as_deref().unwrap_or("{}"))?.to_json(&stream_name);
        Ok(collection::Batch {
            events: vec![report],
            checkpoint: String::new(),
            caught_up: true,
            counts: collection::Counts { pages: 0, records_read: 0, duplicates_dropped: 0 },
            stopped_by: None,
        })
    }
}

impl downloads::Guest for Hostile {
    /// Downloads are one more way in: a script-result download runs the attempt named by the
    /// task id and returns its report as the file's bytes.
    fn download(source: downloads::DownloadSource) -> Result<downloads::DownloadedFile, Error> {
        let downloads::DownloadSource::ScriptResult(name) = source else { return Err(Error::Other("hostile".into())) };
        let report = attempt(&name, "{}")?.to_json(&name);
        Ok(downloads::DownloadedFile { name: None, content_type: None, origin: String::new(), bytes: report.into_bytes() })
    }
}

/// A real console endpoint, so a request that got out would be answered.
const INFO: &str = "/web/api/v2.1/system/info";
/// The endpoint the request flood hammers.
const STATUS: &str = "/web/api/v2.1/system/status";

/// Runs the attempt named `action`; an unknown name is the WIT error's `other` case.
fn attempt(action: &str, input: &str) -> Result<Report, Error> {
    let console = || Console::parse(input);
    let report = match action {
        "other-host" => get(Scheme::Https, "evil.example", "/", &[]).into(),
        "ip-v4" => get(Scheme::Https, "10.0.0.1", "/", &[]).into(),
        "ip-v4-loopback" => {
            let console = console()?;
            get(console.scheme(), &format!("127.0.0.2:{}", console.port()), "/", &[]).into()
        }
        "ip-v6" => get(Scheme::Https, &format!("[::1]:{}", console()?.port()), "/", &[]).into(),
        "ip-decimal" => get(Scheme::Http, &format!("2130706433:{}", console()?.port()), "/", &[]).into(),
        "ip-hex" => get(Scheme::Http, &format!("0x7f000001:{}", console()?.port()), "/", &[]).into(),
        "userinfo" => {
            let console = console()?;
            get(console.scheme(), &format!("user:pw@{}", console.authority), INFO, &[]).into()
        }
        "host-header" => console()?.get(INFO, &[("host", "evil.example")]).into(),
        "authorization-header" => console()?.get(INFO, &[("authorization", "ApiToken stolen")]).into(),
        "proxy-header" => proxy_headers(&console()?).into(),
        "forwarded-header" => console()?.get(INFO, &[("forwarded", "for=1.2.3.4"), ("x-forwarded-host", "evil.example")]).into(),
        "plain-http" => get(Scheme::Http, &console()?.authority, INFO, &[]).into(),
        "spin" => spin(),
        "memory-bomb" => memory_bomb(),
        "log-flood" => log_flood(),
        "table-growth" => table_growth(),
        "huge-body" => huge_body(&console()?).into(),
        "request-flood" => request_flood(&console()?),
        _ => return Err(Error::Other(format!("unknown attempt `{action}`"))),
    };
    Ok(report)
}

/// The console the host allows, from the input.
struct Console {
    authority: String,
    https: bool,
}

impl Console {
    fn parse(input: &str) -> Result<Self, Error> {
        let authority =
            string_field(input, "authority").ok_or_else(|| invalid("/authority", "a string `authority` (host:port) is required"))?;
        let https = match string_field(input, "scheme").as_deref() {
            None | Some("https") => true,
            Some("http") => false,
            Some(_) => return Err(invalid("/scheme", "`scheme` is `http` or `https`")),
        };
        Ok(Self { authority, https })
    }

    fn scheme(&self) -> Scheme {
        if self.https { Scheme::Https } else { Scheme::Http }
    }

    /// The console's port: the authority's own, or the scheme's default.
    fn port(&self) -> &str {
        match self.authority.rsplit_once(':') {
            Some((_, port)) if !port.contains(']') => port,
            _ if self.https => "443",
            _ => "80",
        }
    }

    /// A GET to the console itself, with the given extra headers.
    fn get(&self, path: &str, headers: &[(&str, &str)]) -> Outcome {
        get(self.scheme(), &self.authority, path, headers)
    }
}

/// The string value of `"key"` in a flat JSON object: enough for the fixture's two fields.
fn string_field(json: &str, key: &str) -> Option<String> {
    let quoted = format!("\"{key}\"");
    let rest = &json[json.find(&quoted)? + quoted.len()..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let mut value = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => value.push(chars.next()?),
            c => value.push(c),
        }
    }
    None
}

fn invalid(field: &str, message: &str) -> Error {
    Error::InvalidInput(InvalidInput { field: Some(field.into()), message: message.into() })
}

/// How one attempt ended.
enum Outcome {
    /// The request got an HTTP response with this status.
    Response(u16),
    /// A wasi-http error code (or stream failure), as debug text.
    Error(String),
    /// `fields` refused a header: the `header-error` as debug text.
    HeaderRefused(String),
    /// The request refused a part of its request line: the setter's name.
    Refused(&'static str),
    /// A resource attack ran to its end.
    Done,
}

impl Outcome {
    fn name(&self) -> &'static str {
        match self {
            Self::Response(_) => "response",
            Self::Error(_) => "error",
            Self::HeaderRefused(_) => "header-refused",
            Self::Refused(_) => "refused",
            Self::Done => "done",
        }
    }
}

/// An outcome, with the count of a repeated attempt when there is one.
struct Report {
    outcome: Outcome,
    count: Option<(&'static str, u64)>,
}

impl From<Outcome> for Report {
    fn from(outcome: Outcome) -> Self {
        Self { outcome, count: None }
    }
}

impl Report {
    fn counted(outcome: Outcome, name: &'static str, count: u64) -> Self {
        Self { outcome, count: Some((name, count)) }
    }

    fn to_json(&self, attempt: &str) -> String {
        let mut json = format!("{{\"attempt\":{},\"outcome\":\"{}\"", json_string(attempt), self.outcome.name());
        match &self.outcome {
            Outcome::Response(status) => _ = write!(json, ",\"status\":{status}"),
            Outcome::Error(detail) | Outcome::HeaderRefused(detail) => _ = write!(json, ",\"detail\":{}", json_string(detail)),
            Outcome::Refused(setter) => _ = write!(json, ",\"detail\":\"{setter}\""),
            Outcome::Done => {}
        }
        if let Some((name, count)) = self.count {
            _ = write!(json, ",\"{name}\":{count}");
        }
        json.push('}');
        json
    }
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c < ' ' => _ = write!(out, "\\u{:04x}", u32::from(c)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One outbound request as the attempts need it.
struct Request<'a> {
    method: Method,
    scheme: Scheme,
    authority: &'a str,
    path: &'a str,
    headers: &'a [(&'a str, &'a str)],
    /// How many [`BODY_CHUNK`]s of zeros to stream as the body.
    body_chunks: u64,
}

fn get(scheme: Scheme, authority: &str, path: &str, headers: &[(&str, &str)]) -> Outcome {
    send(&Request { method: Method::Get, scheme, authority, path, headers, body_chunks: 0 })
}

fn send(request: &Request) -> Outcome {
    match exchange(request) {
        Ok(status) => Outcome::Response(status),
        Err(outcome) => outcome,
    }
}

/// Sends the request, waits for the response and drains its body; the first refusal or error
/// ends the exchange.
fn exchange(request: &Request) -> Result<u16, Outcome> {
    let headers = fields(request.headers).map_err(|e| Outcome::HeaderRefused(format!("{e:?}")))?;
    let outgoing = OutgoingRequest::new(headers);
    outgoing.set_method(&request.method).map_err(|()| Outcome::Refused("set-method"))?;
    outgoing.set_scheme(Some(&request.scheme)).map_err(|()| Outcome::Refused("set-scheme"))?;
    outgoing.set_authority(Some(request.authority)).map_err(|()| Outcome::Refused("set-authority"))?;
    outgoing.set_path_with_query(Some(request.path)).map_err(|()| Outcome::Refused("set-path-with-query"))?;
    let body = outgoing.body().map_err(|()| Outcome::Error("no outgoing body".into()))?;
    let pending = outgoing_handler::handle(outgoing, None).map_err(error_code)?;
    write_zeros(&body, request.body_chunks)?;
    OutgoingBody::finish(body, None).map_err(error_code)?;
    pending.subscribe().block();
    let response = match pending.get() {
        Some(Ok(result)) => result.map_err(error_code)?,
        Some(Err(())) | None => return Err(Outcome::Error("the response future gave nothing".into())),
    };
    drain(&response)?;
    Ok(response.status())
}

/// The headers, built both ways a guest can build them (appended one by one, then from a list)
/// so that either path's refusal shows; the list is what gets sent.
fn fields(headers: &[(&str, &str)]) -> Result<Fields, HeaderError> {
    let appended = Fields::new();
    for (name, value) in headers {
        appended.append(name, value.as_bytes())?;
    }
    let entries: Vec<(String, Vec<u8>)> = headers.iter().map(|(name, value)| ((*name).to_owned(), value.as_bytes().to_vec())).collect();
    Fields::from_list(&entries)
}

/// The size of one body chunk the huge body is written in.
const BODY_CHUNK: usize = 64 * 1024;
/// The most `blocking-write-and-flush` accepts in one call (wasi:io says "up to 4096 bytes";
/// wasmtime traps beyond it), so each chunk goes out in pieces of this size.
const MAX_WRITE: usize = 4096;
static ZEROS: [u8; BODY_CHUNK] = [0; BODY_CHUNK];

/// Streams `chunks` chunks of zeros into the request body; the first write error ends it.
fn write_zeros(body: &OutgoingBody, chunks: u64) -> Result<(), Outcome> {
    if chunks == 0 {
        return Ok(());
    }
    let stream = body.write().map_err(|()| Outcome::Error("no outgoing body stream".into()))?;
    for _ in 0..chunks {
        for piece in ZEROS.chunks(MAX_WRITE) {
            stream.blocking_write_and_flush(piece).map_err(stream_error)?;
        }
    }
    Ok(())
}

/// Reads the response body to its end, discarding it.
fn drain(response: &IncomingResponse) -> Result<(), Outcome> {
    let body = response.consume().map_err(|()| Outcome::Error("no response body".into()))?;
    let stream = body.stream().map_err(|()| Outcome::Error("no response body stream".into()))?;
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(_) => {}
            Err(StreamError::Closed) => return Ok(()),
            Err(e) => return Err(stream_error(e)),
        }
    }
}

fn error_code(code: ErrorCode) -> Outcome {
    Outcome::Error(format!("{code:?}"))
}

/// A stream failure as its wasi-http error code when it has one.
fn stream_error(error: StreamError) -> Outcome {
    match error {
        StreamError::Closed => Outcome::Error("stream closed".into()),
        StreamError::LastOperationFailed(e) => match http_error_code(&e) {
            Some(code) => error_code(code),
            None => Outcome::Error(e.to_debug_string()),
        },
    }
}

/// Two requests: a proxy credential, then a hop-by-hop proxy header. The first failure, or the
/// second response when both went through.
fn proxy_headers(console: &Console) -> Outcome {
    match console.get(INFO, &[("proxy-authorization", "Basic eDp5")]) {
        Outcome::Response(_) => console.get(INFO, &[("proxy-connection", "keep-alive")]),
        failure => failure,
    }
}

/// 1 GiB of zeros, posted to the console.
const HUGE_BODY_CHUNKS: u64 = (1 << 30) / BODY_CHUNK as u64;

fn huge_body(console: &Console) -> Outcome {
    send(&Request {
        method: Method::Post,
        scheme: console.scheme(),
        authority: &console.authority,
        path: INFO,
        headers: &[],
        body_chunks: HUGE_BODY_CHUNKS,
    })
}

const FLOOD_REQUESTS: u64 = 1_000_000;

/// Requests to the console one after another; stops at the first that does not get a response,
/// reporting it with `sent`, the number of requests answered before it.
fn request_flood(console: &Console) -> Report {
    let mut sent = 0;
    while sent < FLOOD_REQUESTS {
        match console.get(STATUS, &[]) {
            Outcome::Response(_) => sent += 1,
            failure => return Report::counted(failure, "sent", sent),
        }
    }
    Report::counted(Outcome::Done, "sent", sent)
}

/// Burns CPU forever; only the host's interruption ends it.
fn spin() -> ! {
    let mut turns = 0u64;
    loop {
        turns = black_box(turns.wrapping_add(1));
    }
}

const BOMB_CHUNK: usize = 16 << 20;
const PAGE: usize = 4096;

/// Allocates 16 MiB chunks forever, touching every page and keeping every chunk alive; only the
/// host's memory limit (a failed `memory.grow`, hence an abort) ends it.
fn memory_bomb() -> ! {
    let mut hoard = Vec::new();
    loop {
        let mut chunk = vec![0u8; BOMB_CHUNK];
        for byte in chunk.iter_mut().step_by(PAGE) {
            *byte = 1;
        }
        hoard.push(black_box(chunk));
    }
}

const LOG_LINES: u64 = 1_000_000;
const LOG_LINE_BYTES: usize = 64 * 1024;

/// A million 64 KiB log lines: 64 GB for the host's log sink to refuse or bound.
fn log_flood() -> Report {
    let message = "x".repeat(LOG_LINE_BYTES);
    for _ in 0..LOG_LINES {
        logging::log(logging::Level::Info, "flood", &message);
    }
    Report::counted(Outcome::Done, "logged", LOG_LINES)
}

const TABLE_ENTRIES: u64 = 10_000_000;

/// Ten million leaked `fields` resources, for the host's resource-table limit to stop.
fn table_growth() -> Report {
    for _ in 0..TABLE_ENTRIES {
        std::mem::forget(Fields::new());
    }
    Report::counted(Outcome::Done, "created", TABLE_ENTRIES)
}
