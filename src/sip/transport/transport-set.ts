/**
 * The set of listening transports, and the choice of one for an outbound message: by protocol
 * and address family, preferring the transport an endpoint names.
 */
import { networkInterfaces } from "node:os";
import { isIP } from "node:net";
import { anyNetworkContains } from "../../core/ip.js";
import type { Transport, TransportProtocol } from "./types.js";

export class TransportSet {
  private list: Transport[] = [];

  add(t: Transport): void {
    this.list.push(t);
  }

  all(): readonly Transport[] {
    return this.list;
  }

  byId(id: string): Transport | undefined {
    return this.list.find((t) => t.id === id);
  }

  pick(protocol: TransportProtocol, remoteAddress: string, preferredId?: string): Transport | undefined {
    const family = isIP(remoteAddress) === 6 ? 6 : 4;
    // A WebSocket transport has no socket of its own: the HTTP server's connections of either
    // family come to it.
    const fits = (t: Transport): boolean => t.protocol === protocol && (t.family === family || protocol === "ws" || protocol === "wss");
    if (preferredId) {
      const t = this.byId(preferredId);
      if (t && fits(t)) return t;
    }
    return this.list.find(fits);
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.list.map((t) => t.close()));
    this.list = [];
  }
}

/**
 * The address to put in Via/Contact when a transport is bound to a wildcard: loopback toward
 * loopback peers, otherwise the first external interface address of the right family.
 */
export function advertisedAddress(t: Transport, remoteAddress: string): string {
  if (usesExternal(t, remoteAddress)) return t.nat?.externalSignalingAddress ?? t.localAddress;
  const bound = t.localAddress;
  if (bound !== "0.0.0.0" && bound !== "::") return bound;
  if (remoteAddress.startsWith("127.")) return "127.0.0.1";
  if (remoteAddress === "::1") return "::1";
  return interfaceAddress(t.family);
}

/**
 * The host's first external address of a family. `os.networkInterfaces()` walks every interface
 * (a syscall and an object per address), too much for each Via and Contact we write, so the
 * answer is kept for a few seconds; an address added or removed shows up after that.
 */
const INTERFACE_CACHE_MS = 5000;
const interfaceCache = { 4: { at: -Infinity, address: "" }, 6: { at: -Infinity, address: "" } };

function interfaceAddress(family: 4 | 6): string {
  const entry = interfaceCache[family];
  const now = performance.now();
  if (now - entry.at < INTERFACE_CACHE_MS) return entry.address;
  const want = family === 6 ? "IPv6" : "IPv4";
  let found = family === 6 ? "::1" : "127.0.0.1";
  search: for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (!a.internal && a.family === want && !a.address.startsWith("fe80")) {
        found = a.address;
        break search;
      }
    }
  }
  entry.at = now;
  entry.address = found;
  return found;
}

/**
 * Asterisk's rule: the external signalling address is written only toward destinations outside
 * the transport's `local_net`.
 */
function usesExternal(t: Transport, remoteAddress: string): boolean {
  const nat = t.nat;
  return !!nat?.externalSignalingAddress && !anyNetworkContains(nat.localNets, remoteAddress);
}

/** The port to write next to `advertisedAddress` (external_signaling_port when it applies). */
export function advertisedPort(t: Transport, remoteAddress: string): number {
  if (usesExternal(t, remoteAddress) && t.nat?.externalSignalingPort) return t.nat.externalSignalingPort;
  return t.localPort;
}
