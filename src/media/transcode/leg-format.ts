/**
 * What a leg's phone sends and receives, as its SDP negotiation left it: the audio formats by
 * payload type (the first is the one we send it), the telephone-event payload type and clock
 * rate, and the packetization time. The relay compares the two bridged legs' formats to decide
 * between passing packets untouched and transcoding them.
 */
export interface LegFormat {
  /**
   * The negotiated audio formats, by Asterisk name, with the payload types of this leg's SDP; the
   * first is sent. `fmtp` is the phone's own for the format (what it wants to receive).
   */
  codecs: Array<{ name: string; payloadType: number; fmtp?: string }>;
  /** RFC 4733 telephone-event on this leg. */
  event?: { payloadType: number; clockRate: number };
  /** a=ptime of this leg (default 20 ms). */
  ptimeMs?: number;
}

/** True when packets from a leg of format `from` can go to one of format `to` untouched. */
export function sameFormat(from: LegFormat | undefined, to: LegFormat | undefined): boolean {
  if (from === undefined || to === undefined) return true;
  const a = from.codecs[0];
  const b = to.codecs[0];
  return a === undefined || b === undefined || a.name === b.name;
}
