/**
 * DTLS-SRTP in the media workers (RFC 5764): a phone made of a UDP socket, our DTLS association
 * as its client and our SRTP, against a leg that runs the server side; the leg is bridged to a
 * plain RTP phone. The handshake arrives through the RFC 7983 demultiplexing of the RTP port.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { MediaEngine } from "../../src/media/media-engine.js";
import { DtlsAssociation } from "../../src/media/dtls/dtls-association.js";
import { localFingerprint, prepareEphemeralCertificate, type DtlsCertificate, type DtlsLegState, type DtlsSrtpKeys } from "../../src/media/dtls/index.js";
import { SrtpContext } from "../../src/media/srtp/srtp.js";
import { CaptureLogger } from "../../src/core/logger.js";
import { FakePhone } from "./fake-phone.js";

let engine: MediaEngine;
let cert: DtlsCertificate;
const phones: FakePhone[] = [];
const states: Array<[string, DtlsLegState]> = [];

before(async () => {
  cert = await prepareEphemeralCertificate();
  engine = new MediaEngine({ rtpStart: 61700, rtpEnd: 61799, bindAddress: "127.0.0.1", workers: 1, strictRtp: "no", probation: 1, log: new CaptureLogger() });
  await engine.start();
  engine.on("dtls", (id, s) => states.push([id, s]));
});

after(async () => {
  for (const p of phones) p.socket.close();
  await engine.close();
});

async function phone(): Promise<FakePhone> {
  const p = await FakePhone.open();
  phones.push(p);
  return p;
}

/** A DTLS phone on `p` talking to our leg's port: it starts the handshake and reports its keys. */
function dtlsPhone(p: FakePhone, legPort: number): { keys: Promise<DtlsSrtpKeys>; association: DtlsAssociation } {
  let resolve!: (k: DtlsSrtpKeys) => void;
  const keys = new Promise<DtlsSrtpKeys>((r) => (resolve = r));
  const fp = localFingerprint(cert, "sha-256");
  const association = new DtlsAssociation(
    { role: "client", certPem: cert.certPem, keyPem: cert.keyPem, signature: cert.signature, remoteFingerprints: [fp], verifyFingerprint: true, tag32: false, association: 1 },
    { send: (r) => p.send(r, legPort), keys: resolve, changed: () => {} },
  );
  p.socket.on("message", (msg) => {
    if ((msg[0] ?? 0) >= 20 && (msg[0] ?? 0) <= 63) association.receive(msg);
  });
  association.start();
  return { keys, association };
}

async function until<T>(probe: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function rtp(seq: number, ssrc: number, text: string): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0x80;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(seq * 160, 4);
  b.writeUInt32BE(ssrc, 8);
  return Buffer.concat([b, Buffer.from(text)]);
}

test("media-engine dtls: a DTLS phone completes the handshake on the leg's RTP port; its SRTP reaches the plain phone decrypted and the plain phone's RTP reaches it encrypted", async () => {
  const a = await engine.allocate({ group: "g1" });
  const b = await engine.allocate({ group: "g1" });
  const pa = await phone();
  const pb = await phone();
  engine.setRemote(a.id, pa.address);
  engine.setRemote(b.id, pb.address);
  engine.setOptions(a.id, { srtpRequired: true });
  engine.bridge(a.id, b.id);
  engine.setDtls(a.id, { role: "server", certPem: cert.certPem, keyPem: cert.keyPem, signature: cert.signature, remoteFingerprints: [localFingerprint(cert, "sha-256")], verifyFingerprint: true, tag32: false, association: 1 });
  const { keys, association } = dtlsPhone(pa, a.localPort);
  const k = await keys;
  await until(() => states.find(([id, s]) => id === a.id && s.state === "connected"), "the leg's connected state");
  const st = await engine.stats(a.id);
  assert.equal(st.dtls?.state, "connected");
  assert.equal(st.dtls?.verified, "fingerprint");
  assert.equal(st.srtp?.suite, "AES_CM_128_HMAC_SHA1_80");
  const out = SrtpContext.fromInlineKey(k.suite, k.localKey);
  const inn = SrtpContext.fromInlineKey(k.suite, k.remoteKey);
  const sent = [1, 2, 3].map((seq) => rtp(seq, 0xaaaa0001, `secret-${seq}`));
  for (const s of sent) pa.send(out.protect(s), a.localPort);
  const atB = await pb.waitFor(3);
  assert.deepEqual(atB.map((r) => r.msg), sent, "decrypted for the plain phone");
  const back = rtp(9, 0xbbbb0001, "plain-9");
  pb.send(back, b.localPort);
  const srtp = await until(() => pa.received.find((r) => (r.msg[0] ?? 0) >> 6 === 2 && r.msg.length > 12 + 7), "SRTP at the DTLS phone");
  assert.ok(!srtp.msg.includes(Buffer.from("plain-9")), "not in the clear toward the DTLS phone");
  assert.deepEqual(inn.unprotect(srtp.msg), back);
  association.close();
});

test("media-engine dtls: a certificate that matches none of the SDP's fingerprints gets no keys, the leg says why, and nothing is relayed", async () => {
  const a = await engine.allocate({ group: "g2" });
  const b = await engine.allocate({ group: "g2" });
  const pa = await phone();
  const pb = await phone();
  engine.setRemote(a.id, pa.address);
  engine.setRemote(b.id, pb.address);
  engine.setOptions(a.id, { srtpRequired: true });
  engine.bridge(a.id, b.id);
  const wrong = { hash: "sha-256", value: Array(32).fill("EE").join(":") };
  engine.setDtls(a.id, { role: "server", certPem: cert.certPem, keyPem: cert.keyPem, signature: cert.signature, remoteFingerprints: [wrong], verifyFingerprint: true, tag32: false, association: 1 });
  const { keys, association } = dtlsPhone(pa, a.localPort);
  const k = await keys; // the phone's side completes; ours refuses to use it
  const failed = await until(() => states.find(([id, s]) => id === a.id && s.state === "failed")?.[1], "the leg's failed state");
  assert.match(failed.reason ?? "", /does not match the a=fingerprint of its SDP \(sha-256 EE:EE/);
  const out = SrtpContext.fromInlineKey(k.suite, k.localKey);
  pa.send(out.protect(rtp(1, 0xaaaa0002, "secret")), a.localPort);
  pb.send(rtp(5, 0xbbbb0002, "plain"), b.localPort);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(pb.received.length, 0, "nothing reached the plain phone");
  assert.ok(!pa.received.some((r) => (r.msg[0] ?? 0) >> 6 === 2), "nothing reached the DTLS phone as RTP");
  assert.equal((await engine.stats(a.id)).srtp, undefined);
  association.close();
});
