//! A faulty link and an overloaded console, on a seeded schedule: with a given probability a
//! request meets one of the failures collectors must survive.
//!
//! | fault | what the client sees |
//! |---|---|
//! | rate limited | 429 with `Retry-After: 1` and SentinelOne's error body |
//! | server error | 500, 502 or 503 with SentinelOne's error body |
//! | connection reset | the answer's first half, then the connection breaks |
//! | truncated JSON | a complete-looking 200 whose body is cut in half |
//! | slow first byte | the answer after 0.3 to 1.5 s |
//!
//! Status faults happen before the handler runs (nothing changes); the others after it (a write
//! may have happened although the client saw a failure, as on a real network).

use super::rng::SplitMix64;
use super::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Mutex;
use std::time::Duration;

/// The schedule: a seeded generator and a rate.
pub struct Faults {
    rng: Mutex<SplitMix64>,
    /// The share of requests that meet a fault, in 1/1000.
    per_mille: u64,
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    RateLimited,
    ServerError(u16),
    Reset,
    Truncated,
    Slow(Duration),
}

impl Faults {
    pub fn new(seed: u64, rate: f64) -> Faults {
        Faults { rng: Mutex::new(SplitMix64::new(seed ^ 0xfa17_5eed)), per_mille: (rate.clamp(0.0, 1.0) * 1000.0).round() as u64 }
    }

    fn next(&self) -> Option<Fault> {
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        if rng.below(1000) >= self.per_mille {
            return None;
        }
        Some(match rng.below(6) {
            0 => Fault::RateLimited,
            1 => Fault::ServerError(*rng.pick(&[500, 502, 503])),
            2 => Fault::Reset,
            3 => Fault::Truncated,
            _ => Fault::Slow(Duration::from_millis(rng.between(300, 1500) as u64)),
        })
    }
}

fn error_body(status: StatusCode, code: u32, title: &str) -> Response {
    let body = serde_json::json!({"errors": [{"code": code, "detail": null, "title": title}]});
    (status, axum::Json(body)).into_response()
}

/// The middleware: passes the request on, or fails it as the schedule says.
pub async fn inject(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(fault) = state.faults.as_ref().and_then(|f| f.next()) else { return next.run(request).await };
    tracing::debug!(?fault, path = %request.uri().path(), "injecting a fault");
    match fault {
        Fault::RateLimited => {
            let mut response = error_body(StatusCode::TOO_MANY_REQUESTS, 4290010, "Too Many Requests");
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
        Fault::ServerError(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error_body(status, 5000010, "Server Error")
        }
        Fault::Slow(delay) => {
            tokio::time::sleep(delay).await;
            next.run(request).await
        }
        Fault::Reset | Fault::Truncated => {
            let (mut parts, body) = next.run(request).await.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
            let half = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
            if let Fault::Truncated = fault {
                parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(half.len()));
                return Response::from_parts(parts, Body::from(half));
            }
            Response::from_parts(parts, Body::from_stream(broken(half)))
        }
    }
}

/// The first half of a body, then an I/O error: hyper aborts the connection mid-body.
fn broken(half: Bytes) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::iter([Ok(half), Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "simulated reset"))])
}
