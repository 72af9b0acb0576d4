/** Starts a relay worker (`relay-worker.ts`) with its configuration. */
import type { Worker } from "node:worker_threads";
import { spawnWorker } from "../../core/worker-thread.js";
import type { WorkerConfig } from "./protocol.js";

export function spawnRelayWorker(config: WorkerConfig, name: string): Worker {
  return spawnWorker(import.meta.url, "relay-worker", { workerData: config, name });
}
