/**
 * What `media_encryption` gives each endpoint, said once at load and in `switchboard check`:
 * `sdes` works (media/sdp, media/srtp) but its keys travel in the SDP, so without a TLS
 * transport anyone who sees the SIP can decrypt the audio (Asterisk's documentation says the
 * same: "Encrypted SIP transport should be used in conjunction with this option"); `dtls` is
 * accepted with Asterisk's offer rules but cannot be met yet.
 */
import type { Diagnostic } from "../diagnostic.js";
import type { EndpointConfig } from "./endpoint-schema.js";
import type { TransportConfig } from "./transport-schema.js";

export function checkSrtpSupport(endpoints: Iterable<EndpointConfig>, transports: readonly TransportConfig[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const tls = transports.some((t) => t.protocol === "tls");
  for (const ep of endpoints) {
    if (ep.mediaEncryption === "sdes" && !tls) {
      out.push({
        severity: "warning",
        file: ep.file,
        line: ep.line,
        message: `[${ep.id}] endpoint: media_encryption=sdes sends the SRTP keys in the SDP, and no transport has protocol=tls, so the keys travel in clear text with the SIP and anyone who captures it can decrypt the audio; add a TLS transport (docs/tls.md) and point the phone at it`,
      });
    }
    if (ep.mediaEncryption !== "dtls") continue;
    const outcome = ep.mediaEncryptionOptimistic
      ? "its calls use plain RTP (media_encryption_optimistic=yes)"
      : "every call to or from it is refused with 488 (set media_encryption=sdes for SRTP with keys in the SDP, media_encryption_optimistic=yes to fall back to plain RTP, or media_encryption=no)";
    out.push({
      severity: "warning",
      file: ep.file,
      line: ep.line,
      message: `[${ep.id}] endpoint: media_encryption=dtls is accepted but DTLS-SRTP is not implemented yet, so ${outcome}`,
    });
  }
  return out;
}
