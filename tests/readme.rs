//! The README's action catalog is generated from `describe`; this keeps it from drifting.

mod support;

use s1_harness::report::{catalog_markdown, first_difference, splice_catalog};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readme_catalog_matches_describe() {
    let generated = catalog_markdown(&support::runtime().describe().await.unwrap());
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let current = splice_catalog(&readme, &generated).expect("the README has the catalog markers");
    if let Some(diff) = first_difference(&readme, &current) {
        panic!("README catalog is stale ({diff});\nregenerate it with `cargo run -q -p s1-harness -- catalog --write README.md`");
    }
}
