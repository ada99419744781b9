// wasi:http `error-code` values for what goes wrong below HTTP, shared by the IO-worker extension
// (which fails futures and streams) and the main thread (`http-error-code`).
//
// A failure travels from the worker to the guest in one of two ways:
// - a failed response future carries the error-code value itself;
// - a failed body stream carries a Node error whose `code` is the error-code's tag (the worker
//   sets it) or a Node system code (ECONNRESET, ...); `toErrorCode` maps either back.

/** Tags of error-code cases without a payload. */
const PLAIN = new Set([
  "DNS-timeout",
  "destination-not-found",
  "destination-unavailable",
  "destination-IP-prohibited",
  "destination-IP-unroutable",
  "connection-refused",
  "connection-terminated",
  "connection-timeout",
  "connection-read-timeout",
  "connection-write-timeout",
  "connection-limit-reached",
  "TLS-protocol-error",
  "TLS-certificate-error",
  "HTTP-request-denied",
  "HTTP-request-length-required",
  "HTTP-request-method-invalid",
  "HTTP-request-URI-invalid",
  "HTTP-request-URI-too-long",
  "HTTP-response-incomplete",
  "HTTP-response-timeout",
  "HTTP-upgrade-failed",
  "HTTP-protocol-error",
  "loop-detected",
  "configuration-error",
]);

/** Tags whose payload is an optional u64 size. */
const SIZED = new Set(["HTTP-request-body-size", "HTTP-response-body-size"]);

const TLS_CERTIFICATE = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** An error-code for a tag and an optional size (bytes). */
export function errorCode(tag, size) {
  if (SIZED.has(tag)) return { tag, val: size === undefined ? undefined : BigInt(size) };
  if (PLAIN.has(tag)) return { tag };
  return { tag: "internal-error", val: String(tag) };
}

/**
 * The error-code for a Node error (or an `{code, message}` copy of one, as streams carry it).
 * Messages are Node's own and never hold request headers, so no credential.
 */
export function toErrorCode(error) {
  const code = error?.code;
  if (typeof code === "string") {
    if (PLAIN.has(code) || SIZED.has(code)) return errorCode(code, error.size);
    if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_FAIL" || code === "EAI_NONAME") {
      const errno = typeof error.errno === "number" ? Math.abs(error.errno) : undefined;
      return { tag: "DNS-error", val: { rcode: code, infoCode: errno !== undefined && errno <= 0xffff ? errno : undefined } };
    }
    if (code === "ECONNREFUSED") return { tag: "connection-refused" };
    if (code === "ECONNRESET" || code === "EPIPE" || code === "ECONNABORTED" || code === "ERR_STREAM_PREMATURE_CLOSE") {
      return { tag: "connection-terminated" };
    }
    if (code === "ETIMEDOUT") return { tag: "connection-timeout" };
    if (code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "EHOSTDOWN" || code === "ENETDOWN") {
      return { tag: "destination-unavailable" };
    }
    if (TLS_CERTIFICATE.has(code)) return { tag: "TLS-certificate-error" };
    if (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_") || code.startsWith("EPROTO")) {
      return { tag: "TLS-protocol-error" };
    }
    if (code === "HPE_INVALID_CONSTANT" || code.startsWith("HPE_")) return { tag: "HTTP-protocol-error" };
  }
  const message = typeof error?.message === "string" ? error.message : String(error);
  return { tag: "internal-error", val: message.slice(0, 500) };
}

/** A Node Error carrying an error-code tag as its `code`, for destroying streams with. */
export function codedError(tag, message, size) {
  const error = new Error(message ?? tag);
  error.code = tag;
  if (size !== undefined) error.size = size;
  return error;
}
