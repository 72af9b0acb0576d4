/**
 * Learns our public address with a STUN Binding request (RFC 5389 §7), for rtp.conf `stunaddr`
 * when no external media address is configured. Retransmits on UDP: "a client SHOULD retransmit
 * a STUN request message starting with an interval of RTO, doubling after each retransmission"
 * (§7.2.1, RTO 500 ms) until `timeoutMs` runs out.
 */
import { createSocket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP, isIPv6 } from "node:net";
import { systemClock, type Clock, type TimerHandle } from "../../core/clock.js";
import { buildBindingRequest, parseBindingResponse, type MappedAddress } from "./stun-message.js";

const STUN_PORT = 3478;
const RTO_MS = 500;

/** Splits `host[:port]`, `[v6]:port` or a bare IPv6 address. */
export function parseHostPort(text: string, defaultPort: number): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1] ?? "", port: v6[2] ? Number(v6[2]) : defaultPort };
  if (isIPv6(text)) return { host: text, port: defaultPort };
  const i = text.lastIndexOf(":");
  if (i > 0 && /^\d+$/.test(text.slice(i + 1))) return { host: text.slice(0, i), port: Number(text.slice(i + 1)) };
  return { host: text, port: defaultPort };
}

/**
 * Sends Binding requests from `localBind` (`ip` or `ip:port`; port 0 = any) to `stunServer`
 * (`host[:3478]`) and resolves with the XOR-MAPPED-ADDRESS, or `undefined` on timeout or failure.
 * `clock` drives the retransmission and timeout timers (a FakeClock in tests).
 */
export async function discoverPublicAddress(stunServer: string, localBind: string, timeoutMs: number, clock: Clock = systemClock): Promise<MappedAddress | undefined> {
  const server = parseHostPort(stunServer, STUN_PORT);
  const local = parseHostPort(localBind || "0.0.0.0", 0);
  let serverIp: string;
  try {
    serverIp = isIP(server.host) ? server.host : (await lookup(server.host, { family: isIPv6(local.host) ? 6 : 4 })).address;
  } catch {
    return undefined;
  }
  const socket = createSocket(isIPv6(local.host) || isIPv6(serverIp) ? "udp6" : "udp4");
  const { packet, transactionId } = buildBindingRequest();
  return new Promise((resolve) => {
    let timer: TimerHandle | undefined;
    let deadline: TimerHandle | undefined;
    let done = false;
    const finish = (result: MappedAddress | undefined) => {
      if (done) return;
      done = true;
      timer?.cancel();
      deadline?.cancel();
      socket.close();
      resolve(result);
    };
    let rto = RTO_MS;
    const transmit = () => {
      if (done) return;
      socket.send(packet, server.port, serverIp, (err) => {
        if (err) finish(undefined);
      });
      timer = clock.setTimeout(transmit, rto);
      rto *= 2;
    };
    socket.on("message", (msg) => {
      const mapped = parseBindingResponse(msg, transactionId);
      if (mapped) finish(mapped);
    });
    socket.on("error", () => finish(undefined));
    deadline = clock.setTimeout(() => finish(undefined), timeoutMs);
    socket.bind(local.port, local.host, transmit);
  });
}
