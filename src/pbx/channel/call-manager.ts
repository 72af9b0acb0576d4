/**
 * The call manager: turns an authenticated INVITE into a channel, runs the dialplan on it, and
 * routes everything that belongs to a dialog (ACK, BYE, re-INVITE, UPDATE, INFO, OPTIONS, CANCEL,
 * stray 2xx) to the right leg. It owns the channel table the console shows.
 */
import { isIP } from "node:net";
import type { TimerHandle } from "../../core/clock.js";
import { SipResponseError } from "../../core/errors.js";
import { parseAudioSdp, negotiate, describeCodecs, type EndpointMediaPolicy } from "../../media/sdp/index.js";
import type { EndpointConfig } from "../../config/index.js";
import { parseCSeq, parseUri, unescapeUser } from "../../sip/parser/index.js";
import type { SipRequest, SipResponse } from "../../sip/message/message.js";
import { createResponse } from "../../sip/transaction/create-response.js";
import { InviteServerTransaction, type ServerTransaction } from "../../sip/transaction/server-transaction.js";
import { tagOfHeader } from "../../sip/dialog/dialog.js";
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
import { negotiateExtensions, parseSessionExpires } from "./session-extensions.js";

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

export class CallManager {
  readonly calls = new Set<InboundCall>();
  private readonly inboundByKey = new Map<string, InboundCall>();
  private readonly inboundByTx = new Map<InviteServerTransaction, InboundCall>();
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
            track: (leg, owner) => this.outboundByCallId.set(leg.callId, { leg, call: owner }),
            untrack: (leg) => {
              this.outboundByCallId.delete(leg.callId);
              // Per-leg SDP versions were never dropped: one map entry leaked per re-INVITEd leg.
              this.legSessionVersion.delete(leg.callId);
            },
            stunAddress: this.o.stunAddress,
          },
          c,
          targets,
          timeout,
          options,
        ),
      onEnd: (c) => this.onCallEnd(c),
    });
    this.calls.add(call);
    this.processed++;
    this.inboundByKey.set(`${callId}|${call.localTag}`, call);
    this.inboundByTx.set(rc.tx, call);
    rc.tx.delegate.onTerminated = () => this.inboundByTx.delete(rc.tx as InviteServerTransaction);
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
    // Keep the dialog entry briefly so late BYE/ACK retransmissions are answered, not 481'd.
    this.calls.delete(call);
    const key = `${call.callId}|${call.localTag}`;
    this.o.ctx.clock.setTimeout(() => {
      if (this.inboundByKey.get(key) === call) this.inboundByKey.delete(key);
    }, 32_000);
    call.log.info({ cause: call.hangupCause }, `${call.name}: hung up (cause ${call.hangupCause ?? CAUSE.NORMAL_CLEARING}) after ${call.duration()} s`);
  }

  /**
   * The 2xx ACK (no transaction matched it): stops our 200 retransmissions, and when it answers
   * the offer we put in a 2xx to an offerless re-INVITE, applies that answer (RFC 3264 §5).
   */
  onAck(req: SipRequest): void {
    const ackKey = this.reinviteKey(req);
    this.pending2xx.get(ackKey)?.cancel();
    this.pending2xx.delete(ackKey);
    const call = this.findInbound(req);
    call?.ackReceived();
    const outbound = call ? undefined : this.outboundByCallId.get(req.headers.get("Call-ID") ?? "");
    const dialog = call?.dialog ?? outbound?.leg.dialog;
    if (!dialog || !dialog.ackReceived(req) || req.body.length === 0) return;
    const ep = call?.endpoint ?? outbound?.leg.endpoint;
    const mediaLegId = call?.mediaLegId ?? outbound?.leg.mediaLegId;
    const parsed = parseAudioSdp(req.body.toString("utf8"));
    if (!ep || !mediaLegId || !parsed.ok) return;
    this.o.ctx.media.setRemote(mediaLegId, { address: parsed.audio.address, port: parsed.audio.port, ...(parsed.audio.rtcpPort ? { rtcpPort: parsed.audio.rtcpPort } : {}) });
    this.o.ctx.media.setOptions(mediaLegId, { onHold: parsed.audio.direction !== "sendrecv" });
  }

  /** 2xx responses to re-INVITEs still waiting for their ACK, by Call-ID, our tag and CSeq. */
  private readonly pending2xx = new Map<string, TimerHandle>();

  private reinviteKey(req: SipRequest): string {
    return `${req.headers.get("Call-ID") ?? ""}|${tagOfHeader(req.headers.get("To") ?? "") ?? ""}|${parseCSeq(req.headers.get("CSeq") ?? "")?.seq ?? ""}`;
  }

  /**
   * §13.3.1.4, for re-INVITEs as for the initial INVITE: the UAS core resends its 2xx at T1,
   * doubling up to T2, until the ACK arrives, and gives up after 64*T1 — "independent of the
   * transport protocol", so over TCP as well.
   */
  private retransmit2xx(req: SipRequest, tx: ServerTransaction, res: SipResponse): void {
    const key = this.reinviteKey(req);
    const { T1, T2 } = this.o.ctx.transactions.timers;
    const deadline = this.o.ctx.clock.now() + 64 * T1;
    const again = (interval: number) => {
      this.pending2xx.set(
        key,
        this.o.ctx.clock.setTimeout(() => {
          if (this.o.ctx.clock.now() >= deadline) {
            this.pending2xx.delete(key);
            return;
          }
          tx.respond(res);
          again(Math.min(2 * interval, T2));
        }, interval),
      );
    };
    again(T1);
  }

  /** A CANCEL matched an INVITE transaction; the dispatch stage already answered 200 and 487. */
  onCancelled(tx: InviteServerTransaction): string | undefined {
    const call = this.inboundByTx.get(tx);
    if (!call) return undefined;
    call.cancelled();
    return call.localTag;
  }

  /** A response that matched no transaction: a retransmitted 2xx to one of our INVITEs. */
  onStrayResponse(res: SipResponse): void {
    const entry = this.outboundByCallId.get(res.headers.get("Call-ID") ?? "");
    entry?.leg.onStray2xx(res);
  }

  private findInbound(req: SipRequest): InboundCall | undefined {
    const toTag = tagOfHeader(req.headers.get("To") ?? "");
    return this.inboundByKey.get(`${req.headers.get("Call-ID") ?? ""}|${toTag ?? ""}`);
  }

  /** Requests inside a dialog (To tag present), before identification/authentication. */
  onInDialogRequest(req: SipRequest, tx: ServerTransaction, respond: (res: SipResponse) => void): void {
    const inbound = this.findInbound(req);
    const outbound = inbound ? undefined : this.outboundByCallId.get(req.headers.get("Call-ID") ?? "");
    const dialog = inbound?.dialog ?? outbound?.leg.dialog;
    if (!dialog || (outbound && tagOfHeader(req.headers.get("To") ?? "") !== dialog.state.localTag)) {
      // §12.2.2: "If the UAS wishes to reject the request because it does not wish to recreate
      // the dialog, it MUST respond to the request with a 481".
      respond(createResponse(req, 481));
      return;
    }
    if (!dialog.acceptRemoteSeq(req)) {
      respond(createResponse(req, 500, "Server Internal Error"));
      return;
    }
    switch (req.method) {
      case "BYE": {
        respond(createResponse(req, 200));
        if (inbound) inbound.remoteBye();
        else outbound?.leg.remoteBye();
        return;
      }
      case "PRACK": {
        // RFC 3262 §3: 2xx for a PRACK that acknowledges one of our reliable 18x, 481 otherwise.
        // We never send reliable provisionals toward callees, so a PRACK there matches nothing.
        const status = inbound ? inbound.onPrack(req) : 481;
        respond(createResponse(req, status));
        return;
      }
      case "INVITE":
      case "UPDATE": {
        const tooSmall = inbound ? this.refreshTooSmall(req, inbound.endpoint) : undefined;
        if (tooSmall !== undefined) {
          // RFC 4028 §9 applies to refreshes as to the initial INVITE: 422 with our Min-SE.
          const res = createResponse(req, 422, "Session Interval Too Small");
          res.headers.append("Min-SE", String(tooSmall));
          respond(res);
          return;
        }
        const conflict = dialog.reinviteConflict(req);
        if (conflict === 491) {
          this.o.ctx.log.info({ callId: dialog.state.callId }, `${inbound?.name ?? outbound?.leg.name}: ${req.method} answered 491 Request Pending (an offer/answer exchange on this dialog is unfinished)`);
          respond(createResponse(req, 491));
          return;
        }
        if (conflict === 500) {
          const res = createResponse(req, 500, "Server Internal Error");
          // §14.2: "... and MUST include a Retry-After header field with a randomly chosen value
          // of between 0 and 10 seconds."
          res.headers.append("Retry-After", String(Math.floor(Math.random() * 11)));
          respond(res);
          return;
        }
        dialog.reinviteStarted(req);
        this.onReinvite(req, (res) => {
          if (inbound && res.status >= 200 && res.status < 300) inbound.sessionRefreshed(req, res);
          if (res.status >= 200) {
            const offered = res.status < 300 && req.body.length === 0 && res.body.length > 0;
            dialog.reinviteAnswered(req, offered);
            const seq = parseCSeq(req.headers.get("CSeq") ?? "")?.seq;
            if (offered && seq !== undefined) this.o.ctx.clock.setTimeout(() => dialog.forgetOffer(seq), 64 * this.o.ctx.transactions.timers.T1);
          }
          respond(res);
          if (req.method === "INVITE" && res.status >= 200 && res.status < 300) this.retransmit2xx(req, tx, res);
        }, inbound, outbound?.leg, outbound?.call);
        return;
      }
      case "INFO":
      case "OPTIONS":
      case "NOTIFY":
      case "MESSAGE":
        respond(createResponse(req, 200));
        return;
      default:
        respond(createResponse(req, 405));
    }
    void tx;
  }

  /** The endpoint's timers_min_se when a refresh asks for a shorter session interval. */
  private refreshTooSmall(req: SipRequest, ep: EndpointConfig): number | undefined {
    if (ep.timers === "no") return undefined;
    const se = parseSessionExpires(req.headers.get("Session-Expires"));
    const supports = [...req.headers.getAll("Supported"), ...req.headers.getAll("Require")].some((t) => t.trim().toLowerCase() === "timer");
    return se && supports && se.interval < ep.timersMinSe ? ep.timersMinSe : undefined;
  }

  /**
   * A re-INVITE/UPDATE (hold, unhold, address change) is answered here: we mirror the direction
   * (RFC 3264 §6.1), point the relay at the new address and keep the other leg as it is — the
   * relay simply carries what arrives (nothing while on hold).
   */
  private onReinvite(req: SipRequest, respond: (res: SipResponse) => void, inbound: InboundCall | undefined, leg: OutboundLeg | undefined, owner: InboundCall | undefined): void {
    const ep = inbound?.endpoint ?? leg?.endpoint;
    const mediaLegId = inbound?.mediaLegId ?? leg?.mediaLegId;
    const call = inbound ?? owner;
    if (!ep || !mediaLegId || !call) {
      respond(createResponse(req, 481));
      return;
    }
    const dialog = inbound?.dialog ?? leg?.dialog;
    if (req.body.length === 0) {
      const res = createResponse(req, 200);
      if (dialog) res.headers.append("Contact", dialog.contactHeader());
      // RFC 3261 §14.2: an offerless re-INVITE gets our offer in the 2xx (the answer comes in the
      // ACK, see onAck) — on either leg; the outbound leg used to get an empty 200.
      if (req.method === "INVITE") {
        res.headers.append("Content-Type", "application/sdp");
        res.body = Buffer.from(inbound ? inbound.nextSdp("sendrecv") : this.legSdp(leg, "sendrecv"));
      }
      respond(res);
      return;
    }
    const parsed = parseAudioSdp(req.body.toString("utf8"));
    if (!parsed.ok) {
      respond(createResponse(req, 488));
      return;
    }
    const result = negotiate(parsed.audio, mediaPolicyOf(ep));
    if (!result.ok) {
      this.o.ctx.log.notice({ endpoint: ep.id }, result.notice);
      respond(createResponse(req, 488));
      return;
    }
    this.o.ctx.media.setRemote(mediaLegId, { address: parsed.audio.address, port: parsed.audio.port, ...(parsed.audio.rtcpPort ? { rtcpPort: parsed.audio.rtcpPort } : {}) });
    const hold = result.direction !== "sendrecv";
    this.o.ctx.media.setOptions(mediaLegId, { onHold: hold });
    dialog?.refreshTarget(req);
    const res = createResponse(req, 200);
    if (dialog) res.headers.append("Contact", dialog.contactHeader());
    res.headers.append("Content-Type", "application/sdp");
    const sdp = inbound ? inbound.nextSdp(result.direction) : this.legSdp(leg, result.direction);
    res.body = Buffer.from(sdp);
    respond(res);
    this.o.ctx.log.info({}, `${inbound?.name ?? leg?.name}: ${hold ? "put on hold" : "taken off hold"} (${result.direction})`);
  }

  private legSessionVersion = new Map<string, number>();
  private legSdp(leg: OutboundLeg | undefined, direction: "sendrecv" | "sendonly" | "recvonly" | "inactive"): string {
    if (!leg) return "";
    const v = (this.legSessionVersion.get(leg.callId) ?? 1) + 1;
    this.legSessionVersion.set(leg.callId, v);
    return leg.sdpFor(direction, v);
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
    for (const t of this.pending2xx.values()) t.cancel();
    this.pending2xx.clear();
    await this.hangupByName("all");
    this.doctor.close();
  }
}

/** RFC 3261 §20.43: `warn-code SP warn-agent SP warn-text`, the text quoted. */
function warningHeader(code: number, text: string): string {
  return `${code} switchboard "${text.replace(/["\\]/g, "'")}"`;
}

