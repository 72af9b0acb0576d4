/**
 * What a datagram on an RTP port is, by its first byte (RFC 7983 §7, updating RFC 5764 §5.1.2):
 * STUN, ZRTP, DTLS, TURN channel data and RTP/RTCP share the port when ICE and DTLS-SRTP are in
 * use, and their first bytes fall in disjoint ranges.
 *
 *                  +----------------+
 *                  |        [0..3] -+--> STUN
 *                  |      [16..19] -+--> ZRTP
 *   packet -->     |      [20..63] -+--> DTLS
 *                  |      [64..79] -+--> TURN channel
 *                  |    [128..191] -+--> RTP/RTCP
 *                  +----------------+
 *
 * The one demultiplexing decision of a leg's socket lives here, so the STUN (ICE) and DTLS
 * branches of the relay read the same table.
 */
export type DatagramKind = "stun" | "zrtp" | "dtls" | "turn-channel" | "rtp" | "other";

export function datagramKind(packet: Buffer): DatagramKind {
  const b = packet[0];
  if (b === undefined) return "other";
  if (b <= 3) return "stun";
  if (b >= 16 && b <= 19) return "zrtp";
  if (b >= 20 && b <= 63) return "dtls";
  if (b >= 64 && b <= 79) return "turn-channel";
  if (b >= 128 && b <= 191) return "rtp";
  return "other";
}
