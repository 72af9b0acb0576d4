/**
 * Starts a worker thread from a module next to the caller. Compiled builds run the `.js` file
 * directly. From sources (tsx), a worker cannot load a `.ts` entry by URL, so a one-line bootstrap
 * registers tsx's loader inside the worker first, the same way `bin/switchboard.js` does for the
 * main thread.
 */
import { Worker, type WorkerOptions } from "node:worker_threads";

/** `base` is the caller's `import.meta.url`; `name` the entry's file name without extension. */
export function spawnWorker(base: string, name: string, options: WorkerOptions): Worker {
  const self = new URL(base);
  const ext = self.pathname.endsWith(".ts") ? ".ts" : ".js";
  const entry = new URL(`./${name}${ext}`, self);
  if (ext === ".js") return new Worker(entry, options);
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { ...options, eval: true });
}
