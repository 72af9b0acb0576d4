/**
 * coturn (`turnserver`, Debian package coturn) as a real STUN server for tests: STUN only, no
 * TLS/DTLS, no CLI, its database and pid file in a scratch directory, its log on stdout (kept for
 * assertions). Started on an address and port the test chooses, in the root namespace or inside
 * a network namespace, and stopped by PID.
 */
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { nsSpawn } from "./netns.js";
import { freePort } from "./ports.js";
import { scratchDir, spawnTracked, terminateProcess, waitUntil } from "./processes.js";

export interface Coturn {
  readonly ip: string;
  readonly port: number;
  readonly proc: ChildProcess;
  /** Everything coturn logged so far. */
  log(): string;
  /** `ip:port` of every client whose Binding request coturn logged (needs `--log-binding -V`). */
  bindingSources(): string[];
  stop(): Promise<void>;
}

export interface CoturnOptions {
  readonly ip: string;
  /** Default: a free port on `ip` (root namespace) or 3478 (inside a fresh namespace). */
  readonly port?: number;
  /** Run inside this network namespace. */
  readonly netns?: string;
  /** A TURN relay (RFC 8656) with long-term credentials instead of STUN only: relays from `ip`, on ports min-max. */
  readonly turn?: { readonly user: string; readonly password: string; readonly realm: string; readonly minPort: number; readonly maxPort: number };
}

export async function startCoturn(o: CoturnOptions): Promise<Coturn> {
  const port = o.port ?? (o.netns !== undefined ? 3478 : await freePort(o.ip));
  const dir = scratchDir("coturn");
  const args = [
    "-n", // no configuration file: nothing from /etc/turnserver.conf
    `--listening-ip=${o.ip}`,
    `--listening-port=${port}`,
    ...(o.turn === undefined
      ? ["--stun-only", "--no-auth"]
      : ["--lt-cred-mech", `--user=${o.turn.user}:${o.turn.password}`, `--realm=${o.turn.realm}`, `--relay-ip=${o.ip}`, `--min-port=${o.turn.minPort}`, `--max-port=${o.turn.maxPort}`]),
    "--no-tls",
    "--no-dtls",
    "--no-cli",
    `--userdb=${join(dir, "turndb")}`,
    `--pidfile=${join(dir, "turn.pid")}`,
    "--log-file=stdout",
    "--simple-log",
    // The Binding requests, with their source address: "New UDP endpoint: ... remote addr a:p".
    "--log-binding",
    "-V",
  ];
  const proc = o.netns !== undefined ? nsSpawn(o.netns, "turnserver", args) : spawnTracked("coturn", "turnserver", args);
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => (out += d.toString("utf8")));
  proc.stderr?.on("data", (d: Buffer) => (out += d.toString("utf8")));
  let exited = false;
  proc.once("exit", () => (exited = true));
  proc.once("error", (err) => (out += `\nspawn error: ${String(err)}`));
  const ready = `UDP listener opened on: ${o.ip}:${port}`;
  try {
    await waitUntil(() => {
      if (exited) throw new Error(`turnserver exited before listening on ${o.ip}:${port}`);
      return out.includes(ready);
    }, 10000, `turnserver listening on ${o.ip}:${port}`);
  } catch (err) {
    await terminateProcess(proc, 2000);
    throw new Error(`${(err as Error).message}\n--- turnserver output:\n${out.slice(-4000)}`);
  }
  return {
    ip: o.ip,
    port,
    proc,
    log: () => out,
    bindingSources: () => [...out.matchAll(/New UDP endpoint: local addr \S+, remote addr (\S+)/g)].map((m) => m[1] ?? ""),
    stop: async () => {
      await terminateProcess(proc, 5000);
    },
  };
}
