/**
 * Call transfer (transfer-service.ts): REFER from the phones' transfer keys, blind and attended
 * (RFC 3515, RFC 3891's Replaces in Refer-To), under the module contract. With the module loaded
 * REFER is in Allow; the call layer hands every REFER in a call's dialog to it.
 */
import type { CallLayerModule } from "../channel/call-layer-module.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import { TransferService } from "./transfer-service.js";

export class TransferModule implements SwitchboardModule {
  readonly name = "transfer";
  readonly provides = [{ name: "res_pjsip_refer.so", description: "PJSIP Blind and Attended Transfer Support", reloads: false }];
  readonly capabilities = { methods: ["REFER"] };
  readonly dependsOn: readonly string[];
  private service: TransferService | undefined;

  constructor(private readonly deps: { calls: CallLayerModule }) {
    this.dependsOn = [deps.calls.name];
  }

  start(ctx: PbxModuleContext): void {
    const calls = this.deps.calls.calls.calls;
    const service = new TransferService({ calls, events: ctx.events });
    this.service = service;
    calls.referHandler = (req, party, session) => service.onRefer(req, party, session);
  }

  stop(): void {
    this.service?.close();
    this.service = undefined;
  }
}
