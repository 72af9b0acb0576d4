/**
 * The incoming leg of a call (we are the UAS, RFC 3261 §13.3) and the channel the dialplan
 * drives. It answers with SDP, retransmits its 2xx until the ACK (§13.3.1.4), plays tones and
 * files, echoes, dials out (see dial.ts) and hangs up in whichever way the call's state requires.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { TimerHandle } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { EndpointConfig } from "../../config/index.js";
import { BUILTIN_TONES, type PlaybackSource } from "../../media/index.js";
import { buildSdp, type AudioOffer, type MediaCodec } from "../../media/sdp/index.js";
import { createResponse, newTag } from "../../sip/transaction/create-response.js";
import type { InviteServerTransaction } from "../../sip/transaction/server-transaction.js";
import type { SipRequest, SipResponse } from "../../sip/message/message.js";
import { Dialog } from "../../sip/dialog/dialog.js";
import { parseCSeq, unescapeUser } from "../../sip/parser/index.js";
import type { Flow } from "../../sip/transport/types.js";
import type { DialplanChannel } from "../dialplan/executor.js";
import type { CallContext } from "./call-context.js";
import { CAUSE, statusForCause } from "./hangup-cause.js";
import type { OutboundLeg } from "./outbound-leg.js";
import { ReliableProvisionals } from "./reliable-provisionals.js";
import { parseSessionExpires, supportedTagsFor, type ExtensionTerms } from "./session-extensions.js";
import { SessionTimer } from "./session-timer.js";

export type ChannelState = "Ring" | "Ringing" | "Up" | "Down";

export interface InboundCallOptions {
  ctx: CallContext;
  name: string;
  uniqueId: string;
  req: SipRequest;
  tx: InviteServerTransaction;
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
  readonly localTag: string;
  readonly createdAt: number;
  answeredAt: number | undefined;
  dialog: Dialog | undefined;
  /** The bridged outgoing leg, once a Dial() was answered (or is in early media). */
  peer: OutboundLeg | undefined;
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
  private retransmit: TimerHandle | undefined;
  private ackDeadline: TimerHandle | undefined;
  private answerWire: SipResponse | undefined;
  private sessionVersion = 1;
  private readonly sessionId = String(Date.now());
  private earlyMediaSent = false;
  private finalSent = false;
  private answering: Promise<void> | undefined;
  /** RFC 3262: our 18x responses, when this call sends them reliably. */
  private readonly reliable: ReliableProvisionals | undefined;
  /** RFC 4028: the caller refreshes the session; this ends the call when it stops. */
  private sessionTimer: SessionTimer | undefined;
  readonly log: Logger;

  constructor(readonly o: InboundCallOptions) {
    this.name = o.name;
    this.endpoint = o.endpoint;
    this.context = o.endpoint.context;
    this.exten = o.exten;
    // RFC 3261 §19.3: tags "MUST be globally unique and cryptographically random".
    this.localTag = newTag();
    this.createdAt = o.ctx.clock.now();
    this.callerId = callerIdOf(o.req, o.endpoint);
    this.log = o.ctx.log.child({ channel: o.name });
    this.vars.set("UNIQUEID", o.uniqueId);
    this.codecList = o.codecs;
    if (o.terms.reliable) {
      this.reliable = new ReliableProvisionals({
        clock: o.ctx.clock,
        T1: o.ctx.transactions.timers.T1,
        inviteSeq: parseCSeq(o.req.headers.get("CSeq") ?? "")?.seq ?? 0,
        transmit: (res) => o.tx.respond(res),
        onGiveUp: (status) => this.prackTimeout(status),
      });
    }
  }

  get mediaLegId(): string {
    return this.o.mediaLegId;
  }

  get callId(): string {
    return this.o.req.headers.get("Call-ID") ?? "";
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

  get tx(): InviteServerTransaction {
    return this.o.tx;
  }

  hungUp(): boolean {
    return this.ended;
  }

  /** Resolves once the call has ended, whoever ended it. */
  whenEnded(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((r) => this.endWaiters.push(r));
  }

  private ensureDialog(): Dialog {
    this.dialog ??= Dialog.fromInvite(this.o.req, this.localTag, this.o.flow, this.o.endpoint.id);
    return this.dialog;
  }

  private response(status: number, withSdp: boolean, direction: "sendrecv" | "sendonly" | "recvonly" | "inactive" = "sendrecv"): SipResponse {
    const res = createResponse(this.o.req, status, undefined, this.localTag);
    if (status > 100 && status < 300) {
      // §12.1.1: "When a UAS responds to a request with a response that establishes a dialog
      // (such as a 2xx to INVITE), the UAS MUST copy all Record-Route header field values from
      // the request into the response (including the URIs, URI parameters, and any Record-Route
      // header field parameters, whether they are known or unknown to the UAS) and MUST maintain
      // the order of those values." Without them the caller's ACK and BYE bypass the proxy.
      for (const rr of this.o.req.headers.getAll("Record-Route")) res.headers.append("Record-Route", rr);
      res.headers.append("Contact", this.ensureDialog().contactHeader());
      res.headers.append("Allow", allowFor(this.o.endpoint));
      const supported = supportedTagsFor(this.o.endpoint);
      if (supported) res.headers.append("Supported", supported);
    }
    res.headers.append("Server", this.o.ctx.userAgent());
    if (withSdp) {
      res.headers.append("Content-Type", "application/sdp");
      res.body = Buffer.from(this.sdp(direction));
    }
    return res;
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

  async ringing(): Promise<void> {
    if (this.ended || this.answered || this.finalSent || this.answering) return;
    // Each ringing fork used to mean another 180; sent reliably, every one would need its own
    // PRACK round trip, so a reliable 180 goes out once.
    if (this.reliable && this.state === "Ringing") return;
    if (this.state === "Ring") this.state = "Ringing";
    this.sendProvisional(this.response(180, false));
  }

  async progress(): Promise<void> {
    if (this.ended || this.answered || this.earlyMediaSent || this.finalSent || this.answering) return;
    this.earlyMediaSent = true;
    this.sendProvisional(this.response(183, true));
  }

  private sendProvisional(res: SipResponse): void {
    if (this.reliable) this.reliable.send(res);
    else this.o.tx.respond(res);
  }

  /** A PRACK on this call's dialog (RFC 3262 §3): 200 when it acknowledges one of our 18x. */
  onPrack(req: SipRequest): 200 | 481 {
    return this.reliable?.onPrack(req) ?? 481;
  }

  /**
   * RFC 3262 §3: 64*T1 without a PRACK; "the UAS SHOULD reject the original request with a 5xx
   * response" — and the call ends.
   */
  private prackTimeout(status: number): void {
    if (this.ended || this.finalSent) return;
    const secs = (64 * this.o.ctx.transactions.timers.T1) / 1000;
    this.log.warn({ peer: `${this.o.flow.remoteAddress}:${this.o.flow.remotePort}` }, `${this.name}: no PRACK for our reliable ${status} within ${secs} s; rejecting the call with 500 (is the caller's 100rel support broken, or are responses lost?)`);
    this.finalSent = true;
    this.hangupCause = CAUSE.INTERWORKING;
    const res = createResponse(this.o.req, 500, "Server Internal Error", this.localTag);
    res.headers.append("Warning", `399 switchboard "no PRACK for reliable ${status} within ${secs} s"`);
    res.headers.append("Server", this.o.ctx.userAgent());
    this.o.tx.respond(res);
    this.finish();
  }

  /**
   * Answers the call. RFC 3262 §3: a UAS may send the final response before all PRACKs,
   * "unless the final response is 2xx and any of the unacknowledged reliable provisional
   * responses contained a session description. In that case, it MUST NOT send a final response
   * until those provisional responses are acknowledged." We wait (at most 64*T1, see
   * prackTimeout) for such a PRACK first.
   */
  answer(): Promise<void> {
    if (this.ended || this.answered) return Promise.resolve();
    this.answering ??= (async () => {
      if (this.reliable?.pendingWithSdp) await this.reliable.whenSdpAcked();
      if (this.ended || this.answered || this.finalSent) return;
      this.sendAnswer();
    })();
    return this.answering;
  }

  private sendAnswer(): void {
    this.answered = true;
    this.state = "Up";
    this.answeredAt = this.o.ctx.clock.now();
    this.finalSent = true;
    const res = this.response(200, true);
    const timer = this.o.terms.timer;
    if (timer) {
      // RFC 4028 §9: the 2xx carries the Session-Expires and names the refresher; "If the
      // refresher parameter in the Session-Expires header field in the 2xx response has a
      // value of 'uac', the UAS MUST place a Require header field into the response with the
      // value 'timer'." We never refresh toward the caller, so the caller (uac) is the refresher.
      res.headers.append("Session-Expires", `${timer.interval};refresher=uac`);
      res.headers.append("Require", "timer");
    }
    this.answerWire = res;
    this.o.tx.respond(res);
    this.reliable?.finalSent();
    if (timer) {
      this.sessionTimer = new SessionTimer({ clock: this.o.ctx.clock, interval: timer.interval, onExpired: (n) => this.sessionExpired(n) });
      this.sessionTimer.refresh();
    }
    // §13.3.1.4: the UAS core retransmits the 2xx at T1, doubling up to T2, until the ACK; after
    // 64*T1 without one the session is ended with BYE. "This is necessary because the response
    // is retransmitted by the UAS core, independent of the transport protocol": over TCP too, since
    // a proxy between us and the caller may forward over UDP.
    const { T1, T2 } = this.o.ctx.transactions.timers;
    const again = (interval: number) => {
      this.retransmit = this.o.ctx.clock.setTimeout(() => {
        if (!this.answerWire || this.ended) return;
        this.o.tx.respond(this.answerWire);
        again(Math.min(2 * interval, T2));
      }, interval);
    };
    again(T1);
    this.ackDeadline = this.o.ctx.clock.setTimeout(() => {
      if (!this.answerWire) return;
      this.log.warn({ peer: `${this.o.flow.remoteAddress}:${this.o.flow.remotePort}` }, `${this.name}: no ACK for our 200 OK within ${(64 * T1) / 1000} s; ending the call (is a NAT or firewall dropping our responses?)`);
      void this.hangup(CAUSE.NO_USER_RESPONSE);
    }, 64 * T1);
  }

  /**
   * A re-INVITE or UPDATE from the caller is being answered 2xx: a session refresh (RFC 4028
   * §9/§10). The answer repeats the Session-Expires and the timer starts again; a refresh that
   * names a new interval (already checked against timers_min_se) takes it. Without
   * Session-Expires and without `timer` support the refresh switches the timer off (§9: no
   * Session-Expires in the 2xx means no session expiration).
   */
  sessionRefreshed(req: SipRequest, res: SipResponse): void {
    if (this.ended || this.o.endpoint.timers === "no") return;
    const se = parseSessionExpires(req.headers.get("Session-Expires"));
    const supports = req.headers.getAll("Supported").concat(req.headers.getAll("Require")).some((t) => t.trim().toLowerCase() === "timer");
    let interval: number | undefined;
    if (se?.refresher === "uas") interval = undefined; // see session-extensions.ts: we never refresh
    else if (se && supports) interval = se.interval;
    else if (!se && supports && this.sessionTimer) interval = this.sessionTimer.interval;
    if (interval === undefined) {
      this.sessionTimer?.close();
      this.sessionTimer = undefined;
      return;
    }
    res.headers.append("Session-Expires", `${interval};refresher=uac`);
    res.headers.append("Require", "timer");
    this.sessionTimer ??= new SessionTimer({ clock: this.o.ctx.clock, interval, onExpired: (n) => this.sessionExpired(n) });
    this.sessionTimer.refresh(interval);
  }

  /** RFC 4028 §10: no refresh arrived; the non-refresher ends the session with BYE. */
  private sessionExpired(interval: number): void {
    if (this.ended) return;
    this.log.notice({ interval }, `Session timer expired for ${this.name} (no refresh within ${interval} s); hanging up`);
    void this.hangup(CAUSE.NORMAL_CLEARING);
  }

  /** The session timer state for the console (undefined without a timer). */
  sessionTimerState(): { interval: number; expiresInMs: number | undefined } | undefined {
    return this.sessionTimer?.dump();
  }

  ackReceived(): void {
    this.answerWire = undefined;
    this.retransmit?.cancel();
    this.ackDeadline?.cancel();
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
    if (!this.answered && !this.finalSent) {
      this.finalSent = true;
      const { status, reason } = statusForCause(cause);
      const res = createResponse(this.o.req, status, reason, this.localTag);
      res.headers.append("Server", this.o.ctx.userAgent());
      this.o.tx.respond(res);
      this.reliable?.finalSent();
    } else if (this.answered && this.dialog) {
      const bye = this.dialog.createRequest("BYE", { userAgent: this.o.ctx.userAgent() });
      this.o.ctx.transactions.sendRequest(bye, this.dialog.flow, { onResponse: () => {}, onTimeout: () => {} });
    }
    this.finish();
  }

  /** The caller sent BYE (answered by the call manager). */
  remoteBye(): void {
    if (this.ended) return;
    this.hangupCause = CAUSE.NORMAL_CLEARING;
    this.finish();
  }

  /** The caller sent CANCEL before answer; the 487 went out with the CANCEL's 200. */
  cancelled(): void {
    if (this.ended) return;
    this.finalSent = true;
    this.hangupCause = CAUSE.NORMAL_CLEARING;
    this.vars.set("DIALSTATUS", "CANCEL");
    this.finish();
  }

  private finish(): void {
    this.ended = true;
    this.state = "Down";
    this.retransmit?.cancel();
    this.ackDeadline?.cancel();
    this.answerWire = undefined;
    this.reliable?.close();
    this.sessionTimer?.close();
    for (const leg of [...this.ringing_]) leg.cancel();
    this.ringing_.clear();
    if (this.peer) {
      this.peer.hangup();
    }
    this.vars.set("HANGUPCAUSE", String(this.hangupCause ?? CAUSE.NORMAL_CLEARING));
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

/** The methods we accept in this call's dialog; PRACK only where 100rel is on. */
function allowFor(ep: EndpointConfig): string {
  return `INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO${ep.rel100 !== "no" ? ", PRACK" : ""}`;
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

