/**
 * Which address we write into SDP `c=` for a leg, with Asterisk's rules: the endpoint's
 * `media_address` wins; otherwise, toward a peer outside the transport's `local_net`, the
 * transport's `external_media_address` (or the STUN-discovered address); otherwise the address the
 * peer reaches us on.
 */
import { anyNetworkContains, parseNetwork, type IpNetwork } from "../../core/ip.js";
import type { EndpointConfig, TransportConfig } from "../../config/index.js";
import { advertisedAddress } from "../../sip/transport/transport-set.js";
import type { Flow } from "../../sip/transport/types.js";

export function localNetsOf(t: TransportConfig | undefined): IpNetwork[] {
  if (!t) return [];
  const out: IpNetwork[] = [];
  for (const c of t.localNet) {
    const n = parseNetwork(`${c.address}/${c.prefixLength}`);
    if (n) out.push(n);
  }
  return out;
}

export function mediaAddressFor(ep: EndpointConfig, flow: Flow, transport: TransportConfig | undefined, stunAddress: string | undefined): string {
  if (ep.mediaAddress) return ep.mediaAddress;
  const outside = !anyNetworkContains(localNetsOf(transport), flow.remoteAddress);
  if (outside && transport?.externalMediaAddress) return transport.externalMediaAddress;
  const local = advertisedAddress(flow.transport, flow.remoteAddress);
  if (outside && stunAddress && !flow.remoteAddress.startsWith("127.") && flow.remoteAddress !== "::1") return stunAddress;
  return local;
}
