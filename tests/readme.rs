//! The README's action catalog is generated from `describe`; this keeps it from drifting.

mod support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readme_catalog_matches_describe() {
    let generated = host_harness::report::catalog_markdown(&support::runtime().describe().await.unwrap());
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("<!-- catalog:start -->\n").expect("catalog start marker") + "<!-- catalog:start -->\n".len();
    let end = readme.find("<!-- catalog:end -->").expect("catalog end marker");
    assert!(
        readme[start..end] == generated,
        "README catalog is stale: regenerate it with `cargo run -p host-harness --bin s1-harness -- catalog`"
    );
}
