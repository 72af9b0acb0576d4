/**
 * How DTMF reaches a leg's phone, from the endpoint's `dtmf_mode` (Asterisk's values) and what its
 * SDP negotiated: rfc4733 (telephone-events), inband (tones in the audio), info (SIP INFO), none.
 */
import type { EndpointConfig } from "../../config/index.js";

export type DtmfMethod = "rfc4733" | "inband" | "info" | "none";

/** Asterisk's default dtmf_duration (asterisk.conf): 100 ms. */
export const DEFAULT_DTMF_MS = 100;

/** True when the endpoint's dtmf_mode offers and takes telephone-event in SDP. */
export function offersTelephoneEvent(ep: EndpointConfig): boolean {
  return ep.dtmfMode === "rfc4733" || ep.dtmfMode === "auto" || ep.dtmfMode === "auto_info";
}

/** How DTMF reaches this leg's phone, given whether its SDP negotiated telephone-event. */
export function dtmfMethodOf(ep: EndpointConfig, eventNegotiated: boolean): DtmfMethod {
  switch (ep.dtmfMode) {
    case "rfc4733":
      return eventNegotiated ? "rfc4733" : "none";
    case "auto":
      return eventNegotiated ? "rfc4733" : "inband";
    case "auto_info":
      return eventNegotiated ? "rfc4733" : "info";
    case "inband":
      return "inband";
    case "info":
      return "info";
    default:
      return "none";
  }
}

