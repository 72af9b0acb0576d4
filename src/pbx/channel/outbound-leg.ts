/**
 * The outgoing leg of a bridged call toward one contact of the dialled endpoint. The SIP side
 * (INVITE, PRACK, ACK for 2xx, CANCEL, BYE, forking, session refreshes) is a UAC session of the
 * session layer (sip/session/client-invite-session.ts); this class keeps the channel state the
 * console shows, its SDP versions, and reports ringing/progress/answer/failure to Dial().
 */
import { TypedEmitter } from "../../core/emitter.js";
import type { EndpointConfig } from "../../config/index.js";
import type { Dialog } from "../../sip/dialog/dialog.js";
import type { ClientInviteSession } from "../../sip/session/index.js";
import type { Flow } from "../../sip/transport/types.js";
import { capabilitiesFor } from "../endpoint/endpoint-capabilities.js";
import { channelFields, hangupFields, type ChannelStateDesc, type ChannelView } from "../events.js";
import type { CallContext } from "./call-context.js";
import { CAUSE, causeForResponse } from "./hangup-cause.js";
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
  callerId: { num: string; name: string };
  offerSdp: string;
  mediaLegId: string;
  /** Our SDP for this leg with another direction and session version (re-INVITE answers). */
  sdpFor: (direction: "sendrecv" | "sendonly" | "recvonly" | "inactive", version: number) => string;
}

export class OutboundLeg extends TypedEmitter<OutboundLegEvents> {
  state: OutboundState = "Down";
  readonly name: string;
  readonly endpoint: EndpointConfig;
  readonly mediaLegId: string;
  readonly createdAt: number;
  answeredAt: number | undefined;
  hangupCause: number | undefined;
  /** The SIP side of this leg. */
  readonly session: ClientInviteSession;
  private sessionVersion = 1;
  private hangupReported = false;

  constructor(private readonly o: OutboundLegOptions) {
    super();
    this.name = o.name;
    this.endpoint = o.endpoint;
    this.mediaLegId = o.mediaLegId;
    this.createdAt = o.ctx.clock.now();
    const ep = o.endpoint;
    const caps = capabilitiesFor(o.ctx.capabilities, ep);
    this.session = o.ctx.sessions.createClient({
      flow: o.flow,
      requestUri: o.target,
      from: { user: o.callerId.num || "anonymous", display: o.callerId.name },
      contactUser: o.callerId.num || "switchboard",
      allow: caps.allow(),
      // RFC 4028 §7.1: a UAC that supports timers lists `timer` and MAY leave Session-Expires
      // out; the callee then picks the interval and the refresher. RFC 3262 §4: 100rel in
      // Supported, in Require when the endpoint insists (100rel=required).
      supported: caps.supported(),
      require: ep.rel100 === "required" ? "100rel" : undefined,
      body: { body: o.offerSdp, contentType: "application/sdp" },
      sessionTimers: timerPolicyFor(ep),
    });
    this.watchSession();
    if (o.ctx.events.wants("Newchannel")) o.ctx.events.emit("Newchannel", channelFields(this.view()));
  }

  get uniqueId(): string {
    return this.o.uniqueId;
  }

  /**
   * The snapshot channel events carry. Like Asterisk's outgoing channel, it is named after the
   * dialled endpoint, its caller ID is the callee and its connected line the caller.
   */
  view(): ChannelView {
    return {
      name: this.name,
      state: stateDesc(this.state),
      callerIdNum: this.endpoint.id,
      callerIdName: "",
      connectedLineNum: this.o.callerId.num,
      connectedLineName: this.o.callerId.name,
      context: this.endpoint.context,
      exten: "s",
      priority: 1,
      uniqueid: this.o.uniqueId,
      linkedid: this.o.linkedId,
    };
  }

  /** A state change, reported as Newstate and to the device states; Hungup is reported by ended(). */
  private setState(state: OutboundState): void {
    if (this.state === state) return;
    this.state = state;
    if (state === "Hungup") return;
    if (state !== "Dialing" && this.o.ctx.events.wants("Newstate")) this.o.ctx.events.emit("Newstate", channelFields(this.view()));
    this.o.ctx.devices.set(this.name, this.endpoint.id, stateDesc(state));
  }

  /** The channel ended with a Q.850 cause: Hangup once, and the device no longer counts it. */
  private ended(cause: number): void {
    const before = this.state;
    this.state = "Hungup";
    this.hangupCause ??= cause;
    if (this.hangupReported) return;
    this.hangupReported = true;
    if (this.o.ctx.events.wants("Hangup")) this.o.ctx.events.emit("Hangup", hangupFields({ ...this.view(), state: stateDesc(before) }, this.hangupCause));
    this.o.ctx.devices.remove(this.name);
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
      this.state = "Hungup";
      // Dial closes the bridge on this, so BridgeLeave comes before the Hangup.
      this.emit("remoteHangup");
      this.ended(CAUSE.NORMAL_CLEARING);
    });
  }

  get callId(): string {
    return this.session.callId;
  }

  get flow(): Flow {
    return this.o.flow;
  }

  get dialog(): Dialog | undefined {
    return this.session.dialog;
  }

  sdpFor(direction: "sendrecv" | "sendonly" | "recvonly" | "inactive", version: number): string {
    return this.o.sdpFor(direction, version);
  }

  /** Our SDP for an answer or offer in a re-INVITE/UPDATE: a new session version (RFC 3264 §8). */
  nextSdp(direction: "sendrecv" | "sendonly" | "recvonly" | "inactive"): string {
    return this.o.sdpFor(direction, ++this.sessionVersion);
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
function stateDesc(s: OutboundState): ChannelStateDesc {
  return s === "Ringing" ? "Ringing" : s === "Up" ? "Up" : "Down";
}
