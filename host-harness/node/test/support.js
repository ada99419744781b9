// What the tests run against: a simulator given by the environment (the Rust e2e test sets
// S1_SIM_URL, S1_SIM_HTTPS_URL, S1_SIM_CA, S1_SIM_TOKENS), or one started here from the built
// binary (S1_HARNESS_BIN, default target/debug/s1-harness), stopped when the test process ends.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const PACKAGE_DIR = resolve(here, "..");
const REPO = resolve(PACKAGE_DIR, "../..");
export const COMPONENT = process.env.S1_PLUGIN_WASM || undefined;
const HARNESS = process.env.S1_HARNESS_BIN || join(REPO, "target/debug/s1-harness");

/** The simulator's fixed tokens, read from its source (host-harness/simulator/src/tokens.rs). */
export function sourceTokens() {
  const text = readFileSync(join(REPO, "host-harness/simulator/src/tokens.rs"), "utf8");
  const tokens = {};
  for (const [, name, value] of text.matchAll(/pub const ([A-Z_]+): &str = "([^"]+)";/g)) {
    tokens[name.toLowerCase().replace(/_/g, "-")] = value;
  }
  return tokens;
}

function caFrom(value) {
  if (!value) return undefined;
  return value.includes("-----BEGIN") ? value : readFileSync(value, "utf8");
}

let started;

/** `{ url, httpsUrl, caPem, tokens: {admin, viewer, expired, unknown, ...} }` */
export function simulator() {
  started ??= process.env.S1_SIM_URL ? fromEnvironment() : start();
  return started;
}

async function fromEnvironment() {
  const tokens = JSON.parse(process.env.S1_SIM_TOKENS || "{}");
  for (const kind of ["admin", "viewer", "expired", "unknown"]) {
    if (!tokens[kind]) throw new Error(`S1_SIM_TOKENS has no ${kind} token`);
  }
  return {
    url: process.env.S1_SIM_URL,
    httpsUrl: process.env.S1_SIM_HTTPS_URL || undefined,
    caPem: caFrom(process.env.S1_SIM_CA),
    tokens,
  };
}

async function start() {
  if (!existsSync(HARNESS)) {
    throw new Error(`no simulator: set S1_SIM_URL (and S1_SIM_TOKENS), or build ${HARNESS} (S1_HARNESS_BIN)`);
  }
  const dir = mkdtempSync(join(tmpdir(), "s1-node-host-"));
  const caFile = join(dir, "ca.pem");
  const child = spawn(HARNESS, ["simulate", "--port", "0", "--tls-port", "0", "--ca-file", caFile], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: "warn" },
  });
  const stop = () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stop);
  let output = "";
  const urls = await new Promise((resolveUrls, reject) => {
    const timer = setTimeout(() => reject(new Error(`the simulator did not start in 60 s:\n${output}`)), 60_000);
    const scan = (chunk) => {
      output += chunk;
      const match = /listening on (https:\/\/\S+) .*? and (http:\/\/\S+) /.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrls({ httpsUrl: match[1], url: match[2] });
      }
    };
    child.stdout.setEncoding("utf8").on("data", scan);
    child.stderr.setEncoding("utf8").on("data", scan);
    child.once("exit", (code) => reject(new Error(`the simulator exited (${code}):\n${output}`)));
  });
  // Keep draining its output so it never blocks on a full pipe.
  child.stdout.resume();
  child.stderr.resume();
  child.unref();
  child.stdout.unref?.();
  child.stderr.unref?.();
  const all = sourceTokens();
  return { ...urls, caPem: readFileSync(caFile, "utf8"), tokens: all, stop };
}

/** The error `fn` throws; fails the test when it throws none. */
export function caught(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}
