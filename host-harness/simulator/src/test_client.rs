//! Test support shared by `tests.rs`, `tests_policy.rs`, `tests_dv.rs` and `tests_downloads.rs`: a
//! tiny blocking HTTP/1.1 client that talks to a running [`Simulator`] over a real TCP socket
//! (plain, or TLS for the storage origin), plus thin JSON helpers on top of it.

use super::{PREFIX, Simulator, SimulatorOptions};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;

/// One answer: status, headers (as received) and the body text (de-chunked).
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: String,
}

impl Reply {
    /// The body as JSON; panics when it is not JSON.
    pub(super) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The first header of that name (case-insensitive).
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// `errors[0].detail` of an error envelope (empty when absent).
    pub(super) fn detail(&self) -> String {
        self.json()["errors"][0]["detail"].as_str().unwrap_or_default().to_string()
    }
}

/// One answer with its body as bytes (downloads).
pub(super) struct Download {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

impl Download {
    /// The first header of that name (case-insensitive).
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as text (error documents).
    pub(super) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request (`Connection: close`) and reads the whole answer. `target` is a path and
/// query under [`PREFIX`] (`agents?limit=5`), or an absolute path when it starts with `/`. The
/// token goes in `Authorization: ApiToken …`; the body (normally JSON) is sent as is, with a
/// content type and length on every method but a body-less `GET`.
pub(super) fn request(sim: &Simulator, method: &str, target: &str, token: Option<&str>, body: Option<&str>) -> Reply {
    let answer = request_bytes(sim, method, target, token, body);
    Reply { status: answer.status, headers: answer.headers, body: String::from_utf8(answer.body).expect("a text body") }
}

/// [`request`] with the body as bytes.
pub(super) fn request_bytes(sim: &Simulator, method: &str, target: &str, token: Option<&str>, body: Option<&str>) -> Download {
    let address = sim.base_url().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&address).expect("connect");
    let path = if target.starts_with('/') { target.to_string() } else { format!("{PREFIX}/{target}") };
    let authorization = token.map(|t| format!("ApiToken {t}"));
    exchange(&mut stream, &address, method, &path, authorization.as_deref(), body)
}

/// `GET url` over TLS (trusting the simulator's CA), with an optional `Authorization` header:
/// how a client fetches a pre-signed storage URL.
pub(super) fn get_https(sim: &Simulator, url: &str, authorization: Option<&str>) -> Download {
    use tokio_rustls::rustls;
    let rest = url.strip_prefix("https://").expect("an https URL");
    let (address, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut roots = rustls::RootCertStore::empty();
    roots.add(rustls::pki_types::CertificateDer::from(pem_der(sim.ca_pem()))).expect("the CA parses");
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let host = address.split(':').next().unwrap().to_string();
    let connection = rustls::ClientConnection::new(std::sync::Arc::new(config), host.try_into().unwrap()).unwrap();
    let mut tls = rustls::StreamOwned::new(connection, TcpStream::connect(address).expect("connect"));
    exchange(&mut tls, address, "GET", path, authorization, None)
}

/// The DER bytes of a one-certificate PEM.
fn pem_der(pem: &str) -> Vec<u8> {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).expect("PEM base64")
}

fn exchange(
    stream: &mut (impl Read + Write),
    host: &str,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: Option<&str>,
) -> Download {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAccept: application/json\r\n");
    if let Some(authorization) = authorization {
        head.push_str(&format!("Authorization: {authorization}\r\n"));
    }
    if method != "GET" || body.is_some() {
        head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.unwrap_or("").len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.unwrap_or("").as_bytes()).unwrap();
    stream.flush().unwrap();
    let mut raw = Vec::new();
    if let Err(error) = stream.read_to_end(&mut raw) {
        // A TLS peer that closes without close_notify: what was read is the whole answer.
        assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof, "{error}");
    }
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("header end");
    let head = String::from_utf8(raw[..end].to_vec()).unwrap();
    let body = &raw[end + 4..];
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_vec() };
    Download { status, headers, body }
}

/// Joins the chunks of a `Transfer-Encoding: chunked` body.
pub(super) fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..line_end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let tail = &rest[line_end + 2..];
        out.extend_from_slice(&tail[..size]);
        rest = &tail[size + 2..];
    }
    out
}

pub(super) fn get(sim: &Simulator, target: &str, token: &str) -> Reply {
    request(sim, "GET", target, Some(token), None)
}

pub(super) fn post(sim: &Simulator, target: &str, token: Option<&str>, body: &Value) -> Reply {
    request(sim, "POST", target, token, Some(&body.to_string()))
}

/// One authenticated request with an optional JSON body; answers the status and the JSON body
/// (`null` when the body is empty; panics when it is not JSON).
pub(super) fn request_json(sim: &Simulator, method: &str, target: &str, token: &str, body: Option<&Value>) -> (u16, Value) {
    let body = body.map(Value::to_string);
    let reply = request(sim, method, target, Some(token), body.as_deref());
    let json = if reply.body.is_empty() { Value::Null } else { reply.json() };
    (reply.status, json)
}

pub(super) fn get_json(sim: &Simulator, target: &str, token: &str) -> (u16, Value) {
    request_json(sim, "GET", target, token, None)
}

pub(super) fn post_json(sim: &Simulator, target: &str, token: &str, body: &Value) -> (u16, Value) {
    request_json(sim, "POST", target, token, Some(body))
}

pub(super) fn put_json(sim: &Simulator, target: &str, token: &str, body: &Value) -> (u16, Value) {
    request_json(sim, "PUT", target, token, Some(body))
}

pub(super) fn delete_json(sim: &Simulator, target: &str, token: &str, body: &Value) -> (u16, Value) {
    request_json(sim, "DELETE", target, token, Some(body))
}

/// `GET` that must answer 200; the JSON body.
pub(super) fn get_ok(sim: &Simulator, target: &str, token: &str) -> Value {
    let (status, body) = get_json(sim, target, token);
    assert_eq!(status, 200, "GET {target}: {body}");
    body
}

/// Percent-encodes a query value once (everything but unreserved characters).
pub(super) fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A simulator with `agents` agents and the default options.
pub(super) fn start(agents: usize) -> Simulator {
    start_with(SimulatorOptions { agents, ..SimulatorOptions::default() })
}

pub(super) fn start_with(options: SimulatorOptions) -> Simulator {
    Simulator::start(options).expect("simulator starts")
}
