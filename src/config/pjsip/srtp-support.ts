/**
 * What `media_encryption` gives each endpoint, said once at load and in `switchboard check`:
 * `sdes` works (media/sdp, media/srtp) but its keys travel in the SDP, so without a TLS
 * transport anyone who sees the SIP can decrypt the audio (Asterisk's documentation says the
 * same: "Encrypted SIP transport should be used in conjunction with this option"); `dtls` keys
 * itself in the media path, but needs a readable certificate, and dtls_verify=certificate a CA.
 */
import { accessSync, constants } from "node:fs";
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
    const where = { file: ep.file, line: ep.line };
    if (!ep.dtlsAutoGenerateCert && ep.dtlsCertFile.length > 0) {
      for (const [option, path] of [["dtls_cert_file", ep.dtlsCertFile], ["dtls_private_key", ep.dtlsPrivateKey]] as const) {
        if (path.length === 0) continue;
        try {
          accessSync(path, constants.R_OK);
        } catch (err) {
          out.push({ severity: "warning", ...where, message: `[${ep.id}] endpoint: ${option}=${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}), so its DTLS-SRTP calls are refused with 488; fix the path or set dtls_auto_generate_cert=yes` });
        }
      }
    }
    for (const [option, path] of [["dtls_ca_file", ep.dtlsCaFile], ["dtls_ca_path", ep.dtlsCaPath]] as const) {
      if (path.length === 0) continue;
      try {
        accessSync(path, constants.R_OK);
      } catch (err) {
        out.push({ severity: "warning", ...where, message: `[${ep.id}] endpoint: ${option}=${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}), so dtls_verify=${ep.dtlsVerify} trusts no CA from it` });
      }
    }
    if ((ep.dtlsVerify === "certificate" || ep.dtlsVerify === "yes") && ep.dtlsCaFile.length === 0 && ep.dtlsCaPath.length === 0) {
      out.push({
        severity: "warning",
        ...where,
        message: `[${ep.id}] endpoint: dtls_verify=${ep.dtlsVerify} checks the phone's certificate against dtls_ca_file/dtls_ca_path, and neither is set, so every DTLS handshake is refused and no audio flows; set dtls_ca_file, or dtls_verify=fingerprint for phones with self-signed certificates`,
      });
    }
  }
  return out;
}
