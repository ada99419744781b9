//! A session reuses one instance for a burst of calls of one tenant, and keeps working however
//! many calls it serves.

mod support;

use s1_simulator::tokens;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_serves_more_calls_than_its_resource_table_holds() {
    let sim = simulator();
    let mut conn = connect_plain(&sim, tokens::ADMIN);
    conn.policy.limits.max_table_entries = 500;
    let mut session = runtime().session(&conn).await.unwrap();
    for call in 0..1500 {
        let outcome = session.invoke("system.info", "{}").await.unwrap_or_else(|f| panic!("call {call}: {f}"));
        assert!(outcome.value.is_ok(), "call {call}: {:?}", outcome.value);
    }
    assert_eq!(sim.requests().len(), 1500);
}
