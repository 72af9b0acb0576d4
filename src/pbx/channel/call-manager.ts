/**
 * The call manager: turns an authenticated INVITE into a channel, runs the dialplan on it, and
 * answers the media side of what the sessions bring (re-INVITE and UPDATE offers, answers in
 * ACKs). Routing inside dialogs (ACK, BYE, re-INVITE, UPDATE, PRACK, CANCEL, stray 2xx) is the
 * session layer's (sip/session/session-layer.ts). It owns the channel table the console shows.
 */
import { isIP } from "node:net";
import { SipResponseError } from "../../core/errors.js";
import { parseAudioSdp, negotiate, describeCodecs, type EndpointMediaPolicy } from "../../media/sdp/index.js";
import type { EndpointConfig } from "../../config/index.js";
import { parseUri, unescapeUser } from "../../sip/parser/index.js";
import type { SipRequest, SipResponse } from "../../sip/message/message.js";
import type { InviteSession, ModifyOutcome, ModifyRequest, SessionBody } from "../../sip/session/index.js";
import { InviteServerTransaction, type ServerTransaction } from "../../sip/transaction/server-transaction.js";
import { formatHostPort, type Flow } from "../../sip/transport/types.js";
import type { DialplanExecutor } from "../dialplan/executor.js";
import type { RequestContext } from "../pipeline/request-context.js";
import type { CallContext } from "./call-context.js";
import { nextChannelName, nextUniqueId } from "./channel-name.js";
import { dial } from "./dial.js";
import { CAUSE } from "./hangup-cause.js";
import { InboundCall } from "./inbound-call.js";
import { mediaAddressFor } from "./media-address.js";
import type { OutboundLeg } from "./outbound-leg.js";
import { MediaDoctor } from "./media-doctor.js";
import { negotiateExtensions } from "./session-extensions.js";

export interface CallManagerOptions {
  ctx: CallContext;
  executor: DialplanExecutor;
  respond: (ctx: RequestContext, res: SipResponse) => void;
  soundsDirs: () => string[];
  stunAddress: () => string | undefined;
}

export function mediaPolicyOf(ep: EndpointConfig): EndpointMediaPolicy {
  return {
    codecs: ep.allow,
    mediaEncryption: ep.mediaEncryption,
    useAvpf: ep.useAvpf,
    forceAvp: ep.forceAvp,
    mediaEncryptionOptimistic: ep.mediaEncryptionOptimistic,
    endpointId: ep.id,
  };
}

/** What answering an offer on one leg needs: its endpoint, media leg and next SDP. */
interface MediaLeg {
  name: string;
  endpoint: EndpointConfig;
  mediaLegId: string;
  nextSdp(direction: "sendrecv" | "sendonly" | "recvonly" | "inactive"): string;
}

export class CallManager {
  readonly calls = new Set<InboundCall>();
  private readonly outboundByCallId = new Map<string, { leg: OutboundLeg; call: InboundCall }>();
  readonly doctor: MediaDoctor;
  processed = 0;

  constructor(private readonly o: CallManagerOptions) {
    this.doctor = new MediaDoctor(o.ctx);
  }

  get ctx(): CallContext {
    return this.o.ctx;
  }

  outboundLegs(): Array<{ leg: OutboundLeg; call: InboundCall }> {
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
    const ctype = (req.headers.get("Content-Type") ?? "").toLowerCase();
    if (req.body.length === 0 || !ctype.startsWith("application/sdp")) {
      throw new SipResponseError(488, "Not Acceptable Here", [["Warning", '399 switchboard "INVITE without SDP offer is not supported"']], `INVITE from endpoint '${ep.id}' carries no SDP offer (late offer is not supported yet)`);
    }
    const parsed = parseAudioSdp(req.body.toString("utf8"));
    if (!parsed.ok) {
      throw new SipResponseError(488, "Not Acceptable Here", [["Warning", `399 switchboard "${parsed.reason.replace(/"/g, "'").slice(0, 100)}"`]], `SDP offer from endpoint '${ep.id}' is unusable: ${parsed.reason}`);
    }
    const result = negotiate(parsed.audio, mediaPolicyOf(ep));
    if (!result.ok) {
      // RFC 3261 §20.43: Warning = warn-code SP warn-agent SP quoted warn-text; the bare text used
      // to go out alone, which peers cannot parse.
      throw new SipResponseError(488, "Not Acceptable Here", [["Warning", warningHeader(result.warnCode, result.warning)]], result.notice);
    }
    const transportCfg = this.o.ctx.config().pjsip.transports.find((t) => t.id === flow.transport.id);
    const mediaAddress = mediaAddressFor(ep, flow, transportCfg, this.o.stunAddress());
    const callId = req.headers.get("Call-ID") ?? "";
    let alloc: Awaited<ReturnType<typeof this.o.ctx.media.allocate>>;
    try {
      // The relay socket must be of the phone's family: an IPv6 phone sends to an IPv6 port.
      alloc = await this.o.ctx.media.allocate({ group: callId, ...(isIP(parsed.audio.address) === 6 || flow.transport.family === 6 ? { bindAddress: "::" } : {}) });
    } catch (err) {
      const rtp = this.o.ctx.config().rtp;
      throw new SipResponseError(503, "Service Unavailable", [["Retry-After", "5"]], `no RTP port free for a new call (${err instanceof Error ? err.message : String(err)}); widen rtp.conf rtpstart=${rtp.rtpstart}/rtpend=${rtp.rtpend}`);
    }
    // A CANCEL that arrived while the allocation was pending found no session yet: the dispatch
    // stage answered 200 and 487, so the transaction has left Proceeding. Going on would build a
    // ghost call whose Dial rings the callee for a caller who has gone.
    if (rc.tx.state !== "Proceeding") {
      this.o.ctx.media.release(alloc.id);
      this.o.ctx.log.info({ callId }, `INVITE ${callId} from endpoint '${ep.id}' was cancelled (transaction ${rc.tx.state}) before its call was set up`);
      return;
    }
    this.o.ctx.media.setRemote(alloc.id, { address: parsed.audio.address, port: parsed.audio.port, ...(parsed.audio.rtcpPort ? { rtcpPort: parsed.audio.rtcpPort } : {}) });
    this.o.ctx.media.setOptions(alloc.id, {
      symmetric: ep.rtpSymmetric,
      timeoutSec: ep.rtpTimeout,
      timeoutHoldSec: ep.rtpTimeoutHold,
      keepaliveSec: ep.rtpKeepalive,
    });
    const uri = parseUri(req.uri);
    const exten = uri?.user ? unescapeUser(uri.user) : "s";
    const call = new InboundCall({
      ctx: this.o.ctx,
      name: nextChannelName(ep.id),
      uniqueId: nextUniqueId(this.o.ctx.clock.now()),
      req,
      tx: rc.tx,
      flow,
      endpoint: ep,
      offer: parsed.audio,
      codecs: result.codecs,
      telephoneEvent: result.telephoneEvent,
      ptime: result.ptime,
      profile: result.profile,
      mediaLegId: alloc.id,
      localPort: alloc.localPort,
      mediaAddress,
      exten,
      terms: ext.terms,
      soundsDirs: this.o.soundsDirs(),
      dial: (c, targets, timeout, options) =>
        dial(
          this.o.ctx,
          {
            track: (leg, owner) => {
              this.outboundByCallId.set(leg.callId, { leg, call: owner });
              this.answerMediaOf(leg.session, leg);
            },
            untrack: (leg) => this.outboundByCallId.delete(leg.callId),
            stunAddress: this.o.stunAddress,
          },
          c,
          targets,
          timeout,
          options,
        ),
      onEnd: (c) => this.onCallEnd(c),
    });
    this.answerMediaOf(call.session, call);
    this.calls.add(call);
    this.processed++;
    call.log.info({ codec: describeCodecs(result.codecs) }, `${call.name}: call from ${formatHostPort(flow.remoteAddress, flow.remotePort)} to '${exten}' in context '${ep.context}' (codecs ${describeCodecs(result.codecs)})`);
    this.doctor.watch(call);
    void this.runDialplan(call, ep, flow);
  }

  private async runDialplan(call: InboundCall, ep: EndpointConfig, flow: Flow): Promise<void> {
    try {
      const outcome = await this.o.executor.run(call, ep.context, call.exten);
      if (outcome.kind === "no-extension") {
        this.o.ctx.log.notice(
          { endpoint: ep.id },
          `${ep.id}: Call (${flow.transport.protocol.toUpperCase()}:${formatHostPort(flow.remoteAddress, flow.remotePort)}) to extension '${call.exten}' rejected because extension not found in context '${ep.context}'.`,
        );
        await call.hangup(CAUSE.UNALLOCATED);
        return;
      }
    } catch (err) {
      call.log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, `${call.name}: dialplan failed`);
    }
    if (!call.hungUp()) await call.hangup(CAUSE.NORMAL_CLEARING);
  }

  private onCallEnd(call: InboundCall): void {
    this.o.ctx.media.release(call.mediaLegId);
    this.doctor.forget(call);
    // The session stays in the session layer's table a while, so late BYE/ACK retransmissions
    // are answered, not 481'd.
    this.calls.delete(call);
    call.log.info({ cause: call.hangupCause }, `${call.name}: hung up (cause ${call.hangupCause ?? CAUSE.NORMAL_CLEARING}) after ${call.duration()} s`);
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
    session.delegate = { onModify: (m) => this.onModify(m, leg) };
    session.on("answer", (body) => this.applyAnswer(body, leg));
    session.on("glare", (method, status) => {
      if (status === 491) this.o.ctx.log.info({ callId: session.callId }, `${leg.name}: ${method} answered 491 Request Pending (an offer/answer exchange on this dialog is unfinished)`);
    });
  }

  /**
   * An answer that came after our offer (in the ACK for a 2xx that offered, RFC 3264 §5, or in the
   * 2xx to our refresh re-INVITE): point the relay at it.
   */
  private applyAnswer(body: SessionBody, leg: MediaLeg): void {
    const parsed = parseAudioSdp(body.body);
    if (!parsed.ok) return;
    this.o.ctx.media.setRemote(leg.mediaLegId, { address: parsed.audio.address, port: parsed.audio.port, ...(parsed.audio.rtcpPort ? { rtcpPort: parsed.audio.rtcpPort } : {}) });
    this.o.ctx.media.setOptions(leg.mediaLegId, { onHold: parsed.audio.direction !== "sendrecv", remoteReceives: receives(parsed.audio.direction) });
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
      // ACK, see applyAnswer) — on either leg. An UPDATE without a body is a refresh.
      return m.method === "INVITE" ? { status: 200, body: sdp(leg.nextSdp("sendrecv")) } : { status: 200 };
    }
    const parsed = parseAudioSdp(m.offer.body);
    if (!parsed.ok) return { status: 488 };
    const result = negotiate(parsed.audio, mediaPolicyOf(leg.endpoint));
    if (!result.ok) {
      this.o.ctx.log.notice({ endpoint: leg.endpoint.id }, result.notice);
      return { status: 488 };
    }
    this.o.ctx.media.setRemote(leg.mediaLegId, { address: parsed.audio.address, port: parsed.audio.port, ...(parsed.audio.rtcpPort ? { rtcpPort: parsed.audio.rtcpPort } : {}) });
    const hold = result.direction !== "sendrecv";
    this.o.ctx.media.setOptions(leg.mediaLegId, { onHold: hold, remoteReceives: receives(parsed.audio.direction) });
    const answer = leg.nextSdp(result.direction);
    this.o.ctx.log.info({}, `${leg.name}: ${hold ? "put on hold" : "taken off hold"} (${result.direction})`);
    return { status: 200, body: sdp(answer) };
  }

  /** `channel request hangup`: ends one call (by any of its channel names) or all. */
  async hangupByName(name: string): Promise<number> {
    let n = 0;
    for (const call of [...this.calls]) {
      if (name === "all" || call.name === name || call.peer?.name === name || [...call.ringing_].some((l) => l.name === name)) {
        await call.hangup(CAUSE.NORMAL_CLEARING);
        n++;
      }
    }
    return n;
  }

  async closeAll(): Promise<void> {
    await this.hangupByName("all");
    this.doctor.close();
  }
}

/** The phone's own direction lets it receive (sendrecv, recvonly): not on hold from its side. */
function receives(direction: "sendrecv" | "sendonly" | "recvonly" | "inactive"): boolean {
  return direction === "sendrecv" || direction === "recvonly";
}

/** RFC 3261 §20.43: `warn-code SP warn-agent SP warn-text`, the text quoted. */
function warningHeader(code: number, text: string): string {
  return `${code} switchboard "${text.replace(/["\\]/g, "'")}"`;
}

