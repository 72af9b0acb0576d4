/** The packetization time of what the media workers send. */

/**
 * The packetization we send: the receiver's a=ptime within 10-120 ms, rounded to whole ms; Opus
 * frames are 10, 20, 40 or 60 ms (RFC 6716 §2.1.4), so its ptime goes to the nearest of those.
 */
export function sendPtime(codec: string, ptime: number | undefined): number {
  const p = Math.min(120, Math.max(10, Math.round(Number.isFinite(ptime) ? (ptime as number) : 20)));
  if (codec !== "opus") return p;
  return [10, 20, 40, 60].reduce((best, f) => (Math.abs(f - p) < Math.abs(best - p) ? f : best), 20);
}
