// Transpiles the plugin component with jco into generated/ (gitignored).
//
//   npm run build                      # the component this repository builds
//   S1_PLUGIN_WASM=/path/x.wasm npm run build
//
// Instantiation mode (`--instantiation sync`): every `createPlugin` gets its own instance with its
// own import objects (its console, token, policy), and a trapped instance can be replaced. The
// `--map`s point the interfaces this package implements itself at its own modules (the import
// object keys then name those modules, and `src/index.js` loads exactly them); the rest
// (wasi:io, wasi:clocks, wasi:cli) comes from @bytecodealliance/preview2-shim, sandboxed.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const out = join(root, "generated");
export const DEFAULT_COMPONENT = resolve(root, "../../target/component/wasm32-wasip2/component/sentinelone_plugin.wasm");
const component = resolve(process.env.S1_PLUGIN_WASM || DEFAULT_COMPONENT);

// Interfaces this package provides itself, and the module (relative to generated/) that does.
export const MAPS = {
  "wasi:http/types": "../src/wasi-http-types.js",
  "wasi:http/outgoing-handler": "../src/wasi-http-outgoing-handler.js",
  "wasi:config/store": "../src/wasi-config-store.js",
  "wasi:logging/logging": "../src/wasi-logging.js",
};

if (!existsSync(component)) {
  console.error(`no component at ${component}: build the plugin first, or set S1_PLUGIN_WASM`);
  process.exit(1);
}
const jcoPackage = join(root, "node_modules/@bytecodealliance/jco/package.json");
const jco = join(dirname(jcoPackage), JSON.parse(readFileSync(jcoPackage, "utf8")).bin.jco);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const args = [jco, "transpile", component, "--out-dir", out, "--name", "plugin", "--instantiation", "sync", "--quiet"];
for (const [iface, module] of Object.entries(MAPS)) {
  args.push("--map", `${iface}=${module}`);
}
execFileSync(process.execPath, args, { stdio: "inherit" });

const bytes = readFileSync(component);
const manifest = {
  component,
  sha256: createHash("sha256").update(bytes).digest("hex"),
  bytes: bytes.length,
  jco: JSON.parse(readFileSync(jcoPackage, "utf8")).version,
  maps: MAPS,
};
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`transpiled ${component} (sha256 ${manifest.sha256.slice(0, 16)}…) into ${out}`);
