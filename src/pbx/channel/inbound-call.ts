/**
 * The incoming leg of a call and the channel the dialplan drives. The SIP side (18x, reliable
 * provisionals, the 2xx until its ACK, CANCEL, BYE, session timer) is a UAS session of the session
 * layer (sip/session/server-invite-session.ts); the channel's state, caller ID, variables and
 * events are its `Channel` (channel.ts); its SDP is its `MediaSession` (pbx/media-session). This
 * class joins the three and runs the dialplan applications (tones, files, echo, Dial).
 *
 * An INVITE without an offer (late offer) gets our offer in the 200 OK, and RFC 3261 §13.2.1: "If
 * the initial offer is in the first reliable non-failure message from the UAS back to UAC, the
 * answer MUST be in the acknowledgement for that message (in this specification, ACK for a 2xx
 * response)." An ACK without one, or with one we cannot use, ends the call with BYE.
 */
import { CALLID, type Logger } from "../../core/logger.js";
import type { EndpointConfig } from "../../config/index.js";
import type { MixMonitorResult, MixMonitorSpec } from "../../media/index.js";
import type { MediaCodec, TelephoneEvent } from "../../media/sdp/index.js";
import type { SipRequest } from "../../sip/message/message.js";
import type { Dialog } from "../../sip/dialog/dialog.js";
import { unescapeUser } from "../../sip/parser/index.js";
import type { InviteServerPort, ServerInviteSession, SessionBody } from "../../sip/session/index.js";
import type { Flow } from "../../sip/transport/types.js";
import type { Bridge } from "../bridge/bridge.js";
import type { DialplanChannel } from "../dialplan/executor.js";
import type { RedirectTarget, PlayOutcome, RecordOutcome, RecordRequest } from "../dialplan/channel.js";
import { LegAudio } from "./leg-audio.js";
import { capabilitiesFor } from "../endpoint/endpoint-capabilities.js";
import { parseCallerIdAll } from "../funcs/callerid.js";
import type { Admission } from "../toll-fraud/toll-fraud-gate.js";
import type { ChannelView } from "../events.js";
import type { MediaSession } from "../media-session/media-session.js";
import { SipLeg } from "./sip-leg.js";
import type { CallContext } from "./call-context.js";
import { Channel, type CallerId, type ChannelState } from "./channel.js";
import { nextCallId } from "./channel-name.js";
import { CAUSE, statusForCause } from "./hangup-cause.js";
import type { OutboundLeg } from "./outbound-leg.js";
import { timerPolicyFor, type ExtensionTerms } from "./session-extensions.js";

export type { ChannelState };

export interface InboundCallOptions {
  ctx: CallContext;
  name: string;
  uniqueId: string;
  req: SipRequest;
  tx: InviteServerPort;
  flow: Flow;
  endpoint: EndpointConfig;
  /** This leg's SDP: the caller's offer taken, or (late offer) ours to send in the 200 OK. */
  media: MediaSession;
  exten: string;
  /** How the INVITE was let in (digest, identify, neither): the toll-fraud gate asks. */
  admission: Admission;
  /** 100rel and session timer terms agreed in the call manager (session-extensions.ts). */
  terms: ExtensionTerms;
  dial: (call: InboundCall, targets: string[], timeoutSec: number | undefined, options: string) => ReturnType<DialplanChannel["dial"]>;
  onEnd: (call: InboundCall) => void;
}

export class InboundCall extends SipLeg implements DialplanChannel {
  /** State, caller ID, variables, dialplan location and the channel events. */
  readonly channel: Channel;
  readonly media: MediaSession;
  answered = false;
  readonly endpoint: EndpointConfig;
  answeredAt: number | undefined;
  /** The SIP side of this leg. */
  readonly session: ServerInviteSession;
  /** The bridged outgoing leg, once a Dial() was answered. */
  private peerLeg: OutboundLeg | undefined;
  /** The bridge Dial() joined this channel to its peer with (closed when either ends). */
  private bridgeValue: Bridge | undefined;
  /** Outgoing legs currently ringing, for console output and cleanup. */
  readonly ringing_ = new Set<OutboundLeg>();
  /** The cause the last unsuccessful Dial() left (busy, no answer …); see hangup(). */
  dialCause: number | undefined;
  private ended = false;
  private endWaiters: Array<() => void> = [];
  private endingHooks: Array<() => void> = [];
  private earlyMediaSent = false;
  private answering: Promise<void> | undefined;
  /** Resolved once the media is known both ways (at once, unless our offer awaits the ACK's answer). */
  private readonly mediaReady: Promise<void>;
  private markMediaReady: () => void = () => {};
  readonly log: Logger;
  /** Asterisk's call id (`C-0000000a`): this call's log lines, the caller's and its Dial legs', carry it. */
  readonly callid = nextCallId();
  /** The INVITE carried no offer: ours goes in the 200 OK, the answer comes in the ACK. */
  readonly lateOffer: boolean;
  /** The language of the prompts played to this channel (CHANNEL(language)); endpoint `language`, else en. */
  language: string;
  /** Prompts, recordings, keys and waits on this channel's own audio. */
  private readonly audio: LegAudio;

  constructor(readonly o: InboundCallOptions) {
    super();
    this.endpoint = o.endpoint;
    this.media = o.media;
    this.lateOffer = o.media.state === "offering";
    this.log = o.ctx.log.child({ channel: o.name, [CALLID]: this.callid });
    this.language = o.endpoint.language.length > 0 ? o.endpoint.language : o.ctx.config().asterisk?.options.defaultlanguage || "en";
    this.audio = new LegAudio(o.ctx, this);
    this.mediaReady = this.lateOffer ? new Promise<void>((r) => (this.markMediaReady = r)) : Promise.resolve();
    const timer = o.terms.timer;
    const caps = capabilitiesFor(o.ctx.capabilities, o.endpoint);
    this.session = o.ctx.sessions.createServer({
      invite: o.req,
      tx: o.tx,
      flow: o.flow,
      contactUser: o.endpoint.id,
      allow: caps.allow(),
      supported: caps.supported(),
      reliable: o.terms.reliable,
      sessionTimer: timer ? { interval: timer.interval, refresher: timer.refresher } : undefined,
      sessionTimers: timerPolicyFor(o.endpoint),
    });
    this.watchSession();
    // An incoming channel is born ringing (AST_STATE_RING), its device in use.
    this.channel = new Channel({
      events: o.ctx.events,
      devices: o.ctx.devices,
      name: o.name,
      endpointId: o.endpoint.id,
      uniqueId: o.uniqueId,
      linkedId: o.uniqueId,
      state: "Ring",
      callerId: callerIdOf(o.req, o.endpoint),
      accountCode: o.endpoint.accountcode,
      context: o.endpoint.context,
      exten: o.exten,
      now: o.ctx.clock.now(),
    });
  }



  get vars(): Map<string, string> {
    return this.channel.vars;
  }

  get admission(): Admission {
    return this.o.admission;
  }

  get callerId(): CallerId {
    return this.channel.callerId;
  }

  set callerId(v: CallerId) {
    this.channel.callerId = v;
  }

  get state(): ChannelState {
    return this.channel.state;
  }

  get exten(): string {
    return this.channel.exten;
  }



  get peer(): OutboundLeg | undefined {
    return this.peerLeg;
  }

  get bridge(): Bridge | undefined {
    return this.bridgeValue;
  }

  /** Dial() joined `leg` to this channel in `bridge`: it is now the connected line. */
  connect(leg: OutboundLeg, bridge: Bridge): void {
    this.peerLeg = leg;
    this.bridgeValue = bridge;
    this.channel.connectedLine = { num: leg.endpoint.id, name: "" };
  }

  /** A redirect took the channel out of its bridge with `leg`. */
  disconnect(leg: OutboundLeg): void {
    if (this.peerLeg !== leg) return;
    this.peerLeg = undefined;
    this.bridgeValue = undefined;
  }

  /**
   * Sends the channel to `target` in the dialplan: what it does now (a prompt, a wait, a ringing
   * or bridged Dial, Echo) ends, and the dialplan goes on there. False once the call has ended.
   */
  redirect(target: RedirectTarget): boolean {
    if (this.ended) return false;
    this.audio.redirect.request(target);
    return true;
  }

  takeRedirect(): RedirectTarget | undefined {
    return this.audio.redirect.take();
  }

  redirectPending(): boolean {
    return this.audio.redirect.pending;
  }

  /** Resolves when the call ends or is redirected. */
  whenStopped(): Promise<void> {
    return this.audio.whenStopped();
  }

  /** The snapshot channel events carry (pbx/events.ts). */
  view(): ChannelView {
    return this.channel.view();
  }

  /** What the session tells the channel. */
  private watchSession(): void {
    const s = this.session;
    const peer = () => `${this.o.flow.remoteAddress}:${this.o.flow.remotePort}`;
    s.on("accepted", () => {
      this.answered = true;
      this.answeredAt = this.o.ctx.clock.now();
      this.channel.setState("Up");
    });
    s.on("confirmed", () => this.confirmed());
    s.on("cancelled", () => this.cancelled());
    s.on("prackTimeout", (status, secs) => {
      if (this.ended) return;
      this.log.warn({ peer: peer() }, `${this.name}: no PRACK for our reliable ${status} within ${secs} s; rejecting the call with 500 (is the caller's 100rel support broken, or are responses lost?)`);
      this.finish(CAUSE.INTERWORKING);
    });
    s.on("ackTimeout", () => {
      this.log.warn({ peer: peer() }, `${this.name}: no ACK for our 200 OK within ${(64 * this.o.ctx.transactions.timers.T1) / 1000} s; ending the call (is a NAT or firewall dropping our responses?)`);
      void this.hangup(CAUSE.NO_USER_RESPONSE);
    });
    s.on("sessionExpired", (interval) => {
      if (this.ended) return;
      // RFC 4028 §10: no refresh arrived; the non-refresher ends the session with BYE.
      this.log.notice({ interval }, `Session timer expired for ${this.name} (no refresh within ${interval} s); hanging up`);
      void this.hangup(CAUSE.NORMAL_CLEARING);
    });
    s.on("refreshFailed", (why) => this.log.notice({}, `${this.name}: cannot refresh the session as the caller asked (${why}); it will expire`));
    s.on("terminated", (reason) => {
      // The caller's BYE, or 481/408 to our refresh: the channel ends (our own endings already did).
      if (reason === "bye-received" || reason === "dialog-gone") this.remoteBye();
    });
  }

  /**
   * The ACK for our 2xx arrived (any answer it carried has been taken by then). With a late offer
   * it had to carry the answer to the offer in our 200 OK (RFC 3261 §13.2.1, RFC 3264 §5); the
   * UAC that finds our offer unacceptable "MUST generate a valid answer in the ACK and then send a
   * BYE immediately" (§13.2.2.4), so without a usable answer there is no media to relay: BYE.
   */
  private confirmed(): void {
    if (this.ended || !this.lateOffer || !this.media.awaitingAnswer) {
      this.markMediaReady();
      return;
    }
    const peer = `${this.o.flow.remoteAddress}:${this.o.flow.remotePort}`;
    const problem = this.media.answerProblem;
    if (problem === undefined) {
      this.log.notice({ peer }, `${this.name}: the caller's ACK carries no SDP answer to the offer in our 200 OK (late offer, RFC 3261 §13.2.1: the answer MUST be in the ACK); ending the call with BYE`);
      void this.hangup(CAUSE.INTERWORKING);
    } else {
      this.log.notice({ peer }, `${this.name}: the SDP answer in the caller's ACK is unusable (${problem}); ending the call with BYE`);
      void this.hangup(CAUSE.BEARERCAPABILITY_NOTAVAIL);
    }
  }



  get localTag(): string {
    return this.session.localTag;
  }

  get dialog(): Dialog {
    return this.session.dialog;
  }

  /** The codecs of our description toward the caller. */
  get codecs(): MediaCodec[] {
    return this.media.codecs;
  }

  get telephoneEvent(): TelephoneEvent | undefined {
    return this.media.telephoneEvent;
  }

  get flow(): Flow {
    return this.o.flow;
  }

  hungUp(): boolean {
    return this.ended;
  }

  /**
   * Runs `fn` synchronously when the call starts to end, before its legs are hung up, so Dial()
   * reports DialEnd (CANCEL) before the dialled channel's Hangup, as Asterisk orders them.
   */
  onEnding(fn: () => void): void {
    if (this.ended) fn();
    else this.endingHooks.push(fn);
  }

  /** Resolves once the call has ended, whoever ended it. */
  whenEnded(): Promise<void> {
    if (this.ended) return Promise.resolve();
    // One promise for every waiter: menus that loop call this per prompt.
    this.endedPromise ??= new Promise((r) => this.endWaiters.push(r));
    return this.endedPromise;
  }
  private endedPromise: Promise<void> | undefined;

  private body(): SessionBody {
    return { body: this.media.description(), contentType: "application/sdp" };
  }

  async ringing(): Promise<void> {
    if (this.ended || this.answered || this.session.answered || this.answering) return;
    // Every ringing fork calls this; sent reliably, each 180 would need its own PRACK round trip,
    // so a reliable 180 goes out once.
    if (this.session.reliableProvisionals && this.state === "Ringing") return;
    if (this.state === "Ring") this.channel.setState("Ringing");
    this.session.provisional(180);
  }

  async progress(): Promise<void> {
    if (this.ended || this.answered || this.earlyMediaSent || this.session.answered || this.answering) return;
    if (this.lateOffer) {
      // Our offer goes in the 200 OK (RFC 3261 §13.3.1.4: "If the INVITE did not contain an offer,
      // the 2xx MUST contain an offer if the UAS had not yet sent an offer"). One in a reliable
      // 18x (RFC 3262 §5) would bring its answer in the PRACK, which the session does not hand
      // up, so a late-offer caller gets Session Progress without early media.
      this.session.provisional(183);
      return;
    }
    this.earlyMediaSent = true;
    this.session.provisional(183, this.body());
  }

  /**
   * Answers the call; the session holds the 2xx while a reliable 18x with SDP awaits its PRACK
   * (RFC 3262 §3) and then retransmits it until the ACK.
   */
  answer(): Promise<void> {
    // A channel redirected before it was answered stays unanswered until its new place answers it.
    if (this.ended || this.answered || this.audio.redirect.pending) return Promise.resolve();
    this.answering ??= this.session.accept(this.body()).then(() => undefined);
    return this.answering;
  }

  /** The session timer state for the console (undefined without a timer). */
  sessionTimerState(): { interval: number; expiresInMs: number | undefined } | undefined {
    return this.session.sessionTimerState();
  }

  /** Resolves once the caller's media is known (the ACK's answer for a late offer), or at the end. */
  private whenMediaReady(): Promise<void> {
    return Promise.race([this.mediaReady, this.whenEnded()]);
  }

  async playback(what: string): Promise<"ok" | "failed"> {
    const r = await this.play(what, "");
    return r.status === "ok" ? "ok" : "failed";
  }

  /**
   * Plays a prompt (answering first unless early media is flowing); a key in `interruptKeys`
   * pressed meanwhile (or typed ahead) stops it and is returned.
   */
  async play(what: string, interruptKeys: string): Promise<PlayOutcome> {
    if (this.audio.stopped()) return { status: "failed" };
    const prompt = this.audio.prepare(what);
    if (prompt === undefined) return { status: "failed" };
    if (!this.answered && !this.earlyMediaSent) await this.answer();
    await this.whenMediaReady();
    return this.audio.play(prompt, interruptKeys);
  }

  /**
   * Records what the caller says (Record, VoiceMail) until a key in `stopKeys`, the limits in
   * `o`, or the caller's hangup; the audio comes back at 8 kHz.
   */
  async record(o: RecordRequest): Promise<RecordOutcome> {
    if (this.ended) return { reason: "hangup", samples: new Int16Array(0), trailingSilenceMs: 0 };
    if (!this.answered && !this.earlyMediaSent) await this.answer();
    await this.whenMediaReady();
    return this.audio.record(o);
  }

  stopRecording(): void {
    this.audio.stopRecording();
  }

  mixMonitor(spec: MixMonitorSpec): Promise<MixMonitorResult> {
    return this.audio.mixMonitor(spec);
  }

  stopMixMonitor(tapId: string): void {
    this.audio.stopMixMonitor(tapId);
  }

  async echo(): Promise<void> {
    if (this.audio.stopped()) return;
    if (!this.answered) await this.answer();
    await this.whenMediaReady();
    if (this.audio.stopped()) return;
    this.o.ctx.media.echo(this.mediaLegId, true);
    await this.audio.whenStopped();
    if (!this.ended) this.o.ctx.media.echo(this.mediaLegId, false);
  }

  get signalling(): { transport: string; localAddress: string; localPort: number; remoteAddress: string; remotePort: number } {
    const f = this.o.flow;
    return { transport: f.transport.protocol.toUpperCase(), localAddress: f.transport.localAddress, localPort: f.transport.localPort, remoteAddress: f.remoteAddress, remotePort: f.remotePort };
  }

  heardDigit(digit: string): void {
    this.audio.digits.heard(digit);
  }

  readDigit(timeoutMs: number): Promise<string | undefined> {
    return this.audio.readDigit(timeoutMs);
  }

  /** Forgets keys typed ahead. */
  clearDigits(): void {
    this.audio.digits.clear();
  }

  sendDtmf(digit: string, durationMs: number): boolean {
    if (this.ended) return false;
    return this.o.ctx.dtmf.send(this, digit, durationMs);
  }

  wait(seconds: number): Promise<void> {
    return this.audio.wait(seconds);
  }

  dial(targets: string[], timeoutSec: number | undefined, options: string): ReturnType<DialplanChannel["dial"]> {
    return this.o.dial(this, targets, timeoutSec, options);
  }

  async busy(timeoutSec?: number): Promise<void> {
    if (!this.answered) {
      await this.hangup(CAUSE.USER_BUSY);
      return;
    }
    await this.playTone("tone:busy", timeoutSec);
  }

  async congestion(timeoutSec?: number): Promise<void> {
    if (!this.answered) {
      await this.hangup(CAUSE.CONGESTION);
      return;
    }
    await this.playTone("tone:congestion", timeoutSec);
  }

  private playTone(name: string, timeoutSec?: number): Promise<void> {
    return this.audio.tone(this.playback(name), timeoutSec);
  }

  /** Ends the call from our side: an error response before answer, BYE after. */
  async hangup(cause: number = CAUSE.NORMAL_CLEARING): Promise<void> {
    if (this.ended) return;
    // Hangup() without a cause (16) after a failed Dial() keeps the Dial's cause, so a busy
    // callee gives the caller 486 and an unanswered one 480, as in Asterisk.
    if (cause === CAUSE.NORMAL_CLEARING && !this.answered && this.dialCause !== undefined) cause = this.dialCause;
    if (!this.session.answered) {
      const { status, reason } = statusForCause(cause);
      this.session.reject(status, reason);
    } else {
      this.session.bye();
    }
    this.finish(cause);
  }

  /**
   * Transfer() before the call is answered: 302 Moved Temporarily with `uri` as Contact (the
   * phone calls there itself); the channel ends. False once answered or ended.
   */
  moved(uri: string): boolean {
    if (this.ended || this.answered || this.session.answered) return false;
    this.session.reject(302, "Moved Temporarily", [["Contact", `<${uri}>`]]);
    this.finish(CAUSE.NORMAL_CLEARING);
    return true;
  }

  /** Refuses the unanswered call with `status` (a replaced call gone meanwhile: 481); the channel ends. */
  refuse(status: number, reason: string): void {
    if (this.ended || this.session.answered) return;
    this.session.reject(status, reason);
    this.finish(CAUSE.NORMAL_CLEARING);
  }

  /** The caller sent BYE (answered by the session). */
  remoteBye(): void {
    if (this.ended) return;
    this.channel.requestHangup("remote", CAUSE.NORMAL_CLEARING);
    this.finish(CAUSE.NORMAL_CLEARING);
  }

  /** The caller sent CANCEL before answer; the 487 went out with the CANCEL's 200. */
  cancelled(): void {
    if (this.ended) return;
    this.channel.requestHangup("remote", CAUSE.NORMAL_CLEARING);
    this.vars.set("DIALSTATUS", "CANCEL");
    this.finish(CAUSE.NORMAL_CLEARING);
  }

  private finish(cause: number): void {
    this.ended = true;
    this.audio.digits.end();
    for (const fn of this.endingHooks.splice(0)) fn();
    // Both channels leave the bridge before either is hung up, as in Asterisk.
    this.bridgeValue?.close();
    for (const leg of [...this.ringing_]) leg.cancel();
    this.ringing_.clear();
    this.peerLeg?.hangup();
    this.channel.hangup(cause);
    for (const w of this.endWaiters.splice(0)) w();
    this.o.onEnd(this);
  }

  setLocation(where: { context: string; exten: string; priority: number; app: string; data: string }): void {
    this.channel.setLocation(where);
  }

  /** Seconds since the channel was created. */
  duration(): number {
    return Math.floor((this.o.ctx.clock.now() - this.channel.createdAt) / 1000);
  }
}

/**
 * The caller ID of an incoming call, as res_pjsip_caller_id reads it: the endpoint's `callerid`
 * when set; else, from an endpoint with `trust_id_inbound=yes`, its P-Asserted-Identity (RFC 3325
 * §9.1) or Remote-Party-ID; else the From. `callerid_privacy=prohib*|unavailable`, a trusted
 * `Privacy: id` or an RPID `privacy=full` restrict its presentation.
 */
function callerIdOf(req: SipRequest, ep: EndpointConfig): CallerId {
  const privacyRestricted = ep.calleridPrivacy.startsWith("prohib") || ep.calleridPrivacy === "unavailable";
  const base = (): CallerId => {
    if (ep.callerid) return parseCallerIdAll(ep.callerid);
    if (ep.trustIdInbound) {
      const pai = req.headers.get("P-Asserted-Identity");
      const rpid = req.headers.get("Remote-Party-ID");
      const trusted = pai ?? rpid;
      if (trusted !== undefined) {
        const id = identityOf(trusted, ep.id);
        const privacy = (req.headers.get("Privacy") ?? "").toLowerCase().split(/[;,\s]+/);
        const restricted = privacy.includes("id") || (pai === undefined && /;\s*privacy\s*=\s*full/i.test(rpid ?? ""));
        return restricted ? { ...id, restricted } : id;
      }
    }
    return identityOf(req.headers.get("From") ?? "", ep.id);
  };
  const id = base();
  return privacyRestricted ? { ...id, restricted: true } : id;
}

/** Name and number of a name-addr header value (From, P-Asserted-Identity, Remote-Party-ID). */
function identityOf(value: string, fallback: string): CallerId {
  const name = /^\s*"((?:[^"\\]|\\.)*)"/.exec(value)?.[1] ?? /^\s*([^<"]+?)\s*</.exec(value)?.[1] ?? "";
  const num = /(?:sips?|tel):([^@;>]+)(?:@|;|>|$)/i.exec(value)?.[1] ?? fallback;
  return { name: name.replace(/\\(.)/g, "$1"), num: unescapeUser(num) };
}

