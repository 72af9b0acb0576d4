/**
 * An endpoint's DTLS-SRTP options turned into what the media worker runs (media/dtls): our
 * certificate (dtls_cert_file + dtls_private_key, or the ephemeral one of
 * dtls_auto_generate_cert), our a=fingerprint under dtls_fingerprint, and what dtls_verify asks
 * of the peer's certificate — its SDP fingerprint (fingerprint, yes) and a CA of dtls_ca_file or
 * dtls_ca_path (certificate, yes).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EndpointConfig } from "../../config/index.js";
import { certificateFor, localFingerprint, type CertificateFingerprint, type DtlsRole, type LegDtls } from "../../media/dtls/index.js";

/** Our a=fingerprint for this endpoint. Throws TLS_CERT when its certificate cannot be read. */
export function ourFingerprint(ep: EndpointConfig): CertificateFingerprint {
  return localFingerprint(certificateFor(ep), ep.dtlsFingerprint);
}

/**
 * The CA certificates (PEM) dtls_verify=certificate|yes checks against; "" when none are
 * configured or readable (every certificate is then refused; `switchboard check` names the file).
 */
function trustedCas(ep: EndpointConfig): string {
  const read = (file: string): string => {
    try {
      return readFileSync(file, "utf8");
    } catch {
      return "";
    }
  };
  const parts: string[] = [];
  if (ep.dtlsCaFile.length > 0) parts.push(read(ep.dtlsCaFile));
  if (ep.dtlsCaPath.length > 0) {
    let names: string[] = [];
    try {
      names = readdirSync(ep.dtlsCaPath).sort();
    } catch {
      // An unreadable directory trusts nobody.
    }
    for (const name of names) if (/\.(pem|crt|cer)$/i.test(name)) parts.push(read(join(ep.dtlsCaPath, name)));
  }
  return parts.join("\n");
}

/** The worker's parameters for a leg of this endpoint, as `role`, against the peer's fingerprints. */
export function legDtlsFor(ep: EndpointConfig, role: DtlsRole, remoteFingerprints: readonly CertificateFingerprint[], association: number): LegDtls {
  const cert = certificateFor(ep);
  const params: LegDtls = {
    role,
    certPem: cert.certPem,
    keyPem: cert.keyPem,
    signature: cert.signature,
    remoteFingerprints: remoteFingerprints.map((f) => ({ ...f })),
    verifyFingerprint: ep.dtlsVerify === "fingerprint" || ep.dtlsVerify === "yes",
    tag32: ep.srtpTag32,
    association,
  };
  if (ep.dtlsVerify === "certificate" || ep.dtlsVerify === "yes") params.caPem = trustedCas(ep);
  return params;
}
