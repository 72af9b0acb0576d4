/**
 * SDES keys travel in the SDP (RFC 4568 §8.1: "the SDP containing the keys MUST be protected"),
 * so an SRTP leg whose SIP came over UDP or TCP is encrypted only against those who did not
 * capture its SIP. Said once per endpoint while the PBX runs (every call of that phone would say
 * it again), with what to change. The load-time warning (config/pjsip/srtp-support.ts) covers a
 * configuration without any TLS transport; this one the phone that has one and does not use it.
 */
import type { Logger } from "../../core/logger.js";
import type { Flow } from "../../sip/transport/types.js";

export class ClearKeyNotices {
  private readonly said = new Set<string>();

  /** `srtp` is the leg's suite (MediaSession.srtp), undefined for a plain RTP leg. */
  check(log: Logger, endpointId: string, flow: Flow, srtp: string | undefined): void {
    if (srtp === undefined || this.said.has(endpointId)) return;
    const protocol = flow.transport.protocol;
    if (protocol === "tls" || protocol === "wss") return;
    this.said.add(endpointId);
    log.warn(
      { endpoint: endpointId },
      `SRTP keys of endpoint '${endpointId}' went in clear text over ${protocol.toUpperCase()} (with ${flow.remoteAddress}:${flow.remotePort}): anyone who captures its SIP can decrypt the audio; have the phone use a TLS transport (docs/tls.md). Said once per endpoint`,
    );
  }
}
