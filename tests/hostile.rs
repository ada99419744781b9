//! A hostile guest gets nowhere: the hostile test component (`tests/hostile/`) runs under the same
//! host as the plugin and tries every way out it can. Each attempt must end as a typed denial the
//! guest sees, or as a host fault; never as a hang, a host crash, or a request that leaves.

mod support;

use host_harness::{Connection, Credential, Delivery, Fault, FaultKind};
use s1_simulator::{Simulator, tokens};
use serde_json::{Value, json};
use std::time::Duration;
use support::*;

/// What the guest sees for a request the policy refused (wasi-http's `error-code`).
const DENIED: &str = "ErrorCode::HttpRequestDenied";

/// The simulator as the allowed console, the token added by the host.
fn console() -> (Simulator, Connection) {
    let sim = simulator();
    let conn = connect_plain(&sim, tokens::ADMIN);
    (sim, conn)
}

fn target(sim: &Simulator) -> String {
    json!({"authority": sim.base_url().trim_start_matches("http://"), "scheme": "http"}).to_string()
}

/// Runs `attempt`, which must end as the guest's own report, and returns it.
async fn report(conn: &Connection, attempt: &str, input: &str) -> Value {
    let outcome = hostile_runtime().invoke(conn, attempt, input).await.unwrap_or_else(|f| panic!("{attempt}: the host stopped it: {f}"));
    let text = outcome.value.unwrap_or_else(|e| panic!("{attempt}: {e:?}"));
    eprintln!("{attempt}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Runs `attempt`, which the host must stop, and returns the fault.
async fn fault(conn: &Connection, attempt: &str, input: &str) -> Fault {
    match hostile_runtime().invoke(conn, attempt, input).await {
        Ok(outcome) => panic!("{attempt}: the host let it finish: {:?}", outcome.value),
        Err(fault) => {
            eprintln!("{attempt}: {:?} after {:?}: {fault}", fault.kind, fault.elapsed);
            fault
        }
    }
}

/// An attempt to reach somewhere other than the console: denied in the guest, recorded as
/// denied, and nothing reaches the console.
async fn assert_denied(attempt: &str) {
    let (sim, conn) = console();
    let out = report(&conn, attempt, &target(&sim)).await;
    assert_eq!((out["outcome"].as_str(), out["detail"].as_str()), (Some("error"), Some(DENIED)), "{attempt}: {out}");
    assert!(sim.requests().is_empty(), "{attempt}: a request reached the console");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_host_is_denied() {
    assert_denied("other-host").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ipv4_literal_is_denied() {
    assert_denied("ip-v4").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_loopback_address_is_denied() {
    assert_denied("ip-v4-loopback").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ipv6_literal_is_denied() {
    assert_denied("ip-v6").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decimal_ip_literal_is_denied() {
    assert_denied("ip-decimal").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hex_ip_literal_is_denied() {
    assert_denied("ip-hex").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn userinfo_in_the_authority_is_refused_or_denied() {
    let (sim, conn) = console();
    let out = report(&conn, "userinfo", &target(&sim)).await;
    let refused = out["outcome"] == "refused" || out["detail"] == DENIED;
    assert!(refused, "{out}");
    assert!(sim.requests().is_empty());
}

/// A header that would redirect the request or forge an identity: refused as the guest builds it.
async fn assert_header_refused(attempt: &str) {
    let (sim, conn) = console();
    let out = report(&conn, attempt, &target(&sim)).await;
    assert_eq!(out["outcome"], "header-refused", "{attempt}: {out}");
    assert!(sim.requests().is_empty(), "{attempt}: a request reached the console");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_header_is_refused() {
    assert_header_refused("host-header").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorization_header_is_refused_when_the_host_holds_the_token() {
    assert_header_refused("authorization-header").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_headers_are_refused() {
    assert_header_refused("proxy-header").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarding_headers_are_refused() {
    assert_header_refused("forwarded-header").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_is_denied_without_the_loopback_flag() {
    let (sim, mut conn) = console();
    conn.policy.allow_loopback_http = false;
    let out = report(&conn, "plain-http", &target(&sim)).await;
    assert_eq!(out["detail"], DENIED, "{out}");
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spinning_guest_is_stopped_by_its_cpu_budget() {
    let (sim, mut conn) = console();
    conn.policy.guest_cpu = Duration::from_millis(500);
    let fault = fault(&conn, "spin", &target(&sim)).await;
    assert_eq!(fault.kind, FaultKind::GuestCpu, "{fault}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_bomb_is_stopped_at_the_memory_limit() {
    let (sim, conn) = console();
    let fault = fault(&conn, "memory-bomb", &target(&sim)).await;
    assert_eq!(fault.kind, FaultKind::Memory, "{fault}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_flood_keeps_a_bounded_number_of_bounded_lines() {
    let (sim, mut conn) = console();
    conn.policy.call_timeout = Duration::from_secs(3);
    conn.policy.limits.max_log_lines = 100;
    let logs = match hostile_runtime().invoke(&conn, "log-flood", &target(&sim)).await {
        Ok(outcome) => outcome.logs,
        Err(fault) => fault.logs,
    };
    assert_eq!(logs.len(), 101, "100 lines and one saying how many were dropped");
    let max = conn.policy.limits.max_log_line_bytes + 64;
    assert!(logs.iter().all(|l| l.message.len() <= max), "every line is cut to the cap");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_table_growth_is_stopped_at_its_cap() {
    let (sim, conn) = console();
    let fault = fault(&conn, "table-growth", &target(&sim)).await;
    assert_eq!(fault.kind, FaultKind::ResourceLimit, "{fault}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_request_body_never_completes_a_request() {
    let (sim, mut conn) = console();
    conn.policy.http.max_request_bytes = 1024 * 1024;
    let out = report(&conn, "huge-body", &target(&sim)).await;
    assert_eq!(out["outcome"], "error", "{out}");
    assert!(
        sim.requests().iter().all(|r| r.method != "POST" || r.status >= 400),
        "no POST was served: {:?}",
        sim.requests().iter().map(|r| (&r.method, r.status)).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_flood_stops_at_the_request_budget() {
    let (sim, mut conn) = console();
    conn.policy.limits.max_requests = 100;
    let out = report(&conn, "request-flood", &target(&sim)).await;
    assert_eq!((out["detail"].as_str(), out["sent"].as_u64()), (Some(DENIED), Some(100)), "{out}");
    assert_eq!(sim.requests().len(), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_to_a_console_that_never_answers_is_stopped_by_the_wall_clock_with_its_record() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let authority = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(2).collect();
        std::thread::sleep(Duration::from_secs(10));
        drop(held);
    });
    let mut conn =
        Connection::new(&format!("http://{authority}"), Some(Credential::new(tokens::ADMIN, Delivery::HostHeader).unwrap())).unwrap();
    conn.policy.allow_loopback_http = true;
    conn.policy.call_timeout = Duration::from_secs(1);
    let fault = fault(&conn, "request-flood", &json!({"authority": authority, "scheme": "http"}).to_string()).await;
    assert_eq!(fault.kind, FaultKind::WallClock, "{fault}");
    assert_eq!(fault.outbound.len(), 1, "the request in flight is on record");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_added_only_for_the_console_not_for_other_allowed_origins() {
    let (console_sim, mut conn) = console();
    // A second allowed origin, as settings allow for pre-signed downloads.
    let other = simulator();
    conn.policy.allowed_origins.push(host_harness::policy::Origin::parse(&other.base_url()).unwrap());
    for sim in [&console_sim, &other] {
        let out = report(&conn, "plain-http", &target(sim)).await;
        assert_eq!(out["outcome"], "response", "{out}");
    }
    let sent = |sim: &Simulator| sim.requests().iter().map(|r| r.authorization.clone()).collect::<Vec<_>>();
    assert_eq!(sent(&console_sim), [Some("ApiToken <redacted>".to_owned())]);
    assert_eq!(sent(&other), [None]);
}
