//! Host-side bindings for the plugin's world. The WASI packages map to wasmtime's own
//! implementations; `wasi:logging` is implemented in [`crate::logging`].

wasmtime::component::bindgen!({
    world: "sentinelone:plugin/plugin",
    path: "../wit",
    exports: { default: async },
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
    },
    additional_derives: [serde::Serialize, PartialEq],
});
