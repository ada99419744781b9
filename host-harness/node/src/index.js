// Run the SentinelOne WebAssembly plugin from Node.js (jco + @bytecodealliance/preview2-shim).
//
//   import { createPlugin, PluginError, toWitJson } from "@sentinelone-plugin/node-host";
//
//   const plugin = await createPlugin({
//     console: "https://usea1-acme.sentinelone.net",
//     token: await secrets.get("acme"),
//     pins: { siteIds: ["1834780238610855650"] },
//   });
//   const report = plugin.check();                         // jco values (camelCase records)
//   const agents = plugin.invoke("agents.list", { isActive: true });
//   const batch = plugin.collect("threats", checkpoint, { maxEvents: 1000 });
//
// See README.md for what this host guarantees and what it cannot.

import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { WASIShim } from "@bytecodealliance/preview2-shim/instantiation";
import { inputStreamCreate, outputStreamCreate } from "@bytecodealliance/preview2-shim/io-worker";
import { parseConsole, PolicyError } from "./policy.js";
import { setActiveRequestCap, worker } from "./wasi-http-types.js";

export { PolicyError };

const GENERATED = new URL("../generated/", import.meta.url);

/** The contract this host was written for (`wit/`). */
export const WIT_PACKAGE = "sentinelone:plugin@0.3.0";

/** Defaults: the Rust host's (host-harness/src/policy.rs). */
export const DEFAULT_LIMITS = Object.freeze({
  /** Wall-clock bound of one call; the plugin is told it (`call-timeout-ms`). */
  callTimeoutMs: 300_000,
  /** Sets the plugin's listing budget (`max-output-bytes`, a fifth of it); an instance that grew past it is replaced after the call. */
  memoryBytes: 128 * 1024 * 1024,
  /** The most a response body may hold; a larger one fails as `HTTP-response-body-size`. */
  maxResponseBytes: 32 * 1024 * 1024,
  /** The most a request body may hold. */
  maxRequestBytes: 4 * 1024 * 1024,
  /** Caps on the timeouts the guest asks for (it asks for 10 s, 60 s, 30 s). */
  connectTimeoutMs: 10_000,
  firstByteTimeoutMs: 60_000,
  betweenBytesTimeoutMs: 30_000,
  /** Outbound requests per call; later ones are denied. */
  maxRequests: 10_000,
  /** Log lines per call kept, and their length. */
  maxLogLines: 10_000,
  maxLogLineBytes: 8 * 1024,
  /** The largest `invoke` input accepted. */
  maxInputBytes: 1024 * 1024,
});

/** The plugin's typed error: `tag` is the WIT case, `val` its payload in WIT JSON (kebab case). */
export class PluginError extends Error {
  constructor(error) {
    const val = toWitJson(error?.val);
    const detail = typeof val === "string" ? val : val && typeof val === "object" && "message" in val ? val.message : JSON.stringify(val);
    super(`${error?.tag}: ${detail}`);
    this.name = "PluginError";
    this.tag = error?.tag;
    this.val = val;
  }

  /** `{ tag, val }`, as the other hosts print it. */
  toJSON() {
    return { tag: this.tag, val: this.val };
  }
}

/** The host stopped a call or the guest broke (a trap, `exit`): no answer from the plugin. */
export class Fault extends Error {
  constructor(kind, message, details = {}) {
    super(message);
    this.name = "Fault";
    this.kind = kind;
    Object.assign(this, details);
  }
}

const kebab = (key) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * A value from the plugin in WIT JSON, as the Rust and Python hosts print it: record fields in
 * WIT's kebab case (`retry-after-seconds`), variants as `{ tag, val }` (`val` null when absent),
 * enums as their WIT names, absent options as null, s64/u64 as numbers (strings past 2^53).
 */
export function toWitJson(value) {
  if (value === undefined || value === null) return null;
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(toWitJson);
  if (value instanceof Uint8Array) return Array.from(value);
  if (typeof value === "object") {
    const keys = Object.keys(value);
    if (typeof value.tag === "string" && keys.every((k) => k === "tag" || k === "val")) {
      return { tag: value.tag, val: toWitJson(value.val) };
    }
    const out = {};
    for (const key of keys) out[kebab(key)] = toWitJson(value[key]);
    return out;
  }
  return value;
}

let generated;

/** The transpiled component: its instantiate function, compiled core modules and mapped modules. */
function loadGenerated() {
  generated ??= (async () => {
    let manifest;
    try {
      manifest = JSON.parse(readFileSync(new URL("manifest.json", GENERATED), "utf8"));
    } catch {
      throw new Error("no transpiled component in host-harness/node/generated: run `npm run build` (S1_PLUGIN_WASM=<plugin.wasm> to choose one)");
    }
    const { instantiate } = await import(new URL("plugin.js", GENERATED).href);
    const core = new Map();
    for (const name of readdirSync(GENERATED)) {
      if (/\.core\d*\.wasm$/.test(name)) core.set(name, await WebAssembly.compile(readFileSync(new URL(name, GENERATED))));
    }
    // The modules jco's `--map` names as the providers of our interfaces, loaded by that name.
    const provided = new Map();
    for (const specifier of Object.values(manifest.maps)) {
      const module = await import(new URL(specifier, GENERATED).href);
      if (typeof module.createImport !== "function") throw new Error(`${specifier} does not provide createImport`);
      provided.set(specifier, module);
    }
    return { manifest, instantiate, core, provided };
  })();
  return generated;
}

/** What `component` means: the .wasm the platform intends to run, pinned by its sha256. */
function checkComponent(component, manifest) {
  if (component === undefined || component === null) return;
  const bytes = typeof component === "string" || component instanceof URL ? readFileSync(component) : component;
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (sha256 !== manifest.sha256) {
    throw new Error(
      `the component (sha256 ${sha256.slice(0, 16)}…) is not the one this package was built from (${manifest.sha256.slice(0, 16)}…, ${manifest.component}): run \`npm run build\` with S1_PLUGIN_WASM set to it`,
    );
  }
}

function positiveInteger(value, name) {
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`limits.${name} must be a positive integer`);
  return value;
}

function ids(list, name) {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list) || !list.every((id) => typeof id === "string" || typeof id === "bigint")) {
    throw new TypeError(`pins.${name} must be a list of id strings`);
  }
  return list.map(String);
}

const clamp = (n, lo, hi) => Math.min(Math.max(n, lo), hi);
let pluginCount = 0;

/**
 * Loads the plugin for one console. Every call of the returned plugin runs synchronously in one
 * reused instance of its own (a fresh one after a fault).
 *
 * @param {import("../index.js").PluginOptions} options
 * @returns {Promise<Plugin>}
 */
export async function createPlugin(options = {}) {
  if (process.env.PREVIEW2_SHIM_DEBUG === "1") {
    // The shim's debug mode prints every IO-worker call with its payload, the credential's one
    // registration included.
    throw new Error("refusing to run with PREVIEW2_SHIM_DEBUG=1: the shim's debug log would print the API token");
  }
  const loaded = await loadGenerated();
  checkComponent(options.component, loaded.manifest);
  return new Plugin(loaded, options);
}

class Plugin {
  #loaded;
  #host;
  #instance = null;
  #busy = false;
  #closed = false;
  #lastCall = null;

  constructor(loaded, options) {
    this.#loaded = loaded;
    const console = parseConsole(options.console);
    let token = options.token ?? null;
    if (token !== null) {
      if (typeof token !== "string") throw new TypeError("token must be a string");
      token = token.trim();
      if (!/^[\x21-\x7e]+$/.test(token)) throw new TypeError("token must be printable ASCII without spaces (its value is not shown)");
    }
    const limits = { ...DEFAULT_LIMITS };
    for (const [name, value] of Object.entries(options.limits ?? {})) {
      if (!(name in DEFAULT_LIMITS)) throw new TypeError(`unknown limit ${name}`);
      if (value !== undefined) limits[name] = positiveInteger(value, name);
    }
    const log = typeof options.log === "function" ? options.log : () => {};
    const scrub = (text) => (token && text.includes(token) ? text.split(token).join("<redacted>") : text);
    const config = new Map([["url", String(options.console).trim()]]);
    const accountIds = ids(options.pins?.accountIds, "accountIds");
    const siteIds = ids(options.pins?.siteIds, "siteIds");
    if (accountIds.length) config.set("account-ids", accountIds.join(","));
    if (siteIds.length) config.set("site-ids", siteIds.join(","));
    if (options.tokenWarningDays !== undefined) config.set("token-warning-days", String(positiveInteger(options.tokenWarningDays, "tokenWarningDays")));
    config.set("call-timeout-ms", String(clamp(limits.callTimeoutMs, 1_000, 86_400_000)));
    config.set("max-output-bytes", String(clamp(Math.floor(limits.memoryBytes / 5), 65_536, 1 << 30)));

    const host = {
      policy: Object.freeze({ console, allowLoopbackHttp: options.allowLoopbackHttp === true }),
      limits: Object.freeze(limits),
      config,
      agentKey: `plugin-${++pluginCount}-${randomUUID()}`,
      call: idleCall(),
      emit(level, context, message) {
        try {
          log(level, context, scrub(message));
        } catch {
          // A platform's logger failing must not break the guest's call.
        }
      },
      hostLog(level, message) {
        host.emit(level, "host", message);
      },
    };
    this.#host = host;
    let caPem = options.caPem ?? null;
    if (caPem !== null) caPem = Buffer.isBuffer(caPem) ? caPem.toString("utf8") : String(caPem);
    worker("configure", host.agentKey, { token, caPem });
  }

  /** The import object of a new instance: the shim sandboxed, our own modules for the rest. */
  #imports() {
    const host = this.#host;
    const shim = new WASIShim({ sandbox: { env: {}, args: [], preopens: {}, enableNetwork: false } });
    const imports = shim.getImportObject();
    const environment = imports["wasi:cli/environment"];
    imports["wasi:cli/environment"] = {
      getEnvironment: () => environment.getEnvironment(),
      getArguments: () => environment.getArguments(),
      initialCwd: () => undefined,
    };
    // The shim's `exit` ends the Node process; here it ends only the call.
    imports["wasi:cli/exit"] = {
      exit(status) {
        throw new Fault("exit", `the plugin called exit (${status?.tag ?? "?"})`);
      },
      exitWithCode(code) {
        throw new Fault("exit", `the plugin called exit (${code})`);
      },
    };
    // No stdin; stdout is discarded; stderr is kept, 8 KiB at most, for the Fault of a trapping
    // call. The shim's would be the host process's own. (This plugin imports none of wasi:cli and
    // logs its panic message through wasi:logging; a std guest writes it to stderr.)
    const stdoutKey = `${host.agentKey}:stdout`;
    const stderrKey = `${host.agentKey}:stderr`;
    imports["wasi:cli/stdin"] = { getStdin: () => inputStreamCreate(worker("emptyInput")) };
    imports["wasi:cli/stdout"] = { getStdout: () => outputStreamCreate(worker("sink", 0, stdoutKey)) };
    imports["wasi:cli/stderr"] = { getStderr: () => outputStreamCreate(worker("sink", 8192, stderrKey)) };
    imports["wasi:cli/terminal-stdin"] = { getTerminalStdin: () => undefined };
    imports["wasi:cli/terminal-stdout"] = { getTerminalStdout: () => undefined };
    imports["wasi:cli/terminal-stderr"] = { getTerminalStderr: () => undefined };
    for (const [specifier, module] of this.#loaded.provided) imports[specifier] = module.createImport(host);
    return { imports, stderrKey };
  }

  #instantiate() {
    const { imports, stderrKey } = this.#imports();
    let memory = null;
    const root = this.#loaded.instantiate(
      (name) => this.#loaded.core.get(name),
      imports,
      (module, importObject) => {
        const instance = new WebAssembly.Instance(module, importObject);
        if (!memory && instance.exports.memory instanceof WebAssembly.Memory) memory = instance.exports.memory;
        return instance;
      },
    );
    return { root, memory, imports, stderrKey };
  }

  #call(run) {
    if (this.#closed) throw new Error("the plugin was closed");
    if (this.#busy) throw new Error("a call is already running on this plugin (re-entered from a callback?)");
    this.#busy = true;
    const host = this.#host;
    const started = Date.now();
    host.call = { deadline: started + host.limits.callTimeoutMs, outbound: [], logLines: 0 };
    setActiveRequestCap(host.limits.maxRequestBytes);
    let instance = null;
    try {
      instance = this.#instance ??= this.#instantiate();
      return run(instance.root);
    } catch (error) {
      if (isComponentError(error)) throw new PluginError(error.payload);
      // Anything else broke the instance (a trap, `exit`, a host bug): never reuse it.
      this.#instance = null;
      let stderr = "";
      if (instance) {
        try {
          stderr = worker("takeSink", instance.stderrKey);
        } catch {}
      }
      if (error instanceof Fault) {
        error.stderr = stderr;
        throw error;
      }
      const kind = error instanceof WebAssembly.RuntimeError ? "trap" : "host";
      throw new Fault(kind, `the plugin's call failed: ${error?.message ?? error}`, { cause: error, stderr });
    } finally {
      const elapsedMs = Date.now() - started;
      this.#lastCall = { elapsedMs, outbound: host.call.outbound, logLines: host.call.logLines };
      host.call = idleCall();
      this.#busy = false;
      const memoryBytes = this.#instance?.memory?.buffer.byteLength ?? 0;
      if (memoryBytes > host.limits.memoryBytes) {
        host.hostLog("warn", `the instance grew to ${memoryBytes} bytes (limit ${host.limits.memoryBytes}): replaced before the next call`);
        this.#instance = null;
      }
    }
  }

  /** What the plugin is and its action catalog (sends no request). */
  describe() {
    return this.#call((root) => root.integration.describe());
  }

  /** The connection test: a report, never an exception for a console problem. */
  check() {
    return this.#call((root) => root.integration.check());
  }

  /** Runs an action; `input` is an object (or a JSON text). Returns its output, parsed. */
  invoke(action, input) {
    const text = typeof input === "string" ? input : JSON.stringify(input ?? {});
    if (Buffer.byteLength(text) > this.#host.limits.maxInputBytes) {
      throw new PluginError({ tag: "invalid-input", val: { field: undefined, message: `the input is over the host's ${this.#host.limits.maxInputBytes}-byte limit` } });
    }
    return JSON.parse(this.#call((root) => root.integration.invoke(String(action), text)));
  }

  /** The accounts → sites → groups tree the token can see. */
  organizations() {
    return this.#call((root) => root.organizations.tree());
  }

  /** The streams `collect` accepts (sends no request). */
  streams() {
    return this.#call((root) => root.collection.streams());
  }

  /** The next events of `stream` after `checkpoint` (null for a first run). */
  collect(stream, checkpoint = null, options = {}) {
    const u32 = (value, name) => {
      if (value === undefined || value === null) return undefined;
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new TypeError(`${name} must be an integer from 0 to 4294967295`);
      return value;
    };
    if (checkpoint !== null && checkpoint !== undefined && typeof checkpoint !== "string") throw new TypeError("checkpoint must be a string or null");
    if (options.since !== undefined && options.since !== null && typeof options.since !== "string") throw new TypeError("since must be an ISO-8601 string");
    const opts = {
      maxEvents: u32(options.maxEvents, "maxEvents") ?? 1000,
      since: options.since ?? undefined,
      settleSeconds: u32(options.settleSeconds, "settleSeconds"),
      revisitSeconds: u32(options.revisitSeconds, "revisitSeconds"),
    };
    return this.#call((root) => root.collection.collect(String(stream), checkpoint ?? undefined, opts));
  }

  /**
   * Downloads a file as bytes: `{tag: "agent-upload", val: {agentId, activityId}}`,
   * `{tag: "threat-from-cloud", val: threatId}` or `{tag: "script-result", val: taskId}`.
   * Returns `{name, contentType, origin, bytes}` (`bytes` a Uint8Array). This host allows the
   * console's origin only, so signed links on SentinelOne's storage are `request-denied`.
   */
  download(source) {
    return this.#call((root) => root.downloads.download(source));
  }

  /** What the last call did: elapsed time, every request it tried (allowed or denied, no headers), log lines. */
  get lastCall() {
    return this.#lastCall;
  }

  /** The values the plugin reads from `wasi:config/store` (never a credential). */
  get config() {
    return Object.fromEntries(this.#host.config);
  }

  /** The outbound policy: the console's origin and the loopback flag. */
  get policy() {
    return this.#host.policy;
  }

  get limits() {
    return this.#host.limits;
  }

  /**
   * What the guest is given of the host, read from the import object an instance gets: no
   * environment variables, arguments, working directory or preopened directories.
   */
  sandbox() {
    const { imports } = this.#imports();
    const environment = imports["wasi:cli/environment"];
    return {
      environment: environment.getEnvironment(),
      arguments: environment.getArguments(),
      initialCwd: environment.initialCwd() ?? null,
      preopens: imports["wasi:filesystem/preopens"]?.getDirectories?.() ?? [],
      terminal: [imports["wasi:cli/terminal-stdin"].getTerminalStdin(), imports["wasi:cli/terminal-stdout"].getTerminalStdout()].some(Boolean),
    };
  }

  /** Releases the instance and the pooled connections; the plugin cannot be called again. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#instance = null;
    worker("forget", this.#host.agentKey);
  }
}

function idleCall() {
  // Outside a call nothing may go out: the deadline has passed.
  return { deadline: 0, outbound: [], logLines: 0 };
}

function isComponentError(error) {
  return error instanceof Error && error.constructor?.name === "ComponentError" && typeof error.payload?.tag === "string";
}

export { Plugin };
