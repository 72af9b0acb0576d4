/**
 * The outgoing leg of a bridged call toward one contact of the dialled endpoint. The SIP side
 * (INVITE, PRACK, ACK for 2xx, CANCEL, BYE, forking, session refreshes) is a UAC session of the
 * session layer (sip/session/client-invite-session.ts); the channel (state, caller ID, events) is
 * its `Channel` (channel.ts) and its SDP its `MediaSession` (pbx/media-session). This class keeps
 * the leg's own progress and reports ringing/progress/answer/failure to Dial (dial-attempt.ts).
 */
import type { EndpointConfig } from "../../config/index.js";
import type { Dialog } from "../../sip/dialog/dialog.js";
import type { ClientInviteSession } from "../../sip/session/index.js";
import { advertisedAddress, advertisedPort } from "../../sip/transport/transport-set.js";
import { formatHostPort, type Flow } from "../../sip/transport/types.js";
import { capabilitiesFor } from "../endpoint/endpoint-capabilities.js";
import { challengeResponder } from "../outbound/outbound-credentials.js";
import { outboundIdentity } from "./outbound-identity.js";
import type { ChannelView } from "../events.js";
import type { MediaSession } from "../media-session/media-session.js";
import type { CallContext } from "./call-context.js";
import { Channel, type CallerId, type ChannelState } from "./channel.js";
import { CAUSE, causeForResponse } from "./hangup-cause.js";
import { SipLeg } from "./sip-leg.js";
import { timerPolicyFor } from "./session-extensions.js";

export type OutboundState = "Down" | "Dialing" | "Ringing" | "Up" | "Hungup";

export interface OutboundLegEvents {
  [k: string]: unknown[];
  ringing: [];
  /** 183 (or 180) with SDP: early media. */
  progress: [sdp: string];
  answered: [sdp: string | undefined];
  failed: [status: number, reason: string];
  /** The far end ended the answered call (BYE, 481/408 to a refresh, or its session expired). */
  remoteHangup: [];
  /** A redirect took the answered leg into the dialplan: its Dial lets it go without hanging it up. */
  redirected: [];
}

export interface OutboundLegOptions {
  ctx: CallContext;
  name: string;
  /** This channel's Uniqueid, and the calling channel's (Linkedid: the oldest of the call). */
  uniqueId: string;
  linkedId: string;
  endpoint: EndpointConfig;
  /** The contact URI (Request-URI of the INVITE). */
  target: string;
  flow: Flow;
  /** The caller's caller ID: this channel's connected line and the From of our INVITE. */
  callerId: CallerId;
  /** This leg's SDP, its offer already made (MediaSession.offer()). */
  media: MediaSession;
  /** The endpoint's outbound_proxy as a Route value. */
  route?: string | undefined;
  /** The channel's account code (originated calls). */
  accountCode?: string | undefined;
}

export class OutboundLeg extends SipLeg<OutboundLegEvents> {
  state: OutboundState = "Down";
  readonly endpoint: EndpointConfig;
  /** State, caller ID, connected line and the channel events. */
  readonly channel: Channel;
  readonly media: MediaSession;
  answeredAt: number | undefined;
  /** The SIP side of this leg. */
  readonly session: ClientInviteSession;

  constructor(private readonly o: OutboundLegOptions) {
    super();
    this.endpoint = o.endpoint;
    this.media = o.media;
    const ep = o.endpoint;
    const caps = capabilitiesFor(o.ctx.capabilities, ep);
    const id = outboundIdentity(ep, o.callerId, formatHostPort(advertisedAddress(o.flow.transport, o.flow.remoteAddress), advertisedPort(o.flow.transport, o.flow.remoteAddress)));
    this.session = o.ctx.sessions.createClient({
      flow: o.flow,
      requestUri: o.target,
      from: id.from,
      contactUser: id.contactUser,
      route: o.route !== undefined ? [o.route] : undefined,
      headers: id.headers,
      challenge: ep.outboundAuth.length > 0 ? this.challengeResponder(o) : undefined,
      allow: caps.allow(),
      // RFC 4028 §7.1: a UAC that supports timers lists `timer` and MAY leave Session-Expires
      // out; the callee then picks the interval and the refresher. RFC 3262 §4: 100rel in
      // Supported, in Require when the endpoint insists (100rel=required).
      supported: caps.supported(),
      require: ep.rel100 === "required" ? "100rel" : undefined,
      body: { body: o.media.description(), contentType: "application/sdp" },
      sessionTimers: timerPolicyFor(ep),
    });
    this.watchSession();
    // Like Asterisk's outgoing channel, it is named after the dialled endpoint, its caller ID is
    // the callee and its connected line the caller; it is Down until the callee rings.
    this.channel = new Channel({
      events: o.ctx.events,
      devices: o.ctx.devices,
      name: o.name,
      endpointId: ep.id,
      uniqueId: o.uniqueId,
      linkedId: o.linkedId,
      state: "Down",
      callerId: { num: ep.id, name: "" },
      connectedLine: { num: o.callerId.num, name: o.callerId.name },
      accountCode: o.accountCode,
      context: ep.context,
      exten: "s",
      now: o.ctx.clock.now(),
    });
  }






  /** outbound_auth answers the endpoint's 401/407 (INVITE, re-INVITE, UPDATE, BYE); a refusal is one NOTICE. */
  private challengeResponder(o: OutboundLegOptions) {
    const ep = o.endpoint;
    return challengeResponder({
      authIds: ep.outboundAuth,
      auth: (id) => o.ctx.config().pjsip.auths.get(id),
      owner: `endpoint '${ep.id}'`,
      peer: `endpoint '${ep.id}'`,
      refused: (why, req) => o.ctx.log.notice({ endpoint: ep.id }, `${o.name}: ${req.method} to ${req.uri} not authenticated: ${why}`),
    });
  }

  /** The snapshot channel events carry. */
  view(): ChannelView {
    return this.channel.view();
  }

  /** The leg moves on; the channel reports it in Asterisk's words (Dialing is still Down). */
  private setState(state: OutboundState): void {
    if (this.state === state) return;
    this.state = state;
    if (state !== "Hungup") this.channel.setState(channelStateOf(state));
  }

  /** The channel ended with a Q.850 cause: Hangup once, and the device no longer counts it. */
  private ended(cause: number): void {
    this.state = "Hungup";
    this.channel.hangup(cause);
  }

  private watchSession(): void {
    const s = this.session;
    s.on("provisional", (res, body) => {
      if (this.state === "Hungup") return;
      if (this.state === "Dialing") this.setState("Ringing");
      if (body) this.emit("progress", body.body);
      else if (res.status === 180 || res.status === 182) this.emit("ringing");
    });
    s.on("accepted", (_res, body) => {
      if (this.state === "Hungup") return;
      this.answeredAt = this.o.ctx.clock.now();
      this.setState("Up");
      this.emit("answered", body?.body);
    });
    s.on("failed", (status, reason) => {
      if (this.state === "Hungup" || this.state === "Up") return;
      this.ended(causeForResponse(status));
      this.emit("failed", status, reason);
    });
    s.on("refreshFailed", (why) =>
      this.o.ctx.log.notice({ endpoint: this.endpoint.id }, `${this.name}: the callee made us the session timer refresher but we cannot refresh (${why}); set timers=no on endpoint ${this.endpoint.id}`),
    );
    s.on("terminated", (reason) => {
      if (this.state !== "Up") return;
      if (reason !== "bye-received" && reason !== "dialog-gone" && reason !== "session-expired") return;
      if (reason === "bye-received") this.channel.requestHangup("remote", CAUSE.NORMAL_CLEARING);
      this.state = "Hungup";
      // Dial closes the bridge on this, so BridgeLeave comes before the Hangup.
      this.emit("remoteHangup");
      this.ended(CAUSE.NORMAL_CLEARING);
    });
  }


  get flow(): Flow {
    return this.o.flow;
  }

  get dialog(): Dialog | undefined {
    return this.session.dialog;
  }

  start(): void {
    this.setState("Dialing");
    this.session.start();
  }

  /**
   * Stops ringing this contact (the caller went away, another fork answered, Dial timed out);
   * `cause` is the Hangup cause this channel reports.
   */
  cancel(cause: number = CAUSE.NORMAL_CLEARING): void {
    if (this.state === "Up") {
      this.hangup();
      return;
    }
    if (this.state === "Hungup") return;
    this.ended(cause);
    this.session.cancel();
  }

  /** Ends an answered call from our side (BYE), or cancels an unanswered one. */
  hangup(): void {
    if (this.state === "Up") {
      this.ended(CAUSE.NORMAL_CLEARING);
      this.session.bye();
      return;
    }
    this.cancel();
  }

  close(): void {
    this.removeAll();
  }
}

/** Our leg states in Asterisk's words: a leg whose INVITE is out but unanswered is still Down. */
function channelStateOf(s: OutboundState): ChannelState {
  return s === "Ringing" ? "Ringing" : s === "Up" ? "Up" : "Down";
}
