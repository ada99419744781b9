//! The connections the host opens for the plugin's allowed requests: pooled keep-alive HTTP/1.1
//! over TCP or TLS, with the platform's trust roots, an optional CONNECT proxy, and a guard
//! against names that resolve to non-public addresses.
//!
//! It replaces `wasmtime_wasi_http::default_send_request` in the outgoing hook, which
//!
//! - opens a new TCP connection and TLS session for every request: a collection run that pages
//!   through thousands of records pays a handshake per page, and the console sees a burst of
//!   short connections. Here one [`Transport`] lives as long as the runtime, and each distinct
//!   [`Route`] gets one keep-alive pool (`hyper_util`'s legacy client) that every call and every
//!   store shares;
//! - trusts only the Mozilla roots compiled into `webpki-roots`: an on-premises console or a
//!   TLS-inspecting corporate proxy is signed by a CA the platform trusts but that list does not.
//!   Here the roots are the system store plus the route's own PEM anchors, loaded once;
//! - has no proxy support: many platforms reach the internet only through an HTTP proxy. Here
//!   `https` requests can be tunnelled with `CONNECT` (plain `http` never uses the proxy);
//! - connects wherever the name resolves. The policy allows a URI by its *name*; without a check
//!   after resolution, a name that is (or is made to be, by DNS rebinding) resolved to `127.0.0.1`,
//!   `169.254.169.254` or a private range would let the plugin reach the platform's own network.
//!   Here the connector resolves the name itself, refuses it when *any* address is not public
//!   (unless the route allows private addresses), and connects only to the addresses it checked,
//!   so a second, different answer cannot slip in between check and connect.
//!
//! What the guard does not cover, by design: an IP-literal host is connected as given (the policy
//! allowed exactly that origin), and through a proxy the *proxy* resolves the target name, so the
//! address check cannot apply to it; the policy's check of the URI still does.
//!
//! Errors are `wasmtime_wasi_http::Error` values the hook hands to the guest unchanged: a refused
//! address is `DestinationIpProhibited`, an untrusted certificate `TlsCertificateError`, a slow
//! head or body `ConnectionReadTimeout`, and so on, never a generic client error.

use bytes::Bytes;
use http::Uri;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use wasmtime_wasi_http::{Error, WasiBody};

const LOG: &str = "harness::transport";

/// How long an idle pooled connection is kept. Shorter than the usual server-side keep-alive
/// (60 s and more), so the pool rarely hands out a connection the server is just closing.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Idle connections kept per origin and route: the plugin makes few requests at once.
const MAX_IDLE_PER_ORIGIN: usize = 16;

/// The largest response head accepted from a proxy for `CONNECT`.
const MAX_PROXY_HEAD: usize = 8 * 1024;

/// How requests reach their destination. It keys the connection pool: requests with equal routes
/// share connections, so every field should come from configuration (for `connect_timeout`, the
/// policy's limit, not a guest's per-request option, or each distinct value gets its own pool).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Route {
    /// Extra trust anchors (PEM, one or more certificates) beside the system's.
    pub extra_ca_pem: Option<Vec<u8>>,
    /// An HTTP proxy that tunnels https with CONNECT, e.g. `http://proxy.corp:3128` (scheme `http`
    /// or none, port 80 when none; credentials in the URI are refused). Plain `http` requests
    /// never use it. Through the proxy, the proxy resolves the target name: the address guard
    /// below does not apply to it.
    pub proxy: Option<Uri>,
    /// Let names that resolve to private, loopback, link-local, unspecified, multicast or other
    /// non-public addresses through (off: refused with `DestinationIpProhibited`).
    pub allow_private_addresses: bool,
    /// Bounds each step of opening a connection: the DNS lookup, each TCP connect attempt, the
    /// proxy's `CONNECT` exchange and the TLS handshake.
    pub connect_timeout: Duration,
}

impl Default for Route {
    /// The system's trust roots, no proxy, public addresses only, a 10 s connect bound.
    fn default() -> Route {
        Route { extra_ca_pem: None, proxy: None, allow_private_addresses: false, connect_timeout: Duration::from_secs(10) }
    }
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("extra_ca_pem", &self.extra_ca_pem.as_ref().map(|pem| format!("{} bytes", pem.len())))
            .field("proxy", &self.proxy)
            .field("allow_private_addresses", &self.allow_private_addresses)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

/// What [`Resolve::resolve`] returns.
pub type Resolving = Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send>>;

/// Name resolution, a seam so tests (and embedders with their own DNS) can answer for a name.
pub trait Resolve: Send + Sync + 'static {
    /// The addresses of `host` (a DNS name, never an IP literal), in the order to try them. The
    /// returned addresses are connected as given, port included.
    fn resolve(&self, host: &str, port: u16) -> Resolving;
}

/// The operating system's resolver (`getaddrinfo` through `tokio::net::lookup_host`).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, host: &str, port: u16) -> Resolving {
        let host = host.to_owned();
        Box::pin(async move { Ok(tokio::net::lookup_host((host.as_str(), port)).await?.collect()) })
    }
}

type RequestBody = UnsyncBoxBody<Bytes, Carried>;
type PooledClient = Client<Connector, RequestBody>;

/// The host's outgoing connections: one keep-alive pool per [`Route`], made on first use and
/// kept for the life of the transport. Share one per runtime (behind an `Arc`).
pub struct Transport {
    resolver: Arc<dyn Resolve>,
    clients: Mutex<HashMap<Route, PooledClient>>,
    opened: Arc<AtomicU64>,
    system_roots: OnceLock<RootCertStore>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let routes = self.clients.lock().map_or(0, |clients| clients.len());
        f.debug_struct("Transport").field("routes", &routes).field("connections_opened", &self.connections_opened()).finish()
    }
}

impl Transport {
    pub fn new(resolver: Arc<dyn Resolve>) -> Transport {
        Transport { resolver, clients: Mutex::new(HashMap::new()), opened: Arc::new(AtomicU64::new(0)), system_roots: OnceLock::new() }
    }

    /// Sends `request` (absolute `http`/`https` URI; the policy has already allowed it) over a
    /// pooled keep-alive connection for `route`.
    ///
    /// `first_byte_timeout` bounds everything up to the response head, including opening a
    /// connection when no pooled one is idle (each step of which `route.connect_timeout` also
    /// bounds); `between_bytes_timeout` bounds each wait for the next body frame. Both fail with
    /// `ConnectionReadTimeout`. The connection is driven by the runtime, not by the caller.
    pub async fn send(
        &self,
        route: &Route,
        request: http::Request<WasiBody>,
        first_byte_timeout: Duration,
        between_bytes_timeout: Duration,
    ) -> Result<http::Response<WasiBody>, Error> {
        let uri = request.uri();
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none_or(str::is_empty) {
            return Err(Error::HttpRequestUriInvalid);
        }
        let client = self.client(route)?;
        let request = request.map(|body| body.map_err(Carried::new).boxed_unsync());
        let response = match tokio::time::timeout(first_byte_timeout, client.request(request)).await {
            Err(_) => return Err(Error::ConnectionReadTimeout),
            Ok(Err(error)) => return Err(from_client_error(error)),
            Ok(Ok(response)) => response,
        };
        // Tokio panics on an interval of zero: 1 ns is as good as zero.
        let between_bytes_timeout = between_bytes_timeout.max(Duration::from_nanos(1));
        Ok(response.map(|incoming| ResponseBody::new(incoming, between_bytes_timeout).boxed_unsync()))
    }

    /// TCP connections opened so far (for tests and metrics).
    pub fn connections_opened(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }

    /// The route's client, built on first use. A route whose proxy or extra CAs are unusable is
    /// refused here, before anything connects, and is not cached.
    fn client(&self, route: &Route) -> Result<PooledClient, Error> {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = clients.get(route) {
            return Ok(client.clone());
        }
        let proxy = route.proxy.as_ref().map(proxy_address).transpose()?;
        let tls = self.tls(route)?;
        let connector = Connector(Arc::new(Connecting {
            timeout: route.connect_timeout,
            allow_private_addresses: route.allow_private_addresses,
            proxy,
            tls,
            resolver: self.resolver.clone(),
            opened: self.opened.clone(),
        }));
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(IDLE_TIMEOUT)
            .pool_max_idle_per_host(MAX_IDLE_PER_ORIGIN)
            .build(connector);
        clients.insert(route.clone(), client.clone());
        Ok(client)
    }

    /// The route's TLS configuration: the system roots (loaded once per transport) and the
    /// route's own anchors, ring only, HTTP/1.1 by ALPN.
    fn tls(&self, route: &Route) -> Result<TlsConnector, Error> {
        let mut roots = self.system_roots.get_or_init(system_roots).clone();
        if let Some(pem) = &route.extra_ca_pem {
            let certificates = CertificateDer::pem_slice_iter(pem).collect::<Result<Vec<_>, _>>().map_err(|error| {
                tracing::warn!(target: LOG, %error, "the route's extra CA PEM does not parse");
                Error::TlsCertificateError
            })?;
            if certificates.is_empty() {
                tracing::warn!(target: LOG, "the route's extra CA PEM holds no CERTIFICATE block");
                return Err(Error::TlsCertificateError);
            }
            for certificate in certificates {
                roots.add(certificate).map_err(|error| {
                    tracing::warn!(target: LOG, %error, "a certificate in the route's extra CA PEM is not a usable trust anchor");
                    Error::TlsCertificateError
                })?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| Error::InternalError(Some(format!("TLS configuration: {error}"))))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsConnector::from(Arc::new(config)))
    }
}

/// The system's trust store. A part that fails to load is logged and skipped.
fn system_roots() -> RootCertStore {
    let loaded = rustls_native_certs::load_native_certs();
    for error in &loaded.errors {
        tracing::warn!(target: LOG, %error, "part of the system trust store could not be loaded");
    }
    let mut roots = RootCertStore::empty();
    let (added, ignored) = roots.add_parsable_certificates(loaded.certs);
    if ignored > 0 {
        tracing::debug!(target: LOG, ignored, "system certificates that are not usable trust anchors were skipped");
    }
    if added == 0 {
        tracing::warn!(target: LOG, "the system trust store is empty: only routes' extra CAs are trusted");
    }
    roots
}

/// The host and port to connect to for a proxy URI (`http://host[:port]` or `host[:port]`).
fn proxy_address(proxy: &Uri) -> Result<(String, u16), Error> {
    let refuse = |why: &str| {
        tracing::warn!(target: LOG, why, "the route's proxy is not usable");
        Error::ConfigurationError
    };
    if !matches!(proxy.scheme_str(), None | Some("http")) {
        return Err(refuse("only an http:// proxy is supported"));
    }
    let Some(authority) = proxy.authority() else { return Err(refuse("the proxy URI has no host")) };
    if authority.as_str().contains('@') {
        return Err(refuse("credentials in the proxy URI are not supported"));
    }
    let host = authority.host();
    if host.is_empty() {
        return Err(refuse("the proxy URI has no host"));
    }
    Ok((host.to_owned(), authority.port_u16().unwrap_or(80)))
}

/// The connector of one route's client: DNS, the address guard, the proxy tunnel and TLS.
#[derive(Clone)]
struct Connector(Arc<Connecting>);

struct Connecting {
    timeout: Duration,
    allow_private_addresses: bool,
    proxy: Option<(String, u16)>,
    tls: TlsConnector,
    resolver: Arc<dyn Resolve>,
    opened: Arc<AtomicU64>,
}

impl tower_service::Service<Uri> for Connector {
    type Response = TokioIo<Stream>;
    type Error = Carried;
    type Future = Pin<Box<dyn Future<Output = Result<TokioIo<Stream>, Carried>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Carried>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connecting = self.0.clone();
        Box::pin(async move {
            connecting.connect(&uri).await.map(TokioIo::new).map_err(|error| {
                tracing::debug!(target: LOG, %uri, %error, "connect failed");
                Carried::new(error)
            })
        })
    }
}

impl Connecting {
    async fn connect(&self, uri: &Uri) -> Result<Stream, Error> {
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(Error::HttpRequestUriInvalid),
        };
        // `host` keeps an IPv6 literal's brackets, as `CONNECT` needs; `bare` drops them.
        let host = uri.host().ok_or(Error::HttpRequestUriInvalid)?;
        let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let literal = bare.parse::<IpAddr>().ok();
        let server_name = match (https, literal) {
            (false, _) => None,
            (true, Some(ip)) => Some(ServerName::IpAddress(ip.into())),
            (true, None) => Some(
                ServerName::try_from(bare.to_owned())
                    .map_err(|_| Error::DnsError { rcode: Some("invalid dns name".to_owned()), info_code: None })?,
            ),
        };
        let tcp = match (&self.proxy, https) {
            (Some((proxy_host, proxy_port)), true) => {
                let addresses = self.addresses(proxy_host, *proxy_port).await?;
                let mut tcp = self.connect_any(&addresses).await?;
                let authority = format!("{host}:{port}");
                match tokio::time::timeout(self.timeout, open_tunnel(&mut tcp, &authority)).await {
                    Err(_) => return Err(Error::ConnectionTimeout),
                    Ok(opened) => opened?,
                }
                tcp
            }
            _ => {
                let addresses = self.addresses(bare, port).await?;
                if literal.is_none()
                    && !self.allow_private_addresses
                    && let Some(refused) = addresses.iter().find(|address| !is_public_address(address.ip()))
                {
                    tracing::warn!(target: LOG, host = bare, address = %refused.ip(), "refused: the name resolves to a non-public address");
                    return Err(Error::DestinationIpProhibited);
                }
                self.connect_any(&addresses).await?
            }
        };
        let Some(server_name) = server_name else { return Ok(Stream::Plain(tcp)) };
        match tokio::time::timeout(self.timeout, self.tls.connect(server_name, tcp)).await {
            Err(_) => Err(Error::ConnectionTimeout),
            Ok(Err(error)) => Err(tls_error(error)),
            Ok(Ok(tls)) => Ok(Stream::Tls(Box::new(tls))),
        }
    }

    /// An IP literal as given, else the resolver's answer (never empty).
    async fn addresses(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, Error> {
        let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        match tokio::time::timeout(self.timeout, self.resolver.resolve(bare, port)).await {
            Err(_) => Err(Error::DnsTimeout),
            Ok(Err(error)) => Err(Error::DnsError { rcode: Some(error.to_string()), info_code: None }),
            Ok(Ok(addresses)) if addresses.is_empty() => {
                Err(Error::DnsError { rcode: Some(format!("no address for {bare}")), info_code: None })
            }
            Ok(Ok(addresses)) => Ok(addresses),
        }
    }

    /// Connects to each address in turn until one answers; the last failure otherwise.
    async fn connect_any(&self, addresses: &[SocketAddr]) -> Result<TcpStream, Error> {
        let mut failure = Error::DestinationUnavailable;
        for address in addresses {
            failure = match tokio::time::timeout(self.timeout, TcpStream::connect(address)).await {
                Ok(Ok(tcp)) => {
                    self.opened.fetch_add(1, Ordering::Relaxed);
                    // Requests are small and answered at once: no Nagle delay.
                    let _ = tcp.set_nodelay(true);
                    return Ok(tcp);
                }
                Ok(Err(error)) if error.kind() == io::ErrorKind::ConnectionRefused => Error::ConnectionRefused,
                Ok(Err(error)) => Error::Connect(error),
                Err(_) => Error::ConnectionTimeout,
            };
            tracing::debug!(target: LOG, %address, error = %failure, "connect attempt failed");
        }
        Err(failure)
    }
}

/// Asks the proxy for a tunnel to `authority` and reads its answer, which must be 2xx and end
/// before any tunnelled byte (the client speaks first in TLS).
async fn open_tunnel(tcp: &mut TcpStream, authority: &str) -> Result<(), Error> {
    let failure = |message: String| Error::Connect(io::Error::other(message));
    tcp.write_all(format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n").as_bytes()).await.map_err(Error::Connect)?;
    let mut head = Vec::with_capacity(256);
    let mut chunk = [0u8; 1024];
    let end = loop {
        let read = tcp.read(&mut chunk).await.map_err(Error::Connect)?;
        if read == 0 {
            return Err(failure(format!("the proxy closed the connection before answering CONNECT {authority}")));
        }
        let from = head.len().saturating_sub(3);
        head.extend_from_slice(&chunk[..read]);
        if let Some(at) = head[from..].windows(4).position(|window| window == b"\r\n\r\n") {
            break from + at + 4;
        }
        if head.len() > MAX_PROXY_HEAD {
            return Err(failure(format!("the proxy's answer to CONNECT {authority} has a head over {MAX_PROXY_HEAD} bytes")));
        }
    };
    if end > MAX_PROXY_HEAD {
        return Err(failure(format!("the proxy's answer to CONNECT {authority} has a head over {MAX_PROXY_HEAD} bytes")));
    }
    let line = head.split(|&byte| byte == b'\n').next().unwrap_or_default();
    let line: String = String::from_utf8_lossy(line).trim_end().chars().take(120).collect();
    let mut words = line.split(' ');
    let version = words.next().unwrap_or_default();
    let status = words.next().filter(|code| code.len() == 3).and_then(|code| code.parse::<u16>().ok());
    match status {
        Some(200..=299) if version.starts_with("HTTP/1.") => {}
        Some(status) => return Err(failure(format!("the proxy refused CONNECT {authority} with status {status} ({line:?})"))),
        None => return Err(failure(format!("the proxy's answer to CONNECT {authority} is not HTTP ({line:?})"))),
    }
    if end != head.len() {
        return Err(failure(format!("the proxy sent data after accepting CONNECT {authority}, before the TLS handshake")));
    }
    Ok(())
}

/// A TLS handshake failure, with the causes the guest can act on told apart.
fn tls_error(error: io::Error) -> Error {
    let cause = error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match cause {
        Some(rustls::Error::InvalidCertificate(reason)) => {
            tracing::warn!(target: LOG, ?reason, "the server's certificate is not trusted");
            Error::TlsCertificateError
        }
        Some(rustls::Error::NoCertificatesPresented) => Error::TlsCertificateError,
        Some(rustls::Error::AlertReceived(alert)) => {
            Error::TlsAlertReceived { alert_id: Some(u8::from(*alert)), alert_message: Some(format!("{alert:?}")) }
        }
        _ => Error::Tls(error),
    }
}

/// A connection, plain or TLS.
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Connection for Stream {
    fn connected(&self) -> Connected {
        // A CONNECT tunnel is not a forwarding proxy: requests keep the origin form.
        Connected::new()
    }
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_write_vectored(cx, bufs),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(tcp) => tcp.is_write_vectored(),
            Stream::Tls(tls) => tls.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A `wasmtime_wasi_http::Error` carried through hyper's boxed error chains (as the connector's
/// error, or the request body's), so [`from_client_error`] can take it back out whole.
struct Carried(Mutex<Option<Error>>);

impl Carried {
    fn new(error: Error) -> Carried {
        Carried(Mutex::new(Some(error)))
    }

    fn take(&self) -> Option<Error> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

impl fmt::Debug for Carried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Carried").field(&*self.0.lock().unwrap_or_else(PoisonError::into_inner)).finish()
    }
}

impl fmt::Display for Carried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(error) => error.fmt(f),
            None => f.write_str("(error already reported)"),
        }
    }
}

impl StdError for Carried {}

/// The guest's view of a failed `Client::request`: our own error when the connector or the
/// request body failed, else the hyper error told apart by kind.
fn from_client_error(error: hyper_util::client::legacy::Error) -> Error {
    let mut hyper_error = None;
    let mut next = error.source();
    while let Some(cause) = next {
        if let Some(carried) = cause.downcast_ref::<Carried>()
            && let Some(carried) = carried.take()
        {
            return carried;
        }
        if hyper_error.is_none() {
            hyper_error = cause.downcast_ref::<hyper::Error>();
        }
        next = cause.source();
    }
    tracing::warn!(target: LOG, ?error, "request failed");
    match hyper_error {
        Some(hyper_error) => from_hyper_error(hyper_error),
        None => Error::InternalError(Some(error.to_string())),
    }
}

/// A hyper error seen by reference (the legacy client owns it), by kind.
fn from_hyper_error(error: &hyper::Error) -> Error {
    let io_kind = error.source().and_then(|cause| cause.downcast_ref::<io::Error>()).map(io::Error::kind);
    if error.is_timeout() {
        Error::HttpResponseTimeout
    } else if error.is_parse_too_large() {
        Error::HttpResponseHeaderSectionSize(None)
    } else if error.is_incomplete_message() {
        Error::HttpResponseIncomplete
    } else if error.is_canceled()
        || error.is_closed()
        || matches!(
            io_kind,
            Some(
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof
            )
        )
    {
        Error::ConnectionTerminated
    } else {
        Error::HttpProtocolError
    }
}

/// The response body, failing with `ConnectionReadTimeout` when the next frame takes longer than
/// the between-bytes timeout (as `default_send_request` does).
struct ResponseBody {
    incoming: hyper::body::Incoming,
    timeout: tokio::time::Interval,
}

impl ResponseBody {
    fn new(incoming: hyper::body::Incoming, between_bytes_timeout: Duration) -> ResponseBody {
        let mut timeout = tokio::time::interval(between_bytes_timeout);
        timeout.reset();
        ResponseBody { incoming, timeout }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        match Pin::new(&mut self.incoming).poll_frame(cx) {
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Ready(Some(Ok(frame))) => {
                self.timeout.reset();
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(error))) => {
                let carried = error.source().and_then(|cause| cause.downcast_ref::<Carried>()).and_then(Carried::take);
                let error = match carried {
                    Some(carried) => carried,
                    None if error.is_timeout() => Error::HttpResponseTimeout,
                    None => Error::from(error),
                };
                Poll::Ready(Some(Err(error)))
            }
            Poll::Pending => {
                ready!(self.timeout.poll_tick(cx));
                Poll::Ready(Some(Err(Error::ConnectionReadTimeout)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}

/// Whether `ip` is a public unicast address: not loopback, private (10/8, 172.16/12, 192.168/16,
/// fc00::/7), shared (100.64/10), link-local (169.254/16, fe80::/10), unspecified, multicast,
/// broadcast, reserved or documentation. IPv6 forms that embed an IPv4 address (mapped, NAT64
/// 64:ff9b::/96, 6to4) are judged by that address; any other IPv6 address outside global unicast
/// 2000::/3 is not public.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let not_public = a == 0 // "this network", with 0.0.0.0
        || a == 10
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier-grade NAT)
        || a == 127
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && (c == 0 || c == 2)) // IETF protocol assignments, TEST-NET-1
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224; // multicast 224/4, reserved 240/4, broadcast
    !not_public
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    let embedded = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded(s[6], s[7])); // NAT64
    }
    if s[0] == 0x2002 {
        return is_public_v4(embedded(s[1], s[2])); // 6to4
    }
    (s[0] & 0xe000) == 0x2000 // global unicast 2000::/3
        && !(s[0] == 0x2001 && s[1] < 0x0200) // IETF protocol assignments 2001::/23 (Teredo, ORCHID, ...)
        && !(s[0] == 0x2001 && s[1] == 0x0db8) // documentation 2001:db8::/32
        && !(s[0] == 0x3fff && s[1] < 0x1000) // documentation 3fff::/20
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;
    use http_body_util::{Empty, Full};
    use hyper::service::service_fn;
    use rustls::pki_types::PrivateKeyDer;
    use std::convert::Infallible;
    use std::sync::atomic::AtomicUsize;
    use tokio::net::TcpListener;
    use tokio_rustls::TlsAcceptor;

    /// Generous: no test waits for it unless something is broken.
    const PATIENCE: Duration = Duration::from_secs(20);

    fn route() -> Route {
        Route { extra_ca_pem: None, proxy: None, allow_private_addresses: false, connect_timeout: PATIENCE }
    }

    /// Answers only for the names it was given.
    struct Fixed(Vec<(&'static str, Vec<SocketAddr>)>);

    impl Resolve for Fixed {
        fn resolve(&self, host: &str, _port: u16) -> Resolving {
            let answer = self
                .0
                .iter()
                .find(|(name, _)| *name == host)
                .map(|(_, addresses)| addresses.clone())
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{host} is not known")));
            Box::pin(async move { answer })
        }
    }

    fn transport(names: Vec<(&'static str, Vec<SocketAddr>)>) -> Transport {
        Transport::new(Arc::new(Fixed(names)))
    }

    fn local(port: u16) -> Vec<SocketAddr> {
        vec![SocketAddr::from((Ipv4Addr::LOCALHOST, port))]
    }

    fn get(uri: &str) -> http::Request<WasiBody> {
        http::Request::get(uri).body(Empty::<Bytes>::new().map_err(|never| match never {}).boxed_unsync()).unwrap()
    }

    async fn send(transport: &Transport, route: &Route, uri: &str) -> Result<(StatusCode, Bytes), Error> {
        let response = transport.send(route, get(uri), PATIENCE, PATIENCE).await?;
        let status = response.status();
        Ok((status, response.into_body().collect().await?.to_bytes()))
    }

    /// Lets the runtime's other tasks run (the pool takes a connection back in a task of its own).
    async fn settle() {
        for _ in 0..64 {
            tokio::task::yield_now().await;
        }
    }

    /// An HTTP/1.1 keep-alive server on 127.0.0.1 answering 200 "ok", over TLS when given an
    /// acceptor; counts the connections it accepts.
    async fn serve(tls: Option<TlsAcceptor>) -> (u16, Arc<AtomicUsize>) {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let tls = tls.clone();
                tokio::spawn(async move {
                    match tls {
                        None => answer_ok(tcp).await,
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(tcp).await {
                                answer_ok(stream).await;
                            }
                        }
                    }
                });
            }
        });
        (port, accepted)
    }

    async fn answer_ok<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(stream: S) {
        let service = service_fn(|_: http::Request<hyper::body::Incoming>| async {
            Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from_static(b"ok"))))
        });
        let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
    }

    /// A CA, and a server certificate it signed for `localhost` and 127.0.0.1.
    struct Pki {
        ca_pem: String,
        acceptor: TlsAcceptor,
    }

    fn pki() -> Pki {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name.push(rcgen::DnType::CommonName, "transport test CA");
        ca.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
        let ca = ca.self_signed(&ca_key).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let mut leaf = rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        leaf.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let leaf = leaf.signed_by(&key, &ca, &ca_key).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![leaf.der().clone()], PrivateKeyDer::Pkcs8(key.serialize_der().into()))
            .unwrap();
        Pki { ca_pem: ca.pem(), acceptor: TlsAcceptor::from(Arc::new(config)) }
    }

    /// A CONNECT proxy on 127.0.0.1 that records each CONNECT target and, when `status` is 200,
    /// pipes the tunnel to 127.0.0.1 at the target's port; otherwise it answers `status` and closes.
    async fn connect_proxy(status: u16) -> (u16, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = targets.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    while !head.ends_with(b"\r\n\r\n") {
                        let mut byte = [0u8];
                        if client.read(&mut byte).await.unwrap_or(0) == 0 || head.len() > 8192 {
                            return;
                        }
                        head.push(byte[0]);
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    let Some(target) = head.strip_prefix("CONNECT ").and_then(|rest| rest.split(' ').next()) else { return };
                    seen.lock().unwrap().push(target.to_owned());
                    if status != 200 {
                        let _ = client.write_all(format!("HTTP/1.1 {status} No\r\ncontent-length: 0\r\n\r\n").as_bytes()).await;
                        return;
                    }
                    let Some(port) = target.rsplit(':').next().and_then(|port| port.parse::<u16>().ok()) else { return };
                    let Ok(mut upstream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await else { return };
                    if client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.is_ok() {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    }
                });
            }
        });
        (port, targets)
    }

    #[tokio::test]
    async fn reuses_one_connection_for_sequential_requests() {
        let (port, accepted) = serve(None).await;
        let transport = transport(vec![]);
        for _ in 0..5 {
            let (status, body) = send(&transport, &route(), &format!("http://127.0.0.1:{port}/ping")).await.unwrap();
            assert_eq!((status, &body[..]), (StatusCode::OK, &b"ok"[..]));
            settle().await;
        }
        assert_eq!(transport.connections_opened(), 1);
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn trusts_a_private_ca_given_per_route() {
        let pki = pki();
        let (port, _) = serve(Some(pki.acceptor)).await;
        let transport = transport(vec![("localhost", local(port))]);
        let route = Route { extra_ca_pem: Some(pki.ca_pem.into_bytes()), allow_private_addresses: true, ..route() };
        let (status, body) = send(&transport, &route, &format!("https://localhost:{port}/")).await.unwrap();
        assert_eq!((status, &body[..]), (StatusCode::OK, &b"ok"[..]));
    }

    #[tokio::test]
    async fn verifies_an_ip_literal_host_against_the_certificate_ip() {
        let pki = pki();
        let (port, _) = serve(Some(pki.acceptor)).await;
        let transport = transport(vec![]);
        let route = Route { extra_ca_pem: Some(pki.ca_pem.into_bytes()), ..route() };
        let (status, _) = send(&transport, &route, &format!("https://127.0.0.1:{port}/")).await.unwrap();
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test]
    async fn refuses_a_server_whose_ca_is_not_trusted() {
        let pki = pki();
        let (port, _) = serve(Some(pki.acceptor)).await;
        let transport = transport(vec![("localhost", local(port))]);
        let route = Route { allow_private_addresses: true, ..route() };
        let error = send(&transport, &route, &format!("https://localhost:{port}/")).await.unwrap_err();
        assert!(matches!(error, Error::TlsCertificateError), "{error:?}");
    }

    #[tokio::test]
    async fn refuses_an_extra_ca_pem_that_does_not_parse_before_connecting() {
        let (port, accepted) = serve(None).await;
        let transport = transport(vec![]);
        let bad = b"-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n".to_vec();
        for pem in [bad, b"no PEM block here".to_vec()] {
            let route = Route { extra_ca_pem: Some(pem), ..route() };
            let error = send(&transport, &route, &format!("http://127.0.0.1:{port}/")).await.unwrap_err();
            assert!(matches!(error, Error::TlsCertificateError), "{error:?}");
        }
        assert_eq!(transport.connections_opened(), 0);
        assert_eq!(accepted.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn tunnels_https_through_a_connect_proxy() {
        let pki = pki();
        let (port, accepted) = serve(Some(pki.acceptor)).await;
        let (proxy_port, targets) = connect_proxy(200).await;
        // The transport cannot resolve `localhost` itself: only the proxy does.
        let transport = transport(vec![]);
        let route = Route {
            extra_ca_pem: Some(pki.ca_pem.into_bytes()),
            proxy: Some(format!("http://127.0.0.1:{proxy_port}").parse().unwrap()),
            ..route()
        };
        let (status, body) = send(&transport, &route, &format!("https://localhost:{port}/")).await.unwrap();
        assert_eq!((status, &body[..]), (StatusCode::OK, &b"ok"[..]));
        assert_eq!(*targets.lock().unwrap(), vec![format!("localhost:{port}")]);
        assert_eq!(transport.connections_opened(), 1);
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn reports_the_status_of_a_proxy_that_refuses_the_tunnel() {
        let (proxy_port, targets) = connect_proxy(403).await;
        let transport = transport(vec![]);
        let route = Route { proxy: Some(format!("http://127.0.0.1:{proxy_port}").parse().unwrap()), ..route() };
        let error = send(&transport, &route, "https://console.example:8443/").await.unwrap_err();
        let Error::Connect(io) = &error else { panic!("{error:?}") };
        assert!(io.to_string().contains("status 403"), "{io}");
        assert_eq!(*targets.lock().unwrap(), vec!["console.example:8443".to_owned()]);
    }

    #[tokio::test]
    async fn sends_plain_http_directly_even_with_a_proxy() {
        let (port, accepted) = serve(None).await;
        let (proxy_port, targets) = connect_proxy(200).await;
        let transport = transport(vec![]);
        let route = Route { proxy: Some(format!("http://127.0.0.1:{proxy_port}").parse().unwrap()), ..route() };
        let (status, _) = send(&transport, &route, &format!("http://127.0.0.1:{port}/")).await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert!(targets.lock().unwrap().is_empty());
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn refuses_a_public_name_that_resolves_to_a_private_address() {
        let (port, accepted) = serve(None).await;
        let transport = transport(vec![("console.example", local(port))]);
        let uri = format!("http://console.example:{port}/");
        let error = send(&transport, &route(), &uri).await.unwrap_err();
        assert!(matches!(error, Error::DestinationIpProhibited), "{error:?}");
        assert_eq!(transport.connections_opened(), 0);
        assert_eq!(accepted.load(Ordering::SeqCst), 0);

        let allowed = Route { allow_private_addresses: true, ..route() };
        let (status, _) = send(&transport, &allowed, &uri).await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn refuses_a_name_when_any_of_its_addresses_is_not_public() {
        let (port, accepted) = serve(None).await;
        // The public address comes first: were it tried, the guard would be checking only one.
        let addresses = vec![SocketAddr::from(([8, 8, 8, 8], port)), SocketAddr::from((Ipv4Addr::LOCALHOST, port))];
        let transport = transport(vec![("console.example", addresses)]);
        let error = send(&transport, &route(), &format!("http://console.example:{port}/")).await.unwrap_err();
        assert!(matches!(error, Error::DestinationIpProhibited), "{error:?}");
        assert_eq!(transport.connections_opened(), 0);
        assert_eq!(accepted.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn reports_a_name_that_does_not_resolve_as_a_dns_error() {
        let transport = transport(vec![]);
        let error = send(&transport, &route(), "http://nowhere.example/").await.unwrap_err();
        assert!(matches!(error, Error::DnsError { rcode: Some(_), .. }), "{error:?}");
        assert_eq!(transport.connections_opened(), 0);
    }

    #[tokio::test]
    async fn reports_a_closed_port_as_connection_refused() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let transport = transport(vec![]);
        let error = send(&transport, &route(), &format!("http://127.0.0.1:{port}/")).await.unwrap_err();
        assert!(matches!(error, Error::ConnectionRefused), "{error:?}");
    }

    #[tokio::test]
    async fn times_out_waiting_for_the_response_head() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // Accepts and never answers.
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((tcp, _)) = listener.accept().await {
                held.push(tcp);
            }
        });
        let transport = transport(vec![]);
        let request = get(&format!("http://127.0.0.1:{port}/"));
        let error = transport.send(&route(), request, Duration::from_millis(50), PATIENCE).await.unwrap_err();
        assert!(matches!(error, Error::ConnectionReadTimeout), "{error:?}");
    }

    #[tokio::test]
    async fn times_out_between_body_frames() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // Sends the head and a first chunk, then stalls with the connection open.
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((mut tcp, _)) = listener.accept().await {
                let mut request = [0u8; 1024];
                let _ = tcp.read(&mut request).await;
                let _ = tcp.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n").await;
                held.push(tcp);
            }
        });
        let transport = transport(vec![]);
        let request = get(&format!("http://127.0.0.1:{port}/"));
        let response = transport.send(&route(), request, PATIENCE, Duration::from_millis(50)).await.unwrap();
        let error = response.into_body().collect().await.unwrap_err();
        assert!(matches!(error, Error::ConnectionReadTimeout), "{error:?}");
    }

    #[tokio::test]
    async fn returns_a_request_body_failure_unchanged() {
        struct Failing;
        impl Body for Failing {
            type Data = Bytes;
            type Error = Error;
            fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
                Poll::Ready(Some(Err(Error::HttpRequestBodySize(Some(7)))))
            }
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // Reads and never answers, so only the body can end the request.
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((tcp, _)) = listener.accept().await {
                held.push(tcp);
            }
        });
        let transport = transport(vec![]);
        let request = http::Request::post(format!("http://127.0.0.1:{port}/")).body(Failing.boxed_unsync()).unwrap();
        let error = transport.send(&route(), request, PATIENCE, PATIENCE).await.unwrap_err();
        assert!(matches!(error, Error::HttpRequestBodySize(Some(7))), "{error:?}");
    }

    #[test]
    fn its_send_future_can_be_boxed_for_the_outgoing_hook() {
        fn boxed<'a>(future: impl Future<Output = Result<http::Response<WasiBody>, Error>> + Send + 'a) -> impl Send + 'a {
            Box::pin(future)
        }
        let transport = Arc::new(transport(vec![]));
        let route = route();
        // Built, never polled: this checks the type, not the network.
        let _ = boxed(async move { transport.send(&route, get("http://127.0.0.1:9/"), PATIENCE, PATIENCE).await });
    }

    #[test]
    fn classifies_public_and_non_public_addresses() {
        let public = [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.169.0.1",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700::1111",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ];
        let not_public = [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.255",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "198.51.100.1",
            "203.0.113.1",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:0.0.0.0",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::1",
            "100::1",
            "fc00::1",
            "fd12:3456:789a::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
            "2001::1",
            "2001:db8::1",
            "3fff::1",
        ];
        for address in public {
            assert!(is_public_address(address.parse().unwrap()), "{address} should be public");
        }
        for address in not_public {
            assert!(!is_public_address(address.parse().unwrap()), "{address} should not be public");
        }
    }
}
