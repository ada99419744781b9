// The IO-worker half of outbound HTTP: loaded once into @bytecodealliance/preview2-shim's IO worker
// through its extension API (`callExtension`), it makes the requests the main thread has already
// allowed, with node:http / node:https, pooled keep-alive connections, clamped timeouts and a cap
// on response bodies.
//
// Nothing here decides what may go out: the policy runs on the main thread (src/policy.js) before
// any request reaches this module. Each plugin registers its credential here once (`configure`);
// it is added as `Authorization: ApiToken …` to that plugin's requests, which are all to its
// console (the only origin the policy lets through). The guest never sees this module; it sees
// futures, pollables and streams the shim hands out for the ids returned here.

import * as http from "node:http";
import * as https from "node:https";
import { isIP } from "node:net";
import { Readable, Transform, Writable } from "node:stream";
import { rootCertificates } from "node:tls";
import { codedError, errorCode, toErrorCode } from "./error-codes.js";

/** @param {import("@bytecodealliance/preview2-shim/io-worker").WorkerExtensionContext} ctx */
export default function create(ctx) {
  const agents = new Map(); // agent key -> http(s).Agent
  const bodies = new Map(); // body id -> request body state
  const exchanges = new Map(); // exchange id -> { req, res, body }
  const sinks = new Map(); // key -> { chunks, size, cap }
  const tenants = new Map(); // plugin key -> { token, caPem }: registered once per plugin
  let nextExchange = 0;

  /** One plugin's credential and extra trust root, registered once (not sent with each request). */
  function configure(key, { token, caPem }) {
    tenants.set(key, { token: token || null, caPem: caPem || null });
  }

  function forget(key) {
    tenants.delete(key);
    sinks.delete(`${key}:stdout`);
    sinks.delete(`${key}:stderr`);
    for (const [id, agent] of agents) {
      if (id.endsWith(`:${key}`)) {
        agent.destroy();
        agents.delete(id);
      }
    }
  }

  function agentFor(secure, key) {
    const id = `${secure ? "https" : "http"}:${key}`;
    let agent = agents.get(id);
    if (!agent) {
      const caPem = tenants.get(key)?.caPem;
      const options = { keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: 16, scheduling: "lifo" };
      agent = secure
        ? new https.Agent(caPem ? { ...options, ca: [...rootCertificates, caPem] } : options)
        : new http.Agent(options);
      agents.set(id, agent);
    }
    return agent;
  }

  let nextBody = 0;

  /**
   * A request body: collected in memory up to `cap` bytes (the plugin's bodies are small JSON).
   * Its output stream is made only when the guest asks to write (a GET never does).
   */
  function createBody(cap, withStream) {
    const state = { chunks: [], size: 0, cap, done: false, error: null, settle: null, streamId: null };
    state.settled = new Promise((resolve) => (state.settle = resolve));
    const id = ++nextBody;
    bodies.set(id, state);
    return withStream ? { bodyId: id, streamId: bodyStream(id) } : { bodyId: id, streamId: null };
  }

  function bodyStream(id) {
    const state = bodies.get(id);
    if (!state) throw { tag: "internal-error", val: "unknown request body" };
    if (state.streamId !== null) throw { tag: "internal-error", val: "the body's stream was already taken" };
    const writable = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk, _encoding, callback) {
        if (state.done || state.error) {
          return callback(codedError("internal-error", "the request body was already finished"));
        }
        if (state.size + chunk.length > state.cap) {
          state.error = errorCode("HTTP-request-body-size", state.cap);
          state.settle();
          return callback(codedError("HTTP-request-body-size", `the request body is over the ${state.cap}-byte cap`));
        }
        state.chunks.push(chunk);
        state.size += chunk.length;
        callback();
      },
    });
    state.streamId = ctx.createWritableStream(writable);
    return state.streamId;
  }

  /** A body is forgotten once the guest closed it (finish or drop) and its exchange is over (or never began). */
  function maybeDrop(id, state) {
    if (state.closed && (state.exchangeOver || !state.sent)) bodies.delete(id);
  }

  function finishBody(id) {
    const state = bodies.get(id);
    if (!state) throw { tag: "internal-error", val: "unknown request body" };
    if (state.closed) throw { tag: "internal-error", val: "the request body was already finished" };
    state.closed = true;
    if (state.error) {
      maybeDrop(id, state);
      throw state.error;
    }
    state.done = true;
    state.settle();
    if (state.exchangeOver) maybeDrop(id, state);
  }

  function abortBody(id) {
    const state = bodies.get(id);
    if (!state || state.closed) return;
    state.closed = true;
    if (!state.done && !state.error) {
      state.error = { tag: "internal-error", val: "the request body was dropped before it was finished" };
      state.settle();
    }
    maybeDrop(id, state);
  }

  /**
   * Starts one exchange (the request is sent once its body is finished) and returns the id of a
   * future for `{ status, headers, bodyStreamId }` or an error-code.
   */
  function send(request) {
    const exchangeId = ++nextExchange;
    let bodyId = request.bodyId;
    if (bodyId == null && request.bodyTaken) bodyId = createBody(request.maxRequestBytes, false).bodyId;
    const state = bodyId == null ? null : bodies.get(bodyId);
    if (state) {
      state.cap = Math.min(state.cap, request.maxRequestBytes);
      state.sent = true;
    }
    const exchange = { req: null, res: null, body: null, done: false };
    exchanges.set(exchangeId, exchange);
    const promise = run(request, state, exchange).catch((error) => {
      exchanges.delete(exchangeId);
      throw error?.tag ? error : toErrorCode(error);
    });
    if (state) {
      promise
        .finally(() => {
          state.exchangeOver = true;
          maybeDrop(bodyId, state);
        })
        .catch(() => {});
    }
    return { futureId: ctx.createFuture(promise), exchangeId, bodyId };
  }

  async function run(request, state, exchange) {
    const left = () => request.deadline - Date.now();
    if (state) {
      if (state.size > state.cap) throw errorCode("HTTP-request-body-size", state.cap);
      let timer;
      const expired = new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, left()), "expired")));
      const outcome = await Promise.race([state.settled, expired]);
      clearTimeout(timer);
      if (outcome === "expired") throw errorCode("HTTP-response-timeout");
      if (state.error) throw state.error;
    }
    const payload = state ? Buffer.concat(state.chunks) : Buffer.alloc(0);
    // A pooled connection the server closed while idle fails at once: a GET is retried once on a
    // fresh connection (Node's own advice for keep-alive agents).
    for (let attempt = 0; ; attempt++) {
      try {
        return await exchangeOnce(request, payload, exchange);
      } catch (error) {
        const retry = attempt === 0 && error?.reusedSocket && (request.method === "GET" || request.method === "HEAD");
        if (!retry) throw error?.tag ? error : toErrorCode(error);
      }
    }
  }

  function exchangeOnce(request, payload, exchange) {
    return new Promise((resolve, reject) => {
      const secure = request.https;
      const headers = Object.create(null);
      const tenant = tenants.get(request.agentKey);
      if (!tenant) return reject({ tag: "internal-error", val: "the plugin was closed" });
      for (const [name, value] of request.headers) {
        if (name === "content-length") continue;
        if (headers[name] === undefined) headers[name] = value;
        else headers[name] = [].concat(headers[name], value);
      }
      // The host's credential: added here, after the main thread's policy allowed the request.
      if (tenant.token) headers.authorization = `ApiToken ${tenant.token}`;
      if (payload.length > 0 || !["GET", "HEAD", "DELETE", "OPTIONS"].includes(request.method)) {
        headers["content-length"] = String(payload.length);
      }
      const options = {
        agent: agentFor(secure, request.agentKey),
        host: request.host,
        port: request.port,
        method: request.method,
        path: request.path,
        headers,
      };
      if (secure && !isIP(request.host)) options.servername = request.host;
      let settled = false;
      const timers = new Set();
      const timer = (ms, fn) => {
        const t = setTimeout(fn, Math.max(0, ms));
        timers.add(t);
        return t;
      };
      const clear = (t) => {
        clearTimeout(t);
        timers.delete(t);
      };
      const clearAll = () => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
      };
      const req = (secure ? https : http).request(options);
      exchange.req = req;
      const fail = (error) => {
        if (settled) return;
        settled = true;
        clearAll();
        const reused = req.reusedSocket;
        req.destroy();
        if (error instanceof Error) error.reusedSocket = reused && error.code === "ECONNRESET";
        reject(error);
      };
      // The whole exchange, body included, ends at the call's deadline.
      const deadline = timer(request.deadline - Date.now(), () => {
        if (!settled) return fail(errorCode("HTTP-response-timeout"));
        exchange.body?.destroy(codedError("HTTP-response-timeout", "the call's time is up"));
      });
      req.on("socket", (socket) => {
        if (socket.connecting) {
          const connect = timer(request.connectMs, () => fail(errorCode("connection-timeout")));
          socket.once("connect", () => clear(connect));
        }
      });
      req.on("finish", () => {
        if (settled) return;
        const firstByte = timer(request.firstByteMs, () => fail(errorCode("connection-read-timeout")));
        req.once("response", () => clear(firstByte));
      });
      req.on("error", (error) => fail(error));
      req.on("response", (res) => {
        if (settled) return res.destroy();
        const announced = Number(res.headers["content-length"]);
        if (Number.isFinite(announced) && announced > request.maxResponseBytes) {
          fail(errorCode("HTTP-response-body-size", announced));
          res.destroy();
          return;
        }
        settled = true;
        // Timers but the deadline are done; the deadline now bounds the body.
        for (const t of timers) if (t !== deadline) clearTimeout(t);
        exchange.res = res;
        let received = 0;
        const cap = request.maxResponseBytes;
        const body = new Transform({
          highWaterMark: 64 * 1024,
          transform(chunk, _encoding, callback) {
            received += chunk.length;
            if (received > cap) {
              res.destroy();
              return callback(codedError("HTTP-response-body-size", `the response body is over the ${cap}-byte cap`, cap));
            }
            callback(null, chunk);
          },
        });
        exchange.body = body;
        res.on("error", (error) => body.destroy(error));
        res.on("close", () => {
          if (!res.complete && !body.destroyed) body.destroy(codedError("connection-terminated", "the connection closed before the body ended"));
        });
        res.setTimeout(request.betweenBytesMs, () => {
          body.destroy(codedError("connection-read-timeout", "no body bytes within the between-bytes timeout"));
          res.destroy();
        });
        body.on("close", () => clearAll());
        res.pipe(body);
        const pairs = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
        resolve({ status: res.statusCode, headers: pairs, bodyStreamId: ctx.createReadableStream(body) });
      });
      req.end(payload.length > 0 ? payload : undefined);
    });
  }

  /** The guest is done with an exchange (or dropped it): free it, cutting an unread body short. */
  function release(exchangeId) {
    const exchange = exchanges.get(exchangeId);
    if (!exchange) return;
    exchanges.delete(exchangeId);
    if (exchange.res && !exchange.res.complete) exchange.res.destroy();
    if (exchange.body && !exchange.body.readableEnded) exchange.body.destroy();
    if (!exchange.res && exchange.req) exchange.req.destroy();
  }

  /** An output stream that keeps at most `cap` bytes, shared by the streams of one `key` (the guest's stdout, stderr). */
  function sink(cap, key) {
    let state = sinks.get(key);
    if (!state) sinks.set(key, (state = { chunks: [], size: 0, cap }));
    const writable = new Writable({
      write(chunk, _encoding, callback) {
        if (state.size < state.cap) {
          const part = chunk.subarray(0, state.cap - state.size);
          state.chunks.push(part);
          state.size += part.length;
        }
        callback();
      },
    });
    return ctx.createWritableStream(writable);
  }

  function takeSink(key) {
    const state = sinks.get(key);
    if (!state) return "";
    const text = Buffer.concat(state.chunks).toString("utf8");
    state.chunks = [];
    state.size = 0;
    return text;
  }

  /** An input stream that is closed from the start (the guest's stdin). */
  function emptyInput() {
    return ctx.createReadableStream(Readable.from([]));
  }

  function stats() {
    let sockets = 0;
    for (const agent of agents.values()) {
      for (const list of Object.values(agent.sockets)) sockets += list.length;
      for (const list of Object.values(agent.freeSockets)) sockets += list.length;
    }
    return { ...ctx.resourceCounts(), bodies: bodies.size, exchanges: exchanges.size, agents: agents.size, sockets };
  }

  const operations = { configure, forget, createBody, bodyStream, finishBody, abortBody, send, release, sink, takeSink, emptyInput, stats };
  return (operation, args) => {
    const fn = operations[operation];
    if (!fn) throw new Error(`unknown outbound operation ${operation}`);
    return fn(...args);
  };
}
