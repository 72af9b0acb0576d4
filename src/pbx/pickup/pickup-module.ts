/**
 * Call pickup: a phone answers a call ringing on another phone.
 *
 *   Pickup()                  a call ringing on an endpoint whose call_group/named_call_group
 *                             meets the picker's pickup_group/named_pickup_group
 *   Pickup(2001[@context])    a call ringing for extension 2001 (the extension the dialling
 *                             channel is at; the picker's context by default); `2001@PICKUPMARK`:
 *                             one whose dialling channel set PICKUPMARK=2001
 *   PickupChan(PJSIP/2001)    a ringing channel by name (or the start of one)
 *   dialling features.conf's pickupexten (`*8`)   Pickup() without a dialplan extension, as
 *                             chan_pjsip does; with nothing to pick up the dialplan runs as usual
 *
 * The ringing phones get CANCEL, the caller is answered and joined with the picker. With nothing
 * to pick up the application logs it and the dialplan goes on (PICKUPRESULT is not set by
 * Asterisk either; Pickup() simply returns).
 */
import type { CallLayerModule } from "../channel/call-layer-module.js";
import type { CallManager, InviteHook } from "../channel/call-manager.js";
import type { InboundCall } from "../channel/inbound-call.js";
import type { OriginatedCall } from "../channel/originated-call.js";
import type { OutboundLeg } from "../channel/outbound-leg.js";
import type { DialplanApp } from "../apps/index.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import { connectRinging, waitIn } from "../transfer/connect-ringing.js";
import type { TransferModule } from "../transfer/transfer-module.js";
import { mayPickUp } from "./call-groups.js";

/** The applications this module registers (for `switchboard check`). */
export const PICKUP_APP_NAMES = ["Pickup", "PickupChan"] as const;

type Ringing = { owner: InboundCall | OriginatedCall; leg: OutboundLeg };

export class PickupModule implements SwitchboardModule {
  readonly name = "pickup";
  readonly provides = [
    { name: "app_directed_pickup.so", description: "Directed Call Pickup Application", reloads: false },
    { name: "res_features.so", description: "Call Features (pickupexten)", reloads: false },
  ];
  readonly configFiles = [{ file: "features.conf" }, { file: "pjsip.conf", objectTypes: ["endpoint"] }];
  private unhook: (() => void) | undefined;

  /**
   * Comes before the call layer in the module list (its applications must be known when the
   * dialplan is compiled) and reaches the call layer and the transfer module once all have
   * started (ready()).
   */
  constructor(private readonly deps: { calls: CallLayerModule; transfer: TransferModule }) {}

  private get manager(): CallManager {
    return this.deps.calls.calls.calls;
  }

  start(ctx: PbxModuleContext): void {
    ctx.apps.register(this.pickupApp());
    ctx.apps.register(this.pickupChanApp());
  }

  ready(ctx: PbxModuleContext): void {
    const calls = this.manager;
    const hook: InviteHook = {
      check: (_req, exten, ep) => {
        if (exten !== ctx.config().features.general.pickupexten || exten === "") return undefined;
        return calls.ringingLegs().some((r) => mayPickUp(ep, r.leg.endpoint)) ? { ok: true } : undefined;
      },
      take: (call) => ({
        label: "picks up a call of its pickup group",
        run: async () => {
          const target = calls.ringingLegs().find((r) => mayPickUp(call.endpoint, r.leg.endpoint));
          if (target !== undefined) await this.pickUp(call, target);
        },
      }),
    };
    calls.inviteHooks.push(hook);
    this.unhook = () => {
      const i = calls.inviteHooks.indexOf(hook);
      if (i >= 0) calls.inviteHooks.splice(i, 1);
    };
  }

  stop(): void {
    this.unhook?.();
    this.unhook = undefined;
  }

  /** Joins `picker` with the caller `target.owner` is; resolves when that call is over. */
  private async pickUp(picker: InboundCall | OriginatedCall, target: Ringing): Promise<void> {
    if (picker.log.wants("verbose", 3)) picker.log.verbose(3, {}, `${picker.name} picked up ringing channel ${target.leg.name} (the call of ${target.owner.name})`);
    const tb = connectRinging(this.manager, this.deps.transfer.transfers, target.owner, picker);
    await waitIn(tb, picker);
  }

  private picker(name: string): InboundCall | OriginatedCall | undefined {
    return this.manager.dialplanChannel(name);
  }

  private pickupApp(): DialplanApp {
    return {
      name: "Pickup",
      synopsis: "Directed extension call pickup",
      syntax: "Pickup([extension[@context][&extension2@context2[&...]]])",
      execute: async (a) => {
        const picker = this.picker(a.channel.name);
        if (picker === undefined) return "continue";
        const ringing = this.manager.ringingLegs().filter((r) => r.owner !== picker);
        const wanted = a.data.trim();
        let target: Ringing | undefined;
        if (wanted === "") target = ringing.find((r) => mayPickUp(picker.endpoint, r.leg.endpoint));
        else {
          for (const item of wanted.split("&")) {
            const [exten = "", context = a.context] = item.trim().split("@");
            target = ringing.find((r) => (context === "PICKUPMARK" ? (r.owner.vars.get("PICKUPMARK") ?? r.leg.channel.vars.get("PICKUPMARK")) === exten : r.owner.channel.exten === exten && r.owner.channel.context === context));
            if (target !== undefined) break;
          }
        }
        if (target === undefined) {
          a.log.notice({}, wanted === "" ? `No target channel found for ${picker.name}'s pickup groups (pickup_group '${picker.endpoint.pickupGroup}', named_pickup_group '${picker.endpoint.namedPickupGroup}')` : `No target channel found for ${wanted}`);
          return "continue";
        }
        await this.pickUp(picker, target);
        return "hangup";
      },
    };
  }

  private pickupChanApp(): DialplanApp {
    return {
      name: "PickupChan",
      synopsis: "Pickup a ringing channel",
      syntax: "PickupChan(channel[&channel[&...]][,options])",
      execute: async (a) => {
        const picker = this.picker(a.channel.name);
        if (picker === undefined) return "continue";
        const [names = "", options = ""] = a.args;
        if (options.trim() !== "") a.log.warn({}, `PickupChan option '${options}' is not implemented (p: pick up by partial name is what Switchboard always does); ignored`);
        const ringing = this.manager.ringingLegs().filter((r) => r.owner !== picker);
        let target: Ringing | undefined;
        for (const n of names.split("&").map((s) => s.trim()).filter((s) => s.length > 0)) {
          target = ringing.find((r) => r.leg.name === n || r.leg.name.startsWith(n.endsWith("-") ? n : `${n}-`));
          if (target !== undefined) break;
        }
        if (target === undefined) {
          a.log.notice({}, `No target channel found for ${names}`);
          return "continue";
        }
        await this.pickUp(picker, target);
        return "hangup";
      },
    };
  }
}
