//! The connection test a platform runs on Save, for every kind of token and failure.

mod support;

use host_harness::{Connection, FindingCode, IdentityKind, PluginError, Policy, Verdict};
use s1_simulator::tokens;
use support::*;

fn codes(report: &host_harness::CheckReport) -> Vec<FindingCode> {
    report.findings.iter().map(|f| f.code).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_with_a_valid_admin_token_is_ready_with_its_identity_and_expiry() {
    let sim = simulator();
    let report = runtime().check(&connect(&sim, tokens::ADMIN)).await.unwrap().value;
    assert_eq!(report.verdict, Verdict::Ready, "{report:?}");
    assert!(report.can_act);
    assert_eq!(report.console.as_ref().unwrap().version, "24.1.2");
    let identity = report.identity.as_ref().unwrap();
    assert_eq!((identity.kind, identity.scope.as_str()), (IdentityKind::User, "tenant"));
    assert_eq!(identity.roles.iter().map(|r| r.role_name.as_str()).collect::<Vec<_>>(), ["Admin"]);
    assert_eq!(report.token.as_ref().unwrap().days_left, Some(180));
    assert!(report.failure.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_with_a_token_expiring_in_10_days_warns_with_the_days_left() {
    let sim = simulator();
    let report = runtime().check(&connect(&sim, tokens::EXPIRING)).await.unwrap().value;
    assert_eq!(report.verdict, Verdict::ReadyWithWarnings);
    assert_eq!(report.token.as_ref().unwrap().days_left, Some(10));
    assert_eq!(report.findings[0].code, FindingCode::TokenExpiringSoon);
    assert!(report.summary.contains("expires in 10 days"), "{}", report.summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_warning_threshold_comes_from_the_configuration() {
    let sim = simulator();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.token_warning_days = Some(200);
    let report = runtime().check(&conn).await.unwrap().value;
    assert_eq!(report.verdict, Verdict::ReadyWithWarnings);
    assert!(codes(&report).contains(&FindingCode::TokenExpiringSoon));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_with_an_expired_host_held_token_is_not_ready_as_rejected() {
    let sim = simulator();
    let report = runtime().check(&connect(&sim, tokens::EXPIRED)).await.unwrap().value;
    assert_eq!(report.verdict, Verdict::NotReady);
    assert_eq!(report.findings[0].code, FindingCode::TokenRejected);
    assert!(report.findings[0].message.contains("expired"), "the message names expiry as a cause");
    assert!(matches!(report.failure, Some(PluginError::Unauthorized(ref u)) if u.code == Some(4010010)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_tells_an_expired_token_apart_when_the_configuration_holds_it() {
    let sim = simulator();
    let report = runtime().check(&connect_via_config(&sim, tokens::EXPIRED)).await.unwrap().value;
    assert_eq!(report.verdict, Verdict::NotReady);
    assert_eq!(report.findings[0].code, FindingCode::TokenExpired);
    assert!(matches!(report.failure, Some(PluginError::Unauthorized(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_with_an_unknown_token_is_not_ready_as_rejected() {
    let sim = simulator();
    let report = runtime().check(&connect_via_config(&sim, tokens::UNKNOWN)).await.unwrap().value;
    assert_eq!(report.verdict, Verdict::NotReady);
    assert_eq!(report.findings[0].code, FindingCode::TokenRejected);
    assert!(report.findings[0].message.contains("unknown or revoked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_with_a_viewer_token_warns_that_actions_will_be_refused() {
    let sim = simulator();
    let report = runtime().check(&connect(&sim, tokens::VIEWER)).await.unwrap().value;
    assert_eq!(report.verdict, Verdict::ReadyWithWarnings);
    assert!(!report.can_act);
    assert_eq!(report.findings[0].code, FindingCode::ReadOnlyRole);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_with_a_service_user_token_reports_a_service_user_at_account_scope() {
    let sim = simulator();
    let report = runtime().check(&connect(&sim, tokens::SERVICE_USER)).await.unwrap().value;
    let identity = report.identity.unwrap();
    assert_eq!((identity.kind, identity.scope.as_str()), (IdentityKind::ServiceUser, "account"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_against_a_closed_port_reports_the_console_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut conn = Connection::new(&format!("http://127.0.0.1:{port}"), None).unwrap();
    conn.policy.allow_loopback_http = true;
    let report = runtime().check(&conn).await.unwrap().value;
    assert_eq!(report.verdict, Verdict::NotReady);
    assert_eq!(report.findings[0].code, FindingCode::ConsoleUnreachable);
    assert!(matches!(report.failure, Some(PluginError::Transport(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_against_a_url_outside_the_policy_is_denied_by_the_host_and_sends_nothing() {
    let sim = simulator();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.policy = Policy { allow_loopback_http: true, ..Policy::for_console("http://127.0.0.1:1").unwrap() };
    let outcome = runtime().check(&conn).await.unwrap();
    assert_eq!(outcome.value.verdict, Verdict::NotReady);
    assert_eq!(outcome.value.findings[0].code, FindingCode::RequestDenied);
    assert!(matches!(outcome.value.failure, Some(PluginError::RequestDenied(_))));
    assert!(outcome.outbound.iter().all(|r| r.denied.is_some()));
    assert!(sim.requests().is_empty(), "nothing reached the console");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_without_a_url_reports_a_configuration_error() {
    let conn = Connection { console_url: String::new(), ..Connection::new("https://console.example", None).unwrap() };
    let report = runtime().check(&conn).await.unwrap().value;
    assert_eq!(report.verdict, Verdict::NotReady);
    assert_eq!(report.findings[0].code, FindingCode::ConfigurationInvalid);
    assert!(matches!(report.failure, Some(PluginError::Configuration(ref m)) if m.contains("`url`")));
}
