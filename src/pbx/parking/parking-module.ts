/**
 * Call parking as res_parking does it: res_parking.conf's lots (the lot `default` without the
 * file), their extensions made in the lot's context (parking-dialplan.ts), and the applications
 *
 *   Park([lot[,options]])         parks the channel in the first free space (PARKINGEXTEN: that
 *                                 space if free); it hears music on hold (r: ringing) until it is
 *                                 retrieved, hangs up, or its time is up. A channel that parks
 *                                 itself hears its space (s: silence); a blind transfer's
 *                                 transferee (BLINDTRANSFER set) is parked by its transferor.
 *   ParkedCall([lot[,space]])     retrieves the call parked in that space (none given: the first
 *                                 parked in the lot) and joins it with the caller.
 *
 * When the time is up, comebacktoorigin=yes rings the parker's phone (comebackdialtime) with the
 * parked call; comebacktoorigin=no sends it to comebackcontext at the parker's flattened channel
 * name (PJSIP_2001), else `s`. Console: `parking show [lot]`.
 */
import { CliUsageError } from "../../core/commands.js";
import type { ParkingLot } from "../../config/parking/load-parking.js";
import type { DialplanApp } from "../apps/index.js";
import type { CallLayerModule } from "../channel/call-layer-module.js";
import type { CallManager } from "../channel/call-manager.js";
import { digitFiles } from "../ivr/say.js";
import { playPrompts } from "../ivr/prompts.js";
import type { PbxModuleContext, SwitchboardModule } from "../module-context.js";
import { connectRinging, waitIn } from "../transfer/connect-ringing.js";
import type { DivertedChannel } from "../transfer/transfer-bridge.js";
import type { TransferModule } from "../transfer/transfer-module.js";
import { ParkedCalls, type ParkedCall } from "./parked-calls.js";

/** The applications this module registers (for `switchboard check`). */
export const PARKING_APP_NAMES = ["Park", "ParkedCall"] as const;

/** What parked calls hear; the music on hold module gives it once loaded. */
export interface ParkingMusic {
  start(channel: DivertedChannel, musicClass: string | undefined): void;
  stop(channel: DivertedChannel): void;
}

interface ParkOptions {
  silent: boolean;
  ringing: boolean;
  timeoutSec: number | undefined;
}

/** Park()'s options: s, r, t(seconds); others are named as not implemented. */
function parkOptions(text: string, warn: (m: string) => void): ParkOptions {
  const o: ParkOptions = { silent: false, ringing: false, timeoutSec: undefined };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    let arg: string | undefined;
    if (text[i + 1] === "(") {
      const end = text.indexOf(")", i + 2);
      arg = text.slice(i + 2, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end;
    }
    if (c === "s") o.silent = true;
    else if (c === "r") o.ringing = true;
    else if (c === "t" && arg !== undefined && /^\d+$/.test(arg)) o.timeoutSec = Number(arg);
    else warn(`Park option '${c}${arg !== undefined ? `(${arg})` : ""}' is not implemented (s, r and t(seconds) are); ignored`);
  }
  return o;
}

/** `PJSIP/2001-0000000a` → `PJSIP/2001`. */
export function deviceOf(channel: string): string {
  return channel.replace(/-[0-9a-f]+$/, "");
}

export class ParkingModule implements SwitchboardModule {
  readonly name = "parking";
  readonly provides = [{ name: "res_parking.so", description: "Call Parking Resource" }];
  readonly configFiles = [{ file: "res_parking.conf" }];
  readonly parked = new ParkedCalls();
  /** Set by the music on hold module when it is loaded. */
  music: ParkingMusic | undefined;
  private ctx: PbxModuleContext | undefined;

  /**
   * Comes before the call layer in the module list (its applications must be known when the
   * dialplan is compiled); reaches the call layer and the transfer module when a call parks.
   */
  constructor(private readonly deps: { calls: CallLayerModule; transfer: TransferModule }) {}

  private get manager(): CallManager {
    return this.deps.calls.calls.calls;
  }

  start(ctx: PbxModuleContext): void {
    this.ctx = ctx;
    ctx.apps.register(this.parkApp());
    ctx.apps.register(this.parkedCallApp());
    ctx.defer(
      ctx.commands.register({
        command: "parking show",
        summary: "Show a parking lot or all of them",
        usage: "Usage: parking show [name]\n       Shows a list of parking lots or details of a specific parking lot.\n",
        handler: ({ args }) => {
          if (args.length > 1) throw new CliUsageError();
          const lots = ctx.config().parking.lots;
          if (args[0] === undefined) return [...lots.values()].map((l) => this.lotText(l, false)).join("\n");
          const lot = lots.get(args[0]);
          if (lot === undefined) return `Could not find parking lot '${args[0]}'\n`;
          return this.lotText(lot, true);
        },
      }),
    );
  }

  private lotText(lot: ParkingLot, withCalls: boolean): string {
    const row = (k: string, v: string) => `${k.padEnd(20)}:  ${v}\n`;
    let out = `Parking Lot: ${lot.name}\n${"-".repeat(50)}\n`;
    out += row("Parking Extension", lot.parkext);
    out += row("Parking Context", lot.context);
    out += row("Parking Spaces", `${lot.first}-${lot.last}`);
    out += row("Parking Time", `${lot.parkingtime} sec`);
    out += row("Comeback to Origin", lot.comebacktoorigin ? "yes" : "no");
    out += row("Comeback Context", lot.comebackcontext);
    out += row("Comeback Dial Time", `${lot.comebackdialtime} sec`);
    out += row("MusicOnHold Class", lot.parkedmusicclass);
    if (!withCalls) return out;
    const calls = this.parked.list(lot.name);
    out += "\nParked Calls\n------------\n";
    if (calls.length === 0) return out + "(none)\n";
    const now = this.ctx?.clock.now() ?? Date.now();
    for (const c of calls) out += `  Space: ${c.space}\n  Channel: ${c.channel.name}\n  Parker: ${c.parker}\n  Parked for: ${Math.floor((now - c.since) / 1000)} s of ${c.timeoutSec === 0 ? "unlimited" : `${c.timeoutSec} s`}\n\n`;
    return out;
  }

  private parkApp(): DialplanApp {
    return {
      name: "Park",
      synopsis: "Park yourself",
      syntax: "Park([parking_lot_name[,options]])",
      execute: async (a) => {
        const ctx = this.ctx;
        const channel = this.manager.dialplanChannel(a.channel.name);
        if (ctx === undefined || channel === undefined) return "continue";
        const [lotArg = "", options = ""] = a.args;
        const lotName = lotArg || a.getVar("PARKINGLOT") || "default";
        const lot = ctx.config().parking.lots.get(lotName);
        if (lot === undefined) {
          a.log.warn({}, `${channel.name}: Park(): there is no parking lot '${lotName}' (res_parking.conf); hanging up`);
          return "hangup";
        }
        const o = parkOptions(options, (m) => a.log.warn({}, m));
        const space = this.parked.freeSpace(lot, a.getVar("PARKINGEXTEN"));
        if (space === undefined) {
          a.log.warn({}, `${channel.name}: no free space in parking lot '${lot.name}' (${lot.parkpos}); hanging up (widen parkpos in res_parking.conf)`);
          return "hangup";
        }
        const parker = a.getVar("BLINDTRANSFER") || channel.name;
        a.setVar("PARKINGSLOT", space);
        a.setVar("PARKEDLOT", lot.name);
        a.setVar("PARKER", parker);
        await channel.answer();
        const timeoutSec = o.timeoutSec ?? lot.parkingtime;
        let taken = false;
        let wake: () => void = () => undefined;
        const takenPromise = new Promise<void>((r) => (wake = r));
        const entry: ParkedCall = {
          lot: lot.name,
          space,
          channel,
          parker,
          since: ctx.clock.now(),
          timeoutSec,
          take: () => {
            taken = true;
            wake();
          },
        };
        this.parked.add(entry);
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          if (a.log.wants("verbose", 3)) a.log.verbose(3, {}, `${channel.name}: parked in space ${space} of lot ${lot.name} by ${parker} (${timeoutSec === 0 ? "no time limit" : `${timeoutSec} s`})`);
          if (!o.silent && parker === channel.name) await playPrompts(a, digitFiles(space), "");
          if (!channel.hungUp() && !taken && !channel.redirectPending()) {
            if (o.ringing) void channel.playback("tone:ring");
            else this.music?.start(channel, lot.parkedmusicclass || undefined);
            const expired = new Promise<void>((r) => {
              if (timeoutSec > 0) timer = setTimeout(r, timeoutSec * 1000);
            });
            await Promise.race([channel.whenStopped(), takenPromise, expired]);
          }
        } finally {
          if (timer !== undefined) clearTimeout(timer);
          this.music?.stop(channel);
          this.parked.remove(entry);
        }
        if (taken || channel.hungUp() || channel.redirectPending()) return "continue";
        return this.comeBack(a, channel, lot, space, parker);
      },
    };
  }

  /** The parked call's time is up: back to the parker's phone, or to comebackcontext. */
  private async comeBack(a: Parameters<DialplanApp["execute"]>[0], channel: DivertedChannel, lot: ParkingLot, space: string, parker: string): Promise<"continue" | "hangup"> {
    const device = deviceOf(parker);
    if (a.log.wants("verbose", 3)) a.log.verbose(3, {}, `${channel.name}: parked call in space ${space} of lot ${lot.name} timed out; ${lot.comebacktoorigin ? `ringing ${device}` : `to ${lot.comebackcontext}`}`);
    a.setVar("PARKINGSLOT", space);
    if (lot.comebacktoorigin) {
      if (!device.startsWith("PJSIP/")) return "hangup";
      await channel.dial([device], lot.comebackdialtime, "");
      return "hangup";
    }
    const flat = device.replace(/\//g, "_");
    const exten = a.extensionState(flat, lot.comebackcontext).exists ? flat : a.extensionState("s", lot.comebackcontext).exists ? "s" : undefined;
    if (exten === undefined) {
      a.log.warn({}, `${channel.name}: parked call timed out, but context ${lot.comebackcontext} has neither ${flat} nor s; hanging up`);
      return "hangup";
    }
    return a.goto([lot.comebackcontext, exten, "1"]) ? "continue" : "hangup";
  }

  private parkedCallApp(): DialplanApp {
    return {
      name: "ParkedCall",
      synopsis: "Retrieve a parked call",
      syntax: "ParkedCall([parking_lot_name[,parking_space]])",
      execute: async (a) => {
        const picker = this.manager.dialplanChannel(a.channel.name);
        if (picker === undefined) return "continue";
        const [lotArg = "", spaceArg = ""] = a.args;
        const lotName = lotArg || "default";
        const entry = spaceArg === "" ? this.parked.list(lotName)[0] : this.parked.get(lotName, spaceArg);
        if (entry === undefined || entry.channel.hungUp()) {
          a.log.notice({}, `${picker.name}: no parked call in ${spaceArg === "" ? `lot ${lotName}` : `space ${spaceArg} of lot ${lotName}`}`);
          await picker.answer();
          // Asterisk plays pbx-invalidpark; the prompts shipped have pbx-invalid ("that is not a valid extension").
          await playPrompts(a, ["pbx-invalid"], "");
          return "hangup";
        }
        entry.take();
        this.parked.remove(entry);
        if (a.log.wants("verbose", 3)) a.log.verbose(3, {}, `${picker.name}: retrieves ${entry.channel.name} from space ${entry.space} of lot ${entry.lot}`);
        // As a ringing call is picked up (the parked one is answered already).
        const tb = connectRinging(this.manager, this.deps.transfer.transfers, entry.channel, picker);
        await waitIn(tb, picker);
        return "hangup";
      },
    };
  }
}
