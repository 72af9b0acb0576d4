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
 * - atxfer: the same hold and dialling, then the transferer's consultation call to the target
 *   (attended-transfer.ts), which ends in the transfer or back with the transferee.
 * - parkcall: the other party is parked in the presser's PARKINGLOT (else `default`), with the
 *   presser as its parker (its comeback goes there); the presser hears the space and is hung up.
 * - automixmon: MixMonitor on the call's calling channel starts (TOUCH_MIXMONITOR names the file,
 *   else `auto-<time>-<caller>-<extension>`, in TOUCH_MIXMONITOR_FORMAT, else wav), or stops.
 *
 * Moving the two parties out of the Dial's bridge goes the way a REFER's transfer does
 * (CallManager.divert): the called party first, so that the caller's redirect cannot make its
 * Dial hang the called party up.
 */
import type { CallParty } from "../channel/call-manager.js";
import type { DialplanDetour, DialplanTarget, RedirectTarget } from "../dialplan/index.js";
import { prefixedChannelFields } from "../events.js";
import { digitFiles } from "../ivr/say.js";
import type { DivertedChannel } from "../transfer/transfer-bridge.js";
import type { DialCaller } from "../channel/dial-caller.js";
import type { FeaturePress } from "./bridge-features.js";
import type { FeatureServices } from "./feature-services.js";
import { Consultation, consultationCodes } from "./attended-transfer.js";

/** The keys that may start a transfer target while "transfer" plays. */
const DIAL_KEYS = "0123456789*#ABCD";
/** How long the parker waits for the parked call to get its space before the announcement is given up. */
const PARK_WAIT_MS = 3000;

/** How a blind transfer's target is dialled (features.conf [general]). */
interface TransferDialling {
  digitTimeoutMs: number;
  attempts: number;
  /** Played before the target is dialled (transferannouncesound). */
  announce: string;
  /** After a target that is no extension, before the next attempt (transferretrysound). */
  retry: string;
  /** After the last attempt failed (transferinvalidsound). */
  invalid: string;
}

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
  /** Attended transfers in consultation, by their transferer. */
  private readonly consultations = new Map<DialCaller, Consultation>();

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
        this.transferByDtmf(parties, "blind");
        return false;
      case "atxfer":
        this.transferByDtmf(parties, "attended");
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

  /**
   * Both leave the Dial's bridge: the other party (the transferee) on hold with music, the
   * presser (the transferer) dialling the target; then a blind transfer, or an attended
   * transfer's consultation (the transferee stays on hold until it ends).
   */
  private transferByDtmf(parties: Parties, kind: "blind" | "attended", given?: DialplanTarget): void {
    const general = this.s.config().features.general;
    const context = varsOf(parties.presser).get("TRANSFER_CONTEXT") || (parties.presser.kind === "call" ? parties.presser.call.endpoint.context : parties.presser.leg.endpoint.context);
    const dialling: TransferDialling = {
      digitTimeoutMs: general.transferdigittimeout * 1000,
      attempts: Math.max(1, general.transferdialattempts),
      announce: general.transferannouncesound,
      retry: general.transferretrysound,
      invalid: general.transferinvalidsound,
    };
    let moved: { other: DivertedChannel; presser: DivertedChannel } | undefined;
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    const hold: DialplanDetour = {
      label: `on hold while the other party dials ${kind === "blind" ? "a blind" : "an attended"} transfer`,
      run: async () => {
        await Promise.resolve();
        const ch = moved?.other;
        if (ch === undefined || ch.hungUp()) return;
        this.s.music()?.start(ch);
        await Promise.race([released, ch.whenStopped()]);
        this.s.music()?.stop(ch);
      },
    };
    const dialTarget: DialplanDetour = {
      label: `dials ${kind === "blind" ? "a blind" : "an attended"} transfer's target`,
      run: async () => {
        await Promise.resolve();
        if (moved === undefined) return;
        let consulting = false;
        try {
          if (kind === "blind") await this.collectAndTransfer(moved.presser, moved.other, context, dialling);
          else consulting = await this.consult(moved.presser, moved.other, context, dialling, release, given);
        } finally {
          if (!consulting) release();
        }
      },
    };
    moved = this.moveBoth(parties, hold, dialTarget);
  }

  /**
   * An attended transfer's target, then its consultation: true once the consultation runs (the
   * transferee stays on hold until it ends; `dropTransferee` ends the hold, and so the call).
   */
  private async consult(presser: DivertedChannel, other: DivertedChannel, context: string, o: TransferDialling, dropTransferee: () => void, given: DialplanTarget | undefined): Promise<boolean> {
    const log = this.log;
    // The transferer's channel runs the target's extension: its caller ID picks the extension.
    const place = given ?? (await this.askTarget(presser, other, context, o, "attended transfer", presser.callerId.num));
    if (presser.hungUp() || other.hungUp()) return false;
    if (place === undefined) {
      if (log.wants("verbose", 3)) log.verbose(3, {}, `${presser.name}: attended transfer given up; back with ${other.name}`);
      this.rejoin(other, presser);
      return false;
    }
    const general = this.s.config().features.general;
    const consultation = new Consultation({
      s: this.s,
      transferer: presser,
      transferee: other,
      place,
      codes: consultationCodes(general),
      noAnswerMs: general.atxfernoanswertimeout * 1000,
      digitTimeoutMs: general.featuredigittimeout,
      dropTransferee,
      rejoin: () => this.rejoin(other, presser),
      onOver: () => {
        if (this.consultations.get(presser) === consultation) this.consultations.delete(presser);
      },
    });
    this.consultations.set(presser, consultation);
    consultation.start();
    return true;
  }

  /**
   * AMI Atxfer: `name`'s other party (in a call Dial bridged) is held and `name` consults
   * `exten@context` — its TRANSFER_CONTEXT, else its endpoint's context, when no context is given.
   */
  attendedByName(name: string, exten: string, context: string | undefined): "ok" | "no-channel" | "not-bridged" | "no-extension" {
    const calls = this.s.calls;
    const presser = calls.partyByName(name);
    if (presser === undefined) return "no-channel";
    const transfers = this.s.transfers();
    const other = transfers.partnerOf(presser);
    // A party of a consultation is not in a two-party call of its own yet.
    const consulting = [presser, other].some((p) => p !== undefined && [...this.consultations.values()].some((c) => c.involves(nameOf(p))));
    if (other === undefined || consulting) return "not-bridged";
    const where = context !== undefined && context.length > 0 ? context : varsOf(presser).get("TRANSFER_CONTEXT") || (presser.kind === "call" ? presser.call.endpoint.context : presser.leg.endpoint.context);
    const place = calls.placeFor(where, exten, presser.kind === "call" ? presser.call.callerId.num : presser.leg.channel.callerId.num);
    if (place === undefined) return "no-extension";
    transfers.letGoOf(nameOf(presser), nameOf(other));
    this.transferByDtmf({ presser, other }, "attended", place);
    return "ok";
  }

  /** The attended transfer whose consultation `call` (its transferer) is in, if any. */
  consultationOf(call: DialCaller): Consultation | undefined {
    return this.consultations.get(call);
  }

  private async collectAndTransfer(presser: DivertedChannel, other: DivertedChannel, context: string, o: TransferDialling): Promise<void> {
    const log = this.log;
    const place = await this.askTarget(presser, other, context, o, "blind transfer", other.callerId.num);
    if (presser.hungUp() || other.hungUp()) return;
    if (place === undefined) {
      if (log.wants("verbose", 3)) log.verbose(3, {}, `${presser.name}: blind transfer given up; back with ${other.name}`);
      this.rejoin(other, presser);
      return;
    }
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
  }

  /**
   * The transfer's target: an extension the transferer dialled in `context`, within the
   * attempts; undefined when it dialled none that exists, or a party hung up meanwhile.
   */
  private async askTarget(presser: DivertedChannel, other: DivertedChannel, context: string, o: TransferDialling, what: string, callerNum: string): Promise<DialplanTarget | undefined> {
    const log = this.log;
    const { attempts } = o;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const exten = await this.dialledTarget(presser, other, o);
      if (presser.hungUp()) return undefined;
      if (other.hungUp()) {
        log.notice({}, `${presser.name}: ${what} not done: ${other.name} hung up while the target was dialled`);
        return undefined;
      }
      const place: DialplanTarget | undefined = exten === "" ? undefined : this.s.calls.placeFor(context, exten, callerNum);
      if (place !== undefined) return place;
      log.notice({}, `${presser.name}: ${what} target '${exten}' is not an extension in context '${context}' (attempt ${attempt} of ${attempts}; set TRANSFER_CONTEXT on the channel, or the endpoint's context, to where transfers go)`);
      const sound = attempt < attempts ? o.retry : o.invalid;
      if (sound !== "") await presser.playback(sound);
    }
    return undefined;
  }

  /** The two talk again, in a transfer's bridge. */
  private rejoin(other: DivertedChannel, presser: DivertedChannel): void {
    const tb = this.s.transfers().newBridge();
    const a = this.s.calls.divert({ kind: "call", call: other }, tb.detour(0));
    const b = this.s.calls.divert({ kind: "call", call: presser }, tb.detour(1));
    tb.join(a, b);
  }

  /**
   * The announcement ("transfer"), then the keys the transferer presses until none comes within
   * the timeout; cut short when the transferee hangs up.
   */
  private async dialledTarget(ch: DivertedChannel, other: DivertedChannel, o: TransferDialling): Promise<string> {
    let exten = "";
    const gone = other.whenEnded().then(() => undefined);
    if (o.announce !== "" && ch.play !== undefined) {
      const first = await Promise.race([ch.play(o.announce, DIAL_KEYS), gone]);
      if (first?.status === "interrupted") exten += first.digit;
    }
    if (ch.readDigit === undefined) return exten;
    for (;;) {
      const d = await Promise.race([ch.readDigit(o.digitTimeoutMs), gone]);
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
    if (parked.freeSpace(lot) === undefined) {
      log.warn({}, `${nameOf(parties.presser)}: parkcall pressed, but parking lot '${lot.name}' is full (${lot.parkpos}); the call goes on (widen parkpos in res_parking.conf)`);
      return true;
    }
    // Park() at the lot's extension parks in the parkee's PARKINGLOT, with BLINDTRANSFER as its parker.
    const vars = varsOf(parties.other);
    vars.set("PARKINGLOT", lot.name);
    vars.set("BLINDTRANSFER", nameOf(parties.presser));
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
      monitors.stop(ch, running).catch((err: unknown) => log.warn({}, `${ch.name}: stopping the one-touch MixMonitor failed: ${String(err)}`));
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
