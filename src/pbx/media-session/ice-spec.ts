/**
 * What a leg's ICE gathers (RFC 8445 §5.1.1), from the endpoint and rtp.conf: nothing unless the
 * endpoint has `ice_support=yes` and rtp.conf's global `icesupport` is on; a host candidate on
 * the address the phone reaches us on (and the endpoint's media_address when it is another), as
 * rtp.conf [ice_host_candidates] maps them, less
 * what rtp.conf ice_deny/ice_blacklist exclude and ice_permit does not put back, and what one of
 * the named ACLs (acl.conf) listed by ice_acl refuses (each must allow the address, as Asterisk
 * applies an ACL list; a name acl.conf does not define allows nothing);
 * a server-reflexive one when `stunaddr` is set; a relayed one when `turnaddr` is set.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import type { EndpointConfig, LoadedConfig } from "../../config/index.js";
import { aclNames, namedAclsAllow } from "../../config/acl/load-acl.js";
import type { AclRule } from "../../config/schema/options.js";
import { parseHostPort, type LegIceSpec } from "../../media/index.js";
import { anyNetworkContains, parseNetwork, type IpNetwork } from "../../core/ip.js";
import { advertisedAddress } from "../../sip/transport/transport-set.js";
import type { Flow } from "../../sip/transport/types.js";
import { aclAllows } from "../pipeline/stages/endpoint-acl.js";

const STUN_PORT = 3478;

async function resolve(hostPort: string, family: 4 | 6): Promise<{ address: string; port: number } | undefined> {
  const { host, port } = parseHostPort(hostPort, STUN_PORT);
  if (isIP(host) !== 0) return { address: host, port };
  try {
    return { address: (await lookup(host, { family })).address, port };
  } catch {
    return undefined;
  }
}

/** The leg's ICE request, or undefined when ICE is off for this endpoint. `namedAcls` are acl.conf's, which rtp.conf ice_acl names. */
export async function iceSpecFor(ep: EndpointConfig, rtp: LoadedConfig["rtp"], flow: Flow, mediaAddress?: string, namedAcls: ReadonlyMap<string, readonly AclRule[]> = new Map()): Promise<LegIceSpec | undefined> {
  if (!ep.iceSupport || !rtp.icesupport) return undefined;
  const family = flow.transport.family === 6 ? 6 : 4;
  const bound = flow.transport.localAddress;
  const local = bound !== "0.0.0.0" && bound !== "::" ? bound : localAddressToward(flow, family);
  const candidates = [local];
  if (ep.mediaAddress && ep.mediaAddress !== local && isIP(ep.mediaAddress) === isIP(local)) candidates.push(ep.mediaAddress);
  // rtp.conf ice_deny (ice_blacklist) removes host addresses, ice_permit puts them back.
  const nets = (list: readonly string[]) => list.flatMap((t) => t.split(",")).map((t) => parseNetwork(t)).filter((n): n is IpNetwork => n !== undefined);
  const deny = nets([...rtp.iceDeny, ...rtp.iceBlacklist]);
  const permit = nets(rtp.icePermit);
  // The rules (and ice_acl's named ACLs) judge our own addresses, as Asterisk applies them to its
  // interfaces; rtp.conf [ice_host_candidates] then advertises an allowed one as another (a 1:1
  // NAT's), with include_local_address also as itself.
  const iceAcl = aclNames(rtp.iceAcl);
  const allowed = candidates.filter((a) => (!anyNetworkContains(deny, a) || anyNetworkContains(permit, a)) && namedAclsAllow(iceAcl, namedAcls, (rules) => aclAllows(rules, a)));
  const hostAddresses = allowed.flatMap((a) => {
    const m = rtp.iceHostCandidates.find((x) => x.local === a);
    if (m === undefined) return [a];
    return m.includeLocal ? [m.advertised, a] : [m.advertised];
  });
  if (hostAddresses.length === 0) return undefined;
  const spec: LegIceSpec = { hostAddresses };
  // The c= address the flow chose (external_media_address, or the address stunaddr found at
  // start) is not one of ours: a server-reflexive candidate on our ports, so c= can stay on it.
  if (mediaAddress !== undefined && !candidates.includes(mediaAddress) && !hostAddresses.includes(mediaAddress) && isIP(mediaAddress) === isIP(local)) spec.mapped = [mediaAddress];
  if (rtp.stunaddr) {
    const stun = await resolve(rtp.stunaddr, family);
    if (stun !== undefined) spec.stun = stun;
  }
  if (rtp.turnaddr) {
    const turn = await resolve(rtp.turnaddr, family);
    if (turn !== undefined) spec.turn = { ...turn, username: rtp.turnusername, password: rtp.turnpassword };
  }
  return spec;
}

/** A wildcard transport's own address toward the phone: what advertisedAddress says, unless that is the transport's external (NAT) address. */
function localAddressToward(flow: Flow, family: 4 | 6): string {
  const adv = advertisedAddress(flow.transport, flow.remoteAddress);
  if (adv !== flow.transport.nat?.externalSignalingAddress) return adv;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (!a.internal && a.family === (family === 6 ? "IPv6" : "IPv4") && !a.address.startsWith("fe80")) return a.address;
  }
  return family === 6 ? "::1" : "127.0.0.1";
}
