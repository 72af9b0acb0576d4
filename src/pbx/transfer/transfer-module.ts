/**
 * Call transfer (transfer-service.ts): REFER from the phones' transfer keys, blind and attended
 * (RFC 3515, RFC 3891's Replaces in Refer-To), under the module contract. With the module loaded
 * REFER is in Allow; the call layer hands every REFER in a call's dialog to it.
 */
import { started } from "../../core/module.js";
import type { CallLayerModule } from "../channel/call-layer-module.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import { InviteReplaces } from "./invite-replaces.js";
import { transferApp } from "./transfer-app.js";
import { TransferService } from "./transfer-service.js";

/** The applications this module registers (for `switchboard check`). */
export const TRANSFER_APP_NAMES = ["Transfer"] as const;

export class TransferModule implements SwitchboardModule {
  readonly name = "transfer";
  readonly provides = [{ name: "res_pjsip_refer.so", description: "PJSIP Blind and Attended Transfer Support", reloads: false }];
  // RFC 3891: Replaces in a REFER's Refer-To and in a new INVITE.
  readonly capabilities = { methods: ["REFER"], optionTags: ["replaces"] };
  readonly emits = ["BlindTransfer", "AttendedTransfer"];
  private service: TransferService | undefined;
  private unhook: (() => void) | undefined;

  /**
   * Comes before the call layer in the module list (Transfer() must be known when the dialplan
   * is compiled) and takes REFERs and INVITEs with Replaces once every module has started.
   */
  constructor(private readonly deps: { calls: CallLayerModule }) {}

  start(ctx: PbxModuleContext): void {
    ctx.apps.register(transferApp(() => this.deps.calls.calls.calls));
  }

  ready(ctx: PbxModuleContext): void {
    const calls = this.deps.calls.calls.calls;
    const service = new TransferService({ calls, events: ctx.events });
    this.service = service;
    calls.referHandler = (req, party, session) => service.onRefer(req, party, session);
    const replaces = new InviteReplaces(calls, service);
    calls.inviteHooks.push(replaces);
    this.unhook = () => {
      calls.referHandler = undefined;
      const i = calls.inviteHooks.indexOf(replaces);
      if (i >= 0) calls.inviteHooks.splice(i, 1);
    };
  }

  /** The transfer service, for modules that join parties in its bridges (pickup). */
  get transfers(): TransferService {
    return started(this.service, this.name, "transfer service");
  }

  stop(): void {
    this.unhook?.();
    this.unhook = undefined;
    this.service?.close();
    this.service = undefined;
  }
}
