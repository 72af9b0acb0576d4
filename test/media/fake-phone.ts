/**
 * A fake phone for media tests: one UDP socket on 127.0.0.1 that sends RTP/RTCP datagrams and
 * records what it receives, with a wait helper instead of sleeps.
 */
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { writeRtpHeader } from "../../src/media/rtp/rtp-header.js";

export interface Received {
  msg: Buffer;
  from: RemoteInfo;
  at: number;
}

export class FakePhone {
  readonly received: Received[] = [];
  private waiters: Array<() => void> = [];
  private constructor(
    readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on("message", (msg, from) => {
      this.received.push({ msg, from, at: performance.now() });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(port = 0): Promise<FakePhone> {
    const s = createSocket("udp4");
    await new Promise<void>((resolve) => s.bind(port, "127.0.0.1", resolve));
    return new FakePhone(s, s.address().port);
  }

  get address(): { address: string; port: number } {
    return { address: "127.0.0.1", port: this.port };
  }

  send(buf: Buffer, port: number): void {
    this.socket.send(buf, port, "127.0.0.1");
  }

  /** Sends one RTP packet with a recognisable payload. */
  sendRtp(port: number, o: { seq: number; ts?: number; ssrc?: number; pt?: number; payload?: Buffer }): Buffer {
    const payload = o.payload ?? Buffer.from(`payload-${o.seq}`);
    const buf = Buffer.alloc(12 + payload.length);
    writeRtpHeader(buf, o.pt ?? 0, o.seq, o.ts ?? o.seq * 160, o.ssrc ?? 0x11223344);
    payload.copy(buf, 12);
    this.send(buf, port);
    return buf;
  }

  /** Resolves when at least `n` datagrams have arrived; rejects after `ms`. */
  async waitFor(n: number, ms = 2000): Promise<Received[]> {
    const deadline = performance.now() + ms;
    while (this.received.length < n) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`phone ${this.port}: ${this.received.length} of ${n} datagrams after ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received;
  }

  close(): void {
    this.socket.close();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
