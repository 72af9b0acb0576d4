/**
 * rtp.conf `[general]`: the RTP port range, strict RTP source learning, RTCP, ICE/STUN/TURN and
 * SRTP/DTLS engine settings (reference §1.11). Defaults are Asterisk's code defaults
 * (5000-31000), not the sample file's 10000-20000.
 */
import { bool, list, str, uint } from "../schema/options.js";
import type { OptionSpec, ObjectSchema, SchemaValues } from "../schema/types.js";
import { parseAsteriskBool } from "../schema/values.js";

const NOT_YET = { implemented: false } as const;

export type StrictRtpMode = "yes" | "no" | "seqno";

/** `strictrtp=seqno` or any yes/no word, as Asterisk reads it. */
const strictRtp: OptionSpec<"strictrtp", StrictRtpMode> = {
  name: "strictrtp",
  key: "strictrtp",
  type: "enum",
  default: "yes",
  defaultText: "yes",
  synopsis: "Drop RTP not from the learned source: yes (time and sequence learning), seqno (sequence only) or no.",
  enumValues: ["yes", "no", "seqno"],
  implemented: true,
  parse(raw) {
    if (raw.trim().toLowerCase() === "seqno") return { ok: true, value: "seqno" };
    const b = parseAsteriskBool(raw);
    return b === undefined ? { ok: false, reason: "use yes, no or seqno" } : { ok: true, value: b ? "yes" : "no" };
  },
};

const rtpOptions = [
  uint("rtpstart", 5000, "First UDP port for RTP (clamped to 1024-65535)."),
  uint("rtpend", 31000, "Last UDP port for RTP (clamped to 1024-65535; must be above rtpstart)."),
  bool("rtpchecksums", false, "Compute UDP checksums on RTP (no effect: the OS always does).", NOT_YET),
  // DTMF events and RTCP are relayed as they come; Switchboard generates neither.
  uint("dtmftimeout", 1200, "Samples after which a DTMF event without an end is ended (1200 = 150 ms at 8 kHz).", NOT_YET),
  uint("rtcpinterval", 5000, "Milliseconds between RTCP reports; 0 disables RTCP (else 500-60000).", NOT_YET),
  strictRtp,
  uint("probation", 4, "Consecutive in-sequence packets needed to accept a new RTP source.", { min: 1 }),
  // SRTP (SDES) is there; DTLS and ICE are not yet.
  bool("srtpreplayprotection", true, "Drop replayed SRTP/SRTCP packets (RFC 3711 §3.3.2's window of 64); read at start."),
  bool("icesupport", true, "Global ICE switch: no turns ICE off for every endpoint (endpoints still need ice_support=yes)."),
  str("stunaddr", "", "STUN server (host[:3478]) used to learn our public address: for SDP toward peers outside local_net, and for each ICE leg's server-reflexive candidates."),
  bool("stunaddr_reresolve_ttl_0", false, "Resolve stunaddr again on every use.", NOT_YET),
  bool("stun_software_attribute", true, "Send the SOFTWARE attribute in STUN requests.", NOT_YET),
  list("stun_acl", "Named ACLs limiting STUN targets.", { repeat: "append", ...NOT_YET }),
  list("stun_deny", "Networks STUN must not be sent to.", { repeat: "append", ...NOT_YET }),
  list("stun_permit", "Networks STUN may be sent to.", { repeat: "append", ...NOT_YET }),
  list("stun_blacklist", "Old name of stun_deny.", { repeat: "append", ...NOT_YET }),
  str("turnaddr", "", "TURN server (host[:3478], UDP) for relayed ICE candidates: one allocation per RTP and RTCP socket of each ICE leg."),
  str("turnusername", "", "TURN user name (long-term credentials)."),
  str("turnpassword", "", "TURN password (long-term credentials)."),
  list("ice_acl", "Named ACLs (acl.conf sections) that must each allow a local address before it is offered as an ICE host candidate, on top of ice_deny/ice_permit; a name acl.conf does not define allows no address.", { repeat: "append" }),
  list("ice_deny", "Networks (address/prefix) never offered as ICE host candidates; a leg whose every host address is denied goes without ICE.", { repeat: "append" }),
  list("ice_permit", "Networks offered as ICE host candidates even when ice_deny covers them.", { repeat: "append" }),
  list("ice_blacklist", "Old name of ice_deny.", { repeat: "append" }),
  uint("dtls_mtu", 1200, "Largest DTLS packet (bytes).", { ...NOT_YET, min: 256 }),
] as const;

export type RtpValues = SchemaValues<typeof rtpOptions>;

export const rtpSchema: ObjectSchema<typeof rtpOptions> = {
  type: "general",
  synopsis: "RTP engine settings: port range, strict RTP, RTCP, ICE/STUN/TURN, SRTP/DTLS.",
  options: rtpOptions,
};
