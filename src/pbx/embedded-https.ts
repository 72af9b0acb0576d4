/**
 * The embedded default's HTTPS certificate (SIP over WSS): `<data>/tls/cert.pem` and
 * `privkey.pem`, the files `switchboard cert` writes, made on the first start without a
 * configuration directory. A pair already there (renewed by `switchboard cert --force`, or one
 * the admin put there) is used as it is.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../core/logger.js";
import type { EmbeddedHttps } from "../config/defaults/embedded.js";

export function embeddedHttpsFiles(dataDir: string): EmbeddedHttps {
  return { certFile: join(dataDir, "tls", "cert.pem"), keyFile: join(dataDir, "tls", "privkey.pem") };
}

/** The pair if both files exist, else undefined. */
export function existingEmbeddedHttps(dataDir: string): EmbeddedHttps | undefined {
  const f = embeddedHttpsFiles(dataDir);
  return existsSync(f.certFile) && existsSync(f.keyFile) ? f : undefined;
}

/**
 * The pair, made when neither file exists. Half a pair, or a failure to write, leaves the
 * embedded default without HTTPS (and WSS), said once.
 */
export async function ensureEmbeddedHttps(dataDir: string, log: Logger): Promise<EmbeddedHttps | undefined> {
  const f = embeddedHttpsFiles(dataDir);
  const have = [existsSync(f.certFile), existsSync(f.keyFile)];
  if (have[0] && have[1]) return f;
  if (have[0] || have[1]) {
    log.warn({}, `${have[0] ? f.certFile : f.keyFile} exists without its ${have[0] ? "key" : "certificate"}: no HTTPS (and no SIP over WSS); run switchboard cert --force to make a new pair`);
    return undefined;
  }
  try {
    // Loaded only here: the X.509 library is not needed by a PBX that has its certificate.
    const { makeSelfSignedCert } = await import("../sip/transport/self-signed-cert.js");
    const made = await makeSelfSignedCert({ dir: join(dataDir, "tls") });
    log.notice({}, `Made a self-signed certificate for HTTPS and SIP over WSS: ${made.certFile} (SHA-256 ${made.fingerprint})`);
    return f;
  } catch (err) {
    log.warn({}, `No HTTPS (and no SIP over WSS): cannot make a certificate in ${join(dataDir, "tls")}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}
