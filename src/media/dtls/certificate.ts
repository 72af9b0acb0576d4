/**
 * Our DTLS certificate (RFC 5763 §5: each side presents a certificate, self-signed is fine, whose
 * fingerprint its SDP announces): read from the endpoint's dtls_cert_file / dtls_private_key, or
 * made once per process for dtls_auto_generate_cert=yes (an ephemeral ECDSA P-256 key and a
 * self-signed certificate, as Asterisk's ephemeral certificate). Runs on the main thread; the
 * PEM goes to the media worker with each leg.
 */
import { createPrivateKey, webcrypto, X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { PbxError } from "../../core/errors.js";
import { fingerprintOf, type CertificateFingerprint } from "./fingerprint.js";

export interface DtlsCertificate {
  certPem: string;
  keyPem: string;
  /** The key's algorithm, which decides the DTLS cipher suite (ECDHE_ECDSA or ECDHE_RSA). */
  signature: "ecdsa" | "rsa";
  /** The certificate, DER, for fingerprints. */
  der: Buffer;
  /** Where it came from, for logs: a file name or "ephemeral". */
  source: string;
}

/** The endpoint options that choose the certificate. */
export interface CertificateChoice {
  dtlsAutoGenerateCert: boolean;
  dtlsCertFile: string;
  dtlsPrivateKey: string;
}

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
/** An ephemeral certificate lives as long as the process; a month is plenty and keeps clocks' skew harmless. */
const EPHEMERAL_DAYS = 30;

let ephemeral: DtlsCertificate | undefined;
let making: Promise<DtlsCertificate> | undefined;
const fromFiles = new Map<string, { stamp: string; cert: DtlsCertificate }>();

function pem(label: string, der: Buffer): string {
  return `-----BEGIN ${label}-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END ${label}-----\n`;
}

/** Makes (once) the process's ephemeral certificate; later calls return the same one. */
export function prepareEphemeralCertificate(): Promise<DtlsCertificate> {
  making ??= (async () => {
    // Loaded here only: @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill first.
    await import("reflect-metadata");
    const x509 = await import("@peculiar/x509");
    // The library's types name the DOM's Crypto; Node's webcrypto is that API.
    x509.cryptoProvider.set(webcrypto as never);
    const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
    const now = Date.now();
    const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
    serial[0] = (serial[0] ?? 0) & 0x7f;
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial.toString("hex"),
      name: "CN=Switchboard DTLS",
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + EPHEMERAL_DAYS * 86_400_000),
      signingAlgorithm: ALGORITHM,
      keys: keys as never,
    });
    const der = Buffer.from(cert.rawData);
    const keyPem = pem("PRIVATE KEY", Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)));
    ephemeral = { certPem: pem("CERTIFICATE", der), keyPem, signature: "ecdsa", der, source: "ephemeral" };
    return ephemeral;
  })();
  return making;
}

/** Reads a certificate and its key (the key may sit in the certificate file, as Asterisk allows). Throws TLS_CERT naming the file. */
export function loadCertificateFiles(certFile: string, keyFile: string): DtlsCertificate {
  const keyPath = keyFile.length > 0 ? keyFile : certFile;
  let stamp: string;
  try {
    stamp = `${statSync(certFile).mtimeMs}/${statSync(keyPath).mtimeMs}`;
  } catch (err) {
    throw new PbxError("TLS_CERT", `DTLS certificate ${certFile}${keyPath !== certFile ? ` or key ${keyPath}` : ""} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const key = `${certFile}\n${keyPath}`;
  const cached = fromFiles.get(key);
  if (cached !== undefined && cached.stamp === stamp) return cached.cert;
  let certText: string;
  let keyText: string;
  try {
    certText = readFileSync(certFile, "utf8");
    keyText = readFileSync(keyPath, "utf8");
  } catch (err) {
    throw new PbxError("TLS_CERT", `DTLS certificate ${certFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const certBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(certText)?.[0];
  const keyBlock = /-----BEGIN (?:EC |RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:EC |RSA )?PRIVATE KEY-----/.exec(keyText)?.[0];
  if (certBlock === undefined) throw new PbxError("TLS_CERT", `${certFile} holds no PEM certificate (dtls_cert_file)`);
  if (keyBlock === undefined) throw new PbxError("TLS_CERT", `${keyPath} holds no PEM private key (set dtls_private_key to the key file)`);
  let der: Buffer;
  let signature: "ecdsa" | "rsa";
  let keyPem: string;
  try {
    const c = new X509Certificate(certBlock);
    der = c.raw;
    const k = createPrivateKey(keyBlock);
    if (!c.checkPrivateKey(k)) throw new Error(`the key in ${keyPath} does not belong to the certificate`);
    const type = k.asymmetricKeyType;
    if (type !== "ec" && type !== "rsa") throw new Error(`its key is ${type ?? "of an unknown type"}; DTLS here takes ECDSA (P-256) or RSA keys`);
    if (type === "ec" && k.asymmetricKeyDetails?.namedCurve !== "prime256v1") throw new Error(`its EC key is on ${k.asymmetricKeyDetails?.namedCurve ?? "an unknown curve"}; DTLS here signs with P-256 only`);
    signature = type === "ec" ? "ecdsa" : "rsa";
    // The DTLS library reads PKCS#8.
    keyPem = k.export({ type: "pkcs8", format: "pem" }).toString();
  } catch (err) {
    throw new PbxError("TLS_CERT", `DTLS certificate ${certFile} cannot be used: ${err instanceof Error ? err.message : String(err)}`);
  }
  const cert: DtlsCertificate = { certPem: pem("CERTIFICATE", der), keyPem, signature, der, source: certFile };
  fromFiles.set(key, { stamp, cert });
  return cert;
}

/**
 * The certificate an endpoint presents. Asterisk's order: dtls_auto_generate_cert=yes wins over a
 * file. Throws TLS_CERT when neither is usable (the ephemeral one not made yet is a programming error).
 */
export function certificateFor(ep: CertificateChoice): DtlsCertificate {
  if (ep.dtlsAutoGenerateCert || ep.dtlsCertFile.length === 0) {
    if (ephemeral === undefined) throw new PbxError("TLS_CERT", "the ephemeral DTLS certificate is not made yet (prepareEphemeralCertificate() first)");
    return ephemeral;
  }
  return loadCertificateFiles(ep.dtlsCertFile, ep.dtlsPrivateKey);
}

/** Our a=fingerprint under the endpoint's dtls_fingerprint (SHA-256 or SHA-1). */
export function localFingerprint(cert: DtlsCertificate, hash: string): CertificateFingerprint {
  const f = fingerprintOf(cert.der, hash) ?? fingerprintOf(cert.der, "sha-256");
  if (f === undefined) throw new PbxError("INVALID_ARGUMENT", "sha-256 is not available");
  return f;
}
