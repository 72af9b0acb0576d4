/**
 * `switchboard cert`: a self-signed certificate for the TLS transport, made in-process (no
 * openssl binary): an ECDSA P-256 key and an X.509 certificate whose subjectAltName lists the
 * host's name, `localhost` and its addresses, so phones that check names can be told to trust it.
 * Written as PEM beside each other in `<data>/tls/` (key 0600), never over existing files unless
 * asked.
 */
import { webcrypto, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname, networkInterfaces } from "node:os";
import { join } from "node:path";
// @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { PbxError } from "../../core/errors.js";

export interface SelfSignedCert {
  readonly certFile: string;
  readonly keyFile: string;
  /** SHA-256 fingerprint, `AB:CD:…`, as phones and `openssl x509 -fingerprint -sha256` show it. */
  readonly fingerprint: string;
  readonly names: readonly string[];
  readonly addresses: readonly string[];
  readonly notAfter: Date;
}

export interface MakeCertOptions {
  /** Directory for cert.pem and privkey.pem (created). */
  dir: string;
  /** Extra DNS names or IP addresses for subjectAltName. */
  extra?: readonly string[];
  /** Replace existing files. */
  force?: boolean;
  /** Days the certificate is valid (default 825, the most Apple devices accept). */
  days?: number;
  now?: Date;
}

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** The host's addresses to name in the certificate: every configured address, loopback included. */
function hostAddresses(): string[] {
  const out = new Set<string>(["127.0.0.1", "::1"]);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.address.startsWith("fe80:")) out.add(a.address);
  }
  return [...out];
}

export async function makeSelfSignedCert(o: MakeCertOptions): Promise<SelfSignedCert> {
  const certFile = join(o.dir, "cert.pem");
  const keyFile = join(o.dir, "privkey.pem");
  if (!o.force && (existsSync(certFile) || existsSync(keyFile))) {
    throw new PbxError("TLS_CERT", `${existsSync(certFile) ? certFile : keyFile} exists; pass --force to replace it (phones that trust the old certificate must then be told the new fingerprint)`);
  }
  const host = hostname();
  const extra = o.extra ?? [];
  const isAddress = (s: string): boolean => /^[\d.]+$/.test(s) || s.includes(":");
  const names = [...new Set([host, "localhost", ...extra.filter((s) => !isAddress(s))])];
  const addresses = [...new Set([...hostAddresses(), ...extra.filter(isAddress)])];
  // The library's types name the DOM's Crypto; Node's webcrypto is that API.
  x509.cryptoProvider.set(webcrypto as never);
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]));
  const now = o.now ?? new Date();
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + (o.days ?? 825) * 86_400_000);
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] = (serial[0] ?? 0) & 0x7f; // a positive INTEGER
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString("hex"),
    name: `CN=${host.replace(/[,=+<>#;"\\]/g, "_")}, O=Switchboard PBX`,
    notBefore,
    notAfter,
    signingAlgorithm: ALGORITHM,
    keys: keys as never,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([...names.map((value) => ({ type: "dns" as const, value })), ...addresses.map((value) => ({ type: "ip" as const, value }))]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END PRIVATE KEY-----\n`;
  const certPem = cert.toString("pem") + "\n";
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  // Each file is made new under a temporary name (exclusive, the key 0600 from the first byte)
  // and renamed into place: an existing file's permissions or a symlink in its place never apply.
  // Without --force the final names are claimed exclusively, so a race cannot overwrite either.
  const place = (file: string, text: string, mode: number): void => {
    if (!o.force) {
      writeFileSync(file, text, { flag: "wx", mode });
      return;
    }
    const temp = `${file}.${process.pid}.new`;
    rmSync(temp, { force: true });
    writeFileSync(temp, text, { flag: "wx", mode });
    renameSync(temp, file);
  };
  place(keyFile, keyPem, 0o600);
  place(certFile, certPem, 0o644);
  return { certFile, keyFile, fingerprint: new X509Certificate(certPem).fingerprint256, names, addresses, notAfter };
}
