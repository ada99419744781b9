// `wasi:http/outgoing-handler` for one plugin: every request the guest makes passes here, where
// the policy decides (before anything leaves the main thread, so a denied request never opens a
// connection or resolves a name), timeouts are clamped, the credential is added and the caps are
// passed on to the IO worker that makes the exchange.
//
// A refusal is the error-code `HTTP-request-denied` returned from `handle`: a value the guest
// handles (the plugin turns it into its typed `request-denied` error), never a trap.

import { clampMs, decide, isForbiddenHeader } from "./policy.js";
import { futureIncomingResponseCreate, outgoingBodyAdopt, outgoingBodyId, outgoingRequestParts, worker } from "./wasi-http-types.js";

/**
 * @param {object} host the plugin's host context (see `src/index.js`): `policy`, `limits`,
 *   `agentKey` (the plugin's key in the IO worker), `call` (the call in progress) and `hostLog`.
 */
export function createImport(host) {
  return {
    handle(request, options) {
      const parts = outgoingRequestParts(request);
      const call = host.call;
      // Only the console's origin passes, so the credential the IO worker adds goes to it alone.
      const decision = decide(host.policy, { scheme: parts.scheme, authority: parts.authority });
      // Records and logs show another origin's request without its query: a signed download
      // link carries its grant there (`X-Amz-Signature`, ...).
      const [path, query] = splitQuery(parts.pathWithQuery);
      const shown = decision.ok || query === null ? parts.pathWithQuery : `${path}?<redacted>`;
      const uri = `${parts.scheme}://${parts.authority ?? ""}${shown}`;
      const deny = (reason) => {
        // Past the request budget only the first denial is recorded: the record stays bounded.
        if (call.outbound.length <= host.limits.maxRequests) {
          call.outbound.push({ method: parts.method, uri, denied: reason });
          host.hostLog("warn", `denied ${parts.method} ${uri}: ${reason}`);
        }
        throw { tag: "HTTP-request-denied" };
      };
      if (call.outbound.length >= host.limits.maxRequests) {
        deny(`the call already sent its ${host.limits.maxRequests} requests`);
      }
      const declared = parts.headers.find(([name]) => name === "content-length");
      if (declared && !(Number(declared[1]) <= host.limits.maxRequestBytes)) {
        deny(`the request body is over the ${host.limits.maxRequestBytes}-byte cap`);
      }
      if (!decision.ok) deny(decision.reason);
      // The guest cannot build such fields (Fields refuses them); checked again all the same.
      const forbidden = parts.headers.find(([name]) => isForbiddenHeader(name));
      if (forbidden) deny(`the header ${forbidden[0]} is reserved to the host`);
      const left = call.deadline - Date.now();
      if (left <= 0) {
        call.outbound.push({ method: parts.method, uri, denied: "the call's time is up" });
        throw { tag: "HTTP-response-timeout" };
      }
      const limits = host.limits;
      // The guest's timeouts as the host applies them: clamped to its limits and to the call's
      // time left. Recorded, so what the host enforced can be checked without a stopwatch.
      const timeoutsMs = {
        connect: Math.min(clampMs(options?.connectTimeout(), limits.connectTimeoutMs), left),
        firstByte: Math.min(clampMs(options?.firstByteTimeout(), limits.firstByteTimeoutMs), left),
        betweenBytes: Math.min(clampMs(options?.betweenBytesTimeout(), limits.betweenBytesTimeoutMs), left),
      };
      call.outbound.push({ method: parts.method, uri, denied: null, timeoutsMs });

      const { futureId, exchangeId, bodyId } = worker("send", {
        https: decision.origin.https,
        host: decision.origin.host,
        port: decision.origin.port,
        method: parts.method,
        path: parts.pathWithQuery,
        // The credential is not here: the IO worker holds it (registered once per plugin) and
        // adds `Authorization: ApiToken …` to requests that got this far.
        headers: parts.headers,
        bodyId: parts.body ? outgoingBodyId(parts.body) : null,
        bodyTaken: parts.body !== null,
        connectMs: timeoutsMs.connect,
        firstByteMs: timeoutsMs.firstByte,
        betweenBytesMs: timeoutsMs.betweenBytes,
        deadline: call.deadline,
        maxResponseBytes: limits.maxResponseBytes,
        maxRequestBytes: limits.maxRequestBytes,
        agentKey: host.agentKey,
      });
      if (parts.body && bodyId != null) outgoingBodyAdopt(parts.body, bodyId);
      return futureIncomingResponseCreate(futureId, exchangeId);
    },
  };
}

/** `/p?q` → [`/p`, `q`]; no `?` → [path, null]. */
function splitQuery(pathWithQuery) {
  const at = (pathWithQuery ?? "").indexOf("?");
  return at < 0 ? [pathWithQuery ?? "", null] : [pathWithQuery.slice(0, at), pathWithQuery.slice(at + 1)];
}
