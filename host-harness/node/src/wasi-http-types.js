// `wasi:http/types@0.2.x` for the plugin, on the main thread: the resources the guest builds a
// request from and reads a response through. This package's own implementation (the jco build
// maps the interface here) so that a request can only leave through the policy in
// `wasi-http-outgoing-handler.js`, and the shim's handler (no allow-list, no credential, no caps)
// is never reachable.
//
// Byte streams, pollables and futures are preview2-shim's (`@bytecodealliance/preview2-shim/io-worker`,
// its documented extension API): the exchange itself runs in the shim's IO worker
// (`outbound-worker.js`), where the guest's blocking `pollable.block` waits on it.

import { clocks } from "@bytecodealliance/preview2-shim";
import {
  callExtension,
  futureDispose,
  futureSubscribe,
  futureTakeValue,
  inputStreamCreate,
  outputStreamCreate,
} from "@bytecodealliance/preview2-shim/io-worker";
import { toErrorCode } from "./error-codes.js";
import { isForbiddenHeader } from "./policy.js";

const WORKER = new URL("./outbound-worker.js", import.meta.url);
const symbolDispose = Symbol.dispose || Symbol.for("dispose");

/** Calls the IO-worker extension; a plain-object error (an error-code) passes through. */
export function worker(operation, ...args) {
  return callExtension(WORKER, operation, args);
}

/** The request-body cap of the call in progress (set by the plugin around each export call). */
let activeRequestCap = 4 * 1024 * 1024;
export function setActiveRequestCap(bytes) {
  activeRequestCap = bytes;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function checkName(name) {
  if (typeof name !== "string" || !TOKEN.test(name)) throw { tag: "invalid-syntax" };
  if (isForbiddenHeader(name)) throw { tag: "forbidden" };
  return name.toLowerCase();
}

function checkValue(value) {
  const bytes = value instanceof Uint8Array ? value : encoder.encode(String(value));
  for (const b of bytes) {
    if (b === 0 || b === 10 || b === 13) throw { tag: "invalid-syntax" };
  }
  return new Uint8Array(bytes);
}

/** HTTP fields (headers or trailers). Names are kept lower-cased. */
export class Fields {
  #entries = [];
  #immutable = false;

  static fromList(entries) {
    const fields = new Fields();
    for (const [name, value] of entries) fields.append(name, value);
    return fields;
  }

  get(name) {
    const lower = String(name).toLowerCase();
    return this.#entries.filter(([n]) => n === lower).map(([, v]) => new Uint8Array(v));
  }

  has(name) {
    const lower = String(name).toLowerCase();
    return this.#entries.some(([n]) => n === lower);
  }

  set(name, values) {
    if (this.#immutable) throw { tag: "immutable" };
    const lower = checkName(name);
    const checked = values.map(checkValue);
    this.#entries = this.#entries.filter(([n]) => n !== lower);
    for (const value of checked) this.#entries.push([lower, value]);
  }

  delete(name) {
    if (this.#immutable) throw { tag: "immutable" };
    const lower = checkName(name);
    this.#entries = this.#entries.filter(([n]) => n !== lower);
  }

  append(name, value) {
    if (this.#immutable) throw { tag: "immutable" };
    this.#entries.push([checkName(name), checkValue(value)]);
  }

  entries() {
    return this.#entries.map(([n, v]) => [n, new Uint8Array(v)]);
  }

  clone() {
    const fields = new Fields();
    fields.#entries = this.#entries.map(([n, v]) => [n, v]);
    return fields;
  }

  /** Host side: an immutable copy. */
  static _frozen(fields) {
    const copy = fields.clone();
    copy.#immutable = true;
    return copy;
  }

  /** Host side: immutable fields from response header pairs (no forbidden-name check). */
  static _fromResponse(pairs) {
    const fields = new Fields();
    fields.#entries = pairs.map(([n, v]) => [n.toLowerCase(), encoder.encode(v)]);
    fields.#immutable = true;
    return fields;
  }
}
const fieldsFrozen = Fields._frozen;
const fieldsFromResponse = Fields._fromResponse;
delete Fields._frozen;
delete Fields._fromResponse;

/** A request's timeouts as the guest asks for them (nanoseconds); the handler clamps them. */
export class RequestOptions {
  #connect;
  #firstByte;
  #betweenBytes;
  connectTimeout() {
    return this.#connect;
  }
  setConnectTimeout(duration) {
    this.#connect = duration === undefined ? undefined : BigInt(duration);
  }
  firstByteTimeout() {
    return this.#firstByte;
  }
  setFirstByteTimeout(duration) {
    this.#firstByte = duration === undefined ? undefined : BigInt(duration);
  }
  betweenBytesTimeout() {
    return this.#betweenBytes;
  }
  setBetweenBytesTimeout(duration) {
    this.#betweenBytes = duration === undefined ? undefined : BigInt(duration);
  }
}

/** A request body: written through an output stream whose bytes collect in the IO worker. */
export class OutgoingBody {
  #id = null;
  #writeTaken = false;
  #finished = false;

  write() {
    if (this.#writeTaken || this.#finished) throw undefined;
    this.#writeTaken = true;
    if (this.#id === null) {
      const { bodyId, streamId } = worker("createBody", activeRequestCap, true);
      this.#id = bodyId;
      return outputStreamCreate(streamId);
    }
    return outputStreamCreate(worker("bodyStream", this.#id));
  }

  static finish(body, trailers) {
    if (trailers !== undefined) throw { tag: "internal-error", val: "request trailers are not supported" };
    if (body.#finished) throw { tag: "internal-error", val: "the body was already finished" };
    body.#finished = true;
    if (body.#id === null) body.#id = worker("createBody", activeRequestCap, false).bodyId;
    try {
      worker("finishBody", body.#id);
    } catch (error) {
      throw error?.tag ? error : toErrorCode(error);
    }
  }

  [symbolDispose]() {
    if (!this.#finished && this.#id !== null) {
      this.#finished = true;
      worker("abortBody", this.#id);
    }
  }

  /** Host side: the worker body id, or null when none was made yet. */
  static _id(body) {
    return body.#id;
  }

  static _adopt(body, id) {
    body.#id = id;
  }
}
const outgoingBodyId = OutgoingBody._id;
const outgoingBodyAdopt = OutgoingBody._adopt;
delete OutgoingBody._id;
delete OutgoingBody._adopt;

/** A request the guest builds; only `wasi:http/outgoing-handler.handle` sends it. */
export class OutgoingRequest {
  #method = { tag: "get" };
  #scheme = undefined;
  #authority = undefined;
  #pathWithQuery = undefined;
  #headers;
  #body = null;

  constructor(headers) {
    this.#headers = fieldsFrozen(headers);
  }

  body() {
    if (this.#body) throw undefined;
    this.#body = new OutgoingBody();
    return this.#body;
  }

  method() {
    return this.#method;
  }

  setMethod(method) {
    if (method.tag === "other" && !TOKEN.test(method.val)) throw undefined;
    this.#method = method;
  }

  pathWithQuery() {
    return this.#pathWithQuery;
  }

  setPathWithQuery(path) {
    if (path !== undefined && !/^\/[\x21-\x7e]*$/.test(path)) throw undefined;
    this.#pathWithQuery = path;
  }

  scheme() {
    return this.#scheme;
  }

  setScheme(scheme) {
    if (scheme?.tag === "other" && !/^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme.val)) throw undefined;
    this.#scheme = scheme;
  }

  authority() {
    return this.#authority;
  }

  setAuthority(authority) {
    if (authority !== undefined && !/^[\x21-\x7e]+$/.test(authority)) throw undefined;
    this.#authority = authority;
  }

  headers() {
    return fieldsFrozen(this.#headers);
  }

  /** Host side: everything the handler needs, read once. */
  static _parts(request) {
    return {
      method: request.#method.tag === "other" ? request.#method.val.toUpperCase() : request.#method.tag.toUpperCase(),
      scheme: request.#scheme === undefined ? "https" : request.#scheme.tag === "other" ? request.#scheme.val.toLowerCase() : request.#scheme.tag.toLowerCase(),
      authority: request.#authority,
      pathWithQuery: request.#pathWithQuery ?? "/",
      headers: request.#headers.entries().map(([n, v]) => [n, decoder.decode(v)]),
      body: request.#body,
    };
  }
}
export const outgoingRequestParts = OutgoingRequest._parts;
delete OutgoingRequest._parts;

/** The trailers of a response body: this host never reads any. */
export class FutureTrailers {
  #taken = false;
  subscribe() {
    return clocks.monotonicClock.subscribeDuration(0n);
  }
  get() {
    if (this.#taken) return { tag: "err", val: undefined };
    this.#taken = true;
    return { tag: "ok", val: { tag: "ok", val: undefined } };
  }
}

/** A response body: one input stream, then `finish`. */
export class IncomingBody {
  #exchangeId;
  #streamId;
  #streamTaken = false;
  #released = false;

  stream() {
    if (this.#streamTaken) throw undefined;
    this.#streamTaken = true;
    return inputStreamCreate(this.#streamId);
  }

  static finish(body) {
    body.#release();
    return new FutureTrailers();
  }

  #release() {
    if (!this.#released) {
      this.#released = true;
      worker("release", this.#exchangeId);
    }
  }

  [symbolDispose]() {
    this.#release();
  }

  static _create(exchangeId, streamId) {
    const body = new IncomingBody();
    body.#exchangeId = exchangeId;
    body.#streamId = streamId;
    return body;
  }
}
const incomingBodyCreate = IncomingBody._create;
delete IncomingBody._create;

export class IncomingResponse {
  #status;
  #headers;
  #exchangeId;
  #streamId;
  #consumed = false;

  status() {
    return this.#status;
  }

  headers() {
    return fieldsFrozen(this.#headers);
  }

  consume() {
    if (this.#consumed) throw undefined;
    this.#consumed = true;
    return incomingBodyCreate(this.#exchangeId, this.#streamId);
  }

  [symbolDispose]() {
    if (!this.#consumed) {
      this.#consumed = true;
      worker("release", this.#exchangeId);
    }
  }

  static _create(exchangeId, { status, headers, bodyStreamId }) {
    const response = new IncomingResponse();
    response.#status = status;
    response.#headers = fieldsFromResponse(headers);
    response.#exchangeId = exchangeId;
    response.#streamId = bodyStreamId;
    return response;
  }
}
const incomingResponseCreate = IncomingResponse._create;
delete IncomingResponse._create;

export class FutureIncomingResponse {
  #futureId;
  #exchangeId;
  #taken = false;
  #disposed = false;

  subscribe() {
    return futureSubscribe(this.#futureId, this);
  }

  get() {
    const value = futureTakeValue(this.#futureId);
    if (value === undefined) return undefined;
    if (value.tag === "ok" && value.val.tag === "ok") {
      this.#taken = true;
      return { tag: "ok", val: { tag: "ok", val: incomingResponseCreate(this.#exchangeId, value.val.val) } };
    }
    return value;
  }

  [symbolDispose]() {
    if (this.#disposed) return;
    this.#disposed = true;
    futureDispose(this.#futureId);
    if (!this.#taken) worker("release", this.#exchangeId);
  }

  static _create(futureId, exchangeId) {
    const future = new FutureIncomingResponse();
    future.#futureId = futureId;
    future.#exchangeId = exchangeId;
    return future;
  }
}
export const futureIncomingResponseCreate = FutureIncomingResponse._create;
delete FutureIncomingResponse._create;

/** The error-code behind a stream error, when the stream was an HTTP body. */
export function httpErrorCode(error) {
  const payload = error?.payload;
  if (!payload) return undefined;
  return toErrorCode(payload);
}

export { outgoingBodyAdopt, outgoingBodyId };

/** The interface object for the import: the same classes for every plugin. */
export function createImport() {
  return {
    Fields,
    FutureIncomingResponse,
    FutureTrailers,
    IncomingBody,
    IncomingResponse,
    OutgoingBody,
    OutgoingRequest,
    RequestOptions,
    httpErrorCode,
  };
}
