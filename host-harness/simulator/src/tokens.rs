//! The simulator's fixed API tokens.
//!
//! They are constants (not generated per run) so that tests, fixtures and the CLI can name them, and
//! they look like real console tokens (80 characters of `[A-Za-z0-9]`) so that a client which trims,
//! truncates or logs them is caught. What each token may do is described by the seeded users in
//! [`super::seed`]; expiry dates are relative to the simulator's start time.

/// Valid; role Admin at global (tenant) scope; expires in about 180 days.
pub const ADMIN: &str = "s1Qj0jOqMyFYVgbnQWn1AAxcOeRmH50p24092KIgqmIR2G1MIPgkA1GuYMpZ0xjneFTCypxlVBdg1qMr";
/// Valid; Admin at tenant scope; expires 10 days (plus a few hours) after the simulator started.
pub const EXPIRING: &str = "V1gIHnbN8OoIW0c3q4rvzWDYkqJ0g9tlqhv8lWozryRQN0Zk6iRVVPNjHoKAHeUCI80Qc59sHZncMPVT";
/// Expired 5 days before the simulator started: every authenticated call answers 401.
pub const EXPIRED: &str = "mIf17n1DSKtL7beGNrfpsSSfpYR3idBqglbdQZKD8NxCVHfYv8vBVtdm3wk4bCvRJnjFgSzPz2mwWH0N";
/// Valid; role Viewer at tenant scope (write actions answer 403); expires in about 90 days.
pub const VIEWER: &str = "KVTWzzOAbRXKOaPkc70LmAJ4aj3OL4weQSfClaTlRZe2I0c4DqvypdTaxjEZmCRfl01cQzv24PgRLVpR";
/// Valid; Admin confined to the first site of the first account.
pub const SITE_ADMIN: &str = "DnjhAmuZQRSZSmFYH9SmjafkejMlfgQiqS0uKqmVFJFsds0n9X4GAvIwsCaLDM0nyEciNYsZgAqQyUSQ";
/// Valid; a service user's token, Admin at account scope (the first account).
pub const SERVICE_USER: &str = "jBCQHOc2FEKdPOKw8YhmQbg3WuZimzCO5FN1BNGRyAz3HLgxNmDVkMqKKZxU3589G2ADCeRbOQeeec9u";
/// Valid; role SOC at tenant scope: threat, alert, isolation and blocklist work.
pub const SOC: &str = "Soc7mQ2wLx9RkV4nTb8YpJ3cHd6FgA1sZe5uKi0oNqWrXtPv2yBm8LhD4jGf7CaE9sUwQz3RkVnTbYpJ";
/// Valid; role IT at tenant scope: scans, restarts, logs, broadcasts, group moves.
pub const IT: &str = "It4kP9sQw2ZxLm7NvB3cRt8YhJ6gFd1aSe5uKo0iWq9rXtPv2yBm8LhD4jGf7CaE9sUwQz3RkVnTbYpJ";
/// Valid; role Incident Response at tenant scope: remote scripts and file fetches.
pub const INCIDENT_RESPONSE: &str = "Ir8vT3nQz6WxLp2MkB9cRs4YhJ7gFd1aSe5uKo0iWq9rXtPv2yBm8LhD4jGf7CaE9sUwQz3RkVnTbYpJ";
/// Well-formed but unknown to the console: 401 everywhere, 400 from `users/api-token-details`.
pub const UNKNOWN: &str = "TEoOGidAQlZkOppo5n4vhXXJGoraMp7QYE59yowi9hyekvJskISYMGcjASDQz88EMFEqmCBJcM9HNO8j";

/// Every token constant, so the request log can scrub any of them wherever they appear.
pub const ALL: [&str; 10] = [ADMIN, EXPIRING, EXPIRED, VIEWER, SITE_ADMIN, SERVICE_USER, SOC, IT, INCIDENT_RESPONSE, UNKNOWN];
