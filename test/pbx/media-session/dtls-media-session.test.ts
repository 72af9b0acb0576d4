/**
 * MediaSession with media_encryption=dtls (RFC 5763 §5): our a=fingerprint/a=setup/a=connection,
 * the role the two a=setup values give, the peer's fingerprint handed to the relay leg, new
 * associations only when the role or the fingerprint change; webrtc=yes as Asterisk expands it;
 * certificates from files.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildPjsipConfig, parseConfigText, type EndpointConfig } from "../../../src/config/index.js";
import { MediaSession, type MediaSessionEngine } from "../../../src/pbx/media-session/media-session.js";
import { certificateFor, loadCertificateFiles, localFingerprint, prepareEphemeralCertificate, type LegDtls } from "../../../src/media/dtls/index.js";
import type { LegOptions } from "../../../src/media/index.js";
import * as offers from "../../media/sdp/phone-offers.js";

let dir = "";
let certFile = "";
let keyFile = "";

before(async () => {
  await prepareEphemeralCertificate();
  dir = mkdtempSync(join(tmpdir(), "sw-dtls-ms-"));
  certFile = join(dir, "cert.pem");
  keyFile = join(dir, "key.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "2", "-subj", "/CN=dtls-test"], { stdio: "ignore" });
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function endpoints(): Map<string, EndpointConfig> {
  const text = `
[dtls]
type=endpoint
allow=!all,ulaw
media_encryption=dtls
dtls_auto_generate_cert=yes
dtls_verify=fingerprint

[webrtc]
type=endpoint
allow=!all,opus,ulaw
webrtc=yes

[fromfile]
type=endpoint
allow=!all,ulaw
media_encryption=dtls
dtls_cert_file=${certFile}
dtls_private_key=${keyFile}
dtls_setup=actpass
dtls_fingerprint=SHA-1

[missing]
type=endpoint
allow=!all,ulaw
media_encryption=dtls
dtls_cert_file=${join(dir, "nope.pem")}
`;
  return buildPjsipConfig(parseConfigText(text, "pjsip.conf")).endpoints;
}

function session(id: string) {
  const ep = endpoints().get(id);
  assert.ok(ep, id);
  const dtls: Array<LegDtls | undefined> = [];
  const options: Array<Partial<LegOptions>> = [];
  const engine: MediaSessionEngine = {
    setRemote: () => undefined,
    setOptions: (_id, o) => void options.push(o),
    setSrtp: () => undefined,
    setDtls: (_id, d) => void dtls.push(d),
    setIceRemote: () => undefined,
    iceSelected: () => undefined,
  };
  const s = new MediaSession({ media: engine, legId: "leg-1", localPort: 30000, address: "192.0.2.1", endpoint: ep, sessionId: "42" });
  return { s, ep, dtls, options };
}

const line = (sdp: string, prefix: string) => sdp.split("\r\n").find((l) => l.startsWith(prefix));
const PEER_FP = "4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF";

function answerSdp(o: { setup?: string; fingerprint?: string; profile?: string; mux?: boolean } = {}): string {
  return [
    "v=0",
    "o=peer 7 7 IN IP4 198.51.100.5",
    "s=-",
    "c=IN IP4 198.51.100.5",
    "t=0 0",
    `m=audio 4000 ${o.profile ?? "UDP/TLS/RTP/SAVP"} 0`,
    "a=rtpmap:0 PCMU/8000",
    ...(o.fingerprint === "" ? [] : [`a=fingerprint:sha-256 ${o.fingerprint ?? PEER_FP}`]),
    ...(o.setup ? [`a=setup:${o.setup}`] : []),
    ...(o.mux ? ["a=rtcp-mux"] : []),
    "a=sendrecv",
    "",
  ].join("\r\n");
}

test("dtls media session: a browser offer (actpass) is answered UDP/TLS/RTP/SAVPF, a=setup:active, our fingerprint, a=rtcp-mux; the leg runs the handshake as client against the offer's fingerprint", () => {
  const { s, ep, dtls, options } = session("webrtc");
  const checked = MediaSession.checkOffer(offers.CHROME_WEBRTC, ep);
  assert.ok(checked.ok, checked.ok ? "" : checked.detail);
  s.takeOffer(checked);
  const answer = s.description();
  assert.match(line(answer, "m=audio") ?? "", /^m=audio 30000 UDP\/TLS\/RTP\/SAVPF /);
  assert.equal(line(answer, "a=setup:"), "a=setup:active");
  assert.equal(line(answer, "a=connection:"), "a=connection:new");
  assert.equal(line(answer, "a=fingerprint:"), `a=fingerprint:sha-256 ${localFingerprint(certificateFor(ep), "SHA-256").value}`);
  assert.equal(line(answer, "a=rtcp-mux"), "a=rtcp-mux");
  const d = dtls.at(-1);
  assert.ok(d);
  assert.equal(d.role, "client");
  assert.equal(d.verifyFingerprint, true, "webrtc=yes sets dtls_verify=fingerprint");
  assert.deepEqual(d.remoteFingerprints, [{ hash: "sha-256", value: PEER_FP }]);
  assert.equal(s.dtls, "client");
  assert.equal(s.srtp, undefined, "no SDES suite: the clear-key notice does not apply");
  assert.ok(options.some((o) => o.srtpRequired === true), "no clear media before the keys");
  assert.ok(options.some((o) => o.rtcpMux === true));
});

test("dtls media session: our offer is UDP/TLS/RTP/SAVP with a=setup per dtls_setup; a passive answer makes us the client, and so does an active one (baresip's), since the role we offered stands", () => {
  const { s, dtls } = session("dtls");
  s.offer();
  const offer = s.description();
  assert.match(line(offer, "m=audio") ?? "", /^m=audio 30000 UDP\/TLS\/RTP\/SAVP 0 101$/);
  assert.equal(line(offer, "a=setup:"), "a=setup:active", "Asterisk's default dtls_setup=active");
  assert.equal(line(offer, "a=connection:"), "a=connection:new");
  assert.equal(line(offer, "a=rtcp-mux"), undefined, "rtcp_mux=no");
  const ok = s.takeAnswer(answerSdp({ setup: "passive" }));
  assert.ok(ok.ok);
  assert.equal(dtls.at(-1)?.role, "client");
  const contradicting = session("dtls");
  contradicting.s.offer();
  contradicting.s.description();
  assert.ok(contradicting.s.takeAnswer(answerSdp({ setup: "active" })).ok);
  assert.equal(contradicting.dtls.at(-1)?.role, "client");
});

test("dtls media session: an answer without a=fingerprint, or in plain RTP/AVP, cannot be used", () => {
  const a = session("dtls");
  a.s.offer();
  a.s.description();
  const r = a.s.takeAnswer(answerSdp({ setup: "passive", fingerprint: "" }));
  assert.ok(!r.ok);
  assert.match(r.reason, /no a=fingerprint/);
  const p = a.s.takeAnswer(answerSdp({ setup: "passive", profile: "RTP/AVP" }));
  assert.ok(!p.ok);
  assert.match(p.reason, /RTP\/AVP for our DTLS-SRTP/);
});

test("dtls media session: offering actpass, an active answer makes us the server; a re-offer of ours keeps the association (a=setup:passive, a=connection:existing)", () => {
  const { s, dtls } = session("fromfile");
  s.offer();
  const offer = s.description();
  assert.equal(line(offer, "a=setup:"), "a=setup:actpass");
  assert.match(line(offer, "a=fingerprint:") ?? "", /^a=fingerprint:sha-1 ([0-9A-F]{2}:){19}[0-9A-F]{2}$/, "dtls_fingerprint=SHA-1");
  assert.ok(s.takeAnswer(answerSdp({ setup: "active" })).ok);
  assert.equal(dtls.at(-1)?.role, "server");
  const first = dtls.at(-1)?.association;
  const re = s.reoffer();
  assert.equal(line(re, "a=setup:"), "a=setup:passive");
  assert.equal(line(re, "a=connection:"), "a=connection:existing");
  assert.ok(s.takeAnswer(answerSdp({ setup: "active" })).ok);
  assert.equal(dtls.at(-1)?.association, first, "same role and fingerprint: the same association");
  assert.ok(s.takeAnswer(answerSdp({ setup: "active", fingerprint: PEER_FP.replace("4A", "4B") })).ok);
  assert.notEqual(dtls.at(-1)?.association, first, "a new certificate: a new handshake");
});

test("dtls media session: a re-offer with the same fingerprint is answered a=connection:existing and keeps the handshake", () => {
  const { s, ep, dtls } = session("webrtc");
  const checked = MediaSession.checkOffer(offers.CHROME_WEBRTC, ep);
  assert.ok(checked.ok);
  s.takeOffer(checked);
  s.description();
  const r = s.answerReoffer(offers.CHROME_WEBRTC.replace("a=sendrecv", "a=sendonly"));
  assert.ok(r.ok);
  assert.equal(line(r.sdp, "a=connection:"), "a=connection:existing");
  assert.equal(line(r.sdp, "a=setup:"), "a=setup:active");
  assert.equal(new Set(dtls.map((d) => d?.association)).size, 1);
});

test("dtls config: webrtc=yes expands as Asterisk documents it", () => {
  const ep = endpoints().get("webrtc");
  assert.ok(ep);
  assert.equal(ep.mediaEncryption, "dtls");
  assert.equal(ep.useAvpf, true);
  assert.equal(ep.rtcpMux, true);
  assert.equal(ep.iceSupport, true);
  assert.equal(ep.mediaUseReceivedTransport, true);
  assert.equal(ep.dtlsVerify, "fingerprint");
  assert.equal(ep.dtlsSetup, "actpass");
  assert.equal(ep.dtlsAutoGenerateCert, true, "no dtls_cert_file: an ephemeral certificate");
  assert.equal(ep.dtlsRekey, 0);
});

test("dtls certificate: dtls_cert_file + dtls_private_key are read; the fingerprint is openssl's", () => {
  const cert = loadCertificateFiles(certFile, keyFile);
  assert.equal(cert.signature, "ecdsa");
  const openssl = execFileSync("openssl", ["x509", "-in", certFile, "-noout", "-fingerprint", "-sha256"], { encoding: "utf8" }).trim().split("=")[1];
  assert.equal(localFingerprint(cert, "sha-256").value, openssl);
  assert.throws(() => loadCertificateFiles(join(dir, "nope.pem"), ""), /cannot be read \(ENOENT\)/);
  assert.throws(() => loadCertificateFiles(keyFile, keyFile), /holds no PEM certificate/);
});

test("dtls media session: an unreadable dtls_cert_file refuses the offer with 399 and the reason", () => {
  const ep = endpoints().get("missing");
  assert.ok(ep);
  const sdp = offers.CHROME_WEBRTC.replace("UDP/TLS/RTP/SAVPF", "UDP/TLS/RTP/SAVP");
  const r = MediaSession.checkOffer(sdp, ep);
  assert.ok(!r.ok);
  assert.match(r.warning, /^399 /);
  assert.match(r.detail, /endpoint 'missing' has media_encryption=dtls but DTLS certificate .*nope\.pem cannot be read/);
  assert.equal(MediaSession.canOffer(ep), false);
});
