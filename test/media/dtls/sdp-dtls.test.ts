import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSdp, parseAudioSdp } from "../../../src/media/sdp/index.js";
import { answerSetup, certificateMatches, datagramKind, fingerprintOf, parseFingerprint, parseSetup, roleOf } from "../../../src/media/dtls/index.js";
import * as offers from "../sdp/phone-offers.js";

test("dtls sdp: a browser offer's a=fingerprint, a=setup:actpass are read (RFC 5763 §5)", () => {
  const r = parseAudioSdp(offers.CHROME_WEBRTC);
  assert.ok(r.ok);
  assert.deepEqual(r.audio.fingerprints, [{ hash: "sha-256", value: "4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF" }]);
  assert.equal(r.audio.setup, "actpass");
  assert.equal(r.audio.connectionType, undefined);
});

test("dtls sdp: a session-level fingerprint applies when the media has none; a malformed one is not read", () => {
  const sdp = offers.CHROME_WEBRTC.replace(/a=fingerprint:[^\r\n]*\r\n/, "").replace("t=0 0\r\n", "t=0 0\r\na=fingerprint:SHA-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n");
  const r = parseAudioSdp(sdp);
  assert.ok(r.ok);
  assert.deepEqual(r.audio.fingerprints, [{ hash: "sha-1", value: "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33" }]);
  const bad = parseAudioSdp(offers.CHROME_WEBRTC.replace(/a=fingerprint:sha-256 \S+/, "a=fingerprint:sha-256 <script>"));
  assert.ok(bad.ok);
  assert.equal(bad.audio.fingerprints, undefined);
});

test("dtls sdp: our description carries a=fingerprint, a=setup, a=connection and a=rtcp-mux, and reads back", () => {
  const fingerprint = { hash: "sha-256", value: Array(32).fill("0A").join(":") };
  const sdp = buildSdp({
    origin: { sessionId: "1", sessionVersion: 1, address: "192.0.2.1" },
    address: "192.0.2.1",
    port: 4000,
    codecs: [{ name: "ulaw", encoding: "PCMU", payloadType: 0, clockRate: 8000 }],
    direction: "sendrecv",
    profile: "UDP/TLS/RTP/SAVPF",
    dtls: { fingerprint, setup: "actpass", connection: "new" },
    rtcpMux: true,
  });
  assert.match(sdp, /\r\nm=audio 4000 UDP\/TLS\/RTP\/SAVPF 0\r\n/);
  assert.match(sdp, /\r\na=fingerprint:sha-256 0A:0A:/);
  assert.match(sdp, /\r\na=setup:actpass\r\n/);
  assert.match(sdp, /\r\na=connection:new\r\n/);
  assert.match(sdp, /\r\na=rtcp-mux\r\n/);
  const r = parseAudioSdp(sdp);
  assert.ok(r.ok);
  assert.deepEqual(r.audio.fingerprints, [fingerprint]);
  assert.equal(r.audio.setup, "actpass");
  assert.equal(r.audio.connectionType, "new");
  assert.equal(r.audio.rtcpMux, true);
});

test("dtls setup: the answerer's a=setup and the roles (RFC 5763 §5, RFC 4145 §4)", () => {
  // [offered, dtls_setup, our answer]
  const rows: Array<[Parameters<typeof answerSetup>[0], "active" | "passive" | "actpass", "active" | "passive" | undefined]> = [
    ["actpass", "active", "active"],
    ["actpass", "actpass", "active"], // RFC 5763: the answerer SHOULD be active
    ["actpass", "passive", "passive"],
    ["active", "active", "passive"],
    ["passive", "passive", "active"],
    [undefined, "active", "passive"], // RFC 4145: a missing a=setup means active
    ["holdconn", "active", undefined],
  ];
  for (const [offered, configured, expected] of rows) assert.equal(answerSetup(offered, configured), expected, `${String(offered)} with dtls_setup=${configured}`);
  assert.equal(roleOf("actpass", "active"), "server");
  assert.equal(roleOf("actpass", "passive"), "client");
  assert.equal(roleOf("active", "passive"), "client");
  assert.equal(roleOf("passive", "active"), "server");
  assert.equal(roleOf("active", "active"), "client", "an answer repeating our active (baresip 1.0 does, then listens): our role stands");
  assert.equal(roleOf("passive", "passive"), "server");
  assert.equal(roleOf("actpass", "actpass"), undefined, "an answer must choose");
  assert.equal(parseSetup("ACTPASS"), "actpass");
  assert.equal(parseSetup("sideways"), undefined);
});

test("dtls fingerprint: hash names are case-insensitive; a certificate matches only its own", () => {
  const der = Buffer.from("not really a certificate, but hashing does not care");
  const f = fingerprintOf(der, "SHA-256");
  assert.ok(f);
  assert.equal(f.hash, "sha-256");
  assert.match(f.value, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.ok(certificateMatches(der, [{ hash: "SHA-256", value: f.value.toLowerCase() }]));
  assert.ok(!certificateMatches(Buffer.from("another"), [f]));
  assert.ok(!certificateMatches(der, [{ hash: "md5", value: "00:11" }]), "a hash we cannot compute matches nothing");
  assert.equal(parseFingerprint("sha-256", "AB"), undefined);
});

test("dtls demux: RFC 7983's first-byte ranges", () => {
  const kind = (b: number) => datagramKind(Buffer.from([b, 0, 0, 0]));
  assert.equal(kind(0), "stun");
  assert.equal(kind(1), "stun");
  assert.equal(kind(17), "zrtp");
  assert.equal(kind(22), "dtls"); // handshake
  assert.equal(kind(23), "dtls"); // application data
  assert.equal(kind(64), "turn-channel");
  assert.equal(kind(0x80), "rtp");
  assert.equal(kind(0x81), "rtp"); // RTCP's first byte (version 2, a count) is in the same range
  assert.equal(kind(200), "other");
  assert.equal(datagramKind(Buffer.alloc(0)), "other");
});
