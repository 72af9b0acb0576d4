/**
 * Outbound registrations (pjsip.conf `type=registration`) as a module: one RegistrationClient
 * per section, started with the PBX (each after its random initial delay), unregistered when the
 * PBX stops. On reload a section whose options changed is unregistered and registered anew, a
 * removed one is unregistered, an unchanged one keeps its binding and timers.
 */
import { lookup } from "node:dns/promises";
import type { RegistrationConfig } from "../../config/pjsip/registration-schema.js";
import type { SipStackModule } from "../../sip/sip-stack-module.js";
import type { LineTokens } from "../endpoint/line-tokens.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import { RegistrationClient, type RegistrationClientDeps } from "./registration-client.js";
import { registerRegistrationCommands } from "./registration-commands.js";

/** The options of a section, without where it was written, to tell a changed section from a moved one. */
function optionsKey(r: RegistrationConfig): string {
  const { file: _file, line: _line, ...options } = r;
  return JSON.stringify(options);
}

export class OutboundRegistrationModule implements SwitchboardModule {
  readonly name = "outbound-registration";
  readonly emits = ["Registry"];
  readonly provides = [{ name: "res_pjsip_outbound_registration.so", description: "PJSIP Outbound Registration Support" }];
  readonly dependsOn: readonly string[];
  readonly configFiles = [{ file: "pjsip.conf", objectTypes: ["registration", "auth"] }];
  private readonly clients = new Map<string, RegistrationClient>();
  private clientDeps: RegistrationClientDeps | undefined;

  constructor(private readonly deps: { sip: SipStackModule; lines: LineTokens }) {
    this.dependsOn = [deps.sip.name];
  }

  /** The running clients by section name (for the console and tests). */
  registrations(): ReadonlyMap<string, RegistrationClient> {
    return this.clients;
  }

  async start(ctx: PbxModuleContext): Promise<void> {
    this.clientDeps = {
      transactions: this.deps.sip.transactions,
      transports: this.deps.sip.transports,
      auth: (id) => ctx.config().pjsip.auths.get(id),
      clock: ctx.clock,
      log: ctx.log.child({ category: "pbx.outbound-registration" }),
      userAgent: ctx.userAgent,
      resolve: async (host) => (await lookup(host)).address,
      lineToken: (id, endpoint) => this.deps.lines.bind(id, endpoint),
      // res_pjsip_outbound_registration's Registry event: the client URI as Username, the server as Domain.
      onStatus: (client, status, reason) => {
        if (status === "Stopped" || !ctx.events.wants("Registry")) return;
        ctx.events.emit("Registry", { ChannelType: "PJSIP", Username: client.config.clientUri, Domain: client.config.serverUri, Status: status, ...(status === "Rejected" ? { Cause: reason } : {}) });
      },
    };
    for (const unregister of registerRegistrationCommands(ctx.commands, { clients: () => this.clients, clock: ctx.clock })) ctx.defer(unregister);
    await this.apply(ctx);
  }

  async reload(ctx: PbxModuleContext): Promise<void> {
    await this.apply(ctx);
  }

  private async apply(ctx: PbxModuleContext): Promise<void> {
    const deps = this.clientDeps;
    if (!deps) return;
    const wanted = ctx.config().pjsip.registrations;
    const gone: RegistrationClient[] = [];
    for (const [id, client] of this.clients) {
      const next = wanted.get(id);
      if (next && optionsKey(next) === optionsKey(client.config)) continue;
      gone.push(client);
      this.clients.delete(id);
      this.deps.lines.unbind(id);
    }
    await Promise.all(gone.map((c) => c.stop()));
    for (const [id, cfg] of wanted) {
      if (this.clients.has(id)) continue;
      const client = new RegistrationClient(cfg, deps);
      this.clients.set(id, client);
      client.start();
    }
  }

  async stop(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => c.stop()));
  }
}
