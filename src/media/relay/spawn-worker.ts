/**
 * Starts a relay worker. Compiled builds run `relay-worker.js` directly. From sources (tsx), a
 * worker cannot load a `.ts` entry by URL, so a one-line bootstrap registers tsx's loader inside
 * the worker first, the same way `bin/switchboard.js` does for the main thread.
 */
import { Worker } from "node:worker_threads";
import type { WorkerConfig } from "./protocol.js";

export function spawnRelayWorker(config: WorkerConfig, name: string): Worker {
  const self = new URL(import.meta.url);
  const ext = self.pathname.endsWith(".ts") ? ".ts" : ".js";
  const entry = new URL(`./relay-worker${ext}`, self);
  const options = { workerData: config, name };
  if (ext === ".js") return new Worker(entry, options);
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { ...options, eval: true });
}
