/**
 * PLACEHOLDER composition root, written so the console can be tested end to end. The lead
 * replaces this body with the real server (config, SIP, media, modules); the exported names and
 * signatures are the contract src/main.ts relies on.
 */
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { createLogger } from "./core/logger.js";
import { CommandRegistry } from "./cli/registry.js";
import { ControlServer } from "./cli/control-server.js";
import { registerCoreCommands } from "./cli/core-commands.js";
import { CONTROL_SOCKET_NAME } from "./cli/protocol.js";
import { packageVersion } from "./cli/version.js";

export interface ServerOptions {
  configDir?: string | undefined;
  dataDir: string;
}

export interface RunningServer {
  stop(reason?: string): Promise<void>;
  /** Resolves once the server has stopped, whoever asked (signal or `core stop now`). */
  done: Promise<void>;
}

/** The configuration compiled into the package, for `switchboard check` without --config. */
export function embeddedConfigSource(_dataDir: string): { kind: "embedded"; files: Record<string, string> } {
  return { kind: "embedded", files: {} };
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  mkdirSync(opts.dataDir, { recursive: true });
  const { logger, hub, close: closeLog } = createLogger({ dir: join(opts.dataDir, "log"), level: "info" });
  const log = logger.child({ category: "core" });
  const registry = new CommandRegistry();
  const control = new ControlServer({ socketPath: join(opts.dataDir, CONTROL_SOCKET_NAME), registry, hub, log: logger });
  const startedAt = Date.now();
  let lastReloadAt = startedAt;
  let stopping: Promise<void> | undefined;
  let markDone: () => void = () => {};
  const done = new Promise<void>((r) => (markDone = r));

  const stop = (reason = "stop requested"): Promise<void> => {
    stopping ??= (async () => {
      log.notice({ reason }, "Switchboard stopping");
      await control.close();
      closeLog();
      markDone();
    })();
    return stopping;
  };

  registerCoreCommands(registry, {
    version: packageVersion(),
    startedAt,
    get lastReloadAt() {
      return lastReloadAt;
    },
    settings: () => ({
      Version: packageVersion(),
      "Configuration directory": opts.configDir ?? "(embedded)",
      "Data directory": opts.dataDir,
    }),
    reload: async () => {
      lastReloadAt = Date.now();
      log.notice({}, "reload requested");
      return "Nothing to reload yet\n";
    },
    stop: () => stop("core stop now"),
  });

  try {
    await control.start();
  } catch (err) {
    closeLog();
    throw err;
  }
  log.notice({ dataDir: opts.dataDir }, "Switchboard ready");
  return { stop, done };
}
