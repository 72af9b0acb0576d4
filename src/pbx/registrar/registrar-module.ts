/**
 * The registrar as a module: REGISTER handling (RFC 3261 §10.3 with pjsip's AOR rules),
 * qualify (OPTIONS pings per `qualify_frequency`), the periodic expiry of bindings
 * (`contact_expiration_check_interval`), and the ContactStatus events. Contacts stored before a
 * restart are restored here with their remaining lifetime and qualified again.
 */
import { hostname } from "node:os";
import type { TimerHandle } from "../../core/clock.js";
import { started } from "../../core/module.js";
import type { SipStackModule } from "../../sip/sip-stack-module.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import { PeerStatusTracker } from "./peer-status.js";
import { publishContactStatus } from "./contact-status.js";
import type { ContactsModule } from "./contacts-module.js";
import { Qualifier } from "./qualify.js";
import { Registrar } from "./registrar.js";

export class RegistrarModule implements SwitchboardModule {
  readonly name = "registrar";
  readonly provides = [{ name: "res_pjsip_registrar.so", description: "PJSIP Registrar Support" }];
  readonly dependsOn: readonly string[];
  readonly configFiles = [{ file: "pjsip.conf", objectTypes: ["aor", "global"] }];
  readonly capabilities = { methods: ["REGISTER"] };
  readonly emits = ["ContactStatus", "PeerStatus"];
  private running: { registrar: Registrar; qualifier: Qualifier } | undefined;

  constructor(private readonly deps: { contacts: ContactsModule; sip: SipStackModule }) {
    this.dependsOn = [deps.contacts.name, deps.sip.name];
  }

  get registrar(): Registrar {
    return started(this.running, this.name, "registrar").registrar;
  }

  get qualifier(): Qualifier {
    return started(this.running, this.name, "qualifier").qualifier;
  }

  start(ctx: PbxModuleContext): void {
    const store = this.deps.contacts.store;
    const registrar = new Registrar({ store, directory: ctx.directory, clock: ctx.clock, log: ctx.log.child({ category: "pbx.registrar" }), respond: ctx.respond, serverId: hostname() });
    const { transactions, transports } = this.deps.sip;
    const qualifier = new Qualifier({ transactions, transports, directory: ctx.directory, clock: ctx.clock, log: ctx.log.child({ category: "pbx.qualify" }), userAgent: ctx.userAgent });
    this.running = { registrar, qualifier };
    ctx.defer(() => qualifier.close());
    registrar.on("added", (c) => qualifier.track(c));
    registrar.on("updated", (c) => qualifier.track(c));
    registrar.on("removed", (c) => qualifier.untrack(c.id));
    const peers = new PeerStatusTracker(ctx.events);
    ctx.defer(ctx.events.on("ContactStatus", (e) => peers.contactStatus(e)));
    ctx.defer(publishContactStatus({ registrar, qualifier, events: ctx.events }));

    // A contact registered over a WebSocket is reachable only through that connection
    // (RFC 7118 §5: the client has no address to connect to): when it closes, or the PBX
    // restarted, the contact is gone, as Asterisk removes it "due to shutdown".
    const overWebSocket = (c: { transport: string }) => c.transport === "ws" || c.transport === "wss";
    ctx.defer(
      this.deps.sip.onConnectionClosed((flow) => {
        for (const c of store.list()) {
          if (overWebSocket(c) && c.transport === flow.transport.protocol && c.sourceAddress === flow.remoteAddress && c.sourcePort === flow.remotePort) registrar.remove(c, "shutdown");
        }
      }),
    );

    // Contacts from before the restart, with their remaining lifetime.
    registrar.expire();
    for (const c of store.list()) if (overWebSocket(c)) registrar.remove(c, "shutdown");
    for (const c of store.list()) qualifier.track(c);
    let expiryTimer: TimerHandle | undefined;
    const scheduleExpiry = () => {
      expiryTimer = ctx.clock.setTimeout(() => {
        registrar.expire();
        scheduleExpiry();
      }, Math.max(1, ctx.config().pjsip.global.contactExpirationCheckInterval) * 1000);
    };
    scheduleExpiry();
    ctx.defer(() => expiryTimer?.cancel());
  }

  reload(): void {
    this.qualifier.refresh();
  }
}
