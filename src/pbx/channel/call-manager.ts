/**
 * The call manager: turns an authenticated INVITE into a channel, runs the dialplan on it, and
 * answers the media side of what the sessions bring (re-INVITE and UPDATE offers, answers in
 * ACKs). Routing inside dialogs (ACK, BYE, re-INVITE, UPDATE, PRACK, CANCEL, stray 2xx) is the
 * session layer's (sip/session/session-layer.ts). It owns the channel table the console shows.
 */
import { iceSpecFor } from "../media-session/ice-spec.js";
import { isIP } from "node:net";
import { ASTERISK_SOURCE } from "../../core/logger.js";
import { SipResponseError } from "../../core/errors.js";
import { describeCodecs } from "../../media/sdp/index.js";
import type { EndpointConfig } from "../../config/index.js";
import { parseUri, unescapeUser } from "../../sip/parser/index.js";
import type { SipRequest, SipResponse } from "../../sip/message/message.js";
import type { InviteSession, ModifyOutcome, ModifyRequest, RequestOutcome, SessionBody } from "../../sip/session/index.js";
import { InviteServerTransaction, type ServerTransaction } from "../../sip/transaction/server-transaction.js";
import { formatHostPort, type Flow } from "../../sip/transport/types.js";
import type { DialplanExecutor, DialplanTarget, DialStatus, RedirectTarget } from "../dialplan/executor.js";
import { isDetour } from "../dialplan/index.js";
import { MediaSession, type CheckedOffer } from "../media-session/media-session.js";
import type { RequestContext } from "../pipeline/request-context.js";
import type { CallContext } from "./call-context.js";
import type { DialCaller } from "./dial-caller.js";
import { originate, type OriginateRequest, type OriginateResult } from "./originate.js";
import { OriginatedCall } from "./originated-call.js";
import type { BridgeMember } from "../bridge/bridge.js";
import type { Channel } from "./channel.js";
import { channelFields } from "../events.js";
import { nextChannelName, nextUniqueId } from "./channel-name.js";
import { dial, type DialHooks } from "./dial.js";
import { CAUSE } from "./hangup-cause.js";
import { InboundCall } from "./inbound-call.js";
import { mediaAddressFor } from "./media-address.js";
import type { OutboundLeg } from "./outbound-leg.js";
import { MediaDoctor } from "./media-doctor.js";
import { negotiateExtensions } from "./session-extensions.js";

/** Where a redirect sends a channel, as AMI Redirect and `channel redirect` give it. */
export interface RedirectRequest {
  /** Empty or absent: the channel's current context. */
  context?: string | undefined;
  /** Empty or absent: the channel's current extension. */
  exten?: string | undefined;
  /** A number or a label. */
  priority: string;
}

/** A redirect checked and ready: a channel the dialplan drives, or a Dial's bridged callee. */
export type RedirectPlan =
  | { ok: true; kind: "call"; call: InboundCall | OriginatedCall; target: DialplanTarget }
  | { ok: true; kind: "peer"; owner: InboundCall | OriginatedCall; leg: OutboundLeg; target: DialplanTarget }
  | { ok: false; reason: "no-channel" | "invalid-priority" | "failed" };

/**
 * A channel as a transfer finds it: one the dialplan drives (a call's incoming channel, an
 * originated call, a callee a redirect or transfer took over), or a Dial's bridged callee and the
 * channel that dialled it.
 */
export type CallParty = { kind: "call"; call: InboundCall | OriginatedCall } | { kind: "peer"; owner: InboundCall | OriginatedCall; leg: OutboundLeg };

/** Answers a REFER that arrived in the dialog of `party`'s session (the transfer module). */
export type ReferHandler = (req: SipRequest, party: CallParty | undefined, session: InviteSession) => RequestOutcome;

/**
 * Where a new call goes instead of its extension (an INVITE with Replaces, a pickup extension):
 * `check` runs before any media is set up and may refuse the INVITE; `take` gets the new channel.
 * Undefined from `check`: not this hook's call.
 */
export interface InviteHook {
  check(req: SipRequest, exten: string, ep: EndpointConfig): { ok: true } | { ok: false; status: number; reason: string; detail: string } | undefined;
  take(call: InboundCall): RedirectTarget;
}

export type RedirectOutcome = { ok: true; channel: string; target: DialplanTarget } | { ok: false; reason: "no-channel" | "invalid-priority" | "failed" };

export interface CallManagerOptions {
  ctx: CallContext;
  executor: DialplanExecutor;
  respond: (ctx: RequestContext, res: SipResponse) => void;
  stunAddress: () => string | undefined;
}

/** What answering an offer on one leg needs: its name, endpoint and media session. */
interface MediaLeg {
  name: string;
  endpoint: EndpointConfig;
  media: MediaSession;
  channel: Channel;
}

export class CallManager {
  readonly calls = new Set<InboundCall>();
  /** Calls the PBX placed itself (Originate), while they last. */
  readonly originated = new Set<OriginatedCall>();
  private readonly outboundByCallId = new Map<string, { leg: OutboundLeg; call: DialCaller }>();
  readonly doctor: MediaDoctor;
  processed = 0;
  /** The transfer module's answer to REFER; without it REFER is answered 405. */
  referHandler: ReferHandler | undefined;
  /** Modules' say over new calls (INVITE with Replaces, pickup), asked in order. */
  readonly inviteHooks: InviteHook[] = [];
  /** Modules told of every call a Dial bridged, with Dial's options (feature codes). */
  readonly bridgeHooks: Array<(call: DialCaller, leg: OutboundLeg, options: string) => void> = [];
  /** Modules told of every Dial's outcome, before the dialling channel's dialplan goes on. */
  readonly dialEndHooks: Array<(call: DialCaller, status: DialStatus) => void> = [];
  /** Channels whose phone has the call on hold (Hold/Unhold are reported on a change only). */
  private readonly held = new WeakSet<Channel>();

  /** How Dial's outgoing legs join the table in-dialog requests and stray 2xx are routed by. */
  private readonly dialHooks: DialHooks = {
    track: (leg, owner) => {
      this.outboundByCallId.set(leg.callId, { leg, call: owner });
      this.answerMediaOf(leg.session, leg);
    },
    untrack: (leg) => this.outboundByCallId.delete(leg.callId),
    stunAddress: () => this.o.stunAddress(),
    bridged: (call, leg, options) => {
      for (const h of this.bridgeHooks) h(call, leg, options);
    },
    settled: (call, status) => {
      for (const h of this.dialEndHooks) {
        try {
          h(call, status);
        } catch (err) {
          call.log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, `${call.name}: a module's hook on the end of a Dial failed`);
        }
      }
    },
  };

  constructor(private readonly o: CallManagerOptions) {
    this.doctor = new MediaDoctor(o.ctx);
  }

  get ctx(): CallContext {
    return this.o.ctx;
  }

  outboundLegs(): Array<{ leg: OutboundLeg; call: DialCaller }> {
    return [...this.outboundByCallId.values()];
  }

  /** A new INVITE (no To tag) that passed identification and authentication. */
  async onInvite(rc: RequestContext): Promise<void> {
    const { req, flow } = rc;
    const ep = rc.endpoint;
    if (!ep) throw new SipResponseError(403, "Forbidden", [], "no endpoint identified for this INVITE");
    if (!(rc.tx instanceof InviteServerTransaction)) return;
    // RFC 3262 / RFC 4028 per the endpoint's 100rel and timers options: 420, 421 or 422 before
    // any media is set up.
    const ext = negotiateExtensions(req, ep);
    if (!ext.ok) throw new SipResponseError(ext.rejection.status, ext.rejection.reason, ext.rejection.headers, ext.rejection.detail);
    // RFC 3261 §13.2.1: an INVITE may leave the offer out; ours then goes in the 2xx and the
    // answer comes in the ACK (InboundCall.confirmed() ends a call whose ACK brings none).
    const uri = parseUri(req.uri);
    const exten = uri?.user ? unescapeUser(uri.user) : "s";
    let hook: InviteHook | undefined;
    for (const h of this.inviteHooks) {
      const verdict = h.check(req, exten, ep);
      if (verdict === undefined) continue;
      if (!verdict.ok) throw new SipResponseError(verdict.status, verdict.reason, [], verdict.detail);
      hook = h;
      break;
    }
    const offered = req.body.length > 0;
    const ctype = (req.headers.get("Content-Type") ?? "").toLowerCase();
    if (offered && !ctype.startsWith("application/sdp")) {
      throw new SipResponseError(415, "Unsupported Media Type", [["Accept", "application/sdp"]], `INVITE from endpoint '${ep.id}' carries a '${ctype || "(no Content-Type)"}' body, not an SDP offer`);
    }
    let checked: (CheckedOffer & { ok: true }) | undefined;
    if (offered) {
      const c = MediaSession.checkOffer(req.body.toString("utf8"), ep);
      // RFC 3261 §20.43: Warning = warn-code SP warn-agent SP quoted warn-text.
      if (!c.ok) throw new SipResponseError(488, "Not Acceptable Here", [["Warning", c.warning]], c.detail);
      checked = c;
    } else if (!MediaSession.canOffer(ep)) {
      throw new SipResponseError(488, "Not Acceptable Here", [["Warning", '305 switchboard "Incompatible media format"']], `INVITE from endpoint '${ep.id}' carries no SDP offer, and its allow= list has no audio codec to offer it in our 200 OK`);
    }
    const transportCfg = this.o.ctx.config().pjsip.transports.find((t) => t.id === flow.transport.id);
    const mediaAddress = mediaAddressFor(ep, flow, transportCfg, this.o.stunAddress());
    const callId = req.headers.get("Call-ID") ?? "";
    let alloc: Awaited<ReturnType<typeof this.o.ctx.media.allocate>>;
    try {
      // The relay socket must be of the phone's family: an IPv6 phone sends to an IPv6 port.
      // ICE only when the offer has it, or when we make the offer (RFC 8839 §4.2).
      const ice = checked === undefined || checked.offer.iceParams !== undefined ? await iceSpecFor(ep, this.o.ctx.config().rtp, flow, mediaAddress, this.o.ctx.config().acl?.named) : undefined;
      alloc = await this.o.ctx.media.allocate({ group: callId, ...((checked && isIP(checked.offer.address) === 6) || flow.transport.family === 6 ? { bindAddress: "::" } : {}), ...(ice ? { ice } : {}) });
    } catch (err) {
      const rtp = this.o.ctx.config().rtp;
      throw new SipResponseError(503, "Service Unavailable", [["Retry-After", "5"]], `no RTP port free for a new call (${err instanceof Error ? err.message : String(err)}); widen rtp.conf rtpstart=${rtp.rtpstart}/rtpend=${rtp.rtpend}`);
    }
    // A CANCEL that arrived while the allocation was pending found no session yet: the dispatch
    // stage answered 200 and 487, so the transaction has left Proceeding. Going on would build a
    // ghost call whose Dial rings the callee for a caller who has gone.
    if (rc.tx.state !== "Proceeding") {
      this.o.ctx.media.release(alloc.id);
      if (this.o.ctx.log.wants("verbose", 3)) this.o.ctx.log.verbose(3, { callId }, `INVITE ${callId} from endpoint '${ep.id}' was cancelled (transaction ${rc.tx.state}) before its call was set up`);
      return;
    }
    const media = new MediaSession({ media: this.o.ctx.media, legId: alloc.id, localPort: alloc.localPort, address: mediaAddress, endpoint: ep, sessionId: String(this.o.ctx.clock.now()), ...(alloc.ice ? { ice: alloc.ice } : {}) });
    if (checked) {
      media.takeOffer(checked);
      this.o.ctx.clearKeys.check(this.o.ctx.log, ep.id, flow, media.srtp);
    } else media.offer();
    let call: InboundCall;
    try {
      call = new InboundCall({
        ctx: this.o.ctx,
        name: nextChannelName(ep.id),
        uniqueId: nextUniqueId(this.o.ctx.clock.now()),
        req,
        tx: rc.tx,
        flow,
        endpoint: ep,
        media,
        exten,
        admission: rc.authUsername !== undefined ? "auth" : rc.identifiedBy === "ip" || rc.identifiedBy === "line" ? "identify" : "none",
        terms: ext.terms,
        dial: (c, targets, timeout, options) => dial(this.o.ctx, this.dialHooks, c, targets, timeout, options),
        onEnd: (c) => this.onCallEnd(c),
      });
    } catch (err) {
      // The session refuses an INVITE it cannot build a dialog from (a SipResponseError the
      // pipeline edge answers); the RTP port allocated for it goes back first.
      this.o.ctx.media.release(alloc.id);
      throw err;
    }
    this.answerMediaOf(call.session, call);
    this.o.ctx.dtmf.attach(call, () => call.peer);
    this.calls.add(call);
    this.processed++;
    if (call.log.wants("verbose", 3)) {
      const codecs = describeCodecs(media.codecs);
      call.log.verbose(3, { codec: codecs }, `${call.name}: call from ${formatHostPort(flow.remoteAddress, flow.remotePort)} to '${exten}' in context '${ep.context}' (${checked ? `codecs ${codecs}` : `no SDP offer: we offer ${codecs} in the 200 OK`})`);
    }
    this.doctor.watch(call);
    if (hook !== undefined) void this.runTaken(call, hook.take(call));
    else void this.runDialplan(call, ep, flow);
  }

  /** A new call a hook took (it replaces another, it picks one up): its detour, then its end. */
  private async runTaken(call: InboundCall, target: RedirectTarget): Promise<void> {
    try {
      call.redirect(target);
      await this.o.executor.runRedirected(call);
    } catch (err) {
      call.log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, `${call.name}: failed`);
    }
    if (!call.hungUp()) await call.hangup(CAUSE.NORMAL_CLEARING);
    call.channel.release();
  }

  /** The ringing outgoing legs of Dials, with the channel dialling each (pickup). */
  ringingLegs(): Array<{ owner: InboundCall | OriginatedCall; leg: OutboundLeg }> {
    const out: Array<{ owner: InboundCall | OriginatedCall; leg: OutboundLeg }> = [];
    // A Dial already being taken (picked up, redirected) is no longer offered.
    for (const owner of [...this.calls, ...this.originated]) {
      if (owner.hungUp() || owner.redirectPending()) continue;
      for (const leg of owner.ringing_) if (leg.state === "Ringing") out.push({ owner, leg });
    }
    return out;
  }

  private async runDialplan(call: InboundCall, ep: EndpointConfig, flow: Flow): Promise<void> {
    try {
      const outcome = await this.o.executor.run(call, ep.context, call.exten);
      if (outcome.kind === "no-extension") {
        call.log.notice(
          { [ASTERISK_SOURCE]: "res_pjsip_session.c" },
          `${ep.id}: Call (${flow.transport.protocol.toUpperCase()}:${formatHostPort(flow.remoteAddress, flow.remotePort)}) to extension '${call.exten}' rejected because extension not found in context '${ep.context}'.`,
        );
        await call.hangup(CAUSE.UNALLOCATED);
        call.channel.release();
        return;
      }
    } catch (err) {
      call.log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, `${call.name}: dialplan failed`);
    }
    if (!call.hungUp()) await call.hangup(CAUSE.NORMAL_CLEARING);
    call.channel.release();
  }

  private onCallEnd(call: InboundCall): void {
    this.o.ctx.media.release(call.mediaLegId);
    this.doctor.forget(call);
    // The session stays in the session layer's table a while, so late BYE/ACK retransmissions
    // are answered, not 481'd.
    this.calls.delete(call);
    if (call.log.wants("verbose", 3)) call.log.verbose(3, { cause: call.hangupCause }, `${call.name}: hung up (cause ${call.hangupCause ?? CAUSE.NORMAL_CLEARING}) after ${call.duration()} s`);
  }

  /** The 2xx ACK (no transaction matched it): the session layer finds its dialog. */
  onAck(req: SipRequest): void {
    this.o.ctx.sessions.receiveAck(req);
  }

  /** A CANCEL matched an INVITE transaction; the dispatch stage answers 200 and 487 with our tag. */
  onCancelled(tx: InviteServerTransaction): string | undefined {
    return this.o.ctx.sessions.cancel(tx)?.localTag;
  }

  /** A response that matched no transaction: a retransmitted 2xx to one of our INVITEs. */
  onStrayResponse(res: SipResponse): void {
    this.o.ctx.sessions.receiveStrayResponse(res);
  }

  /** Requests inside a dialog (To tag present), before identification/authentication. */
  onInDialogRequest(req: SipRequest, _tx: ServerTransaction, respond: (res: SipResponse) => void): void {
    this.o.ctx.sessions.receiveRequest(req, respond);
  }

  /** The media side of a leg's session: re-INVITE/UPDATE offers, late answers, glare lines. */
  private answerMediaOf(session: InviteSession, leg: MediaLeg): void {
    session.delegate = {
      onModify: (m) => this.onModify(m, leg),
      onRefer: (req) => (this.referHandler ? this.referHandler(req, this.partyOfSession(session), session) : { status: 405, headers: [["Allow", this.o.ctx.capabilities.allow()]] }),
    };
    // An answer that came after our offer (in the ACK for a 2xx that offered, RFC 3264 §5, or in
    // the 2xx to our refresh re-INVITE): the media session points the relay at it. An unusable
    // one changes nothing; for a late offer the call then ends when the ACK is processed.
    session.on("answer", (body) => void leg.media.takeAnswer(body.body));
    session.on("glare", (method, status) => {
      if (status === 491 && this.o.ctx.log.wants("verbose", 3)) this.o.ctx.log.verbose(3, { callId: session.callId }, `${leg.name}: ${method} answered 491 Request Pending (an offer/answer exchange on this dialog is unfinished)`);
    });
  }

  /**
   * A re-INVITE/UPDATE (hold, unhold, address change, refresh) is answered here: we mirror the
   * direction (RFC 3264 §6.1), point the relay at the new address and keep the other leg as it is
   * — the relay simply carries what arrives (nothing while on hold).
   */
  private onModify(m: ModifyRequest, leg: MediaLeg): ModifyOutcome {
    const sdp = (text: string): SessionBody => ({ body: text, contentType: "application/sdp" });
    if (!m.offer) {
      // RFC 3261 §14.2: an offerless re-INVITE gets our offer in the 2xx (the answer comes in the
      // ACK) — on either leg. An UPDATE without a body is a refresh.
      return m.method === "INVITE" ? { status: 200, body: sdp(leg.media.reoffer()) } : { status: 200 };
    }
    const answer = leg.media.answerReoffer(m.offer.body);
    if (!answer.ok) {
      if (answer.notice) this.o.ctx.log.notice({ endpoint: leg.endpoint.id }, answer.notice);
      return { status: 488 };
    }
    const hold = answer.direction !== "sendrecv";
    if (this.o.ctx.log.wants("verbose", 3)) this.o.ctx.log.verbose(3, {}, `${leg.name}: ${hold ? "put on hold" : "taken off hold"} (${answer.direction})`);
    if (hold !== this.held.has(leg.channel)) {
      if (hold) this.held.add(leg.channel);
      else this.held.delete(leg.channel);
      const name = hold ? "Hold" : "Unhold";
      // As chan_pjsip queues the hold with the endpoint's moh_suggest, the Hold event names it
      // (AMI MusicClass, ARI musicclass); pbx/moh plays it to the other party.
      const suggest = leg.endpoint.mohSuggest;
      if (this.o.ctx.events.wants(name)) this.o.ctx.events.emit(name, hold && suggest.length > 0 ? { ...channelFields(leg.channel.view()), MusicClass: suggest } : channelFields(leg.channel.view()));
    }
    return { status: 200, body: sdp(answer.sdp) };
  }

  /** Calls a device and, once it answers, runs the dialplan or one application on it (originate.ts). */
  originate(req: OriginateRequest): Promise<OriginateResult> {
    return originate({ ctx: this.o.ctx, hooks: this.dialHooks, executor: this.o.executor, calls: this.originated }, req);
  }

  /**
   * Joins two channels' media in the relay, each hearing the other (a bridge an ARI application
   * made); `unjoinMedia` gives a channel its own media back.
   */
  joinMedia(a: BridgeMember, b: BridgeMember): void {
    this.o.ctx.media.bridge(a.mediaLegId, b.mediaLegId);
  }

  unjoinMedia(m: BridgeMember): void {
    this.o.ctx.media.unbridge(m.mediaLegId);
  }

  /** ARI mute: `in` stops relaying what the channel's phone says, `out` what it would hear. */
  muteMedia(m: BridgeMember, mute: { in?: boolean; out?: boolean }): void {
    this.o.ctx.media.setOptions(m.mediaLegId, { ...(mute.in !== undefined ? { muteIn: mute.in } : {}), ...(mute.out !== undefined ? { muteOut: mute.out } : {}) });
  }

  /** `channel request hangup`: ends one call (by any of its channel names) or all. */
  async hangupByName(name: string): Promise<number> {
    let n = 0;
    for (const call of [...this.originated]) {
      if (name === "all" || call.name === name || call.peer?.name === name || [...call.ringing_].some((l) => l.name === name)) {
        await call.hangup(CAUSE.NORMAL_CLEARING);
        n++;
      }
    }
    for (const call of [...this.calls]) {
      if (name === "all" || call.name === name || call.peer?.name === name || [...call.ringing_].some((l) => l.name === name)) {
        await call.hangup(CAUSE.NORMAL_CLEARING);
        n++;
      }
    }
    return n;
  }

  /** The channel the dialplan drives (a call's incoming leg, an originated call) named `name` or with that Uniqueid. */
  dialplanChannel(name: string): InboundCall | OriginatedCall | undefined {
    for (const c of [...this.calls, ...this.originated]) if (c.name === name || c.uniqueId === name) return c;
    return undefined;
  }

  /** The names of the channels a redirect can move (console completion). */
  redirectableNames(): string[] {
    return [...this.calls, ...this.originated].flatMap((c) => (c.peer !== undefined && c.bridge?.has(c.peer.name) === true ? [c.name, c.peer.name] : [c.name]));
  }

  /** True when `name` is a live channel of any kind (a Dial's outgoing leg included). */
  hasChannel(name: string): boolean {
    if (this.dialplanChannel(name) !== undefined) return true;
    return [...this.calls, ...this.originated].some((c) => c.peer?.name === name || c.peer?.uniqueId === name || [...c.ringing_].some((l) => l.name === name || l.uniqueId === name));
  }

  /**
   * Where a redirect of `call` goes: an empty context or exten keeps the channel's own (as
   * Asterisk's async goto does); the priority is a number or a label there.
   */
  redirectTarget(call: InboundCall | OriginatedCall, to: RedirectRequest): DialplanTarget | undefined {
    return this.targetFor(call.channel, call.callerId.num, to);
  }

  private targetFor(channel: Channel, callerNum: string, to: RedirectRequest): DialplanTarget | undefined {
    const context = to.context !== undefined && to.context.length > 0 ? to.context : channel.context;
    const exten = to.exten !== undefined && to.exten.length > 0 ? to.exten : channel.exten;
    const priority = this.o.executor.priorityOf(context, exten, to.priority, callerNum);
    return priority === undefined ? undefined : { context, exten, priority };
  }

  /** The answered, bridged callee of a Dial named `name` (or with that Uniqueid), and the channel that dialled it. */
  private bridgedPeer(name: string): { owner: InboundCall | OriginatedCall; leg: OutboundLeg } | undefined {
    for (const owner of [...this.calls, ...this.originated]) {
      const leg = owner.peer;
      if (leg !== undefined && (leg.name === name || leg.uniqueId === name) && owner.bridge?.has(leg.name) === true) return { owner, leg };
    }
    return undefined;
  }

  /**
   * What a redirect of `name` to `to` would do, without doing it (AMI Redirect checks both of its
   * channels first): move a channel the dialplan drives, or take a bridged callee into the dialplan.
   */
  planRedirect(name: string, to: RedirectRequest): RedirectPlan {
    const call = this.dialplanChannel(name);
    if (call !== undefined) {
      if (call.hungUp()) return { ok: false, reason: "failed" };
      const target = this.redirectTarget(call, to);
      return target === undefined ? { ok: false, reason: "invalid-priority" } : { ok: true, kind: "call", call, target };
    }
    const peer = this.bridgedPeer(name);
    if (peer === undefined) {
      if (!this.hasChannel(name)) return { ok: false, reason: "no-channel" };
      this.o.ctx.log.notice({}, `Cannot redirect ${name}: it is an outgoing leg of a Dial() that has not answered; redirect the calling channel instead`);
      return { ok: false, reason: "failed" };
    }
    // A callee has no dialplan place of its own yet: an empty context is its endpoint's.
    const ch = peer.leg.channel;
    const target = this.targetFor(ch, ch.callerId.num, { ...to, context: to.context || ch.context || peer.leg.endpoint.context, exten: to.exten || ch.exten || "s" });
    return target === undefined ? { ok: false, reason: "invalid-priority" } : { ok: true, kind: "peer", ...peer, target };
  }

  /**
   * AMI Redirect, `channel redirect`: the channel stops what it does (a prompt, a wait, a ringing
   * Dial; a bridged call, whose other party is hung up unless it is redirected too) and goes on in
   * the dialplan at the target. A Dial's answered callee leaves the bridge and becomes a channel
   * the dialplan drives, as an originated call is; its caller's Dial returns.
   */
  redirect(name: string, to: RedirectRequest): RedirectOutcome {
    const plan = this.planRedirect(name, to);
    if (!plan.ok) return plan;
    const { target } = plan;
    let moved: InboundCall | OriginatedCall;
    if (plan.kind === "call") {
      if (!plan.call.redirect(target)) return { ok: false, reason: "failed" };
      moved = plan.call;
    } else moved = this.takeIntoDialplan(plan.leg, target);
    if (moved.log.wants("verbose", 3)) moved.log.verbose(3, {}, `${moved.name}: redirected to ${target.context},${target.exten},${target.priority}`);
    return { ok: true, channel: moved.name, target };
  }

  /** The channel whose SIP session is `session`, where it is now. */
  partyOfSession(session: InviteSession): CallParty | undefined {
    for (const c of [...this.calls, ...this.originated]) {
      if (c.session === session) return { kind: "call", call: c };
      const peer = c.peer;
      if (peer !== undefined && peer.session === session && c.bridge?.has(peer.name) === true) return { kind: "peer", owner: c, leg: peer };
    }
    return undefined;
  }

  /** A channel by name or Uniqueid: one the dialplan drives, or a Dial's bridged callee. */
  partyByName(name: string): CallParty | undefined {
    const call = this.dialplanChannel(name);
    if (call !== undefined) return { kind: "call", call };
    const peer = this.bridgedPeer(name);
    return peer === undefined ? undefined : { kind: "peer", ...peer };
  }

  /** The party a channel is bridged with by a Dial, if it is. */
  dialPartnerOf(p: CallParty): CallParty | undefined {
    if (p.kind === "peer") return { kind: "call", call: p.owner };
    const peer = p.call.peer;
    return peer !== undefined && p.call.bridge?.has(peer.name) === true ? { kind: "peer", owner: p.call, leg: peer } : undefined;
  }

  /** The dialplan place `exten@context` priority 1, if the extension exists there for this caller. */
  placeFor(context: string, exten: string, callerNum: string): DialplanTarget | undefined {
    return this.o.executor.hasPriorityOne(context, exten, callerNum) ? { context, exten, priority: 1 } : undefined;
  }

  /**
   * Runs `channel` from `t` until that dialplan ends, and no further: what the channel's end
   * then means is the caller's (an attended transfer's consultation).
   */
  async runAt(channel: InboundCall | OriginatedCall, t: DialplanTarget): Promise<void> {
    await this.o.executor.run(channel, t.context, t.exten, t.priority);
  }

  /** A SIP session by Call-ID and our tag (the dialog a Replaces header names). */
  findSession(callId: string, localTag: string): InviteSession | undefined {
    return this.o.ctx.sessions.find(callId, localTag);
  }

  /**
   * Takes a party out of what it does — its Dial's bridge is left without hanging up the other
   * side — and sends it to `next`: a dialplan place, or a detour (a transfer's bridge). A Dial's
   * callee becomes a channel the dialplan drives. Returns that channel.
   */
  divert(p: CallParty, next: RedirectTarget): InboundCall | OriginatedCall {
    if (p.kind === "peer") return this.takeIntoDialplan(p.leg, next);
    p.call.redirect(next);
    return p.call;
  }

  /** A redirected callee: its Dial lets it go (bridge closed, no BYE) and it runs the dialplan from `target`. */
  private takeIntoDialplan(leg: OutboundLeg, target: RedirectTarget): OriginatedCall {
    const ctx = this.o.ctx;
    const call: OriginatedCall = new OriginatedCall({
      ctx,
      leg,
      log: ctx.log.child({ channel: leg.name }),
      dial: (c, targets, timeout, options) => dial(ctx, this.dialHooks, c, targets, timeout, options),
      onEnd: () => {
        this.originated.delete(call);
        ctx.media.release(leg.mediaLegId);
        this.dialHooks.untrack(leg);
      },
    });
    this.originated.add(call);
    // In-dialog requests and DTMF now reach the new channel; the session's media handling stays.
    this.outboundByCallId.set(leg.callId, { leg, call });
    ctx.dtmf.adopt(call, () => call.peer);
    leg.emit("redirected");
    void this.runRedirected(call, target);
    return call;
  }

  private async runRedirected(call: OriginatedCall, t: RedirectTarget): Promise<void> {
    try {
      if (isDetour(t)) {
        call.redirect(t);
        await this.o.executor.runRedirected(call);
      } else {
        const r = await this.o.executor.run(call, t.context, t.exten, t.priority);
        if (r.kind === "no-extension") call.log.warn({}, `${call.name}: redirected to ${t.exten}@${t.context}:${t.priority}, which does not exist; hanging up`);
      }
    } catch (err) {
      call.log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, `${call.name}: dialplan of the redirected channel failed`);
    }
    if (!call.hungUp()) await call.hangup(CAUSE.NORMAL_CLEARING);
    call.channel.release();
  }

  async closeAll(): Promise<void> {
    await this.hangupByName("all");
    this.doctor.close();
  }
}
