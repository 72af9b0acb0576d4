/**
 * MediaSession (src/pbx/media-session): the one place a leg's SDP is read and written. Answers an
 * initial offer (RFC 3264 §6), makes our offer (to a callee, or to a caller with no offer), takes
 * the answer to it, and answers re-offers with the mirrored direction and the next o= version
 * (RFC 3264 §8), pointing the relay leg at what the peer described.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPjsipConfig, parseConfigText, type EndpointConfig } from "../../../src/config/index.js";
import { codecsForCallee, MediaSession, type MediaSessionEngine } from "../../../src/pbx/media-session/media-session.js";

const PJSIP = `
[alice]
type=endpoint
allow=!all,ulaw,alaw

[bob]
type=endpoint
allow=!all,alaw,g722

[avpf]
type=endpoint
allow=!all,ulaw
use_avpf=yes

[opusonly]
type=endpoint
allow=!all,opus

[g729only]
type=endpoint
allow=!all,g729

[video]
type=endpoint
allow=!all,h264

[secure]
type=endpoint
allow=!all,ulaw
media_encryption=sdes

[secure32]
type=endpoint
allow=!all,ulaw
media_encryption=sdes
srtp_tag_32=yes

[maybe]
type=endpoint
allow=!all,ulaw
media_encryption=sdes
media_encryption_optimistic=yes
`;

function endpoint(id: string): EndpointConfig {
  const cfg = buildPjsipConfig(parseConfigText(PJSIP, "pjsip.conf"));
  const ep = cfg.endpoints.get(id);
  assert.ok(ep, `endpoint ${id}`);
  return ep;
}

function fakeEngine() {
  const calls: string[] = [];
  const engine: MediaSessionEngine = {
    setRemote: (id, r) => void calls.push(`remote ${id} ${r.address}:${r.port}${r.rtcpPort ? ` rtcp ${r.rtcpPort}` : ""}`),
    setOptions: (id, o) => {
      if (o.onHold !== undefined) calls.push(`options ${id} onHold=${String(o.onHold)} remoteReceives=${String(o.remoteReceives)}`);
      else if (o.format !== undefined) {
        const f = o.format;
        calls.push(`format ${id} ${f.codecs.map((c) => `${c.name}/${c.payloadType}`).join(",")}${f.event ? ` event ${f.event.payloadType}/${f.event.clockRate}` : ""}${f.ptimeMs ? ` ptime ${f.ptimeMs}` : ""}`);
      } else calls.push(`options ${id} rtp`);
    },
    setSrtp: (id, k) => void calls.push(k === undefined ? `srtp ${id} off` : `srtp ${id} ${k.suite} in=${k.remoteKey} out=${k.localKey}`),
    setDtls: (id, d) => void calls.push(d === undefined ? `dtls ${id} off` : `dtls ${id} ${d.role} #${d.association} verify=${String(d.verifyFingerprint)} ${d.remoteFingerprints.map((f) => f.hash).join(",")}`),
    setIceRemote: (id, r, role) => void calls.push(`ice ${id} ${r.ufrag} ${role} ${r.candidates.length}`),
    iceSelected: () => undefined,
  };
  return { calls, engine };
}

function session(id = "alice") {
  const media = fakeEngine();
  const s = new MediaSession({ media: media.engine, legId: "leg-1", localPort: 30000, address: "192.0.2.1", endpoint: endpoint(id), sessionId: "42" });
  return { s, calls: media.calls };
}

function offerSdp(o: { pts?: string; maps?: string[]; direction?: string; port?: number; profile?: string; extra?: string[] } = {}): string {
  return [
    "v=0",
    "o=peer 7 7 IN IP4 198.51.100.5",
    "s=-",
    "c=IN IP4 198.51.100.5",
    "t=0 0",
    `m=audio ${o.port ?? 4000} ${o.profile ?? "RTP/AVP"} ${o.pts ?? "8 0 101"}`,
    ...(o.maps ?? ["a=rtpmap:8 PCMA/8000", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16"]),
    ...(o.direction ? [`a=${o.direction}`] : []),
    ...(o.extra ?? []),
    "",
  ].join("\r\n");
}

const lineOf = (sdp: string, prefix: string) => sdp.split("\r\n").find((l) => l.startsWith(prefix));

test("media session: an initial offer is answered with the joint codecs in our order, the offer's payload types, and the relay points at it", () => {
  const { s, calls } = session();
  const checked = MediaSession.checkOffer(offerSdp(), endpoint("alice"));
  assert.ok(checked.ok);
  s.takeOffer(checked);
  assert.equal(s.state, "active");
  const answer = s.description();
  assert.equal(lineOf(answer, "m=audio"), "m=audio 30000 RTP/AVP 0 8 101", "ulaw before alaw (alice's allow order), telephone-event kept");
  assert.equal(lineOf(answer, "c="), "c=IN IP4 192.0.2.1");
  assert.equal(lineOf(answer, "o="), "o=- 42 1 IN IP4 192.0.2.1");
  assert.equal(lineOf(answer, "a=sendrecv"), "a=sendrecv");
  assert.deepEqual(calls, ["options leg-1 rtp", "remote leg-1 198.51.100.5:4000", "options leg-1 onHold=false remoteReceives=true", "format leg-1 ulaw/0,alaw/8 event 101/8000"]);
});

test("media session: an offer with no joint codec is refused with a 305 Warning and a line naming both lists", () => {
  const checked = MediaSession.checkOffer(offerSdp({ pts: "9", maps: ["a=rtpmap:9 G722/8000"] }), endpoint("alice"));
  assert.equal(checked.ok, false);
  assert.ok(!checked.ok);
  assert.match(checked.warning, /^305 switchboard "Incompatible media format"$/);
  assert.match(checked.detail, /our configuration\(ulaw\|alaw\) and incoming SDP\(g722\) from endpoint 'alice'/);
  const garbage = MediaSession.checkOffer("not sdp", endpoint("alice"));
  assert.ok(!garbage.ok);
  assert.match(garbage.warning, /^399 switchboard "/);
  assert.match(garbage.detail, /SDP offer from endpoint 'alice' is unusable/);
});

test("media session: RFC 3264 §6.1 a sendonly initial offer is answered recvonly, and the relay stops sending to the peer", () => {
  const { s, calls } = session();
  const checked = MediaSession.checkOffer(offerSdp({ direction: "sendonly" }), endpoint("alice"));
  assert.ok(checked.ok);
  s.takeOffer(checked);
  assert.equal(lineOf(s.description(), "a=recvonly"), "a=recvonly");
  assert.ok(calls.includes("options leg-1 onHold=true remoteReceives=false"), calls.join("; "));
});

test("media session: a hold re-offer gets the mirrored direction and the next o= version; unhold the one after", () => {
  const { s, calls } = session();
  const checked = MediaSession.checkOffer(offerSdp(), endpoint("alice"));
  assert.ok(checked.ok);
  s.takeOffer(checked);
  s.description();
  const hold = s.answerReoffer(offerSdp({ direction: "sendonly", port: 4002 }));
  assert.ok(hold.ok);
  assert.equal(hold.direction, "recvonly");
  assert.equal(lineOf(hold.sdp, "o="), "o=- 42 2 IN IP4 192.0.2.1");
  assert.equal(lineOf(hold.sdp, "a=recvonly"), "a=recvonly");
  assert.ok(calls.includes("remote leg-1 198.51.100.5:4002"));
  assert.ok(calls.includes("options leg-1 onHold=true remoteReceives=false"));
  const unhold = s.answerReoffer(offerSdp());
  assert.ok(unhold.ok);
  assert.equal(unhold.direction, "sendrecv");
  assert.equal(lineOf(unhold.sdp, "o="), "o=- 42 3 IN IP4 192.0.2.1");
  assert.equal(calls.at(-1), "options leg-1 onHold=false remoteReceives=true");
});

test("media session: RFC 3264 §8 a refused re-offer leaves the session (version, remote) as it was", () => {
  const { s, calls } = session();
  const checked = MediaSession.checkOffer(offerSdp(), endpoint("alice"));
  assert.ok(checked.ok);
  s.takeOffer(checked);
  const before = calls.length;
  const r = s.answerReoffer(offerSdp({ pts: "9", maps: ["a=rtpmap:9 G722/8000"], port: 5000 }));
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.notice?.includes("No joint capabilities"));
  assert.equal(calls.length, before, "the relay was not touched");
  assert.equal(lineOf(s.description(), "o="), "o=- 42 1 IN IP4 192.0.2.1");
});

test("media session: our offer to a callee carries the caller's payload types that the callee allows, and takes its answer", () => {
  const caller = session("alice");
  const checked = MediaSession.checkOffer(offerSdp(), endpoint("alice"));
  assert.ok(checked.ok);
  caller.s.takeOffer(checked);
  const codecs = codecsForCallee(caller.s.codecs, endpoint("bob"));
  assert.deepEqual(codecs.map((c) => `${c.name}/${c.payloadType}`), ["alaw/8", "g722/9"], "bob allows alaw, g722: the common alaw first, then g722, which can be transcoded");
  const { s, calls } = session("bob");
  s.offer({ codecs, telephoneEvent: caller.s.telephoneEvent });
  assert.equal(s.state, "offering");
  assert.equal(lineOf(s.description(), "m=audio"), "m=audio 30000 RTP/AVP 8 9 101");
  const answered = s.takeAnswer(offerSdp({ pts: "8 101", maps: ["a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000"] }));
  assert.deepEqual(answered, { ok: true, direction: "sendrecv" });
  assert.equal(s.state, "active");
  assert.ok(calls.includes("remote leg-1 198.51.100.5:4000"));
});

test("media session: a late offer (no codecs given) offers the endpoint's allow= list with RFC 3551 payload types and telephone-event", () => {
  const { s } = session("alice");
  s.offer();
  const sdp = s.description();
  assert.equal(lineOf(sdp, "m=audio"), "m=audio 30000 RTP/AVP 0 8 101");
  assert.ok(sdp.includes("a=rtpmap:101 telephone-event/8000"));
  assert.ok(sdp.includes("a=fmtp:101 0-16"));
  assert.equal(MediaSession.canOffer(endpoint("alice")), true);
  assert.equal(MediaSession.canOffer(endpoint("video")), false, "no audio codec to offer");
  const avpf = session("avpf");
  avpf.s.offer();
  assert.equal(lineOf(avpf.s.description(), "m=audio"), "m=audio 30000 RTP/AVPF 0 101", "use_avpf=yes offers RTP/AVPF");
});

test("media session: the answer to our offer narrows our codecs to those it accepted", () => {
  const { s } = session("alice");
  s.offer();
  s.description();
  assert.ok(s.takeAnswer(offerSdp({ pts: "8", maps: ["a=rtpmap:8 PCMA/8000"] })).ok);
  assert.deepEqual(s.codecs.map((c) => c.name), ["alaw"]);
});

test("media session: unusable answers change nothing and say why (declined stream, codec not offered, SRTP, garbage)", () => {
  const rows: Array<[string, string, RegExp]> = [
    // RFC 3264 §6: port 0 rejects the stream.
    ["declined", offerSdp({ port: 0 }), /declines the audio stream/],
    // Only G.722, which we did not offer.
    ["codec", offerSdp({ pts: "9", maps: ["a=rtpmap:9 G722/8000"] }), /names none of the codecs we offered \(offered ulaw\|alaw, answered g722\)/],
    // alice has media_encryption=no: our offer has no keys.
    ["srtp", offerSdp({ profile: "RTP/SAVP", extra: ["a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"] }), /transport RTP\/SAVP for our RTP\/AVP offer/],
    ["garbage", "v=0\r\n", /./],
  ];
  for (const [name, sdp, why] of rows) {
    const { s, calls } = session("alice");
    s.offer();
    const before = calls.length;
    const r = s.takeAnswer(sdp);
    assert.equal(r.ok, false, name);
    assert.ok(!r.ok);
    assert.match(r.reason, why, name);
    assert.equal(s.answerProblem, r.reason, name);
    assert.equal(s.state, "offering", `${name}: still awaiting a usable answer`);
    assert.equal(calls.length, before, `${name}: the relay was not touched`);
  }
});

test("media session: restrictCodecs narrows what we will send until our description has gone out", () => {
  const { s } = session("alice");
  const checked = MediaSession.checkOffer(offerSdp(), endpoint("alice"));
  assert.ok(checked.ok);
  s.takeOffer(checked);
  s.restrictCodecs([8]);
  assert.equal(lineOf(s.description(), "m=audio"), "m=audio 30000 RTP/AVP 8 101");
  s.restrictCodecs([0]);
  assert.equal(lineOf(s.description(), "m=audio"), "m=audio 30000 RTP/AVP 8 101", "fixed once sent");
});

test("media session: an offerless re-INVITE gets our offer at the next version, sendrecv, and its answer in the ACK is taken", () => {
  const { s, calls } = session("alice");
  const checked = MediaSession.checkOffer(offerSdp({ direction: "sendonly" }), endpoint("alice"));
  assert.ok(checked.ok);
  s.takeOffer(checked);
  s.description();
  const offer = s.reoffer();
  assert.equal(lineOf(offer, "o="), "o=- 42 2 IN IP4 192.0.2.1");
  assert.equal(lineOf(offer, "a=sendrecv"), "a=sendrecv");
  assert.equal(s.awaitingAnswer, true);
  assert.ok(s.takeAnswer(offerSdp({ port: 4010 })).ok);
  assert.equal(calls.at(-2), "options leg-1 onHold=false remoteReceives=true");
  assert.equal(calls.at(-3), "remote leg-1 198.51.100.5:4010");
  assert.equal(s.awaitingAnswer, false);
});

// SDES-SRTP (RFC 4568): a 30-byte inline key, base64.
const KEY_A = Buffer.alloc(30, 1).toString("base64");
const KEY_B = Buffer.alloc(30, 2).toString("base64");
const crypto = (tag: number, suite: string, key: string) => `a=crypto:${tag} ${suite} inline:${key}`;
const lines = (sdp: string, prefix: string) => sdp.split("\r\n").filter((l) => l.startsWith(prefix));
const srtpCalls = (calls: string[]) => calls.filter((c) => c.startsWith("srtp "));

test("media session: an RTP/SAVP offer to media_encryption=sdes is answered RTP/SAVP with a fresh key under the chosen tag, and the relay gets both keys", () => {
  const { s, calls } = session("secure");
  const offer = offerSdp({ profile: "RTP/SAVP", pts: "0", maps: ["a=rtpmap:0 PCMU/8000"], extra: [crypto(5, "AES_CM_128_HMAC_SHA1_32", KEY_A), crypto(6, "AES_CM_128_HMAC_SHA1_80", KEY_B)] });
  const checked = MediaSession.checkOffer(offer, endpoint("secure"));
  assert.ok(checked.ok, checked.ok ? "" : checked.detail);
  s.takeOffer(checked);
  const answer = s.description();
  assert.equal(lineOf(answer, "m=audio"), "m=audio 30000 RTP/SAVP 0");
  const ours = lines(answer, "a=crypto:");
  assert.equal(ours.length, 1, "RFC 4568 §7.1.1: one line in the answer");
  const m = /^a=crypto:5 AES_CM_128_HMAC_SHA1_32 inline:(\S+)$/.exec(ours[0] ?? "");
  assert.ok(m, `the offerer's first line is taken: ${ours[0]}`);
  assert.notEqual(m[1], KEY_A, "our key is our own");
  assert.equal(Buffer.from(m[1] ?? "", "base64").length, 30);
  assert.deepEqual(srtpCalls(calls), [`srtp leg-1 AES_CM_128_HMAC_SHA1_32 in=${KEY_A} out=${m[1]}`]);
  assert.ok(calls.indexOf(srtpCalls(calls)[0] ?? "") < calls.findIndex((c) => c.startsWith("remote ")), "keys before the relay sends anything");
  assert.equal(s.srtp, "AES_CM_128_HMAC_SHA1_32");

  // srtp_tag_32=yes picks the _32 line even when the offerer put it second.
  const other = MediaSession.checkOffer(offerSdp({ profile: "RTP/SAVP", pts: "0", maps: ["a=rtpmap:0 PCMU/8000"], extra: [crypto(1, "AES_CM_128_HMAC_SHA1_80", KEY_A), crypto(2, "AES_CM_128_HMAC_SHA1_32", KEY_B)] }), endpoint("secure32"));
  assert.ok(other.ok);
  assert.equal(other.crypto?.tag, 2);
  // Two phones' calls never share a key.
  const again = session("secure");
  again.s.takeOffer(checked);
  assert.notEqual(lines(again.s.description(), "a=crypto:")[0], ours[0]);
});

test("media session: SRTP refusals name the endpoint and what to change (no usable key, SRTP to a plain endpoint, plain to a mandatory one)", () => {
  const rows: Array<[string, string, string, RegExp, RegExp]> = [
    ["no usable key", "secure", offerSdp({ profile: "RTP/SAVP", extra: [crypto(1, "AES_256_CM_HMAC_SHA1_80", KEY_A), crypto(2, "AES_CM_128_HMAC_SHA1_80", "c2hvcnQ=")] }), /^399 switchboard "No usable SRTP key"$/, /endpoint 'secure' asks for SRTP \(RTP\/SAVP\).*AES_256_CM_HMAC_SHA1_80 is not supported.*5 bytes/],
    ["srtp to plain", "alice", offerSdp({ profile: "RTP/SAVP", extra: [crypto(1, "AES_CM_128_HMAC_SHA1_80", KEY_A)] }), /^302 /, /endpoint 'alice' has media_encryption=no; set media_encryption=sdes/],
    ["plain to sdes", "secure", offerSdp({}), /^302 /, /endpoint 'secure' has media_encryption=sdes; set media_encryption=no \(or media_encryption_optimistic=yes/],
  ];
  for (const [name, ep, sdp, warning, detail] of rows) {
    const r = MediaSession.checkOffer(sdp, endpoint(ep));
    assert.ok(!r.ok, name);
    assert.match(r.warning, warning, name);
    assert.match(r.detail, detail, name);
    assert.doesNotMatch(r.detail, /not support SRTP/, name);
  }
});

test("media session: media_encryption_optimistic takes an RTP/AVP offer's a=crypto (answered RTP/AVP with a key) and plain RTP without one", () => {
  const withKeys = MediaSession.checkOffer(offerSdp({ extra: [crypto(1, "AES_CM_128_HMAC_SHA1_80", KEY_A)] }), endpoint("maybe"));
  assert.ok(withKeys.ok);
  const a = session("maybe");
  a.s.takeOffer(withKeys);
  const answer = a.s.description();
  assert.match(lineOf(answer, "m=audio") ?? "", / RTP\/AVP /);
  assert.equal(lines(answer, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:").length, 1);
  assert.equal(a.s.srtp, "AES_CM_128_HMAC_SHA1_80");

  const plain = MediaSession.checkOffer(offerSdp({}), endpoint("maybe"));
  assert.ok(plain.ok);
  const b = session("maybe");
  b.s.takeOffer(plain);
  assert.equal(lines(b.s.description(), "a=crypto").length, 0);
  assert.equal(b.s.srtp, undefined);
  assert.deepEqual(srtpCalls(b.calls), []);
});

test("media session: our offer to media_encryption=sdes is RTP/SAVP with both suites; the answer's tag picks the pair", () => {
  const { s, calls } = session("secure");
  s.offer();
  const offer = s.description();
  assert.match(lineOf(offer, "m=audio") ?? "", /^m=audio 30000 RTP\/SAVP /);
  const ours = lines(offer, "a=crypto:");
  assert.deepEqual(ours.map((l) => l.split(" ").slice(0, 2).join(" ")), ["a=crypto:1 AES_CM_128_HMAC_SHA1_80", "a=crypto:2 AES_CM_128_HMAC_SHA1_32"]);
  const key2 = (ours[1] ?? "").split("inline:")[1];
  // A tag we did not offer is refused, and nothing changes.
  const wrong = s.takeAnswer(offerSdp({ profile: "RTP/SAVP", pts: "0", maps: [], extra: [crypto(3, "AES_CM_128_HMAC_SHA1_80", KEY_A)] }));
  assert.ok(!wrong.ok);
  assert.match(wrong.reason, /tag 3 .* is not one we offered/);
  const none = s.takeAnswer(offerSdp({ profile: "RTP/SAVP", pts: "0", maps: [] }));
  assert.ok(!none.ok);
  assert.match(none.reason, /has no a=crypto line/);
  assert.deepEqual(srtpCalls(calls), []);
  // The answerer takes tag 2.
  assert.ok(s.takeAnswer(offerSdp({ profile: "RTP/SAVP", pts: "0", maps: [], extra: [crypto(2, "AES_CM_128_HMAC_SHA1_32", KEY_B)] })).ok);
  assert.deepEqual(srtpCalls(calls), [`srtp leg-1 AES_CM_128_HMAC_SHA1_32 in=${KEY_B} out=${key2}`]);
  // A re-offer of ours carries the one agreed key.
  assert.deepEqual(lines(s.reoffer(), "a=crypto:"), [`a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${key2}`]);

  // srtp_tag_32=yes offers _32 first.
  const t32 = session("secure32");
  t32.s.offer();
  assert.match(lines(t32.s.description(), "a=crypto:")[0] ?? "", /^a=crypto:1 AES_CM_128_HMAC_SHA1_32 /);
  // An optimistic endpoint offers keys in RTP/AVP and takes a plain answer as plain RTP.
  const opt = session("maybe");
  opt.s.offer();
  const optOffer = opt.s.description();
  assert.match(lineOf(optOffer, "m=audio") ?? "", / RTP\/AVP /);
  assert.equal(lines(optOffer, "a=crypto:").length, 2);
  assert.ok(opt.s.takeAnswer(offerSdp({ pts: "0", maps: [] })).ok);
  assert.equal(opt.s.srtp, undefined);
  assert.equal(lines(opt.s.reoffer(), "a=crypto").length, 0);
});

test("media session: a re-INVITE that repeats the key keeps ours; a new key re-keys the relay; a new suite gets a fresh key of ours", () => {
  const { s, calls } = session("secure");
  const first = offerSdp({ profile: "RTP/SAVP", pts: "0", maps: ["a=rtpmap:0 PCMU/8000"], extra: [crypto(1, "AES_CM_128_HMAC_SHA1_80", KEY_A)] });
  const checked = MediaSession.checkOffer(first, endpoint("secure"));
  assert.ok(checked.ok);
  s.takeOffer(checked);
  const ourKey = lines(s.description(), "a=crypto:")[0];
  const hold = s.answerReoffer(first.replace("o=peer 7 7", "o=peer 7 8").replace("\r\nt=0 0", "\r\nt=0 0\r\na=sendonly"));
  assert.ok(hold.ok);
  assert.equal(lines(hold.sdp, "a=crypto:")[0], ourKey, "same key: same context");
  const rekey = s.answerReoffer(first.replace("o=peer 7 7", "o=peer 7 9").replace(KEY_A, KEY_B));
  assert.ok(rekey.ok);
  assert.equal(lines(rekey.sdp, "a=crypto:")[0], ourKey, "RFC 4568 §7.1.4: our key may stay");
  assert.equal(srtpCalls(calls).at(-1), `srtp leg-1 AES_CM_128_HMAC_SHA1_80 in=${KEY_B} out=${(ourKey ?? "").split("inline:")[1]}`);
  const suite = s.answerReoffer(first.replace("o=peer 7 7", "o=peer 7 10").replace("1 AES_CM_128_HMAC_SHA1_80", "4 AES_CM_128_HMAC_SHA1_32"));
  assert.ok(suite.ok);
  const fresh = lines(suite.sdp, "a=crypto:")[0] ?? "";
  assert.match(fresh, /^a=crypto:4 AES_CM_128_HMAC_SHA1_32 /);
  assert.notEqual(fresh.split("inline:")[1], (ourKey ?? "").split("inline:")[1]);
  // A plain re-offer to a mandatory endpoint is refused and the keys stay.
  const before = srtpCalls(calls).length;
  const plain = s.answerReoffer(offerSdp({}).replace("o=peer 7 7", "o=peer 7 11"));
  assert.ok(!plain.ok);
  assert.equal(srtpCalls(calls).length, before);
  assert.equal(s.srtp, "AES_CM_128_HMAC_SHA1_32");
});

test("media session: a 200 may take another of our offered tags than the 183 did; our description keeps its lines until the version changes (RFC 3264 §8)", () => {
  const { s, calls } = session("secure");
  s.offer();
  const offer = s.description();
  const ours = lines(offer, "a=crypto:").map((l) => l.split("inline:")[1]);
  assert.ok(s.takeAnswer(offerSdp({ profile: "RTP/SAVP", pts: "0", maps: [], extra: [crypto(1, "AES_CM_128_HMAC_SHA1_80", KEY_A)] })).ok, "183");
  assert.equal(srtpCalls(calls).at(-1), `srtp leg-1 AES_CM_128_HMAC_SHA1_80 in=${KEY_A} out=${ours[0]}`);
  assert.ok(s.takeAnswer(offerSdp({ profile: "RTP/SAVP", pts: "0", maps: [], extra: [crypto(2, "AES_CM_128_HMAC_SHA1_32", KEY_B)] })).ok, "200 of another fork");
  assert.equal(srtpCalls(calls).at(-1), `srtp leg-1 AES_CM_128_HMAC_SHA1_32 in=${KEY_B} out=${ours[1]}`);
  assert.equal(s.description(), offer, "same version, same description");
});

test("media session: a callee sharing no codec with the caller is offered its own transcodable ones, on payload types the caller does not use", () => {
  const caller = session("alice");
  const checked = MediaSession.checkOffer(offerSdp(), endpoint("alice"));
  assert.ok(checked.ok);
  caller.s.takeOffer(checked);
  const opus = codecsForCallee(caller.s.codecs, endpoint("opusonly"), caller.s.telephoneEvent);
  assert.deepEqual(opus.map((c) => `${c.name}/${c.payloadType}/${c.clockRate}/${c.fmtp ?? ""}`), ["opus/96/48000/useinbandfec=1"]);
  assert.deepEqual(codecsForCallee(caller.s.codecs, endpoint("g729only"), caller.s.telephoneEvent), [], "g729 cannot be transcoded: nothing to offer");
  const taken = codecsForCallee([{ name: "ulaw", encoding: "PCMU", payloadType: 96, clockRate: 8000 }], endpoint("opusonly"), { payloadType: 97, clockRate: 8000 });
  assert.deepEqual(taken.map((c) => c.payloadType), [98], "96 and 97 are the caller's");
});

test("media session: the answerer's a=ptime is what its relay leg sends it; our description keeps its own lines", () => {
  const { s, calls } = session("bob");
  s.offer({ codecs: [{ name: "alaw", encoding: "PCMA", payloadType: 8, clockRate: 8000 }], telephoneEvent: undefined });
  const ours = s.description();
  assert.ok(s.takeAnswer(offerSdp({ pts: "8", maps: ["a=rtpmap:8 PCMA/8000"], extra: ["a=ptime:30"] })).ok);
  assert.equal(calls.filter((c) => c.startsWith("format")).at(-1), "format leg-1 alaw/8 ptime 30");
  assert.equal(s.ptimeMs, 30);
  assert.equal(s.description(), ours, "same version, same lines");
});

test("media session: a caller's 48 kHz telephone-event (a browser's Opus call) is offered to a G.711 callee at 8 kHz, so its keys can reach it", () => {
  const { s } = session("bob");
  s.offer({ codecs: [{ name: "alaw", encoding: "PCMA", payloadType: 8, clockRate: 8000 }], telephoneEvent: { payloadType: 110, clockRate: 48000, fmtp: "0-15" } });
  const sdp = s.description();
  assert.equal(lineOf(sdp, "m=audio"), "m=audio 30000 RTP/AVP 8 110");
  assert.ok(sdp.includes("a=rtpmap:110 telephone-event/8000"), sdp);
  const same = session("bob");
  same.s.offer({ codecs: [{ name: "alaw", encoding: "PCMA", payloadType: 8, clockRate: 8000 }], telephoneEvent: { payloadType: 101, clockRate: 8000 } });
  assert.ok(same.s.description().includes("a=rtpmap:101 telephone-event/8000"), "an 8 kHz event stays as it is");
});
