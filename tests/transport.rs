//! The host's transport as a platform relies on it: keep-alive connections shared by calls, a
//! console behind a private CA, an MSP's CONNECT proxy, and a name that resolves to a private
//! address refused before anything connects.

mod support;

use host_harness::transport::{Resolve, Resolving};
use host_harness::{PluginError, Runtime};
use s1_simulator::tokens;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use support::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_on_one_runtime_reuse_one_tls_connection() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    for _ in 0..5 {
        invoke_ok(&conn, "system.info", "{}").await;
        tokio::task::yield_now().await;
    }
    assert_eq!(sim.requests().len(), 5);
    assert_eq!(sim.connections(), 1, "five calls, one TLS connection");
}

/// A CONNECT proxy on loopback that tunnels to whatever it is asked for and counts the tunnels.
async fn proxy() -> (String, Arc<AtomicU64>, Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tunnels, targets) = (Arc::new(AtomicU64::new(0)), Arc::new(std::sync::Mutex::new(Vec::new())));
    let (count, seen) = (tunnels.clone(), targets.clone());
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (count, seen) = (count.clone(), seen.clone());
            tokio::spawn(async move {
                let mut client = BufReader::new(client);
                let mut line = String::new();
                client.read_line(&mut line).await.ok()?;
                let target = line.strip_prefix("CONNECT ")?.split_whitespace().next()?.to_owned();
                loop {
                    let mut header = String::new();
                    client.read_line(&mut header).await.ok()?;
                    if header == "\r\n" || header.is_empty() {
                        break;
                    }
                }
                let mut upstream = tokio::net::TcpStream::connect(&target).await.ok()?;
                count.fetch_add(1, Ordering::Relaxed);
                seen.lock().unwrap().push(target);
                let mut client = client.into_inner();
                client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n").await.ok()?;
                tokio::io::copy_bidirectional(&mut client, &mut upstream).await.ok()
            });
        }
    });
    (url, tunnels, targets)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_behind_a_connect_proxy_is_reached_through_it() {
    let sim = simulator();
    let (proxy_url, tunnels, targets) = proxy().await;
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.network.proxy = Some(proxy_url.parse().unwrap());
    let output = invoke_ok(&conn, "system.info", "{}").await;
    assert!(output["version"].is_string());
    assert_eq!(tunnels.load(Ordering::Relaxed), 1);
    assert_eq!(targets.lock().unwrap().as_slice(), [sim.https_url().trim_start_matches("https://").to_owned()]);
}

/// Resolves every name to one address, as a rebinding DNS answer would.
struct AlwaysTo(SocketAddr);

impl Resolve for AlwaysTo {
    fn resolve(&self, _: &str, _: u16) -> Resolving {
        let address = self.0;
        Box::pin(async move { Ok(vec![address]) })
    }
}

fn runtime_resolving_to(address: SocketAddr) -> Runtime {
    let (component, cache) = (std::path::Path::new(plugin_artifacts::PLUGIN_WASM), std::path::Path::new(plugin_artifacts::CACHE_DIR));
    Runtime::load(component, Some(cache)).unwrap().with_resolver(Arc::new(AlwaysTo(address)))
}

/// A connection to `https://<name>:<port>` for the simulator's TLS port.
fn named_connection(sim: &s1_simulator::Simulator, name: &str) -> host_harness::Connection {
    let port = sim.https_url().rsplit(':').next().unwrap().to_owned();
    let mut conn = host_harness::Connection::new(&format!("https://{name}:{port}"), connect(sim, tokens::ADMIN).credential).unwrap();
    conn.network.extra_ca_pem = Some(sim.ca_pem().as_bytes().to_vec());
    conn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_that_resolves_to_a_private_address_is_refused_before_connecting() {
    let sim = simulator();
    let runtime = runtime_resolving_to(sim.https_url().trim_start_matches("https://").parse().unwrap());
    let outcome = runtime.invoke(&named_connection(&sim, "console.example"), "system.info", "{}").await.unwrap();
    assert!(matches!(outcome.value, Err(PluginError::RequestDenied(ref m)) if m.contains("address")), "{:?}", outcome.value);
    assert_eq!((sim.connections(), runtime.connections_opened()), (0, 0), "nothing connected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_addresses_are_reached_when_the_connection_allows_them() {
    let sim = simulator();
    let runtime = runtime_resolving_to(sim.https_url().trim_start_matches("https://").parse().unwrap());
    let mut conn = named_connection(&sim, "localhost");
    conn.network.allow_private_addresses = true;
    let outcome = runtime.invoke(&conn, "system.info", "{}").await.unwrap();
    assert!(outcome.value.is_ok(), "{:?}", outcome.value);
}
