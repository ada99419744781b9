// Types of the Node host. The plugin's own value types come from jco's output (`npm run build`
// writes them into generated/interfaces/); this file adds the host's API around them.

import type { CheckReport, PluginInfo } from "./generated/interfaces/sentinelone-plugin-integration.js";
import type { OrganizationTree } from "./generated/interfaces/sentinelone-plugin-organizations.js";
import type { Batch, StreamInfo } from "./generated/interfaces/sentinelone-plugin-collection.js";
import type { DownloadSource, DownloadedFile } from "./generated/interfaces/sentinelone-plugin-downloads.js";
import type { Error as WitError } from "./generated/interfaces/sentinelone-plugin-types.js";

export type { Batch, CheckReport, OrganizationTree, PluginInfo, StreamInfo, WitError };

export interface Limits {
  /** Wall-clock bound of one call, told to the plugin as `call-timeout-ms` (default 300000). */
  callTimeoutMs?: number;
  /** Guest memory budget: the plugin's `max-output-bytes` is a fifth of it; an instance grown past it is replaced after the call (default 128 MiB). */
  memoryBytes?: number;
  /** The most a response body may hold (default 32 MiB). */
  maxResponseBytes?: number;
  /** The most a request body may hold (default 4 MiB). */
  maxRequestBytes?: number;
  /** Caps on the guest's requested timeouts (defaults 10000, 60000, 30000). */
  connectTimeoutMs?: number;
  firstByteTimeoutMs?: number;
  betweenBytesTimeoutMs?: number;
  /** Outbound requests per call (default 10000). */
  maxRequests?: number;
  /** Log lines per call and their length (defaults 10000, 8192). */
  maxLogLines?: number;
  maxLogLineBytes?: number;
  /** The largest `invoke` input (default 1 MiB). */
  maxInputBytes?: number;
}

export interface PluginOptions {
  /** The console, `https://host[:port]` (a trailing `/web/api/v2.1` is accepted). */
  console: string;
  /** The API token: added by the host as `Authorization: ApiToken …`, never given to the plugin. */
  token?: string | null;
  /** Scope pins every request is confined to. */
  pins?: { accountIds?: string[]; siteIds?: string[] };
  limits?: Limits;
  /** Lets plain http through to a loopback console (a simulator); never elsewhere. */
  allowLoopbackHttp?: boolean;
  /** A PEM trust root added to Node's bundled roots (a console behind a private CA). */
  caPem?: string | Uint8Array | null;
  /** The plugin's log lines (context `sentinelone`) and the host's own (context `host`). */
  log?: (level: string, context: string, message: string) => void;
  /** The check warns when the token expires within this many days (default 30). */
  tokenWarningDays?: number;
  /** The .wasm the platform means to run (a path or its bytes): refused unless it is the one `npm run build` transpiled. */
  component?: string | URL | Uint8Array;
}

export interface OutboundRecord {
  method: string;
  uri: string;
  /** null when allowed, else why it was denied. */
  denied: string | null;
  /** For an allowed request: the timeouts the host applied (the guest's, clamped to the limits and the call's time left). */
  timeoutsMs?: { connect: number; firstByte: number; betweenBytes: number };
}

export interface CallRecord {
  elapsedMs: number;
  outbound: OutboundRecord[];
  logLines: number;
}

export interface CollectOptions {
  maxEvents?: number;
  since?: string;
  settleSeconds?: number;
  revisitSeconds?: number;
}

/** One console's plugin. Calls are synchronous: they block the calling thread until the plugin answers. */
export interface Plugin {
  describe(): PluginInfo;
  check(): CheckReport;
  /** Runs an action with a JSON input (an object or a JSON text); returns its output, parsed. Throws PluginError. */
  invoke(action: string, input?: unknown): any;
  /** Throws PluginError. */
  organizations(): OrganizationTree;
  streams(): StreamInfo[];
  /** Throws PluginError. */
  collect(stream: string, checkpoint?: string | null, options?: CollectOptions): Batch;
  /** A file as bytes (agent upload, cloud threat file, script result). Throws PluginError. */
  download(source: DownloadSource): DownloadedFile;
  readonly lastCall: CallRecord | null;
  readonly config: Record<string, string>;
  readonly policy: { console: { https: boolean; host: string; port: number }; allowLoopbackHttp: boolean };
  readonly limits: Required<Limits>;
  sandbox(): { environment: [string, string][]; arguments: string[]; initialCwd: string | null; preopens: unknown[]; terminal: boolean };
  close(): void;
}

export function createPlugin(options: PluginOptions): Promise<Plugin>;

/** The plugin's typed error; `val` is in WIT JSON (kebab-case fields). */
export class PluginError extends Error {
  constructor(error: { tag: string; val?: unknown });
  readonly tag: WitError["tag"];
  readonly val: any;
  toJSON(): { tag: string; val: unknown };
}

/** The call ended without the plugin's answer: a trap, `exit`, a host failure. */
export class Fault extends Error {
  readonly kind: "trap" | "exit" | "host";
  /** What the guest wrote to stderr during the call (a panic message), at most 8 KiB. */
  stderr?: string;
}

/** A console URL no policy can be built from. */
export class PolicyError extends Error {}

/** A plugin value in WIT JSON: kebab-case fields, `{tag, val}` variants, null for absent options. */
export function toWitJson(value: unknown): any;

export const DEFAULT_LIMITS: Readonly<Required<Limits>>;
export const WIT_PACKAGE: string;
