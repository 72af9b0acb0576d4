/**
 * What Dial() needs of the channel that dials: the incoming leg of a call (InboundCall) or a
 * channel the PBX originated (OriginatedCall). It names the caller (for the callee's From and
 * the toll-fraud gate), says what the callee may be offered (its codecs and telephone-event),
 * takes the answer's narrowing of its codecs, and is told when a callee rings, sends early media
 * and answers; it is one side of the bridge and of DTMF between the two.
 */
import type { Logger } from "../../core/logger.js";
import type { EndpointConfig } from "../../config/index.js";
import type { MediaCodec, TelephoneEvent } from "../../media/sdp/index.js";
import type { Flow } from "../../sip/transport/types.js";
import type { Bridge, BridgeMember } from "../bridge/bridge.js";
import type { Admission } from "../toll-fraud/toll-fraud-gate.js";
import type { CallerId } from "./channel.js";
import type { DtmfLeg } from "./dtmf.js";
import type { OutboundLeg } from "./outbound-leg.js";

export interface DialCaller extends BridgeMember, DtmfLeg {
  readonly log: Logger;
  readonly uniqueId: string;
  /** The SIP Call-ID of its session: the media of the call's legs is grouped by it. */
  readonly callId: string;
  readonly endpoint: EndpointConfig;
  /** Where its signalling comes from (the toll-fraud gate's "peer"). */
  readonly flow: Flow;
  readonly callerId: CallerId;
  /** How it was let in: digest, identify, neither — or by the PBX itself (originate). */
  readonly admission: Admission;
  readonly codecs: MediaCodec[];
  readonly telephoneEvent: TelephoneEvent | undefined;
  readonly media: DtmfLeg["media"] & { restrictCodecs(payloadTypes: number[]): void };
  readonly vars: Map<string, string>;
  /** Legs ringing for it now. */
  readonly ringing_: Set<OutboundLeg>;
  /** The leg it is bridged to, once one answered. */
  readonly peer: OutboundLeg | undefined;
  /** The cause an unsuccessful Dial leaves (busy, no answer …) for its own hangup. */
  dialCause: number | undefined;
  hungUp(): boolean;
  ringing(): Promise<void>;
  progress(): Promise<void>;
  answer(): Promise<void>;
  hangup(cause?: number): Promise<void>;
  whenEnded(): Promise<void>;
  /** Runs `fn` as the channel starts ending, before its Hangup. */
  onEnding(fn: () => void): void;
  /** The answered leg and the bridge joining them. */
  connect(leg: OutboundLeg, bridge: Bridge): void;
  /** A redirect took it out of the bridge with `leg`: it has no peer any more. */
  disconnect(leg: OutboundLeg): void;
  /** True while a redirect waits for the dialplan: a Dial neither starts nor goes on. */
  redirectPending(): boolean;
  /** Resolves when the channel ends or is redirected. */
  whenStopped(): Promise<void>;
}
