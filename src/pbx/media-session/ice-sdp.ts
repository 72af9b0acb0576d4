/**
 * The default candidate of our description (RFC 8839 §4.2.1.1): "the default destination
 * for each component ... MUST be ... one of the candidates" — c= and the m= port name it, and
 * a=rtcp the RTCP component's when its port is not the next one.
 */
import type { IceCandidate } from "../../media/index.js";

export interface DefaultCandidate {
  address: string;
  port: number;
  rtcpPort?: number;
}

/**
 * The local candidate of the selected pair once ICE has one; before, the component-1 candidate on
 * the media address the flow chose (a host or server-reflexive one), else our best host candidate
 * of that address family.
 */
export function defaultCandidate(candidates: readonly IceCandidate[], address: string, port: number, selectedRtp?: IceCandidate, selectedRtcp?: IceCandidate): DefaultCandidate | undefined {
  if (selectedRtp !== undefined) {
    // RTCP: its selected pair's candidate, else ours of the same type and address (a=rtcp names
    // a port only, and a peer that finds no candidate there gives ICE up).
    const rtcp = selectedRtcp ?? candidates.find((c) => c.component === 2 && c.type === selectedRtp.type && c.address === selectedRtp.address);
    const out: DefaultCandidate = { address: selectedRtp.address, port: selectedRtp.port };
    if (rtcp !== undefined && rtcp.address === selectedRtp.address && rtcp.port !== selectedRtp.port + 1) out.rtcpPort = rtcp.port;
    return out;
  }
  const rtp = candidates.filter((c) => c.component === 1);
  const v6 = address.includes(":");
  const chosen =
    rtp.find((c) => c.address === address && c.port === port) ??
    rtp.find((c) => c.address === address) ??
    rtp.find((c) => c.type === "host" && c.address.includes(":") === v6);
  if (chosen === undefined) return undefined;
  const rtcp = candidates.find((c) => c.component === 2 && c.type === chosen.type && c.address === chosen.address);
  const out: DefaultCandidate = { address: chosen.address, port: chosen.port };
  if (rtcp !== undefined && rtcp.port !== chosen.port + 1) out.rtcpPort = rtcp.port;
  return out;
}
