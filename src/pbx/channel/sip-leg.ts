/**
 * What the two legs of a call (InboundCall: the caller's, OutboundLeg: each Dial() target's)
 * have in common: a Channel (name, ids, state, cause), a MediaSession (its SDP and relay leg) and
 * an INVITE session. The identity getters live here once.
 */
import { TypedEmitter, type EventMap } from "../../core/emitter.js";
import type { InviteSession } from "../../sip/session/index.js";
import type { MediaSession } from "../media-session/media-session.js";
import type { Channel } from "./channel.js";

export abstract class SipLeg<E extends EventMap = Record<never, never>> extends TypedEmitter<E> {
  /** State, caller ID, variables and the channel events. */
  abstract readonly channel: Channel;
  abstract readonly media: MediaSession;
  /** The SIP side of this leg. */
  abstract readonly session: InviteSession;

  get name(): string {
    return this.channel.name;
  }

  get uniqueId(): string {
    return this.channel.uniqueId;
  }

  get createdAt(): number {
    return this.channel.createdAt;
  }

  get hangupCause(): number | undefined {
    return this.channel.hangupCause;
  }

  get mediaLegId(): string {
    return this.media.legId;
  }

  get callId(): string {
    return this.session.callId;
  }
}
