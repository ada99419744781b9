//! The "cloud storage" origin: where the console's pre-signed download URLs point (remote-script
//! results, threat samples), as an S3 bucket would serve them. It is a third listener on
//! 127.0.0.1, TLS only, with the console's certificate and CA ([`crate::Simulator::storage_url`]),
//! served by its own small router: no spec check, no API authentication, no injected faults or
//! delays. Requests are recorded in the console's request log (path as received, such as
//! `/s1-remote-ops-results/...`; `Authorization` redacted as always).
//!
//! Handlers register an object with [`Storage::presign`] and hand out the URL it answers, shaped
//! like S3's path-style pre-signed URLs:
//! `https://127.0.0.1:PORT/<bucket>/<key>?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=...&X-Amz-Date=<yyyymmddThhmmssZ>&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=<64 hex>`.
//!
//! A `GET` on such a URL answers, in this order (errors are S3's XML `<Error>` documents,
//! `Content-Type: application/xml`):
//! - an `Authorization` header, whatever its value: 400 `InvalidArgument` ("Only one auth
//!   mechanism allowed; ..."), as S3 answers a pre-signed URL sent with a header too. This catches
//!   a client that leaks the SentinelOne token to storage. Unlike S3 the body does not echo the
//!   header's value.
//! - an unknown object: 404 `NoSuchKey`.
//! - a query that is not one the object was signed with (missing or wrong `X-Amz-Signature`, or any
//!   other signed parameter changed, added or dropped; pairs compare decoded, in any order): 403
//!   `SignatureDoesNotMatch`.
//! - past `X-Amz-Date` + `X-Amz-Expires` (wall clock): 403 `AccessDenied` "Request has expired".
//! - otherwise 200 with the bytes, `Content-Type` (the object's, `application/zip` for every object
//!   the simulator makes), `Content-Length` and `Content-Disposition: attachment;
//!   filename="<name>"`.
//!
//! Other methods answer 405 `MethodNotAllowed`. Our choices: signatures are random-looking hex,
//! not real SigV4 (no client can check them anyway); an object signed again keeps its earlier URLs
//! valid until they expire (each signing is a separate grant); objects stay for the simulator's
//! life.

use super::clock::Timestamp;
use super::request_log;
use super::rng::{SplitMix64, fnv1a};
use super::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where `remote-scripts/fetch-files` results live.
pub const REMOTE_OPS_BUCKET: &str = "s1-remote-ops-results";
/// Where `threats/{id}/download-from-cloud` samples live.
pub const THREAT_FILES_BUCKET: &str = "s1-threat-files";
/// `X-Amz-Expires` of every URL the handlers hand out (S3's usual hour).
pub const URL_LIFETIME_SECONDS: i64 = 3600;
const CREDENTIAL_KEY: &str = "ASIAS1SIMULATOR00000";
const REGION: &str = "us-east-1";

/// What an object is: its bytes and how it is served.
#[derive(Clone, Debug)]
pub struct Blob {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    /// The `filename` of `Content-Disposition`.
    pub file_name: String,
}

/// One pre-signed URL's query (decoded pairs, sorted) and when it expires.
#[derive(Clone, Debug)]
struct Grant {
    query: Vec<(String, String)>,
    expires_at: Timestamp,
}

#[derive(Clone, Debug)]
struct Object {
    blob: Blob,
    grants: Vec<Grant>,
}

/// The objects, by decoded path (`/<bucket>/<key>`).
pub struct Storage {
    base_url: String,
    objects: Mutex<HashMap<String, Object>>,
    signings: AtomicU64,
}

impl Storage {
    /// An empty store served at `base_url` (`https://127.0.0.1:PORT`).
    pub fn new(base_url: String) -> Storage {
        Storage { base_url, objects: Mutex::default(), signings: AtomicU64::new(0) }
    }

    /// Stores `blob` at `/<bucket>/<key>` (replacing the bytes of an object already there) and
    /// answers a URL that fetches it for the next [`URL_LIFETIME_SECONDS`].
    pub fn presign(&self, bucket: &str, key: &str, blob: Blob) -> String {
        self.presign_at(bucket, key, blob, Timestamp::now(), URL_LIFETIME_SECONDS)
    }

    /// [`Storage::presign`] as if signed at `signed_at` for `lifetime_seconds`.
    pub fn presign_at(&self, bucket: &str, key: &str, blob: Blob, signed_at: Timestamp, lifetime_seconds: i64) -> String {
        let path = format!("/{}", [bucket, key].join("/"));
        let stamp: String = signed_at.to_string().chars().filter(char::is_ascii_alphanumeric).take(15).collect();
        let signing = self.signings.fetch_add(1, Ordering::Relaxed);
        let signature = SplitMix64::new(fnv1a(path.as_bytes()) ^ signed_at.0 as u64 ^ signing.wrapping_mul(0x9E37_79B9_7F4A_7C15)).hex(64);
        let query = format!(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential={CREDENTIAL_KEY}%2F{}%2F{REGION}%2Fs3%2Faws4_request\
             &X-Amz-Date={stamp}Z&X-Amz-Expires={lifetime_seconds}&X-Amz-SignedHeaders=host&X-Amz-Signature={signature}",
            stamp.get(..8).unwrap_or_default(),
        );
        let grant = Grant { query: sorted_pairs(Some(&query)), expires_at: signed_at.plus_micros(lifetime_seconds * 1_000_000) };
        let mut objects = self.objects.lock().unwrap_or_else(|p| p.into_inner());
        let object = objects.entry(path.clone()).or_insert_with(|| Object { blob: blob.clone(), grants: Vec::new() });
        object.blob = blob;
        object.grants.push(grant);
        format!("{}{}?{query}", self.base_url, encode_path(&path))
    }

    /// The answer to `method` `uri` with `headers`.
    fn answer(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Response {
        if method != Method::GET {
            return s3_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
                &[("Method", method.as_str()), ("ResourceType", "OBJECT")],
            );
        }
        if headers.contains_key(AUTHORIZATION) {
            return s3_error(
                StatusCode::BAD_REQUEST,
                "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or \
                 the Authorization header should be specified",
                &[("ArgumentName", "Authorization")],
            );
        }
        let path = percent_decode(uri.path());
        let objects = self.objects.lock().unwrap_or_else(|p| p.into_inner());
        let Some(object) = objects.get(&path) else {
            let key = path.trim_start_matches('/').split_once('/').map_or("", |(_, key)| key);
            return s3_error(StatusCode::NOT_FOUND, "NoSuchKey", "The specified key does not exist.", &[("Key", key)]);
        };
        let query = sorted_pairs(uri.query());
        let Some(grant) = object.grants.iter().find(|g| g.query == query) else {
            return s3_error(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
                &[],
            );
        };
        let now = Timestamp::now();
        if now >= grant.expires_at {
            let expires = grant.expires_at.to_string();
            return s3_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Request has expired",
                &[("Expires", expires.as_str()), ("ServerTime", now.to_string().as_str())],
            );
        }
        let blob = &object.blob;
        let mut response = (StatusCode::OK, Body::from(blob.bytes.clone())).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(blob.content_type));
        let disposition = format!("attachment; filename=\"{}\"", blob.file_name.replace(['"', '\\'], "_"));
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            headers.insert(CONTENT_DISPOSITION, value);
        }
        response
    }
}

/// The storage origin's router: every path answered by [`Storage`], recorded in the request log.
pub fn router(state: AppState) -> Router {
    Router::new().fallback(serve).layer(axum::middleware::from_fn_with_state(state.clone(), request_log::record)).with_state(state)
}

async fn serve(State(state): State<AppState>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    state.storage.answer(&method, &uri, &headers)
}

/// S3's error document.
fn s3_error(status: StatusCode, code: &str, message: &str, extra: &[(&str, &str)]) -> Response {
    let mut xml = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message>", escape(message));
    for (name, value) in extra {
        xml.push_str(&format!("<{name}>{}</{name}>", escape(value)));
    }
    let request_id = SplitMix64::new(fnv1a(xml.as_bytes()) ^ Timestamp::now().0 as u64).hex(16).to_uppercase();
    xml.push_str(&format!("<RequestId>{request_id}</RequestId></Error>"));
    (status, [(CONTENT_TYPE, "application/xml")], xml).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// A query's pairs, decoded (`%XX`, `+` as a space) and sorted.
fn sorted_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    let mut pairs = super::query::Params::parse(raw).pairs;
    pairs.sort();
    pairs
}

/// Percent-encodes a path for a URL, keeping `/` and S3's unreserved characters.
fn encode_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decodes `%XX` escapes in a path (`+` stays a `+` in paths).
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, ..) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob() -> Blob {
        Blob { bytes: b"PK".to_vec(), content_type: "application/zip", file_name: "a b.zip".into() }
    }

    #[test]
    fn a_presigned_url_is_path_style_with_the_s3_query() {
        let storage = Storage::new("https://127.0.0.1:1".into());
        let url = storage.presign("bucket", "dir/a b.zip", blob());
        let (path, query) = url.split_once('?').unwrap();
        assert_eq!(path, "https://127.0.0.1:1/bucket/dir/a%20b.zip");
        let names: Vec<String> = super::super::query::Params::parse(Some(query)).pairs.into_iter().map(|(k, _)| k).collect();
        let expected = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"];
        assert_eq!(names, expected);
        let signature = query.rsplit_once("X-Amz-Signature=").unwrap().1;
        assert!(signature.len() == 64 && signature.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(query.contains("X-Amz-Expires=3600") && query.contains("%2Fus-east-1%2Fs3%2Faws4_request"));
    }

    #[test]
    fn signing_an_object_again_keeps_its_earlier_urls() {
        let storage = Storage::new(String::new());
        let first = storage.presign("b", "k", blob());
        let second = storage.presign("b", "k", blob());
        assert_ne!(first, second);
        for url in [first, second] {
            let uri: Uri = url.parse().unwrap();
            assert_eq!(storage.answer(&Method::GET, &uri, &HeaderMap::new()).status(), StatusCode::OK);
        }
    }
}
