/**
 * Free-port discovery for integration tests. A port counts as free on an IP only when both a
 * UDP and a TCP socket can bind it, because the PBX and the peers (SIPp, baresip) listen on both.
 * Ports are drawn from 10000–30999, below Linux's ephemeral range (32768+), so that an outgoing
 * connection of another process cannot grab a port between our check and the peer's bind.
 */
import { createSocket } from "node:dgram";
import { createServer } from "node:net";

const RANGE_START = 10000;
const RANGE_END = 30999;

/** Ports handed out by this process; never handed out twice, even after they were released. */
const handedOut = new Set<number>();

function udpFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket(ip.includes(":") ? "udp6" : "udp4");
    sock.once("error", () => {
      sock.close();
      resolve(false);
    });
    sock.bind({ address: ip, port, exclusive: true }, () => {
      sock.close(() => resolve(true));
    });
  });
}

function tcpFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ host: ip, port, exclusive: true }, () => {
      srv.close(() => resolve(true));
    });
  });
}

/** True when both UDP and TCP can bind `ip:port` right now. */
export async function isPortFree(ip: string, port: number): Promise<boolean> {
  return (await udpFree(ip, port)) && (await tcpFree(ip, port));
}

/**
 * Finds `size` consecutive ports that are free for UDP and TCP on `ip` (and, when given, on every
 * IP in `alsoOn`), and reserves them for this process so later calls do not return them again.
 * Returns the first port of the block (even when `size` > 1).
 */
export async function allocatePortBlock(ip: string, size = 1, alsoOn: string[] = []): Promise<number> {
  if (size < 1 || size > 1000) throw new RangeError(`port block size out of range: ${size}`);
  const ips = [ip, ...alsoOn];
  const span = RANGE_END - RANGE_START - size;
  for (let attempt = 0; attempt < 200; attempt++) {
    // Random starting points keep parallel test processes (unit tests run concurrently) apart.
    // Blocks of several ports start on an even port: RTP goes on even ports (RFC 3550 §11), and
    // a phone given an odd range start (baresip's rtp_ports) rounds down below the block, where
    // a capture of the block does not see it.
    let base = RANGE_START + Math.floor(Math.random() * span);
    if (size > 1) base -= base % 2;
    let ok = true;
    for (let p = base; p < base + size && ok; p++) {
      if (handedOut.has(p)) ok = false;
      for (const addr of ips) {
        if (!ok) break;
        ok = await isPortFree(addr, p);
      }
    }
    if (ok) {
      for (let p = base; p < base + size; p++) handedOut.add(p);
      return base;
    }
  }
  throw new Error(`no block of ${size} free UDP+TCP ports found on ${ips.join(", ")}`);
}

/** One free UDP+TCP port on `ip`, reserved for this process. */
export function freePort(ip = "127.0.0.1"): Promise<number> {
  return allocatePortBlock(ip, 1);
}

/** Several distinct free ports (not necessarily consecutive) on `ip`. */
export async function freePorts(ip: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await freePort(ip));
  return out;
}
