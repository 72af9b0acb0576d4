/**
 * STUN client transactions over UDP (RFC 8489 §6.2.1): a request is retransmitted after RTO,
 * doubling each time, until a response with its transaction id arrives or `timeoutMs` passes.
 * Used on the RTP sockets for server-reflexive gathering and TURN; responses are handed in by
 * the socket's owner (`handle`), which sees every datagram.
 */
import type { ParsedStun } from "./stun-packet.js";

const RTO_MS = 250;
const MAX_RTO_MS = 1600;

interface Pending {
  resolve(r: ParsedStun | undefined): void;
  timer: NodeJS.Timeout;
  deadline: NodeJS.Timeout;
}

export class StunRequester {
  private readonly pending = new Map<string, Pending>();
  private closed = false;

  /** Sends `packet` (whose transaction id is `transactionId`) with `send` until answered; undefined on timeout. */
  request(packet: Buffer, transactionId: Buffer, send: (b: Buffer) => void, timeoutMs = 5000): Promise<ParsedStun | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const key = transactionId.toString("hex");
    return new Promise((resolve) => {
      let rto = RTO_MS;
      const transmit = (): void => {
        send(packet);
        const p = this.pending.get(key);
        if (p !== undefined) p.timer = setTimeout(transmit, rto);
        rto = Math.min(rto * 2, MAX_RTO_MS);
      };
      const done = (r: ParsedStun | undefined): void => {
        const p = this.pending.get(key);
        if (p === undefined) return;
        clearTimeout(p.timer);
        clearTimeout(p.deadline);
        this.pending.delete(key);
        resolve(r);
      };
      this.pending.set(key, { resolve: done, timer: setTimeout(() => {}, 0), deadline: setTimeout(() => done(undefined), timeoutMs) });
      transmit();
    });
  }

  /** A success or error response: true when it answered one of our requests. */
  handle(msg: ParsedStun): boolean {
    if (msg.cls !== "success" && msg.cls !== "error") return false;
    const p = this.pending.get(msg.transactionId.toString("hex"));
    if (p === undefined) return false;
    p.resolve(msg);
    return true;
  }

  close(): void {
    this.closed = true;
    for (const p of [...this.pending.values()]) p.resolve(undefined);
  }
}
