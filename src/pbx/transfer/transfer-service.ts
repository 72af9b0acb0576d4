/**
 * Call transfer by REFER (RFC 3515) from the phone's transfer key.
 *
 * Blind: `Refer-To: <sip:2003@pbx>` in the dialog of the transferor's call. The other party of
 * that call (the transferee) goes to `2003` in the transferor's TRANSFER_CONTEXT, else its
 * endpoint's context, with BLINDTRANSFER set to the transferor's channel; the transferor is hung
 * up once the REFER's last NOTIFY went out.
 *
 * Attended: `Refer-To: <sip:2003@pbx?Replaces=<callid>;to-tag=…;from-tag=…>` names the
 * transferor's consultation call (RFC 3891). The other party of each of the transferor's two
 * calls — the transferee and the target — are joined in a bridge of their own (ATTENDEDTRANSFER
 * set on both), and both of the transferor's channels are hung up.
 *
 *   REFER ─► 202 Accepted ─► NOTIFY 100 Trying ─► (move the parties) ─► NOTIFY 200 OK ─► BYE
 *
 * Refusals, each logged with what to change: allow_transfer=no 603, an unreadable Refer-To
 * 400, a channel in no two-party call 603, a blind target not in the dialplan 404, an attended
 * transfer whose Replaces names no call of ours 603.
 */
import type { EventPort } from "../../core/event-bus.js";
import type { EndpointConfig } from "../../config/index.js";
import { parseCSeq } from "../../sip/parser/index.js";
import type { SipRequest } from "../../sip/message/message.js";
import type { InviteSession, RequestOutcome } from "../../sip/session/index.js";
import { Bridge } from "../bridge/bridge.js";
import type { CallManager, CallParty } from "../channel/call-manager.js";
import type { DialplanDetour, DialplanTarget } from "../dialplan/index.js";
import { attendedTransferFields, prefixedChannelFields, type ChannelView, type PbxEvents } from "../events.js";
import { parseReferTo, type ReplacesTarget } from "./refer-to.js";
import { ReferNotifier } from "./refer-notifier.js";
import { TransferBridge, type DivertedChannel } from "./transfer-bridge.js";

/** With refer_blind_progress=yes: how long the transferee may run its dialplan before a Dial() starts; then the transfer counts as done. */
const NO_DIAL_GRACE_MS = 2000;
/** The implicit subscription's granted time (refer-notifier.ts): the transfer's outcome comes by then. */
const SUBSCRIPTION_MS = 60_000;

/** The final NOTIFY status for the transferee's Dial() outcome. */
const DIAL_STATUS_LINE: Record<string, [number, string]> = {
  ANSWER: [200, "OK"],
  BUSY: [486, "Busy Here"],
  NOANSWER: [480, "Temporarily Unavailable"],
  CANCEL: [487, "Request Terminated"],
  CONGESTION: [503, "Service Unavailable"],
  CHANUNAVAIL: [503, "Service Unavailable"],
};

export interface TransferServiceOptions {
  calls: CallManager;
  events: EventPort<PbxEvents>;
}

export class TransferService {
  private readonly bridges = new Set<TransferBridge>();
  /** REFERs seen per session: the first one's NOTIFYs carry `Event: refer` without an id. */
  private readonly refers = new WeakMap<InviteSession, number>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly unsubscribes = new Set<() => void>();

  constructor(private readonly o: TransferServiceOptions) {}

  private get ctx() {
    return this.o.calls.ctx;
  }

  /** The session layer's REFER, in the dialog of `party`'s session. */
  onRefer(req: SipRequest, party: CallParty | undefined, session: InviteSession): RequestOutcome {
    const log = this.ctx.log;
    if (party === undefined) {
      log.notice({ callId: session.callId }, `REFER in a dialog that carries no call of ours (Call-ID ${session.callId}); answered 603`);
      return { status: 603, reason: "Declined" };
    }
    const transferor = nameOf(party);
    const ep = endpointOf(party);
    if (!ep.allowTransfer) {
      log.warn({ endpoint: ep.id }, `Endpoint ${ep.id} transfer attempt blocked due to configuration (allow_transfer=no); ${transferor}'s REFER answered 603`);
      return { status: 603, reason: "Declined" };
    }
    const parsed = parseReferTo(req.headers.get("Refer-To"));
    if (!parsed.ok) {
      log.notice({ endpoint: ep.id }, `${transferor}: REFER refused with 400: ${parsed.problem}`);
      return { status: 400, reason: "Bad Request" };
    }
    const transferee = this.partnerOf(party);
    if (transferee === undefined) {
      log.notice({ endpoint: ep.id }, `${transferor}: REFER refused with 603: the channel is not in a two-party call (nothing to transfer)`);
      return { status: 603, reason: "Declined" };
    }
    const seq = parseCSeq(req.headers.get("CSeq") ?? "")?.seq ?? 0;
    const count = (this.refers.get(session) ?? 0) + 1;
    this.refers.set(session, count);
    // RFC 4488: `Refer-Sub: false` asks for no implicit subscription (no NOTIFYs); the 202 says it was granted.
    const noSub = (req.headers.get("Refer-Sub") ?? "").trim().toLowerCase() === "false";
    const notifier = new ReferNotifier(session, seq, count === 1, noSub);
    const accepted: RequestOutcome = { status: 202, reason: "Accepted", ...(noSub ? { headers: [["Refer-Sub", "false"]] as const } : {}) };
    const { target } = parsed;
    if (target.replaces !== undefined) {
      const r = this.attended(party, transferee, target.replaces, notifier);
      return r.status === 202 ? accepted : r;
    }
    const exten = target.user ?? "";
    const vars = varsOf(party);
    const context = vars.get("TRANSFER_CONTEXT") || ep.context;
    const place = exten === "" ? undefined : this.o.calls.placeFor(context, exten, callerNumOf(transferee));
    if (place === undefined) {
      log.notice({ endpoint: ep.id }, `${transferor}: blind transfer to '${exten}@${context}' refused with 404: no such extension (set TRANSFER_CONTEXT on the channel, or the endpoint's context, to where transfers go)`);
      return { status: 404, reason: "Not Found" };
    }
    // The 202 goes out first; the NOTIFYs follow it.
    this.later(notifier, () => this.blind(party, transferee, place, notifier, ep.referBlindProgress));
    return accepted;
  }

  /**
   * Runs a transfer's moves after the 202 went out. A party that hung up meanwhile, or a move
   * that fails, ends the transfer with a final NOTIFY 503 and an error line, never a crash.
   */
  private later(notifier: ReferNotifier, fn: () => void): void {
    queueMicrotask(() => {
      try {
        fn();
      } catch (err) {
        this.ctx.log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, "transfer failed");
        notifier.final(503, "Service Unavailable");
      }
    });
  }

  /** A bridge for two parties a transfer, a pickup or a Replaces joins; later transfers find them in it. */
  newBridge(): TransferBridge {
    const ctx = this.ctx;
    const bridge = new Bridge({ media: ctx.media, events: ctx.events, now: () => ctx.clock.now(), creator: "Transfer", log: ctx.log });
    // Keys cross between the two as in a Dial's bridge (INFO ↔ RFC 4733 ↔ inband); after the
    // bridge, a channel's keys go to whoever it dials next.
    const tb: TransferBridge = new TransferBridge(
      bridge,
      (b) => this.bridges.delete(b),
      (a, b) => {
        for (const m of [a, b]) ctx.dtmf.adopt(m, () => tb.partnerOf(m.name) ?? m.peer);
      },
    );
    this.bridges.add(tb);
    return tb;
  }

  /** Who `p` is in a call with: the other member of a transfer's bridge, or of its Dial. */
  partnerOf(p: CallParty): CallParty | undefined {
    const name = nameOf(p);
    for (const tb of this.bridges) {
      const other = tb.partnerOf(name);
      if (other !== undefined) return { kind: "call", call: other };
    }
    return this.o.calls.dialPartnerOf(p);
  }

  letGoOf(...names: string[]): void {
    for (const tb of [...this.bridges]) if (names.some((n) => tb.has(n))) tb.letGo();
  }

  /**
   * AMI BlindTransfer: `name`'s other party goes to `exten@context` (empty: the transferer's
   * TRANSFER_CONTEXT, else its endpoint's context) and `name` is hung up — a REFER's blind
   * transfer without the REFER.
   */
  blindByName(name: string, exten: string, context: string | undefined): "ok" | "no-channel" | "not-bridged" | "no-extension" {
    const party = this.o.calls.partyByName(name);
    if (party === undefined) return "no-channel";
    const transferee = this.partnerOf(party);
    if (transferee === undefined) return "not-bridged";
    const ctxName = context !== undefined && context.length > 0 ? context : varsOf(party).get("TRANSFER_CONTEXT") || endpointOf(party).context;
    const place = this.o.calls.placeFor(ctxName, exten, callerNumOf(transferee));
    if (place === undefined) return "no-extension";
    this.blind(party, transferee, place, undefined, false);
    return "ok";
  }

  private blind(transferor: CallParty, transferee: CallParty, place: DialplanTarget, notifier: ReferNotifier | undefined, progress: boolean): void {
    const log = this.ctx.log;
    if (!alive(transferor) || !alive(transferee)) {
      log.notice({}, `${nameOf(transferor)}: transfer of ${nameOf(transferee)} not done: a party hung up first`);
      notifier?.final(487, "Request Terminated");
      return;
    }
    notifier?.progress(100, "Trying");
    const from = nameOf(transferor);
    const views = { transferor: viewOf(transferor), transferee: viewOf(transferee) };
    varsOf(transferee).set("BLINDTRANSFER", from);
    this.letGoOf(from, nameOf(transferee));
    // The transferee first: a Dial's callee handed over synchronously leaves its bridge before the
    // transferor's own redirect could make that Dial hang it up.
    const moved = this.o.calls.divert(transferee, place);
    if (notifier !== undefined) this.holdTransferor(transferor, notifier);
    else this.o.calls.divert(transferor, { label: "transferred its call", run: () => Promise.resolve() });
    if (log.wants("verbose", 3)) log.verbose(3, {}, `${from}: blind transfer of ${moved.name} to ${place.exten}@${place.context}`);
    if (this.o.events.wants("BlindTransfer")) {
      this.o.events.emit("BlindTransfer", {
        Result: "Success",
        ...prefixedChannelFields("Transferer", views.transferor),
        ...prefixedChannelFields("Transferee", views.transferee),
        IsExternal: "No",
        Context: place.context,
        Extension: place.exten,
      });
    }
    if (notifier === undefined) return;
    if (!progress) {
      notifier.final(200, "OK");
      return;
    }
    this.followDial(moved, notifier);
  }

  /**
   * refer_blind_progress=yes: the transferor hears how the transferee's call goes — 180 while its
   * Dial() rings, then the Dial's outcome once every destination it rang has answered or ended
   * (one busy contact of two is no outcome); the transferee hanging up counts as done (200). A
   * dialplan that does not Dial() within two seconds (a voicemail box, a menu) counts as done,
   * unless a Dial() there failed at once (its DIALSTATUS then says how). After the 60 s the
   * implicit subscription was granted for, the transfer counts as done whatever rings.
   */
  private followDial(moved: DivertedChannel, notifier: ReferNotifier): void {
    let begun = 0;
    let ended = 0;
    let worst: string | undefined;
    const statusBefore = moved.vars.get("DIALSTATUS");
    const timers = this.timers;
    const grace = setTimeout(() => {
      if (begun > 0) return;
      const now = moved.vars.get("DIALSTATUS");
      if (now !== undefined && now !== statusBefore && now !== "ANSWER") done(...(DIAL_STATUS_LINE[now] ?? [503, "Service Unavailable"]));
      else done(200, "OK");
    }, NO_DIAL_GRACE_MS);
    const cap = setTimeout(() => done(200, "OK"), SUBSCRIPTION_MS);
    const unsubscribe = this.o.events.onAny((name, payload) => {
      const p = payload as { Channel?: string; DialStatus?: string };
      if (p.Channel !== moved.name) return;
      if (name === "DialBegin") begun++;
      else if (name === "DialState" && p.DialStatus === "RINGING") notifier.progress(180, "Ringing");
      else if (name === "DialEnd" && p.DialStatus !== undefined) {
        ended++;
        if (p.DialStatus === "ANSWER") return done(200, "OK");
        if (p.DialStatus !== "CANCEL" || worst === undefined) worst = p.DialStatus;
        if (ended >= begun) done(...(DIAL_STATUS_LINE[worst] ?? [503, "Service Unavailable"]));
      }
    });
    const done = (status: number, reason: string): void => {
      notifier.final(status, reason);
      unsubscribe();
      for (const t of [grace, cap]) {
        clearTimeout(t);
        timers.delete(t);
      }
      this.unsubscribes.delete(unsubscribe);
    };
    timers.add(grace);
    timers.add(cap);
    this.unsubscribes.add(unsubscribe);
    void moved.whenEnded().then(() => done(200, "OK"));
  }

  private attended(transferor1: CallParty, transferee: CallParty, replaces: ReplacesTarget, notifier: ReferNotifier): RequestOutcome {
    const log = this.ctx.log;
    const from = nameOf(transferor1);
    // The dialog named by both its tags (to-tag ours), as pjsip finds one; and only a call of the
    // same endpoint: a phone may join its own two calls, not take over another endpoint's.
    const session2 = this.o.calls.findSession(replaces.callId, replaces.toTag);
    const transferor2 = session2?.dialogFor(replaces.fromTag) === undefined || session2 === undefined ? undefined : this.o.calls.partyOfSession(session2);
    if (transferor2 === undefined || endpointOf(transferor2).id !== endpointOf(transferor1).id) {
      log.notice({}, `${from}: attended transfer refused with 603: its Replaces names no call of this endpoint (Call-ID ${replaces.callId})`);
      return { status: 603, reason: "Declined" };
    }
    const target = this.partnerOf(transferor2);
    const to = nameOf(transferor2);
    if (target === undefined && transferor2.kind === "call" && transferor2.call.ringing_.size > 0) {
      // The consultation call still rings (a "semi-attended" transfer): the transferee takes its
      // place and rings the same extension; the transferor's ringing call ends.
      const x2 = transferor2.call;
      const place = this.o.calls.placeFor(x2.channel.context, x2.channel.exten, callerNumOf(transferee));
      if (place !== undefined) {
        this.later(notifier, () => {
          this.o.calls.divert(transferor2, { label: "replaced by a transfer while ringing", run: () => Promise.resolve() });
          this.blind(transferor1, transferee, place, notifier, true);
        });
        return { status: 202, reason: "Accepted" };
      }
    }
    if (target === undefined || nameOf(target) === nameOf(transferee) || to === from) {
      log.notice({}, `${from}: attended transfer refused with 603: the consultation call ${to} is not a two-party call`);
      return { status: 603, reason: "Declined" };
    }
    this.later(notifier, () => {
      if (![transferor1, transferor2, transferee, target].every(alive)) {
        log.notice({}, `${from}: attended transfer not done: a party hung up first`);
        notifier.final(487, "Request Terminated");
        return;
      }
      notifier.progress(100, "Trying");
      for (const p of [transferee, target]) varsOf(p).set("ATTENDEDTRANSFER", from);
      this.letGoOf(from, to, nameOf(transferee), nameOf(target));
      const tb = this.newBridge();
      const views = [transferor1, transferor2, transferee, target].map(viewOf) as [ChannelView, ChannelView, ChannelView, ChannelView];
      // The other parties first (see blind()), then the transferor's two channels.
      const a = this.o.calls.divert(transferee, tb.detour(0));
      const b = this.o.calls.divert(target, tb.detour(1));
      this.holdTransferor(transferor1, notifier);
      this.o.calls.divert(transferor2, { label: "replaced by an attended transfer", run: () => Promise.resolve() });
      tb.join(a, b);
      if (this.o.events.wants("AttendedTransfer")) {
        this.o.events.emit("AttendedTransfer", attendedTransferFields({ orig: views[0], second: views[1], transferee: views[2], target: views[3] }, tb.id));
      }
      if (log.wants("verbose", 3)) log.verbose(3, {}, `${from}: attended transfer: ${a.name} and ${b.name} are connected (${from} and ${to} leave)`);
      notifier.final(200, "OK");
    });
    return { status: 202, reason: "Accepted" };
  }

  /**
   * Sends the transferor on its detour: held until the REFER's final NOTIFY went out (or its
   * phone hung up first), then hung up as at the end of its dialplan.
   */
  private holdTransferor(p: CallParty, notifier: ReferNotifier): DivertedChannel {
    let channel: DivertedChannel | undefined;
    const detour: DialplanDetour = {
      label: "waits for its transfer's last NOTIFY",
      run: async () => {
        // The executor may take the detour before divert() has returned the channel.
        await Promise.resolve();
        const ended = channel?.whenStopped() ?? Promise.resolve();
        await Promise.race([new Promise<void>((r) => notifier.onFinal(r)), ended]);
      },
    };
    channel = this.o.calls.divert(p, detour);
    return channel;
  }

  get activeBridges(): number {
    return this.bridges.size;
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const u of this.unsubscribes) u();
    this.unsubscribes.clear();
  }
}

function viewOf(p: CallParty): ChannelView {
  return p.kind === "call" ? p.call.view() : p.leg.view();
}

/** Still in its call: not hung up, its SIP dialog not ended. */
function alive(p: CallParty): boolean {
  return p.kind === "call" ? !p.call.hungUp() : p.leg.state === "Up";
}

function nameOf(p: CallParty): string {
  return p.kind === "call" ? p.call.name : p.leg.name;
}

function endpointOf(p: CallParty): EndpointConfig {
  return p.kind === "call" ? p.call.endpoint : p.leg.endpoint;
}

function varsOf(p: CallParty): Map<string, string> {
  return p.kind === "call" ? p.call.vars : p.leg.channel.vars;
}

function callerNumOf(p: CallParty): string {
  return p.kind === "call" ? p.call.callerId.num : p.leg.channel.callerId.num;
}
