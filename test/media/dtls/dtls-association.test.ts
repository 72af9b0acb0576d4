import { test } from "node:test";
import assert from "node:assert/strict";
import { DtlsAssociation } from "../../../src/media/dtls/dtls-association.js";
import { prepareEphemeralCertificate, localFingerprint } from "../../../src/media/dtls/certificate.js";
import type { DtlsLegState, DtlsSrtpKeys, LegDtls } from "../../../src/media/dtls/types.js";
import type { CertificateFingerprint } from "../../../src/media/dtls/fingerprint.js";

interface Side {
  a: DtlsAssociation;
  keys: DtlsSrtpKeys[];
  states: DtlsLegState[];
}

async function pair(o: { serverExpects?: CertificateFingerprint[]; tag32?: boolean } = {}): Promise<{ client: Side; server: Side; settled: Promise<void> }> {
  const cert = await prepareEphemeralCertificate();
  const fp = localFingerprint(cert, "sha-256");
  const base = { certPem: cert.certPem, keyPem: cert.keyPem, signature: cert.signature, verifyFingerprint: true, tag32: o.tag32 ?? false, association: 1 };
  const sides: Partial<Record<"client" | "server", Side>> = {};
  let done!: () => void;
  const settled = new Promise<void>((r) => (done = r));
  const check = (): void => {
    const finished = (s: Side | undefined) => s !== undefined && s.states.some((x) => x.state === "connected" || x.state === "failed");
    if (finished(sides.client) && finished(sides.server)) done();
  };
  const make = (role: "client" | "server", expects: CertificateFingerprint[]): Side => {
    const side: Side = { keys: [], states: [], a: undefined as unknown as DtlsAssociation };
    const params: LegDtls = { ...base, role, remoteFingerprints: expects };
    side.a = new DtlsAssociation(params, {
      // Each record crosses asynchronously, as a datagram would.
      send: (r) => setImmediate(() => (role === "client" ? sides.server : sides.client)?.a.receive(r)),
      keys: (k) => side.keys.push(k),
      changed: (s) => {
        side.states.push(s);
        check();
      },
    });
    return side;
  };
  sides.server = make("server", o.serverExpects ?? [fp]);
  sides.client = make("client", [fp]);
  sides.server.a.start();
  sides.client.a.start();
  return { client: sides.client, server: sides.server, settled };
}

test("dtls: a client and a server agree SRTP_AES128_CM_HMAC_SHA1_80 and export mirrored keys (RFC 5764 §4.2)", async () => {
  const { client, server, settled } = await pair();
  await settled;
  assert.equal(client.states.at(-1)?.state, "connected", JSON.stringify(client.states));
  assert.equal(server.states.at(-1)?.state, "connected", JSON.stringify(server.states));
  assert.equal(client.states.at(-1)?.profile, "SRTP_AES128_CM_HMAC_SHA1_80");
  assert.equal(server.states.at(-1)?.verified, "fingerprint");
  const c = client.keys[0];
  const s = server.keys[0];
  assert.ok(c && s);
  assert.equal(c.localKey, s.remoteKey);
  assert.equal(c.remoteKey, s.localKey);
  assert.notEqual(c.localKey, c.remoteKey);
  assert.equal(Buffer.from(c.localKey, "base64").length, 30);
  client.a.close();
  server.a.close();
});

test("dtls: with _32 offered, the profile agreed is the first both list", async () => {
  const { client, settled } = await pair({ tag32: true });
  await settled;
  assert.equal(client.states.at(-1)?.profile, "SRTP_AES128_CM_HMAC_SHA1_80");
});

test("dtls: dtls_verify refuses a certificate that matches none of the SDP's fingerprints, with the reason", async () => {
  const wrong = { hash: "sha-256", value: Array(32).fill("AB").join(":") };
  const { server, client, settled } = await pair({ serverExpects: [wrong] });
  await settled;
  const last = server.states.at(-1);
  assert.equal(last?.state, "failed");
  assert.match(last?.reason ?? "", /does not match the a=fingerprint/);
  assert.equal(server.keys.length, 0);
  client.a.close();
  server.a.close();
});

test("dtls association: junk in the DTLS range (a lone byte, a record whose length runs past the datagram) is dropped, and a real handshake still completes", async () => {
  const { wholeRecords } = await import("../../../src/media/dtls/dtls-association.js");
  assert.equal(wholeRecords(Buffer.from([0x16])), false);
  assert.equal(wholeRecords(Buffer.concat([Buffer.from([0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00]), Buffer.alloc(10)])), false, "length 256, 10 bytes");
  assert.equal(wholeRecords(Buffer.concat([Buffer.from([0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]), Buffer.alloc(2)])), true);
  const { client, server, settled } = await pair();
  for (const junk of [Buffer.from([0x16]), Buffer.from([0x17, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2]), Buffer.alloc(13, 0x16)]) {
    assert.doesNotThrow(() => server.a.receive(junk));
    assert.doesNotThrow(() => client.a.receive(junk));
  }
  await settled;
  assert.ok(server.states.some((s) => s.state === "connected"), JSON.stringify(server.states));
  client.a.close();
  server.a.close();
});
