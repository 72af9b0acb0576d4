/**
 * Security events: a typed internal stream that detectors, the security log (Asterisk's
 * SecurityEvent format), and later AMI/ARI subscribe to. Names follow Asterisk's event types
 * (see shared/reference/asterisk.md §3.1) so external tooling recognises them.
 */
import { TypedEmitter } from "../core/emitter.js";

export type SecurityEventType =
  | "ChallengeSent"
  | "SuccessfulAuth"
  | "ChallengeResponseFailed"
  | "InvalidAccountID"
  | "RequestBadFormat"
  | "RequestNotAllowed"
  | "FailedACL"
  /** A wrong password outside SIP digest: a VoiceMailMain login (Service "VoiceMail"). */
  | "InvalidPassword";

export interface SecurityAddress {
  /** UDP, TCP, TLS, WS, WSS */
  transport: string;
  address: string;
  port: number;
}

export interface SecurityEvent {
  type: SecurityEventType;
  /** ms since the epoch */
  time: number;
  service: "PJSIP" | "VoiceMail" | "AMI" | "ARI";
  /** The account (endpoint or digest username) the request claimed, `<unknown>` if none. */
  accountId: string;
  /** The SIP Call-ID. */
  sessionId: string;
  local: SecurityAddress;
  remote: SecurityAddress;
  /** Method of the request that caused the event. */
  method: string;
  /** The digest username tried, when there was one. */
  username?: string | undefined;
  userAgent?: string | undefined;
  /** Free-form detail, e.g. the failure reason. */
  reason?: string | undefined;
  /** ChallengeResponseFailed: the nonce the peer answered (ChallengeSent leaves it empty, as Asterisk does). */
  challenge?: string | undefined;
  /** ChallengeResponseFailed: the digest response the peer sent. */
  response?: string | undefined;
  /** Left unset by the pipeline: Asterisk writes `ExpectedResponse=""`, and the right answer to a nonce is not for log readers. */
  expectedResponse?: string | undefined;
  /**
   * The request matched no endpoint and was answered by the artificial one (Asterisk's AccountID
   * `<unknown>`). Its ChallengeResponseFailed repeats what InvalidAccountID already reported for
   * the same request, so detectors count the InvalidAccountID only.
   */
  artificial?: boolean | undefined;
}

export interface SecurityEvents {
  [k: string]: unknown[];
  event: [SecurityEvent];
}

export class SecurityEventStream extends TypedEmitter<SecurityEvents> {
  readonly counts = new Map<SecurityEventType, number>();

  publish(ev: SecurityEvent): void {
    this.counts.set(ev.type, (this.counts.get(ev.type) ?? 0) + 1);
    this.emit("event", ev);
  }
}
