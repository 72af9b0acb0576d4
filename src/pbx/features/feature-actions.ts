/**
 * What each feature code does once pressed (bridge-features.ts finds them):
 *
 * - disconnect: the call ends.
 * - blindxfer: the other party (the transferee) hears music on hold; the presser (the
 *   transferer) hears "transfer" and dials the target, each key within transferdigittimeout.
 *   A target that exists in the transferer's TRANSFER_CONTEXT (else its endpoint's context)
 *   gets the transferee, with BLINDTRANSFER set to the transferer, which is hung up. A target
 *   that does not exist is "not a valid extension" and another attempt, up to
 *   transferdialattempts; then the two talk again.
 * - parkcall: the other party is parked in the presser's PARKINGLOT (else `default`), with the
 *   presser as its parker (its comeback goes there); the presser hears the space and is hung up.
 * - automixmon: MixMonitor on the call's calling channel starts (TOUCH_MIXMONITOR names the file,
 *   else `auto-<time>-<caller>-<extension>`, in TOUCH_MIXMONITOR_FORMAT, else wav), or stops.
 *
 * Moving the two parties out of the Dial's bridge goes the way a REFER's transfer does
 * (CallManager.divert): the called party first, so that the caller's redirect cannot make its
 * Dial hang the called party up.
 */
import type { EventPort } from "../../core/event-bus.js";
import type { LoadedConfig } from "../../config/index.js";
import type { CallManager, CallParty } from "../channel/call-manager.js";
import type { DialplanDetour, DialplanTarget, RedirectTarget } from "../dialplan/index.js";
import { prefixedChannelFields, type PbxEvents } from "../events.js";
import { digitFiles } from "../ivr/say.js";
import type { MixMonitors } from "../mixmonitor/mixmonitor-apps.js";
import type { ParkedCalls } from "../parking/parked-calls.js";
import type { DivertedChannel } from "../transfer/transfer-bridge.js";
import type { TransferService } from "../transfer/transfer-service.js";
import type { FeaturePress } from "./bridge-features.js";

/** What the held party hears during a transfer; the music on hold module gives it once loaded. */
export interface FeatureMusic {
  start(channel: DivertedChannel): void;
  stop(channel: DivertedChannel): void;
}

export interface FeatureServices {
  calls: CallManager;
  events: EventPort<PbxEvents>;
  config: () => LoadedConfig;
  transfers: () => TransferService;
  music: () => FeatureMusic | undefined;
  parked: () => ParkedCalls | undefined;
  monitors: () => MixMonitors | undefined;
  now: () => number;
}

/** The keys that may start a transfer target while "transfer" plays. */
const DIAL_KEYS = "0123456789*#ABCD";
/** How long the parker waits for the parked call to get its space before the announcement is given up. */
const PARK_WAIT_MS = 3000;

interface Parties {
  presser: CallParty;
  other: CallParty;
}

function partiesOf(p: FeaturePress): Parties {
  const caller: CallParty = { kind: "call", call: p.call as DivertedChannel };
  const callee: CallParty = { kind: "peer", owner: p.call as DivertedChannel, leg: p.leg };
  return p.side === "caller" ? { presser: caller, other: callee } : { presser: callee, other: caller };
}

function nameOf(p: CallParty): string {
  return p.kind === "call" ? p.call.name : p.leg.name;
}

function varsOf(p: CallParty): Map<string, string> {
  return p.kind === "call" ? p.call.vars : p.leg.channel.vars;
}

export class FeatureActions {
  /** The automixmon recording of each calling channel, by name. */
  private readonly touchRecordings = new Map<string, string>();

  constructor(private readonly s: FeatureServices) {}

  private get log() {
    return this.s.calls.ctx.log;
  }

  /** Runs the feature pressed; true when the two stay in their call (and their keys stay watched). */
  run(p: FeaturePress): boolean {
    const parties = partiesOf(p);
    const who = nameOf(parties.presser);
    if (this.log.wants("verbose", 3)) this.log.verbose(3, {}, `${who}: feature '${p.feature}' (${p.code}) pressed`);
    switch (p.feature) {
      case "disconnect":
        void this.s.calls.hangupByName(p.call.name);
        return false;
      case "automixmon":
        this.toggleRecording(p);
        return true;
      case "parkcall":
        return this.park(parties);
      case "blindxfer":
        this.blindTransfer(parties);
        return false;
    }
  }

  /**
   * Both parties leave the Dial's bridge: `other` to `otherTo`, `presser` to `presserTo`, the
   * called party first. Returns the channels they now are.
   */
  private moveBoth(parties: Parties, otherTo: RedirectTarget, presserTo: RedirectTarget): { other: DivertedChannel; presser: DivertedChannel } {
    const calls = this.s.calls;
    if (parties.presser.kind === "peer") {
      const presser = calls.divert(parties.presser, presserTo);
      return { presser, other: calls.divert(parties.other, otherTo) };
    }
    const other = calls.divert(parties.other, otherTo);
    return { other, presser: calls.divert(parties.presser, presserTo) };
  }

  private blindTransfer(parties: Parties): void {
    const general = this.s.config().features.general;
    const context = varsOf(parties.presser).get("TRANSFER_CONTEXT") || (parties.presser.kind === "call" ? parties.presser.call.endpoint.context : parties.presser.leg.endpoint.context);
    let moved: { other: DivertedChannel; presser: DivertedChannel } | undefined;
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    const hold: DialplanDetour = {
      label: "on hold while the other party dials a transfer",
      run: async () => {
        await Promise.resolve();
        const ch = moved?.other;
        if (ch === undefined) return;
        this.s.music()?.start(ch);
        await Promise.race([released, ch.whenStopped()]);
        this.s.music()?.stop(ch);
      },
    };
    const dialTarget: DialplanDetour = {
      label: "dials a blind transfer's target",
      run: async () => {
        await Promise.resolve();
        if (moved === undefined) return;
        try {
          await this.collectAndTransfer(moved.presser, moved.other, context, general.transferdigittimeout * 1000, Math.max(1, general.transferdialattempts));
        } finally {
          release();
        }
      },
    };
    moved = this.moveBoth(parties, hold, dialTarget);
  }

  private async collectAndTransfer(presser: DivertedChannel, other: DivertedChannel, context: string, digitTimeoutMs: number, attempts: number): Promise<void> {
    const log = this.log;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const exten = await this.dialledTarget(presser, digitTimeoutMs);
      if (presser.hungUp() || other.hungUp()) return;
      const place: DialplanTarget | undefined = exten === "" ? undefined : this.s.calls.placeFor(context, exten, other.callerId.num);
      if (place !== undefined) {
        other.vars.set("BLINDTRANSFER", presser.name);
        this.s.calls.divert({ kind: "call", call: other }, place);
        if (log.wants("verbose", 3)) log.verbose(3, {}, `${presser.name}: blind transfer of ${other.name} to ${place.exten}@${place.context} (DTMF)`);
        if (this.s.events.wants("BlindTransfer")) {
          this.s.events.emit("BlindTransfer", {
            Result: "Success",
            ...prefixedChannelFields("Transferer", presser.view()),
            ...prefixedChannelFields("Transferee", other.view()),
            IsExternal: "No",
            Context: place.context,
            Extension: place.exten,
          });
        }
        return;
      }
      log.notice({}, `${presser.name}: blind transfer target '${exten}' is not an extension in context '${context}' (attempt ${attempt} of ${attempts}; set TRANSFER_CONTEXT on the channel, or the endpoint's context, to where transfers go)`);
      await presser.playback("pbx-invalid");
    }
    if (presser.hungUp() || other.hungUp()) return;
    // No valid target: the two talk again.
    if (log.wants("verbose", 3)) log.verbose(3, {}, `${presser.name}: blind transfer given up; back with ${other.name}`);
    const tb = this.s.transfers().newBridge();
    const a = this.s.calls.divert({ kind: "call", call: other }, tb.detour(0));
    const b = this.s.calls.divert({ kind: "call", call: presser }, tb.detour(1));
    tb.join(a, b);
  }

  /** "Transfer", then the keys the transferer presses until none comes within the timeout. */
  private async dialledTarget(ch: DivertedChannel, digitTimeoutMs: number): Promise<string> {
    let exten = "";
    const first = ch.play !== undefined ? await ch.play("pbx-transfer", DIAL_KEYS) : undefined;
    if (first?.status === "interrupted") exten += first.digit;
    if (ch.readDigit === undefined) return exten;
    for (;;) {
      const d = await ch.readDigit(digitTimeoutMs);
      if (d === undefined) return exten;
      exten += d;
    }
  }

  private park(parties: Parties): boolean {
    const log = this.log;
    const lotName = varsOf(parties.presser).get("PARKINGLOT") || "default";
    const lot = this.s.config().parking.lots.get(lotName);
    const parked = this.s.parked();
    const otherNum = parties.other.kind === "call" ? parties.other.call.callerId.num : parties.other.leg.channel.callerId.num;
    const place = lot === undefined ? undefined : this.s.calls.placeFor(lot.context, lot.parkext, otherNum);
    if (lot === undefined || place === undefined || parked === undefined) {
      log.warn({}, `${nameOf(parties.presser)}: parkcall pressed, but there is no parking lot '${lotName}' with its extension (res_parking.conf); the call goes on`);
      return true;
    }
    varsOf(parties.other).set("BLINDTRANSFER", nameOf(parties.presser));
    let moved: { other: DivertedChannel; presser: DivertedChannel } | undefined;
    const announce: DialplanDetour = {
      label: "hears where its call was parked",
      run: async () => {
        await Promise.resolve();
        if (moved === undefined) return;
        const { presser, other } = moved;
        const deadline = this.s.now() + PARK_WAIT_MS;
        let space: string | undefined;
        while (space === undefined && !presser.hungUp() && this.s.now() < deadline) {
          space = parked.list(lot.name).find((c) => c.channel.name === other.name)?.space;
          if (space === undefined) await new Promise((r) => setTimeout(r, 50));
        }
        if (space === undefined) return;
        for (const f of digitFiles(space)) if ((await presser.playback(f)) !== "ok") break;
      },
    };
    moved = this.moveBoth(parties, place, announce);
    return false;
  }

  private toggleRecording(p: FeaturePress): void {
    const log = this.log;
    const monitors = this.s.monitors();
    const ch = this.s.calls.dialplanChannel(p.call.name);
    if (monitors === undefined || ch === undefined) {
      log.warn({}, `${p.call.name}: automixmon pressed, but MixMonitor is not loaded; nothing is recorded`);
      return;
    }
    const running = this.touchRecordings.get(ch.name);
    if (running !== undefined && monitors.running.find(ch, running) !== undefined) {
      this.touchRecordings.delete(ch.name);
      void monitors.stop(ch, running);
      if (log.wants("verbose", 3)) log.verbose(3, {}, `${ch.name}: one-touch MixMonitor stopped`);
      return;
    }
    const format = ch.vars.get("TOUCH_MIXMONITOR_FORMAT") || "wav";
    const base = ch.vars.get("TOUCH_MIXMONITOR") || `auto-${Math.floor(this.s.now() / 1000)}-${ch.callerId.num || "unknown"}-${ch.channel.exten || "s"}`;
    const file = /\.[A-Za-z0-9]+$/.test(base) ? base : `${base}.${format}`;
    const tap = monitors.start(ch, [file], { log, setVar: (k, v) => ch.vars.set(k, v) });
    if (tap === undefined) return;
    this.touchRecordings.set(ch.name, tap);
    void ch.whenEnded().then(() => this.touchRecordings.delete(ch.name));
    if (log.wants("verbose", 3)) log.verbose(3, {}, `${ch.name}: one-touch MixMonitor to ${file}`);
  }
}
