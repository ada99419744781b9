//! The shipped component itself: how big it is and what it asks its host for.

use wasmparser::{Parser, Payload};

fn shipped() -> Vec<u8> {
    std::fs::read(plugin_artifacts::PLUGIN_WASM).expect("the component this build made")
}

/// The component's own imports (not those of the components nested in it), by name.
fn imports(component: &[u8]) -> Vec<String> {
    let (mut names, mut depth) = (Vec::new(), 0);
    for payload in Parser::new(0).parse_all(component) {
        match payload.expect("a valid component") {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth -= 1,
            Payload::ComponentImportSection(reader) if depth == 0 => {
                names.extend(reader.into_iter().map(|import| import.expect("an import").name.name.to_owned()));
            }
            _ => {}
        }
    }
    names
}

#[test]
fn the_shipped_component_is_at_most_400_kib() {
    let size = shipped().len();
    assert!(size <= 400 * 1024, "the component is {size} bytes, over 400 KiB ({} bytes)", 400 * 1024);
}

#[test]
fn the_component_imports_only_the_interfaces_the_plugin_uses() {
    let imports = imports(&shipped());
    let expected = [
        "wasi:io/poll@0.2.12",
        "wasi:clocks/monotonic-clock@0.2.12",
        "wasi:io/error@0.2.12",
        "wasi:io/streams@0.2.12",
        "wasi:http/types@0.2.12",
        "wasi:http/outgoing-handler@0.2.12",
        "wasi:config/store@0.2.0-rc.1",
        "wasi:logging/logging@0.1.0-draft",
        "sentinelone:plugin/types@0.3.0",
    ];
    let mut sorted = imports.clone();
    sorted.sort();
    let mut want: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    want.sort();
    assert_eq!(sorted, want, "no stdio, environment, filesystem, sockets or randomness: {imports:?}");
}
