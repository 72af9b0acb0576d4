/**
 * The request pipeline as a module: the named, ordered checklist every inbound request passes
 * (sanity → flood → 100 Trying → in-dialog → identify → authenticate → dispatch), attached to
 * the transaction layer as its user. It comes after the modules whose handlers it calls; Allow,
 * Supported, Accept and Allow-Events in its answers are the loaded modules' capabilities.
 *
 * It answers OPTIONS itself (RFC 3261 §11), so it declares OPTIONS.
 */
import type { GuardModule } from "../../security/guard-module.js";
import { DigestAuthenticator } from "../../sip/auth/index.js";
import type { SipStackModule } from "../../sip/sip-stack-module.js";
import type { CallLayerModule } from "../channel/call-layer-module.js";
import { serverHeaderFor, type PbxModuleContext, type SwitchboardModule } from "../module-context.js";
import type { RegistrarModule } from "../registrar/registrar-module.js";
import { RequestPipeline } from "./pipeline.js";
import { AuthenticateStage } from "./stages/authenticate.js";
import { EndpointAclStage } from "./stages/endpoint-acl.js";
import { DispatchStage } from "./stages/dispatch.js";
import { InDialogStage } from "./stages/in-dialog.js";
import type { RequestHandlers } from "./request-handlers.js";
import { FloodStage } from "./stages/flood.js";
import { IdentifyStage } from "./stages/identify.js";
import type { LineTokens } from "../endpoint/line-tokens.js";
import { SanityStage } from "./stages/sanity.js";
import { TryingStage } from "./stages/trying.js";

export interface PipelineModuleDeps {
  sip: SipStackModule;
  guard: GuardModule;
  registrar: RegistrarModule;
  calls: CallLayerModule;
  /** line=yes registration tokens (shared with the outbound registration module). */
  lines: LineTokens;
  /** Methods feature modules answer (SUBSCRIBE), and the dialogs they own. */
  handlers: RequestHandlers;
}

export class PipelineModule implements SwitchboardModule {
  readonly name = "pipeline";
  readonly provides = [
    // The stages read the configuration per request, so a reload reaches them.
    { name: "res_pjsip_authenticator_digest.so", description: "PJSIP authentication resource", reloads: true },
    { name: "res_pjsip_endpoint_identifier_ip.so", description: "PJSIP IP endpoint identifier", reloads: true },
    { name: "res_pjsip_endpoint_identifier_user.so", description: "PJSIP username endpoint identifier", reloads: true },
  ];
  readonly dependsOn: readonly string[];
  readonly configFiles = [{ file: "pjsip.conf", objectTypes: ["endpoint", "auth", "identify", "global"] }];
  readonly capabilities = { methods: ["OPTIONS"] };
  private built: RequestPipeline | undefined;

  constructor(private readonly deps: PipelineModuleDeps) {
    this.dependsOn = [deps.sip.name, deps.guard.name, deps.registrar.name, deps.calls.name];
  }

  /** The stage names in order (for tests and `core show settings`-like views). */
  get stageNames(): string[] {
    return this.built?.stageNames ?? [];
  }

  start(ctx: PbxModuleContext): void {
    const { sip, guard, registrar } = this.deps;
    const calls = this.deps.calls.calls;
    const transactions = sip.transactions;
    const global = () => ctx.config().pjsip.global;
    const events = guard.events;
    const caps = ctx.capabilities;
    const pipeline = new RequestPipeline({
      onAck: (req) => calls.calls.onAck(req),
      onStrayResponse: (res) => calls.calls.onStrayResponse(res),
      log: ctx.log.child({ category: "pbx.pipeline" }),
      decorate: serverHeaderFor(ctx.userAgent),
      stages: [
        new SanityStage({ supports: (tag) => caps.supports(tag) }),
        new FloodStage(guard.guard),
        new TryingStage(ctx.respond),
        new InDialogStage({
          // A dialog a feature module owns (a subscription) before the calls' dialogs.
          handle: (req, tx, respond) => {
            const owner = this.deps.handlers.dialogOwner(req);
            if (owner !== undefined) owner.inDialog(req, tx, respond);
            else calls.calls.onInDialogRequest(req, tx, respond);
          },
          respond: ctx.respond,
        }),
        new IdentifyStage(ctx.directory, () => global().endpointIdentifierOrder, { events, clock: ctx.clock }, (token) => this.deps.lines.endpointFor(token)),
        new EndpointAclStage({ events, log: ctx.log.child({ category: "pbx.acl" }), respond: ctx.respond, clock: ctx.clock, namedAcls: () => ctx.config().acl.named }),
        new AuthenticateStage({
          digest: new DigestAuthenticator({ clock: ctx.clock }),
          directory: ctx.directory,
          defaultRealm: () => global().defaultRealm,
          defaultAlgorithms: () => global().defaultAuthAlgorithmsUas,
          events,
          log: ctx.log.child({ category: "pbx.auth" }),
          respond: ctx.respond,
          clock: ctx.clock,
        }),
        new DispatchStage({
          registrar: registrar.registrar,
          respond: ctx.respond,
          allow: () => caps.allow(),
          supported: () => caps.supported(),
          accept: () => caps.accepted(),
          allowEvents: () => caps.allowEvents(),
          findInviteForCancel: (r) => transactions.findInviteForCancel(r),
          invite: (rc) => calls.calls.onInvite(rc),
          onCancel: (tx) => calls.calls.onCancelled(tx),
          handlers: this.deps.handlers,
        }),
      ],
    });
    this.built = pipeline;
    transactions.setUser(pipeline);
  }
}
