/**
 * Sends one DTMF digit as RFC 4733 telephone-events on a leg's own stream: a first packet with
 * the marker bit, updates every 20 ms with the growing duration, and the end packet three times
 * (§2.5.1.4: "the final packet for each event … SHOULD be sent a total of three times"), all with
 * the timestamp of the event's start. Afterwards the stream's timestamp moves on by the event's
 * duration, so what follows on the stream stays in time.
 */
import type { OwnStream } from "../playback/rtp-player.js";
import { RTP_HEADER_SIZE, writeRtpHeader } from "../rtp/rtp-header.js";
import { eventCode } from "./dtmf-tones.js";

const UPDATE_MS = 20;
/** Volume field: -10 dBm0, a usual level. */
const VOLUME = 10;

export interface EventTarget {
  readonly own: OwnStream;
  sendOwn(packet: Buffer): void;
  readonly closed: boolean;
}

/** Schedules the packets of `digit`; resolves when the last end packet has gone. */
export function sendTelephoneEvent(target: EventTarget, digit: string, durationMs: number, event: { payloadType: number; clockRate: number }): Promise<void> {
  const code = eventCode(digit);
  if (code === undefined) return Promise.resolve();
  const own = target.own;
  const ts = own.ts;
  const total = Math.min(0xffff, Math.max(1, Math.round((durationMs * event.clockRate) / 1000)));
  const step = (UPDATE_MS * event.clockRate) / 1000;
  const packet = (duration: number, end: boolean, marker: boolean): void => {
    if (target.closed) return;
    const b = Buffer.allocUnsafe(RTP_HEADER_SIZE + 4);
    writeRtpHeader(b, event.payloadType, own.seq, ts, own.ssrc, marker);
    b[RTP_HEADER_SIZE] = code;
    b[RTP_HEADER_SIZE + 1] = (end ? 0x80 : 0) | VOLUME;
    b.writeUInt16BE(duration, RTP_HEADER_SIZE + 2);
    own.seq = (own.seq + 1) & 0xffff;
    target.sendOwn(b);
  };
  return new Promise((resolve) => {
    let sent = 0;
    const tick = (): void => {
      sent = Math.min(total, sent + step);
      if (sent < total) {
        packet(sent, false, sent === step);
        setTimeout(tick, UPDATE_MS);
        return;
      }
      for (let i = 0; i < 3; i++) packet(total, true, total <= step && i === 0);
      // Only forward: others sending on the stream meanwhile may have moved it further already.
      if (((ts + total - own.ts) | 0) > 0) own.ts = (ts + total) >>> 0;
      resolve();
    };
    tick();
  });
}
