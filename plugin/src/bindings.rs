//! The generated bindings for `wit/`, kept out of sight: only [`crate::component`] touches them.

wit_bindgen::generate!({
    world: "plugin",
    path: "../wit",
    generate_all,
});
