/**
 * What arrived on an RTP port (RFC 7983 §7, updating RFC 5764 §5.1.2): the first byte tells
 * STUN, DTLS, TURN ChannelData and RTP/RTCP apart.
 *
 *                  +----------------+
 *                  |        [0..3] -+--> STUN
 *                  |      [20..63] -+--> DTLS
 *                  |      [64..79] -+--> TURN Channel
 *                  |    [128..191] -+--> RTP/RTCP
 *                  +----------------+
 */
export type DatagramKind = "stun" | "dtls" | "turn-channel" | "rtp" | "other";

export function classifyDatagram(buf: Buffer): DatagramKind {
  const b = buf[0];
  if (b === undefined) return "other";
  if (b >= 128 && b <= 191) return "rtp";
  if (b <= 3) return "stun";
  if (b >= 20 && b <= 63) return "dtls";
  if (b >= 64 && b <= 79) return "turn-channel";
  return "other";
}
