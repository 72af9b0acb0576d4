import { test } from "node:test";
import assert from "node:assert/strict";
import { negotiate, parseAudioSdp } from "../../../src/media/sdp/index.js";
import type { AudioOffer, EndpointMediaPolicy, NegotiationResult } from "../../../src/media/sdp/index.js";
import type { CodecPreference } from "../../../src/config/schema/codecs.js";
import * as offers from "./phone-offers.js";

function audioOf(text: string): AudioOffer {
  const r = parseAudioSdp(text);
  if (!r.ok) assert.fail(r.reason);
  return r.audio;
}

function policy(codecs: string, over: Partial<EndpointMediaPolicy> = {}): EndpointMediaPolicy {
  const list: CodecPreference[] = codecs.split(",").map((item) => {
    const [name = "", ptime] = item.split(":");
    return ptime === undefined ? { name } : { name, ptime: Number(ptime) };
  });
  return { codecs: list, mediaEncryption: "no", useAvpf: false, forceAvp: false, mediaEncryptionOptimistic: false, endpointId: "1001", ...over };
}

function accepted(r: NegotiationResult): Extract<NegotiationResult, { ok: true }> {
  if (!r.ok) assert.fail(r.notice);
  return r;
}

function refused(r: NegotiationResult): Extract<NegotiationResult, { ok: false }> {
  if (r.ok) assert.fail(`expected a 488, got ${r.codecs.map((c) => c.name).join("|")}`);
  return r;
}

// Joint formats follow OUR allow order and keep the offerer's payload numbers.
const ORDERING: ReadonlyArray<readonly [string, string, string, string[], number[]]> = [
  ["baresip", offers.BARESIP, "ulaw,alaw", ["ulaw", "alaw"], [0, 8]],
  ["baresip", offers.BARESIP, "alaw,opus,ulaw", ["alaw", "opus", "ulaw"], [8, 96, 0]],
  ["Linphone", offers.LINPHONE, "g729,speex16,ulaw", ["g729", "speex16", "ulaw"], [18, 97, 0]],
  ["Zoiper", offers.ZOIPER, "gsm,g722", ["gsm", "g722"], [3, 9]],
  ["Yealink", offers.YEALINK, "g722,ulaw,h264", ["g722", "ulaw"], [9, 0]],
  ["Cisco", offers.CISCO, "alaw,ulaw,g729", ["ulaw", "g729"], [0, 18]],
  ["SIPp", offers.SIPP_DEFAULT, "alaw,ulaw", ["ulaw"], [0]],
  ["IPv6", offers.IPV6, "ulaw,alaw", ["ulaw", "alaw"], [0, 8]],
];

for (const [phone, sdp, allow, wantNames, wantPts] of ORDERING) {
  test(`negotiate: ${phone} offer with allow=${allow} answers ${wantNames.join("|")} in our order`, () => {
    const r = accepted(negotiate(audioOf(sdp), policy(allow)));
    assert.deepEqual(r.codecs.map((c) => c.name), wantNames);
    assert.deepEqual(r.codecs.map((c) => c.payloadType), wantPts);
    assert.equal(r.direction, "sendrecv");
    assert.equal(r.profile, "RTP/AVP");
  });
}

test("negotiate: no common codec replies 488/305 and the NOTICE names both lists", () => {
  const offer = audioOf(offers.SIPP_DEFAULT.replace("RTP/AVP 0", "RTP/AVP 18 111").replace("a=rtpmap:0 PCMU/8000", "a=rtpmap:111 opus/48000/2"));
  const r = refused(negotiate(offer, policy("ulaw,alaw")));
  assert.equal(r.status, 488);
  assert.equal(r.warnCode, 305);
  assert.equal(r.warning, "Incompatible media format");
  assert.equal(r.notice, "No joint capabilities for 'audio' media stream between our configuration(ulaw|alaw) and incoming SDP(g729|opus) from endpoint '1001'");
});

test("negotiate: an endpoint without audio codecs says (nothing) for our configuration", () => {
  const r = refused(negotiate(audioOf(offers.SIPP_DEFAULT), policy("h264,vp8")));
  assert.match(r.notice, /our configuration\(\(nothing\)\) and incoming SDP\(ulaw\)/);
});

test("negotiate: RFC 3264 §6.1 answer directions mirror the offer", () => {
  const table: ReadonlyArray<readonly [string, string]> = [
    ["sendrecv", "sendrecv"],
    ["sendonly", "recvonly"],
    ["recvonly", "sendonly"],
    ["inactive", "inactive"],
  ];
  for (const [offered, answered] of table) {
    const r = accepted(negotiate(audioOf(offers.YEALINK.replace("a=sendrecv", `a=${offered}`)), policy("ulaw")));
    assert.equal(r.direction, answered, `offer ${offered}`);
  }
});

test("negotiate: RFC 2543 hold (c=0.0.0.0) is answered recvonly", () => {
  assert.equal(accepted(negotiate(audioOf(offers.RFC2543_HOLD), policy("ulaw"))).direction, "recvonly");
});

test("negotiate: our allow=ulaw:30 ptime wins over the offer's, else the offer's is mirrored", () => {
  assert.equal(accepted(negotiate(audioOf(offers.YEALINK), policy("ulaw:30,alaw"))).ptime, 30);
  assert.equal(accepted(negotiate(audioOf(offers.YEALINK), policy("ulaw,alaw"))).ptime, 20);
  assert.equal(accepted(negotiate(audioOf(offers.SIPP_DEFAULT), policy("ulaw"))).ptime, undefined);
});

test("negotiate: telephone-event passes through at the chosen codec's clock rate", () => {
  const withOpus = accepted(negotiate(audioOf(offers.ZOIPER), policy("opus,ulaw")));
  assert.deepEqual(withOpus.telephoneEvent, { payloadType: 98, clockRate: 48000, fmtp: "0-16" });
  const withUlaw = accepted(negotiate(audioOf(offers.ZOIPER), policy("ulaw")));
  assert.deepEqual(withUlaw.telephoneEvent, { payloadType: 101, clockRate: 8000, fmtp: "0-16" });
  assert.equal(accepted(negotiate(audioOf(offers.SIPP_DEFAULT), policy("ulaw"))).telephoneEvent, undefined);
  assert.equal(accepted(negotiate(audioOf(offers.ZOIPER), policy("ulaw", { dtmf: false }))).telephoneEvent, undefined);
});

test("negotiate: a declined audio stream (port 0) is refused with a reason", () => {
  const r = refused(negotiate(audioOf(offers.DECLINED_AUDIO), policy("ulaw")));
  assert.match(r.notice, /port 0/);
  assert.equal(r.warnCode, 304);
});

// Profile and keying mismatches: each has its own sentence and fix (never a silent 488).
const TRANSPORT: ReadonlyArray<{ label: string; sdp: string; over: Partial<EndpointMediaPolicy>; includes: string[] }> = [
  {
    label: "RTP/SAVP (SDES) to media_encryption=no",
    sdp: offers.SDES_SAVP,
    over: {},
    includes: [
      "Incompatible transport for 'audio' media stream: SDP offered RTP/SAVP (SRTP with SDES keys) but endpoint '1001' has media_encryption=no",
      "set media_encryption=sdes (or media_encryption_optimistic=yes)",
    ],
  },
  {
    label: "Chrome WebRTC to a plain endpoint",
    sdp: offers.CHROME_WEBRTC,
    over: {},
    includes: ["offered UDP/TLS/RTP/SAVPF (DTLS-SRTP", "use_avpf=no, media_encryption=no", "set webrtc=yes", "use_avpf=yes", "media_encryption=dtls"],
  },
  {
    label: "DTLS with AVPF already allowed",
    sdp: offers.CHROME_WEBRTC,
    over: { useAvpf: true },
    includes: ["has media_encryption=no", "media_encryption=dtls", "webrtc=yes"],
  },
  {
    label: "RTP/AVPF without use_avpf",
    sdp: offers.PLAIN_AVPF,
    over: {},
    includes: ["offered RTP/AVPF (plain RTP with AVPF feedback) but endpoint '1001' has use_avpf=no", "set use_avpf=yes"],
  },
  {
    label: "plain RTP/AVP to use_avpf=yes",
    sdp: offers.SIPP_DEFAULT,
    over: { useAvpf: true },
    includes: ["has use_avpf=yes", "set use_avpf=no"],
  },
  {
    label: "plain RTP/AVP to media_encryption=sdes",
    sdp: offers.SIPP_DEFAULT,
    over: { mediaEncryption: "sdes" },
    includes: ["offered RTP/AVP (plain RTP) but endpoint '1001' has media_encryption=sdes", "media_encryption=no (or media_encryption_optimistic=yes"],
  },
  {
    label: "a browser's DTLS offer to media_encryption=no with force_avp=yes (no certificate to answer with)",
    sdp: offers.CHROME_WEBRTC,
    over: { useAvpf: true, forceAvp: true },
    includes: ["DTLS-SRTP is answered only by endpoints with media_encryption=dtls", "webrtc=yes"],
  },
];

for (const row of TRANSPORT) {
  test(`negotiate: ${row.label} replies 488/302 and says why`, () => {
    const r = refused(negotiate(audioOf(row.sdp), policy("ulaw,alaw,opus", row.over)));
    assert.equal(r.status, 488);
    assert.equal(r.warnCode, 302);
    assert.equal(r.warning, "Incompatible transport protocol");
    for (const piece of row.includes) assert.ok(r.notice.includes(piece), `notice lacks '${piece}': ${r.notice}`);
    if (row.sdp !== offers.CHROME_WEBRTC) assert.ok(!r.notice.includes("not support"), `SDES is supported: ${r.notice}`);
  });
}

test("negotiate: an SDES offer to media_encryption=sdes is answered RTP/SAVP with the offer's first usable key", () => {
  const r = accepted(negotiate(audioOf(offers.SDES_SAVP), policy("ulaw", { mediaEncryption: "sdes" })));
  assert.equal(r.profile, "RTP/SAVP");
  assert.equal(r.crypto?.tag, 1);
  assert.equal(r.crypto?.suite, "AES_CM_128_HMAC_SHA1_80");
  // force_avp=yes answers RTP/AVP even so, keyed (Asterisk's rule); AVPF offers keep their F.
  assert.equal(accepted(negotiate(audioOf(offers.SDES_SAVP), policy("ulaw", { mediaEncryption: "sdes", forceAvp: true }))).profile, "RTP/AVP");
  assert.equal(accepted(negotiate(audioOf(offers.SDES_SAVP.replace("RTP/SAVP", "RTP/SAVPF")), policy("ulaw", { mediaEncryption: "sdes", useAvpf: true }))).profile, "RTP/SAVPF");
  // An endpoint without media_encryption that force_avp lets through answers plain.
  const plain = accepted(negotiate(audioOf(offers.SDES_SAVP), policy("ulaw", { forceAvp: true })));
  assert.equal(plain.profile, "RTP/AVP");
  assert.equal(plain.crypto, undefined);
});

test("negotiate: opportunistic SRTP (RTP/AVP with a=crypto) to media_encryption=no is answered plain", () => {
  const r = accepted(negotiate(audioOf(offers.SDES_OPTIONAL), policy("ulaw")));
  assert.equal(r.profile, "RTP/AVP");
});

test("negotiate: plain RTP to media_encryption=sdes with media_encryption_optimistic=yes is accepted", () => {
  const r = accepted(negotiate(audioOf(offers.SIPP_DEFAULT), policy("ulaw", { mediaEncryption: "sdes", mediaEncryptionOptimistic: true })));
  assert.deepEqual(r.codecs.map((c) => c.name), ["ulaw"]);
});

test("negotiate: RTP/AVPF to use_avpf=yes is accepted and answered RTP/AVPF", () => {
  assert.equal(accepted(negotiate(audioOf(offers.PLAIN_AVPF), policy("ulaw", { useAvpf: true }))).profile, "RTP/AVPF");
});

test("negotiate: a browser's DTLS-SRTP offer (actpass) to media_encryption=dtls is answered UDP/TLS/RTP/SAVPF, a=setup per dtls_setup (RFC 5763 §5)", () => {
  const r = accepted(negotiate(audioOf(offers.CHROME_WEBRTC), policy("ulaw,alaw,opus", { mediaEncryption: "dtls", useAvpf: true })));
  assert.equal(r.profile, "UDP/TLS/RTP/SAVPF");
  assert.deepEqual(r.dtls, { setup: "active" });
  const passive = accepted(negotiate(audioOf(offers.CHROME_WEBRTC), policy("ulaw,alaw,opus", { mediaEncryption: "dtls", useAvpf: true, dtlsSetup: "passive" })));
  assert.deepEqual(passive.dtls, { setup: "passive" });
});

test("negotiate: a DTLS-SRTP offer without a=fingerprint is refused 488/399 with the reason", () => {
  const sdp = offers.CHROME_WEBRTC.replace(/a=fingerprint:[^\r\n]*\r\n/g, "");
  const r = refused(negotiate(audioOf(sdp), policy("ulaw,opus", { mediaEncryption: "dtls", useAvpf: true })));
  assert.equal(r.warnCode, 399);
  assert.match(r.notice, /no a=fingerprint/);
});
