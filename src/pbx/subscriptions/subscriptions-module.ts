/**
 * SIP event subscriptions (RFC 6665) as a module: the subscription server, with the pipeline
 * handing it SUBSCRIBE and the requests of its dialogs. Event packages come from other modules
 * (voicemail adds message-summary) and are listed in Allow-Events by theirs.
 */
import type { SipStackModule } from "../../sip/sip-stack-module.js";
import { MessageFactory } from "../../sip/session/message-factory.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import type { RequestHandlers } from "../pipeline/request-handlers.js";
import { SubscriptionServer } from "./subscription-server.js";
import { registerSubscriptionCommands } from "./subscription-commands.js";

export class SubscriptionsModule implements SwitchboardModule {
  readonly name = "subscriptions";
  readonly provides = [{ name: "res_pjsip_pubsub.so", description: "PJSIP event resource" }];
  readonly capabilities = { methods: ["SUBSCRIBE"] };
  readonly dependsOn: readonly string[];
  private started: SubscriptionServer | undefined;

  constructor(private readonly deps: { sip: SipStackModule; handlers: RequestHandlers }) {
    this.dependsOn = [deps.sip.name];
  }

  get server(): SubscriptionServer {
    if (this.started === undefined) throw new Error("subscriptions module not started");
    return this.started;
  }

  start(ctx: PbxModuleContext): void {
    const server = new SubscriptionServer({
      transactions: () => this.deps.sip.transactions,
      factory: new MessageFactory({ userAgent: ctx.userAgent }),
      clock: ctx.clock,
      log: ctx.log.child({ category: "pbx.subscriptions" }),
    });
    this.started = server;
    ctx.defer(this.deps.handlers.register(server));
    ctx.defer(() => server.close());
    for (const undo of registerSubscriptionCommands(ctx.commands, { list: () => server.list(), now: () => ctx.clock.now() })) ctx.defer(undo);
  }
}
