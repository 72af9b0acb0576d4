import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, randomBytes, sign } from "node:crypto";
import { proofProblem, type HandshakeMessage } from "../../../src/media/dtls/handshake-proof.js";
import { prepareEphemeralCertificate } from "../../../src/media/dtls/certificate.js";

function message(msgType: number, body: Buffer): HandshakeMessage {
  const header = Buffer.alloc(12);
  header[0] = msgType;
  header.writeUIntBE(body.length, 1, 3);
  header.writeUIntBE(body.length, 9, 3);
  return { msgType, body, raw: Buffer.concat([header, body]) };
}

function withSignature(prefix: Buffer, sig: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(sig.length);
  return Buffer.concat([prefix, Buffer.from([4, 3]), len, sig]); // sha256, ecdsa
}

test("handshake proof: a ServerKeyExchange signed with the certificate's key verifies; a forged one does not (RFC 4492 §5.4)", async () => {
  const cert = await prepareEphemeralCertificate();
  const key = createPrivateKey(cert.keyPem);
  const clientHello = message(1, Buffer.concat([Buffer.from([0xfe, 0xfd]), randomBytes(32), Buffer.from([0])]));
  const serverHello = message(2, Buffer.concat([Buffer.from([0xfe, 0xfd]), randomBytes(32), Buffer.from([0])]));
  const params = Buffer.concat([Buffer.from([3, 0, 23, 65]), randomBytes(65)]);
  const signed = Buffer.concat([clientHello.body.subarray(2, 34), serverHello.body.subarray(2, 34), params]);
  const good = message(12, withSignature(params, sign("sha256", signed, key)));
  assert.equal(proofProblem("client", [clientHello, serverHello, good], cert.der), undefined);
  const forged = message(12, withSignature(params, sign("sha256", Buffer.from("something else"), key)));
  assert.match(proofProblem("client", [clientHello, serverHello, forged], cert.der) ?? "", /ServerKeyExchange signature does not verify/);
  assert.match(proofProblem("client", [clientHello, serverHello], cert.der) ?? "", /lacks a ClientHello, ServerHello or ServerKeyExchange/);
});

test("handshake proof: a CertificateVerify over the transcript from the cookie's ClientHello verifies; one over another transcript does not", async () => {
  const cert = await prepareEphemeralCertificate();
  const key = createPrivateKey(cert.keyPem);
  const first = message(1, randomBytes(40));
  const verifyRequest = message(3, randomBytes(20));
  const transcript = [message(1, randomBytes(60)), message(2, randomBytes(40)), message(11, randomBytes(300)), message(14, Buffer.alloc(0)), message(11, randomBytes(300)), message(16, randomBytes(66))];
  const cv = message(15, withSignature(Buffer.alloc(0), sign("sha256", Buffer.concat(transcript.map((m) => m.raw)), key)));
  assert.equal(proofProblem("server", [first, verifyRequest, ...transcript, cv], cert.der), undefined);
  const tampered = [...transcript];
  tampered[5] = message(16, randomBytes(66));
  assert.match(proofProblem("server", [...tampered, cv], cert.der) ?? "", /CertificateVerify signature does not verify/);
  assert.match(proofProblem("server", transcript, cert.der) ?? "", /no CertificateVerify/);
});
