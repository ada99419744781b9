//! HTTPS for the simulator, as a real console is reached: at start it makes a private CA and a
//! certificate for `localhost` and `127.0.0.1` signed by it (rcgen), and serves TLS with rustls.
//! Clients trust the CA (`Simulator::ca_pem`), exactly as a platform trusts a private CA for an
//! on-premises console. Both listeners count the TCP connections they accept, so a test can see
//! whether a client reuses connections.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::server::TlsStream;

/// The simulator's private CA and the server configuration its certificate makes.
pub struct Identity {
    /// The CA certificate, PEM: what clients trust.
    pub ca_pem: String,
    pub server: Arc<ServerConfig>,
}

impl Identity {
    /// A new CA and a server certificate for `localhost` and `127.0.0.1`, valid for the process.
    pub fn generate() -> anyhow::Result<Identity> {
        let ca_key = KeyPair::generate()?;
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.distinguished_name.push(DnType::CommonName, "SentinelOne simulator CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key)?;

        let server_key = KeyPair::generate()?;
        let mut server = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
        server.distinguished_name.push(DnType::CommonName, "localhost");
        let server_cert = server.signed_by(&server_key, &ca_cert, &ca_key)?;

        let chain = vec![CertificateDer::from(server_cert.der().to_vec()), CertificateDer::from(ca_cert.der().to_vec())];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Identity { ca_pem: ca_cert.pem(), server: Arc::new(config) })
    }
}

/// Counts accepted TCP connections (plain and TLS).
#[derive(Clone, Default)]
pub struct Connections(Arc<AtomicU64>);

impl Connections {
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// A plain TCP listener that counts what it accepts.
pub struct CountingListener {
    pub tcp: TcpListener,
    pub connections: Connections,
}

impl axum::serve::Listener for CountingListener {
    type Io = TcpStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (TcpStream, std::net::SocketAddr) {
        loop {
            match self.tcp.accept().await {
                Ok(accepted) => {
                    self.connections.add();
                    return accepted;
                }
                Err(e) => {
                    tracing::debug!(%e, "simulator: accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.tcp.local_addr()
    }
}

/// A TLS listener: accepts TCP, completes the handshake (bounded), hands the stream to axum.
pub struct TlsListener {
    pub tcp: TcpListener,
    pub acceptor: TlsAcceptor,
    pub connections: Connections,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (TlsStream<TcpStream>, std::net::SocketAddr) {
        loop {
            let (stream, peer) = match self.tcp.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::debug!(%e, "simulator: accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            self.connections.add();
            match tokio::time::timeout(Duration::from_secs(5), self.acceptor.accept(stream)).await {
                Ok(Ok(tls)) => return (tls, peer),
                Ok(Err(e)) => tracing::debug!(%e, %peer, "simulator: TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "simulator: TLS handshake timed out"),
            }
        }
    }

    fn local_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.tcp.local_addr()
    }
}
