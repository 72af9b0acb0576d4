/**
 * `media_encryption=sdes|dtls`: there is no SRTP yet. The option works as far as Asterisk's
 * offer rules go (media/sdp/transport-check.ts refuses plain RTP offers with a reason, and
 * optimistic endpoints fall back to plain RTP), but no call can be encrypted, so the load and
 * `switchboard check` say so once per endpoint.
 */
import type { Diagnostic } from "../diagnostic.js";
import type { EndpointConfig } from "./endpoint-schema.js";

export function checkSrtpSupport(endpoints: Iterable<EndpointConfig>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const ep of endpoints) {
    if (ep.mediaEncryption === "no") continue;
    const outcome = ep.mediaEncryptionOptimistic
      ? "its calls use plain RTP (media_encryption_optimistic=yes)"
      : "every call to or from it is refused with 488 (set media_encryption_optimistic=yes to fall back to plain RTP, or media_encryption=no)";
    out.push({
      severity: "warning",
      file: ep.file,
      line: ep.line,
      message: `[${ep.id}] endpoint: media_encryption=${ep.mediaEncryption} is accepted but SRTP is not implemented yet, so ${outcome}`,
    });
  }
  return out;
}
