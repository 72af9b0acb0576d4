/**
 * Test helper: Kamailio 5.6 (Debian `kamailio`) in the foreground with a config the test writes,
 * listening on one loopback address and UDP port. Its log (stderr, where the tests' xlog lines
 * land) is kept for assertions; an exit the test did not ask for fails the run.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { reportUnexpectedExit, scratchDir, spawnTracked, stopProcess, waitUntil } from "./processes.js";

export const KAMAILIO_MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules";

export interface Kamailio {
  proc: ChildProcess;
  log: () => string;
  /** Stops it; its exit is then expected. */
  stop: () => Promise<void>;
}

export async function startKamailio(o: { config: string; ip: string; port: number }): Promise<Kamailio> {
  const dir = scratchDir("kamailio");
  const cfg = join(dir, "kamailio.cfg");
  writeFileSync(cfg, o.config);
  let text = "";
  // -DD: stay in the foreground, no daemon; -E: log to stderr; -Y: runtime files in the scratch dir.
  const proc = spawnTracked("kamailio", "kamailio", ["-DD", "-E", "-f", cfg, "-Y", dir, "-m", "32", "-M", "4"], { cwd: dir });
  proc.stdout?.on("data", (d: Buffer) => (text += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (text += d.toString()));
  let exited = false;
  let started = false;
  let stopping = false;
  proc.once("exit", (code, signal) => {
    exited = true;
    if (started && !stopping) reportUnexpectedExit(() => `kamailio exited (code ${code}, signal ${signal})\n${text}`);
  });
  // Kamailio prints its socket list, then binds; the receive-buffer probe comes after the bind.
  const listening = `udp: ${o.ip} [${o.ip}]:${o.port}`;
  await waitUntil(() => exited || (text.includes(listening) && text.includes("SO_RCVBUF is finally")), 10000, `kamailio listening on ${o.ip}:${o.port}\n${text}`);
  assert.ok(!exited, `kamailio failed to start:\n${text}`);
  started = true;
  return {
    proc,
    log: () => text,
    stop: async () => {
      stopping = true;
      await stopProcess(proc);
    },
  };
}
