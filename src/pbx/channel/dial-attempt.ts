/**
 * One fork of a Dial(): the outgoing leg toward one contact, from the choice of transport, codecs
 * and RTP port to its DialBegin/DialEnd and the release of its media. What the fork hears from
 * its callee (ringing, early media, answer, failure) goes to its `DialAttemptOwner` (the Dial),
 * which alone decides which fork wins.
 *
 *   new ──start()──► (no transport / codec / port: failed before ringing)
 *    │                ringing ──answered──► owner.answered() ──► bridged until either hangs up
 *    │                   └──── failed / stop() ──► DialEnd, media released
 */
import { iceSpecFor } from "../media-session/ice-spec.js";
import { ASTERISK_SOURCE, type Logger } from "../../core/logger.js";
import { canTranscode, transcodableCodecs } from "../../media/index.js";
import { describeCodecs, type MediaCodec, type TelephoneEvent } from "../../media/sdp/index.js";
import { offersTelephoneEvent } from "../media-session/dtmf-method.js";
import type { DialStatus } from "../dialplan/channel.js";
import { channelFields, destChannelFields, dialBeginFields, dialEndFields } from "../events.js";
import { codecsForCallee, MediaSession } from "../media-session/media-session.js";
import { lookup } from "node:dns/promises";
import type { EndpointConfig } from "../../config/index.js";
import type { Flow } from "../../sip/transport/types.js";
import { flowFor, resolveFlow } from "../outbound/request-builder.js";
import type { CallContext } from "./call-context.js";
import type { CallerId } from "./channel.js";
import { nextChannelName, nextUniqueId } from "./channel-name.js";
import type { DialTarget } from "./dial-targets.js";
import { dialStatusForResponse } from "./hangup-cause.js";
import type { DialCaller } from "./dial-caller.js";
import { mediaAddressFor } from "./media-address.js";
import { OutboundLeg } from "./outbound-leg.js";

export interface DialHooks {
  /** Called when a leg is created so in-dialog requests and stray 2xx can find it. */
  track(leg: OutboundLeg, call: DialCaller): void;
  untrack(leg: OutboundLeg): void;
  stunAddress(): string | undefined;
  /** A Dial bridged `call` with the leg that answered; `options` is Dial's option string (feature codes). */
  bridged?(call: DialCaller, leg: OutboundLeg, options: string): void;
  /** A Dial of `call` has its outcome (DIALSTATUS); told before the dialplan goes on. */
  settled?(call: DialCaller, status: DialStatus): void;
}

/** What a fork asks of the Dial it belongs to. */
export interface DialAttemptOwner {
  /** False once the Dial is settled or another fork answered: nothing more may start or bridge. */
  readonly open: boolean;
  /** Early media (a 183 with SDP) from this fork. */
  earlyMedia(attempt: DialAttempt): void;
  /** This fork's callee answered while the Dial was open: it wins. */
  answered(attempt: DialAttempt): void;
  /** This fork's callee refused (3xx-6xx, timeout), after its DialEnd. */
  failed(attempt: DialAttempt, status: number): void;
}

/** Dial()'s progress lines are app_dial.c's in Asterisk, word for word. */
const APP_DIAL_C = { [ASTERISK_SOURCE]: "app_dial.c" };

/** Why a fork ended before its INVITE went out: the status that stands for it in DIALSTATUS. */
export type StartOutcome = { started: true } | { started: false; status?: number };

export class DialAttempt {
  leg: OutboundLeg | undefined;
  /** A DialBegin went out for this fork and no DialEnd yet. */
  private dialing = false;
  private released = false;
  /** Gives the toll-fraud gate its count back when this fork ends. */
  private releaseGate: () => void = () => {};

  constructor(
    private readonly ctx: CallContext,
    private readonly hooks: DialHooks,
    private readonly call: DialCaller,
    readonly target: DialTarget,
    private readonly owner: DialAttemptOwner,
  ) {}

  /** True once the leg ended (failed, cancelled or hung up), or when it never started. */
  get over(): boolean {
    return !this.leg || this.leg.state === "Hungup";
  }

  /**
   * Sets up the leg and sends its INVITE. A fork that cannot start says why as a status (503: no
   * transport or no RTP port; 488: no codec in common), or none when the Dial ended meanwhile.
   */
  async start(): Promise<StartOutcome> {
    const { ctx, call, target: t } = this;
    const gate = ctx.tollFraud.admit(
      { caller: { endpoint: call.endpoint, admission: call.admission, callerNum: call.callerId.num, peer: `${call.flow.remoteAddress}:${call.flow.remotePort}` }, trunk: t.endpoint, uri: t.uri },
      call.log,
    );
    if (!gate.ok) return { started: false, status: 403 };
    this.releaseGate = gate.release;
    const outcome = await this.setUp();
    if (!outcome.started) gate.release();
    return outcome;
  }

  private async setUp(): Promise<StartOutcome> {
    const { ctx, call, target: t } = this;
    const codecs = codecsForCallee(call.codecs, t.endpoint, call.telephoneEvent);
    if (codecs.length === 0) {
      const spoken = call.codecs[0]?.name ?? "none";
      const untranscodable = [spoken, ...t.endpoint.allow.map((c) => c.name)].filter((n) => !canTranscode(n));
      call.log.notice(
        { endpoint: t.endpoint.id },
        `Dial: no codec in common between the caller (${describeCodecs(call.codecs)}) and endpoint '${t.endpoint.id}' (allow=${t.endpoint.allow.map((c) => c.name).join("|")}), and no way to transcode: ${untranscodable.join(", ")} cannot be transcoded here (transcodable: ${transcodableCodecs().join(", ")}); add a shared codec to both allow= lists`,
      );
      return { started: false, status: 488 };
    }
    const made = await createLeg(ctx, this.hooks, t, {
      log: call.log,
      group: call.callId,
      linkedId: call.uniqueId,
      callerId: call.callerId,
      // The caller's payload types (and its telephone-event) go to the callee unchanged, so RTP
      // passes through the relay byte for byte when the callee takes one of the caller's codecs.
      codecs,
      telephoneEvent: eventForCallee(call.telephoneEvent, codecs, t.endpoint),
      stillWanted: () => !call.hungUp() && this.owner.open,
    });
    if (!("leg" in made)) return made;
    const leg = made.leg;
    const log = call.log;
    this.leg = leg;
    ctx.dtmf.attach(leg, () => (call.peer === leg ? call : undefined));
    call.ringing_.add(leg);
    this.hooks.track(leg, call);
    leg.on("ringing", () => {
      if (log.wants("verbose", 3)) log.verbose(3, APP_DIAL_C, `${leg.name} is ringing`);
      if (ctx.events.wants("DialState")) ctx.events.emit("DialState", { ...channelFields(call.view()), ...destChannelFields(leg.view()), DialStatus: "RINGING" });
      void call.ringing();
    });
    leg.on("progress", (sdp) => {
      if (!this.owner.open) return;
      if (log.wants("verbose", 3)) log.verbose(3, APP_DIAL_C, `${leg.name} is making progress passing it to ${call.name}`);
      if (ctx.events.wants("DialState")) ctx.events.emit("DialState", { ...channelFields(call.view()), ...destChannelFields(leg.view()), DialStatus: "PROGRESS" });
      this.takeAnswer(sdp);
      this.owner.earlyMedia(this);
    });
    leg.on("answered", (sdp) => {
      if (!this.owner.open) {
        this.dialEnd("CANCEL");
        this.hangup();
        return;
      }
      call.ringing_.delete(leg);
      // An answer we cannot use (no joint codec, keys that match none of ours, a plain answer to
      // our RTP/SAVP offer) leaves nothing to relay: the callee's phone gets BYE (RFC 3261
      // §13.2.2.4, after the session layer's ACK) and the fork fails, as one refused with 488.
      const usable = sdp ? this.takeAnswer(sdp, true) : leg.media.state === "active";
      if (!usable) {
        if (!sdp) log.notice({ endpoint: leg.endpoint.id }, `${leg.name} answered without an SDP answer to our offer, in its 18x or its 2xx (${leg.media.answerProblem ?? "none came"}); hanging it up`);
        this.dialEnd(dialStatusForResponse(488));
        this.hangup();
        this.owner.failed(this, 488);
        return;
      }
      if (log.wants("verbose", 3)) log.verbose(3, APP_DIAL_C, `${leg.name} answered ${call.name}`);
      this.dialEnd("ANSWER");
      this.owner.answered(this);
    });
    leg.on("failed", (status) => {
      const dialStatus = dialStatusForResponse(status);
      if (log.wants("verbose", 3) && (dialStatus === "BUSY" || dialStatus === "CONGESTION")) log.verbose(3, APP_DIAL_C, `${leg.name} is ${dialStatus === "BUSY" ? "busy" : "circuit-busy"}`);
      this.dialEnd(dialStatus);
      call.ringing_.delete(leg);
      this.release();
      this.owner.failed(this, status);
    });
    this.dialing = true;
    if (ctx.events.wants("DialBegin")) ctx.events.emit("DialBegin", dialBeginFields(call.view(), leg.view(), t.dialString));
    leg.start();
    if (log.wants("verbose", 3)) log.verbose(3, APP_DIAL_C, `Called PJSIP/${t.dialString}`);
    return { started: true };
  }

  /** The callee's SDP (183 or 2xx): its relay leg sends there, and the caller keeps to its codecs. */
  private takeAnswer(sdp: string | undefined, final = false): boolean {
    const leg = this.leg;
    if (!sdp || !leg) return false;
    const r = leg.media.takeAnswer(sdp);
    if (!r.ok) {
      this.call.log.notice({ endpoint: leg.endpoint.id }, `${leg.name}: the SDP answer of endpoint '${leg.endpoint.id}' is unusable (${r.reason}); ${final ? "hanging it up" : "no audio can be relayed to it"}`);
      return false;
    }
    this.ctx.clearKeys.check(this.call.log, leg.endpoint.id, leg.flow, leg.media.srtp);
    // The caller is told to use what the callee accepted (until our 183 or 200 to the caller has
    // gone out), so packets pass untouched; a callee codec the caller does not have is transcoded.
    const callerHas = (c: MediaCodec) => this.call.codecs.some((x) => x.name === c.name && x.payloadType === c.payloadType);
    const chosen = leg.media.codecs[0];
    if (chosen !== undefined && callerHas(chosen)) this.call.media.restrictCodecs(leg.media.codecs.filter(callerHas).map((c) => c.payloadType));
    return true;
  }

  /** DialEnd for this fork, once. */
  dialEnd(status: DialStatus): void {
    if (!this.dialing || !this.leg) return;
    this.dialing = false;
    if (this.ctx.events.wants("DialEnd")) this.ctx.events.emit("DialEnd", dialEndFields(this.call.view(), this.leg.view(), status));
  }

  /** Stops this fork (another answered, the caller went away, Dial timed out): DialEnd, CANCEL. */
  stop(status: DialStatus): void {
    const leg = this.leg;
    if (!leg) return;
    this.dialEnd(status);
    leg.cancel();
    this.call.ringing_.delete(leg);
    this.release();
  }

  /** Ends the bridged conversation from our side (BYE) and gives the leg's resources back. */
  hangup(): void {
    this.leg?.hangup();
    this.release();
  }

  /**
   * A redirect took the answered leg into the dialplan (call-manager.ts): it keeps its RTP port
   * and its place in the dialog table under its new owner; only the toll-fraud count goes back.
   */
  handOver(): void {
    if (this.released) return;
    this.released = true;
    this.releaseGate();
  }

  /** The leg's RTP port goes back and in-dialog requests no longer find it; safe twice. */
  private release(): void {
    const leg = this.leg;
    if (!leg || this.released) return;
    this.released = true;
    this.releaseGate();
    this.ctx.media.release(leg.mediaLegId);
    this.hooks.untrack(leg);
  }
}

export interface LegRequest {
  log: Logger;
  /** The media group (the call's Call-ID) its RTP port joins. */
  group: string;
  /** The oldest channel of the call; the leg's own Uniqueid when it starts one (originate). */
  linkedId?: string;
  /** The Uniqueid to give the leg (AMI ChannelId), else a fresh one. */
  uniqueId?: string;
  /** The leg's account code (AMI Originate's Account). */
  accountCode?: string;
  /** The From of our INVITE, and the channel's connected line. */
  callerId: CallerId;
  /** What to offer; undefined: the endpoint's own allow= list (an originated call has no caller). */
  codecs: MediaCodec[] | undefined;
  telephoneEvent: TelephoneEvent | undefined;
  /** Asked after each wait: false drops the leg before it is made (its caller went away). */
  stillWanted: () => boolean;
}

/**
 * Makes an outgoing leg toward one dial target, its offer ready and its INVITE not yet sent: the
 * transport (a registered contact where its REGISTER came from; otherwise the endpoint's
 * outbound_proxy, or the contact URI itself, looked up and sent over the endpoint's `transport=`),
 * its RTP port and its SDP. A leg that cannot be made says why as a status (503: no transport or
 * no RTP port), or none when it is no longer wanted.
 */
export async function createLeg(ctx: CallContext, hooks: DialHooks, t: DialTarget, r: LegRequest): Promise<{ leg: OutboundLeg } | { started: false; status?: number }> {
  const route = routeFor(t.endpoint);
  const ep = t.endpoint;
  const flow: Flow | string =
    t.source && !route
      ? (flowFor({ uri: t.uri, source: t.source }, ctx.transports) ?? "no transport for it")
      : await resolveFlow(route ?? t.uri, ep.transport, ctx.transports, async (host) => (await lookup(host)).address);
  if (typeof flow === "string") {
    r.log.notice({ endpoint: ep.id }, `Dial: cannot reach ${t.uri} for endpoint '${ep.id}': ${flow}`);
    return { started: false, status: 503 };
  }
  if (!r.stillWanted()) return { started: false };
  let alloc: Awaited<ReturnType<typeof ctx.media.allocate>>;
  try {
    const ice = await iceSpecFor(ep, ctx.config().rtp, flow, mediaAddressFor(ep, flow, ctx.config().pjsip.transports.find((x) => x.id === flow.transport.id), hooks.stunAddress()), ctx.config().acl?.named);
    alloc = await ctx.media.allocate({ group: r.group, ...(flow.transport.family === 6 ? { bindAddress: "::" } : {}), ...(ice ? { ice } : {}) });
  } catch (err) {
    // Out of RTP ports (rtp.conf rtpstart-rtpend too small for the load): this leg fails as
    // congestion; the call itself and every other call go on.
    r.log.warn({}, `Dial: cannot allocate media for ${ep.id}: ${err instanceof Error ? err.message : String(err)}`);
    return { started: false, status: 503 };
  }
  if (!r.stillWanted()) {
    ctx.media.release(alloc.id);
    return { started: false };
  }
  const transportCfg = ctx.config().pjsip.transports.find((x) => x.id === flow.transport.id);
  const media = new MediaSession({
    media: ctx.media,
    legId: alloc.id,
    localPort: alloc.localPort,
    address: mediaAddressFor(ep, flow, transportCfg, hooks.stunAddress()),
    endpoint: ep,
    sessionId: String(ctx.clock.now()),
    ...(alloc.ice ? { ice: alloc.ice } : {}),
  });
  if (r.codecs === undefined) media.offer();
  else media.offer({ codecs: r.codecs, telephoneEvent: r.telephoneEvent });
  const uniqueId = r.uniqueId ?? nextUniqueId(ctx.clock.now());
  const leg = new OutboundLeg({ ctx, name: nextChannelName(ep.id), uniqueId, linkedId: r.linkedId ?? uniqueId, endpoint: ep, target: t.uri, flow, callerId: r.callerId, media, route, accountCode: r.accountCode ?? ep.accountcode });
  return { leg };
}

/**
 * The endpoint's outbound_proxy as a Route (RFC 3261 §8.1.2 preloaded route): written as Asterisk
 * has it, `sip:proxy.example.com\;lr` (the `\;` read as `;`), with or without angle brackets.
 */
export function routeFor(ep: EndpointConfig): string | undefined {
  const p = ep.outboundProxy.trim();
  if (p === "") return undefined;
  return p.startsWith("<") ? p : `<${p}>`;
}

/**
 * The telephone-event offered to a callee: none when its dtmf_mode does not use RFC 4733; the
 * caller's (same payload type, so events pass untouched) when it has one; else one of our own on
 * a free payload type, so digits from an INFO or inband caller can reach it as events.
 */
export function eventForCallee(callerEvent: TelephoneEvent | undefined, codecs: readonly MediaCodec[], callee: EndpointConfig): TelephoneEvent | undefined {
  if (!offersTelephoneEvent(callee)) return undefined;
  if (callerEvent !== undefined) return callerEvent;
  let pt = 101;
  while (codecs.some((c) => c.payloadType === pt) && pt < 127) pt++;
  return { payloadType: pt, clockRate: 8000, fmtp: "0-16" };
}
