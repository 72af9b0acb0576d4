/**
 * The control socket as a module. It is first in the module list and claims the socket path
 * when it starts, so that a second PBX on the same data directory stops with a clear message
 * before it touches ports or the database; it listens only in `ready()`, once every module
 * has registered its commands, so a console that connects as soon as the socket file appears
 * never finds a command missing. Stopping it (last, being first) disconnects the consoles.
 */
import { join } from "node:path";
import type { LogRouter } from "../core/log/log-router.js";
import type { ModuleContext, PbxModule } from "../core/module.js";
import { ControlServer } from "./control-server.js";
import { CONTROL_SOCKET_NAME } from "./protocol.js";
import type { CommandRegistry } from "./registry.js";

export interface ControlModuleOptions {
  /** The registry every module's commands end up in. */
  registry: CommandRegistry;
  /** Log lines for interactive consoles. */
  logs: LogRouter;
}

export class ControlModule implements PbxModule {
  readonly name = "control";
  readonly description = "Console socket: switchboard -r and -rx";
  private server: ControlServer | undefined;

  constructor(private readonly o: ControlModuleOptions) {}

  async start(ctx: ModuleContext): Promise<void> {
    const server = new ControlServer({ socketPath: join(ctx.dataDir, CONTROL_SOCKET_NAME), registry: this.o.registry, logs: this.o.logs, log: ctx.log.child({ category: "cli" }) });
    await server.claim();
    this.server = server;
  }

  async ready(): Promise<void> {
    await this.server?.start();
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }
}
