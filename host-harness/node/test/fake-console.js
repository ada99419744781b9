// Consoles that misbehave on purpose, served from a worker thread: a plugin call parks the main
// thread (the guest blocks in Atomics.wait), so a server on the main thread could never answer.
//
//   const fake = await FakeConsoles.start();
//   const server = await fake.serve("system-info");   // { url, stats() }
//   await fake.stop();

import { createServer } from "node:http";
import { isMainThread, parentPort, Worker } from "node:worker_threads";

export const SYSTEM_INFO = JSON.stringify({ data: { version: "24.1.2", build: "24.1.2.1", release: "24.1" } });

const BEHAVIOURS = {
  "system-info": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(SYSTEM_INFO) });
    res.end(SYSTEM_INFO);
  },
  "empty-json": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": 2 });
    res.end("{}");
  },
  // 2 MiB, chunked (no length announced).
  "chunked-2mb": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    let sent = 0;
    const more = () => {
      while (sent < 2 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return res.once("drain", more);
      }
      res.end();
    };
    res.on("error", () => {});
    more();
  },
  "length-500k": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": 500_000 });
    res.on("error", () => {});
    res.end(Buffer.alloc(500_000, 0x20));
  },
  silent: () => {},
  "stall-body": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": 1000 });
    res.write('{"data": ');
  },
  "cut-body": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": 1000 });
    res.write('{"data": ', () => setTimeout(() => res.socket?.destroy(), 20));
  },
};

if (!isMainThread && parentPort) {
  const servers = new Map();
  let next = 0;
  parentPort.on("message", async ({ id, op, behaviour, server: key }) => {
    try {
      if (op === "serve") {
        const stats = { connections: 0, requests: [] };
        const sockets = new Set();
        const server = createServer((req, res) => {
          const chunks = [];
          req.on("data", (c) => chunks.push(c));
          req.on("end", () => {
            stats.requests.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
            BEHAVIOURS[behaviour](req, res);
          });
        });
        server.on("connection", (socket) => {
          stats.connections++;
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
        });
        await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
        const name = ++next;
        servers.set(name, { server, stats, sockets });
        parentPort.postMessage({ id, result: { server: name, url: `http://127.0.0.1:${server.address().port}` } });
      } else if (op === "stats") {
        parentPort.postMessage({ id, result: servers.get(key).stats });
      } else if (op === "stop") {
        for (const { server, sockets } of servers.values()) {
          for (const socket of sockets) socket.destroy();
          server.close();
        }
        parentPort.postMessage({ id, result: null });
      }
    } catch (error) {
      parentPort.postMessage({ id, error: String(error?.stack ?? error) });
    }
  });
}

export class FakeConsoles {
  #worker;
  #next = 0;
  #pending = new Map();

  static async start() {
    const fake = new FakeConsoles();
    fake.#worker = new Worker(new URL(import.meta.url));
    fake.#worker.on("message", ({ id, result, error }) => {
      const { resolve, reject } = fake.#pending.get(id);
      fake.#pending.delete(id);
      if (error) reject(new Error(error));
      else resolve(result);
    });
    return fake;
  }

  #ask(message) {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, ...message });
    });
  }

  /** A new console with this behaviour: `{ url, stats(): Promise<{ connections, requests }> }`. */
  async serve(behaviour) {
    if (!BEHAVIOURS[behaviour]) throw new Error(`no behaviour ${behaviour}`);
    const { server, url } = await this.#ask({ op: "serve", behaviour });
    return { url, port: Number(new URL(url).port), stats: () => this.#ask({ op: "stats", server }) };
  }

  async stop() {
    await this.#ask({ op: "stop" });
    await this.#worker.terminate();
  }
}
