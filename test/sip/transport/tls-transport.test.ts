/**
 * TlsTransport with real TLS sockets on loopback: two transports talk SIP over TLS; a transport
 * that opens a connection with verify_server=yes refuses a server whose certificate it does not
 * trust or whose name does not match, and takes one it trusts; a missing certificate file and
 * SSLv3 are refused with their reason before anything listens.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nullLogger } from "../../../src/core/logger.js";
import { makeSelfSignedCert, type SelfSignedCert } from "../../../src/sip/transport/self-signed-cert.js";
import { TlsTransport, secureContextOptions, serverIdentity, type TlsSettings } from "../../../src/sip/transport/tls-transport.js";

const base = (c: SelfSignedCert, over: Partial<TlsSettings> = {}): TlsSettings => ({
  certFile: c.certFile, privKeyFile: c.keyFile, password: "", caListFile: "", caListPath: "", method: "default", cipher: "",
  verifyClient: false, verifyServer: false, requireClientCert: false, allowWildcardCerts: false, ...over,
});

describe("TlsTransport (real loopback TLS)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sw-tls-unit-"));
  let server: SelfSignedCert;
  let stranger: SelfSignedCert;
  let listener: TlsTransport;
  const received: string[] = [];
  const OPTIONS = Buffer.from("OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:1;branch=z9hG4bK-u\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: u\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");

  before(async () => {
    server = await makeSelfSignedCert({ dir: join(dir, "server") });
    stranger = await makeSelfSignedCert({ dir: join(dir, "stranger") });
    listener = new TlsTransport({ id: "tls-in", address: "127.0.0.1", port: 0, delegate: { allow: () => true, onMessage: (m) => void received.push(m.toString("latin1")) }, log: nullLogger, tls: base(server) });
    await listener.listen();
  });

  after(async () => {
    await listener?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function sendFrom(settings: TlsSettings): Promise<string | undefined> {
    const out = new TlsTransport({ id: "tls-out", address: "127.0.0.1", port: 0, delegate: { allow: () => true, onMessage: () => undefined }, log: nullLogger, tls: settings });
    await out.listen();
    try {
      return await new Promise<string | undefined>((resolve) => {
        const before = received.length;
        out.send(OPTIONS, "127.0.0.1", listener.localPort, undefined, (err) => resolve(err.message));
        const poll = setInterval(() => {
          if (received.length > before) {
            clearInterval(poll);
            resolve(undefined);
          }
        }, 20);
        setTimeout(() => (clearInterval(poll), resolve("nothing arrived")), 4000);
      });
    } finally {
      await out.close();
    }
  }

  it("without verify_server a message goes through; the listener frames it like TCP", async () => {
    assert.equal(await sendFrom(base(stranger)), undefined);
    assert.match(received.at(-1) ?? "", /^OPTIONS sip:x@127\.0\.0\.1 SIP\/2\.0\r\n/);
  });

  it("verify_server=yes: a server certificate from an unknown CA is refused, a trusted one is taken", async () => {
    assert.match((await sendFrom(base(stranger, { verifyServer: true }))) ?? "", /TLS connect to 127\.0\.0\.1:\d+ failed: self.signed certificate/i);
    assert.equal(await sendFrom(base(stranger, { verifyServer: true, caListFile: server.certFile })), undefined, "its CA in ca_list_file (the self-signed certificate itself)");
    assert.equal(await sendFrom(base(stranger, { verifyServer: true, caListPath: join(dir, "server") })), undefined, "or a directory in ca_list_path");
  });

  it("reloadCredentials (core reload): new connections get the new certificate", async () => {
    const { connect } = await import("node:tls");
    const fingerprint = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = connect({ host: "127.0.0.1", port: listener.localPort, rejectUnauthorized: false }, () => {
          resolve(s.getPeerX509Certificate()?.fingerprint256 ?? "");
          s.destroy();
        });
        s.on("error", reject);
      });
    assert.equal(await fingerprint(), server.fingerprint);
    const renewed = await makeSelfSignedCert({ dir: join(dir, "renewed") });
    listener.reloadCredentials(base(renewed));
    assert.equal(await fingerprint(), renewed.fingerprint);
    assert.throws(() => listener.reloadCredentials(base(renewed, { certFile: join(dir, "gone.pem") })), /cannot read cert_file/);
    assert.equal(await fingerprint(), renewed.fingerprint, "a failed reload keeps the certificate in use");
    // require_client_cert switched on by a reload: new connections are asked for a certificate.
    listener.reloadCredentials(base(server, { requireClientCert: true }));
    const before = received.length;
    await new Promise<void>((resolve) => {
      const s = connect({ host: "127.0.0.1", port: listener.localPort, rejectUnauthorized: false }, () => void s.write(OPTIONS));
      s.on("error", () => undefined);
      s.on("close", () => resolve());
    });
    assert.equal(received.length, before, "a client without a certificate is refused once require_client_cert=yes is reloaded");
    assert.equal(await sendFrom(base(stranger)), undefined, "one that presents a certificate gets in (not verified: verify_client=no)");
    listener.reloadCredentials(base(server));
  });

  it("a client speaking plain SIP to the TLS port: one NOTICE naming it and OpenSSL's reason on one line; a banned address gets no handshake", async () => {
    const { CaptureLogger } = await import("../../../src/core/logger.js");
    const { connect: tcp } = await import("node:net");
    const log = new CaptureLogger();
    let banned = false;
    const t = new TlsTransport({ id: "tls-log", address: "127.0.0.1", port: 0, delegate: { allow: () => !banned, onMessage: () => undefined }, log, tls: base(server) });
    await t.listen();
    const plain = (): Promise<void> =>
      new Promise((resolve) => {
        const c = tcp(t.localPort, "127.0.0.1", () => void c.write(OPTIONS));
        c.on("error", () => undefined);
        c.on("close", () => resolve());
      });
    try {
      await plain();
      await new Promise((r) => setTimeout(r, 50));
      const lines = log.records.filter((r) => r.level === "notice").map((r) => r.msg);
      assert.equal(lines.length, 1, lines.join("\n"));
      assert.match(lines[0] ?? "", /^TLS connection from 127\.0\.0\.1:\d+ to transport 'tls-log' refused: [a-z ]+$/);
      banned = true;
      await plain();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(log.records.filter((r) => r.level === "notice").length, 1, "a banned source is dropped before the handshake, silently");
    } finally {
      await t.close();
    }
  });

  it("server names: exact, CN-only and wildcard certificates under allow_wildcard_certs", () => {
    const cert = (subjectaltname: string, cn: string) => ({ subject: { CN: cn }, subjectaltname }) as never;
    assert.equal(serverIdentity("pbx.example.com", cert("DNS:pbx.example.com", "x"), false), undefined);
    assert.equal(serverIdentity("pbx.example.com", cert("", "pbx.example.com"), false), undefined, "a CN-only certificate (no subjectAltName)");
    assert.match(String(serverIdentity("pbx.example.com", cert("DNS:*.example.com", "x"), false)), /matches only a wildcard name of the certificate, and allow_wildcard_certs=no/);
    assert.equal(serverIdentity("pbx.example.com", cert("DNS:*.example.com", "x"), true), undefined);
    assert.match(String(serverIdentity("pbx.example.com", cert("DNS:other.example.com", "x"), true)), /does not match|not in the cert/i);
  });

  it("a missing key, an unreadable CA and method=sslv3 are refused with the reason, before anything listens", () => {
    assert.throws(() => secureContextOptions(base(server, { privKeyFile: "" })), /protocol=tls needs cert_file and priv_key_file \(make a pair with `switchboard cert`\)/);
    assert.throws(() => secureContextOptions(base(server, { caListFile: join(dir, "nope.pem") })), /cannot read ca_list_file .*nope\.pem/);
    assert.throws(() => secureContextOptions(base(server, { method: "sslv3" })), /method=sslv3 is not available/);
    assert.throws(() => secureContextOptions(base(server, { privKeyFile: stranger.keyFile })), /not usable: key values mismatch/, "a key that is not the certificate's");
    assert.throws(() => secureContextOptions(base(server, { cipher: "NO-SUCH-CIPHER" })), /cipher NO-SUCH-CIPHER not usable: no cipher match/);
    const pinned = secureContextOptions(base(server, { method: "tlsv1_2", cipher: "ECDHE-ECDSA-AES128-GCM-SHA256,ECDHE-ECDSA-AES256-GCM-SHA384" }));
    assert.equal(pinned.minVersion, "TLSv1.2");
    assert.equal(pinned.maxVersion, "TLSv1.2");
    assert.equal(pinned.ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384", "Asterisk's comma list as OpenSSL's colon list");
  });
});
