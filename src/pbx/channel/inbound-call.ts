/**
 * The incoming leg of a call and the channel the dialplan drives. The SIP side (18x, reliable
 * provisionals, the 2xx until its ACK, CANCEL, BYE, session timer) is a UAS session of the session
 * layer (sip/session/server-invite-session.ts); this class keeps the channel: state, caller ID,
 * variables, its SDP and media, and the dialplan applications (tones, files, echo, Dial).
 */
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { Logger } from "../../core/logger.js";
import type { EndpointConfig } from "../../config/index.js";
import { BUILTIN_TONES, type PlaybackSource } from "../../media/index.js";
import { buildSdp, type AudioOffer, type MediaCodec } from "../../media/sdp/index.js";
import type { SipRequest } from "../../sip/message/message.js";
import type { Dialog } from "../../sip/dialog/dialog.js";
import { unescapeUser } from "../../sip/parser/index.js";
import type { InviteServerPort, ServerInviteSession, SessionBody } from "../../sip/session/index.js";
import type { Flow } from "../../sip/transport/types.js";
import type { Bridge } from "../bridge/bridge.js";
import type { DialplanChannel } from "../dialplan/executor.js";
import { capabilitiesFor } from "../endpoint/endpoint-capabilities.js";
import { channelFields, hangupFields, type ChannelView } from "../events.js";
import type { CallContext } from "./call-context.js";
import { CAUSE, statusForCause } from "./hangup-cause.js";
import type { OutboundLeg } from "./outbound-leg.js";
import { timerPolicyFor, type ExtensionTerms } from "./session-extensions.js";

export type ChannelState = "Ring" | "Ringing" | "Up" | "Down";

export interface InboundCallOptions {
  ctx: CallContext;
  name: string;
  uniqueId: string;
  req: SipRequest;
  tx: InviteServerPort;
  flow: Flow;
  endpoint: EndpointConfig;
  offer: AudioOffer;
  codecs: MediaCodec[];
  telephoneEvent: AudioOffer["telephoneEvent"];
  ptime: number | undefined;
  /** RTP/AVP, or RTP/AVPF when an AVPF offer was accepted. */
  profile: string;
  mediaLegId: string;
  localPort: number;
  mediaAddress: string;
  exten: string;
  /** 100rel and session timer terms agreed in the call manager (session-extensions.ts). */
  terms: ExtensionTerms;
  soundsDirs: string[];
  dial: (call: InboundCall, targets: string[], timeoutSec: number | undefined, options: string) => ReturnType<DialplanChannel["dial"]>;
  onEnd: (call: InboundCall) => void;
}

export class InboundCall implements DialplanChannel {
  readonly name: string;
  readonly vars = new Map<string, string>();
  callerId: { num: string; name: string };
  state: ChannelState = "Ring";
  answered = false;
  readonly endpoint: EndpointConfig;
  readonly createdAt: number;
  answeredAt: number | undefined;
  /** The SIP side of this leg. */
  readonly session: ServerInviteSession;
  /** The bridged outgoing leg, once a Dial() was answered (or is in early media). */
  peer: OutboundLeg | undefined;
  /** The bridge Dial() joined this channel to its peer with (closed when either ends). */
  bridge: Bridge | undefined;
  /** Outgoing legs currently ringing, for console output and cleanup. */
  readonly ringing_ = new Set<OutboundLeg>();
  application = "";
  appData = "";
  context: string;
  exten: string;
  priority = 1;
  hangupCause: number | undefined;
  /** The cause the last unsuccessful Dial() left (busy, no answer …); see hangup(). */
  dialCause: number | undefined;
  private ended = false;
  private endWaiters: Array<() => void> = [];
  private endingHooks: Array<() => void> = [];
  private sessionVersion = 1;
  private readonly sessionId = String(Date.now());
  private earlyMediaSent = false;
  private answering: Promise<void> | undefined;
  readonly log: Logger;
  readonly uniqueId: string;

  constructor(readonly o: InboundCallOptions) {
    this.name = o.name;
    this.endpoint = o.endpoint;
    this.context = o.endpoint.context;
    this.exten = o.exten;
    this.createdAt = o.ctx.clock.now();
    this.callerId = callerIdOf(o.req, o.endpoint);
    this.log = o.ctx.log.child({ channel: o.name });
    this.uniqueId = o.uniqueId;
    this.vars.set("UNIQUEID", o.uniqueId);
    this.codecList = o.codecs;
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
    if (o.ctx.events.wants("Newchannel")) o.ctx.events.emit("Newchannel", channelFields(this.view()));
    o.ctx.devices.set(this.name, o.endpoint.id, this.state);
  }

  /** The snapshot channel events carry (pbx/events.ts). */
  view(): ChannelView {
    return {
      name: this.name,
      state: this.state,
      callerIdNum: this.callerId.num,
      callerIdName: this.callerId.name,
      ...(this.peer ? { connectedLineNum: this.peer.endpoint.id } : {}),
      context: this.context,
      exten: this.exten,
      priority: this.priority,
      uniqueid: this.uniqueId,
      linkedid: this.uniqueId,
    };
  }

  /** A state change, reported as Newstate (Down is reported as Hangup, by finish()). */
  private setState(state: ChannelState): void {
    if (this.state === state) return;
    this.state = state;
    if (state === "Down") return;
    if (this.o.ctx.events.wants("Newstate")) this.o.ctx.events.emit("Newstate", channelFields(this.view()));
    this.o.ctx.devices.set(this.name, this.endpoint.id, state);
  }

  /** What the session tells the channel. */
  private watchSession(): void {
    const s = this.session;
    const peer = () => `${this.o.flow.remoteAddress}:${this.o.flow.remotePort}`;
    s.on("accepted", () => {
      this.answered = true;
      this.answeredAt = this.o.ctx.clock.now();
      this.setState("Up");
    });
    s.on("cancelled", () => this.cancelled());
    s.on("prackTimeout", (status, secs) => {
      if (this.ended) return;
      this.log.warn({ peer: peer() }, `${this.name}: no PRACK for our reliable ${status} within ${secs} s; rejecting the call with 500 (is the caller's 100rel support broken, or are responses lost?)`);
      this.hangupCause = CAUSE.INTERWORKING;
      this.finish();
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

  get mediaLegId(): string {
    return this.o.mediaLegId;
  }

  get callId(): string {
    return this.session.callId;
  }

  get localTag(): string {
    return this.session.localTag;
  }

  get dialog(): Dialog {
    return this.session.dialog;
  }

  /** The codecs we answer the caller with; narrowed to the callee's choice once it answers. */
  private codecList: MediaCodec[] = [];

  /**
   * Nothing is transcoded, so the caller must be told to use what the callee accepted: keep only
   * the payload types the callee's answer contains (before our 183/200 to the caller goes out).
   */
  restrictCodecs(payloadTypes: readonly number[]): void {
    if (this.answered || this.earlyMediaSent) return;
    const kept = this.codecList.filter((c) => payloadTypes.includes(c.payloadType));
    if (kept.length > 0) this.codecList = kept;
  }

  get codecs(): MediaCodec[] {
    return this.codecList;
  }

  get telephoneEvent(): AudioOffer["telephoneEvent"] {
    return this.o.telephoneEvent;
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
    return new Promise((r) => this.endWaiters.push(r));
  }

  /** Our SDP toward this caller: its own payload types, our relay port. */
  sdp(direction: "sendrecv" | "sendonly" | "recvonly" | "inactive" = "sendrecv"): string {
    return buildSdp({
      origin: { sessionId: this.sessionId, sessionVersion: this.sessionVersion, address: this.o.mediaAddress },
      address: this.o.mediaAddress,
      port: this.o.localPort,
      codecs: this.codecList,
      ...(this.o.telephoneEvent ? { telephoneEvent: this.o.telephoneEvent } : {}),
      ...(this.o.ptime ? { ptime: this.o.ptime } : {}),
      profile: this.o.profile,
      ...(this.o.offer.layout ? { layout: this.o.offer.layout } : {}),
      direction,
    });
  }

  /** A re-INVITE answer carries a new session version (RFC 3264 §8). */
  nextSdp(direction: "sendrecv" | "sendonly" | "recvonly" | "inactive"): string {
    this.sessionVersion++;
    return this.sdp(direction);
  }

  private body(): SessionBody {
    return { body: this.sdp(), contentType: "application/sdp" };
  }

  async ringing(): Promise<void> {
    if (this.ended || this.answered || this.session.answered || this.answering) return;
    // Each ringing fork used to mean another 180; sent reliably, every one would need its own
    // PRACK round trip, so a reliable 180 goes out once.
    if (this.session.reliableProvisionals && this.state === "Ringing") return;
    if (this.state === "Ring") this.setState("Ringing");
    this.session.provisional(180);
  }

  async progress(): Promise<void> {
    if (this.ended || this.answered || this.earlyMediaSent || this.session.answered || this.answering) return;
    this.earlyMediaSent = true;
    this.session.provisional(183, this.body());
  }

  /**
   * Answers the call; the session holds the 2xx while a reliable 18x with SDP awaits its PRACK
   * (RFC 3262 §3) and then retransmits it until the ACK.
   */
  answer(): Promise<void> {
    if (this.ended || this.answered) return Promise.resolve();
    this.answering ??= this.session.accept(this.body()).then(() => undefined);
    return this.answering;
  }

  /** The session timer state for the console (undefined without a timer). */
  sessionTimerState(): { interval: number; expiresInMs: number | undefined } | undefined {
    return this.session.sessionTimerState();
  }

  private resolvePlayback(what: string): PlaybackSource | undefined {
    const builtin = BUILTIN_TONES[what];
    if (builtin) return builtin;
    const names = what.endsWith(".wav") ? [what] : [what + ".wav", what];
    for (const n of names) {
      if (isAbsolute(n)) {
        if (existsSync(n)) return { kind: "wav", path: n };
        continue;
      }
      for (const dir of this.o.soundsDirs) {
        const p = join(dir, n);
        if (existsSync(p)) return { kind: "wav", path: p };
      }
    }
    return undefined;
  }

  private mediaFormat(): { payloadType: number; codec: "PCMU" | "PCMA" } | undefined {
    const c = this.codecList.find((x) => x.encoding.toUpperCase() === "PCMU" || x.encoding.toUpperCase() === "PCMA");
    return c ? { payloadType: c.payloadType, codec: c.encoding.toUpperCase() as "PCMU" | "PCMA" } : undefined;
  }

  async playback(what: string): Promise<"ok" | "failed"> {
    if (this.ended) return "failed";
    const source = this.resolvePlayback(what);
    if (!source) {
      this.log.warn({}, `${this.name}: Playback: file '${what}' not found (looked in ${this.o.soundsDirs.join(", ")}; built-in tones: ${Object.keys(BUILTIN_TONES).join(", ")})`);
      return "failed";
    }
    const fmt = this.mediaFormat();
    if (!fmt) {
      this.log.warn({}, `${this.name}: Playback needs G.711 (ulaw or alaw) on the call; negotiated ${this.codecList.map((c) => c.name).join("|")}`);
      return "failed";
    }
    if (!this.answered && !this.earlyMediaSent) await this.answer();
    const done = this.o.ctx.media.play(this.o.mediaLegId, source, fmt);
    const r = await Promise.race([done, this.whenEnded().then(() => "stopped" as const)]);
    if (r === "stopped") this.o.ctx.media.stopPlayback(this.o.mediaLegId);
    return r === "done" ? "ok" : "failed";
  }

  async echo(): Promise<void> {
    if (this.ended) return;
    if (!this.answered) await this.answer();
    this.o.ctx.media.echo(this.o.mediaLegId, true);
    await this.whenEnded();
  }

  wait(seconds: number): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      const t = this.o.ctx.clock.setTimeout(resolve, Math.max(0, seconds * 1000));
      void this.whenEnded().then(() => {
        t.cancel();
        resolve();
      });
    });
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

  private async playTone(name: string, timeoutSec?: number): Promise<void> {
    const p = this.playback(name);
    if (timeoutSec && timeoutSec > 0) await Promise.race([p, this.wait(timeoutSec)]);
    else await this.whenEnded();
    this.o.ctx.media.stopPlayback(this.o.mediaLegId);
  }

  /** Ends the call from our side: an error response before answer, BYE after. */
  async hangup(cause: number = CAUSE.NORMAL_CLEARING): Promise<void> {
    if (this.ended) return;
    // Hangup() without a cause (16) after a failed Dial() keeps the Dial's cause, so a busy
    // callee gives the caller 486 and an unanswered one 480, as in Asterisk.
    if (cause === CAUSE.NORMAL_CLEARING && !this.answered && this.dialCause !== undefined) cause = this.dialCause;
    this.hangupCause = cause;
    if (!this.session.answered) {
      const { status, reason } = statusForCause(cause);
      this.session.reject(status, reason);
    } else {
      this.session.bye();
    }
    this.finish();
  }

  /** The caller sent BYE (answered by the session). */
  remoteBye(): void {
    if (this.ended) return;
    this.hangupCause = CAUSE.NORMAL_CLEARING;
    this.finish();
  }

  /** The caller sent CANCEL before answer; the 487 went out with the CANCEL's 200. */
  cancelled(): void {
    if (this.ended) return;
    this.hangupCause = CAUSE.NORMAL_CLEARING;
    this.vars.set("DIALSTATUS", "CANCEL");
    this.finish();
  }

  private finish(): void {
    this.ended = true;
    for (const fn of this.endingHooks.splice(0)) fn();
    // Both channels leave the bridge before either is hung up, as in Asterisk.
    this.bridge?.close();
    for (const leg of [...this.ringing_]) leg.cancel();
    this.ringing_.clear();
    if (this.peer) {
      this.peer.hangup();
    }
    const cause = this.hangupCause ?? CAUSE.NORMAL_CLEARING;
    this.vars.set("HANGUPCAUSE", String(cause));
    if (this.o.ctx.events.wants("Hangup")) this.o.ctx.events.emit("Hangup", hangupFields(this.view(), cause));
    this.setState("Down");
    this.o.ctx.devices.remove(this.name);
    for (const w of this.endWaiters.splice(0)) w();
    this.o.onEnd(this);
  }

  setLocation(where: { context: string; exten: string; priority: number; app: string; data: string }): void {
    this.context = where.context;
    this.exten = where.exten;
    this.priority = where.priority;
    this.application = where.app;
    this.appData = where.data;
  }

  /** Seconds since the channel was created. */
  duration(): number {
    return Math.floor((this.o.ctx.clock.now() - this.createdAt) / 1000);
  }
}

function callerIdOf(req: SipRequest, ep: EndpointConfig): { num: string; name: string } {
  if (ep.callerid) {
    const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(ep.callerid);
    if (m) return { name: (m[1] ?? m[2] ?? "").trim(), num: (m[3] ?? "").trim() };
    return { name: "", num: ep.callerid.trim() };
  }
  const from = req.headers.get("From") ?? "";
  const name = /^\s*"((?:[^"\\]|\\.)*)"/.exec(from)?.[1] ?? /^\s*([^<"]+?)\s*</.exec(from)?.[1] ?? "";
  const num = /sips?:([^@;>]+)@/i.exec(from)?.[1] ?? ep.id;
  return { name: name.replace(/\\(.)/g, "$1"), num: unescapeUser(num) };
}

