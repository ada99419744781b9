//! The transport seam: a request description in, a buffered response out. The component
//! implements it with `wasi:http/outgoing-handler`; native tests with a fake.

use crate::Error;
use alloc::string::String;
use alloc::vec::Vec;

/// The HTTP methods the Management API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// `https`, or `http` (which the host only lets out to loopback when explicitly allowed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

/// One outgoing request.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: Method,
    pub scheme: Scheme,
    /// `host[:port]`.
    pub authority: String,
    /// The path and the already-encoded query, e.g. `/web/api/v2.1/agents?limit=1000`.
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Time left before the call's deadline: the transport waits no longer than this for the
    /// response (or the plugin's own timeouts, whichever is shorter).
    pub time_left: core::time::Duration,
}

/// One buffered response.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Sends requests. Failures below HTTP come back as [`Error::Transport`], policy refusals as
/// [`Error::RequestDenied`].
pub trait Transport {
    fn send(&self, request: &Request) -> Result<Response, Error>;
}

/// The most a response body may hold before the plugin gives up on it (the host enforces its
/// own, usually smaller, cap first).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
