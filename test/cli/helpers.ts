/** Shared pieces for the console tests: temp dirs, a started control server, raw socket clients. */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createConnection, type Socket } from "node:net";
import { PassThrough } from "node:stream";
import { CommandRegistry } from "../../src/cli/registry.js";
import { ControlServer } from "../../src/cli/control-server.js";
import { CaptureLogger } from "../../src/core/logger.js";
import { LogRouter } from "../../src/core/log/log-router.js";
import { scratchDir } from "../helpers/processes.js";

/**
 * A scratch directory for one test. `cleanup()` removes it at once; if a test fails before it
 * gets there, the scratch-dir safety net of processes.ts removes it when the file's process exits.
 */
export function tempDir(): { dir: string; cleanup: () => void } {
  // Short name under the temp dir: unix socket paths are limited to 107 bytes.
  const dir = scratchDir("cli");
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Fixture {
  dir: string;
  socketPath: string;
  registry: CommandRegistry;
  logs: LogRouter;
  log: CaptureLogger;
  server: ControlServer;
  close(): Promise<void>;
}

export async function startFixture(): Promise<Fixture> {
  const { dir, cleanup } = tempDir();
  const socketPath = join(dir, "switchboard.ctl");
  const registry = new CommandRegistry();
  registry.register({
    command: "echo",
    usage: "Usage: echo <words>\n",
    summary: "Echo the arguments",
    handler: (ctx) => ctx.args.join(" ") + "\n",
    complete: () => ["alpha", "beta"],
  });
  registry.register({
    command: "slow echo",
    usage: "Usage: slow echo <ms> <word>\n",
    summary: "Echo after a delay",
    handler: async (ctx) => {
      await new Promise((r) => setTimeout(r, Number(ctx.args[0])));
      return `${ctx.args[1] ?? ""}\n`;
    },
  });
  const logs = new LogRouter({ dir: undefined });
  const log = new CaptureLogger();
  const server = new ControlServer({ socketPath, registry, logs, log });
  await server.start();
  return {
    dir,
    socketPath,
    registry,
    logs,
    log,
    server,
    close: async () => {
      await server.close();
      cleanup();
    },
  };
}

/** A raw socket that collects parsed frames, for protocol-level tests. */
export class RawClient {
  readonly frames: Record<string, unknown>[] = [];
  closed = false;
  private buffer = "";
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.buffer += d;
      const parts = this.buffer.split("\n");
      this.buffer = parts.pop() ?? "";
      for (const p of parts) this.frames.push(JSON.parse(p) as Record<string, unknown>);
      this.wake();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
  }

  static connect(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = createConnection(path);
      s.once("error", reject);
      s.once("connect", () => resolve(new RawClient(s)));
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until `pred` holds over the collected frames (or fails after `ms`). */
  async until(pred: (c: RawClient) => boolean, ms = 2000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; frames so far: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A writable that remembers everything written to it. */
export class Capture extends PassThrough {
  text = "";
  constructor() {
    super();
    this.setEncoding("utf8");
    this.on("data", (d: string) => (this.text += d));
  }
}

export async function waitFor(pred: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for condition");
    await new Promise((r) => setTimeout(r, 10));
  }
}
