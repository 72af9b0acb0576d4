/**
 * ICE in our SDP (RFC 8839): MediaSession writes a=ice-ufrag/ice-pwd and a=candidate lines in
 * offers and in answers to ICE offers only, c=/m= name one of our candidates, the peer's
 * parameters go to the relay leg with our role (controlled when answering, controlling when we
 * offered), and a peer without ICE keeps the leg as it was.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPjsipConfig, parseConfigText } from "../../../src/config/index.js";
import { MediaSession, type MediaSessionEngine } from "../../../src/pbx/media-session/media-session.js";
import { defaultCandidate } from "../../../src/pbx/media-session/ice-sdp.js";
import { parseAudioSdp } from "../../../src/media/sdp/index.js";
import type { LegIceLocal } from "../../../src/media/index.js";

const ep = buildPjsipConfig(parseConfigText("[ice]\ntype=endpoint\nallow=!all,ulaw\nice_support=yes\n", "pjsip.conf")).endpoints.get("ice")!;

const LOCAL: LegIceLocal = {
  ufrag: "abcdEFGH",
  pwd: "0123456789abcdefghijklmn",
  problems: [],
  candidates: [
    { foundation: "1", component: 1, priority: 2130706431, address: "10.0.0.5", port: 30000, type: "host" },
    { foundation: "1", component: 2, priority: 2130706430, address: "10.0.0.5", port: 30001, type: "host" },
    { foundation: "2", component: 1, priority: 1694498815, address: "203.0.113.5", port: 41000, type: "srflx", relatedAddress: "10.0.0.5", relatedPort: 30000 },
    { foundation: "2", component: 2, priority: 1694498814, address: "203.0.113.5", port: 41001, type: "srflx", relatedAddress: "10.0.0.5", relatedPort: 30001 },
  ],
};

const ICE_OFFER = [
  "v=0", "o=- 1 1 IN IP4 192.0.2.9", "s=-", "c=IN IP4 192.0.2.9", "t=0 0",
  "m=audio 4000 RTP/AVP 0", "a=rtpmap:0 PCMU/8000",
  "a=ice-ufrag:peerUF", "a=ice-pwd:peerpasswordpeerpassword1",
  "a=candidate:1 1 UDP 2130706431 192.0.2.9 4000 typ host",
  "a=candidate:1 2 UDP 2130706430 192.0.2.9 4001 typ host",
  "a=candidate:2 1 TCP 2105458943 192.0.2.9 9 typ host tcptype active",
  "",
].join("\r\n");

const PLAIN_OFFER = ICE_OFFER.replace(/a=(ice|candidate)[^\r]*\r\n/g, "");

function engine() {
  const calls: string[] = [];
  const e: MediaSessionEngine = {
    setRemote: () => undefined,
    setOptions: () => undefined,
    setSrtp: () => undefined,
    setDtls: () => undefined,
    setIceRemote: (id, r, role) => void calls.push(`${id} ${r.ufrag} ${role} ${r.candidates.map((c) => `${c.component}:${c.address}:${c.port}`).join(",")}`),
    iceSelected: () => undefined,
  };
  return { e, calls };
}

test("ice sdp: an ICE offer is answered with our credentials and candidates, c= on our srflx candidate, and we are controlled", () => {
  const { e, calls } = engine();
  const s = new MediaSession({ media: e, legId: "L", localPort: 30000, address: "203.0.113.5", endpoint: ep, sessionId: "1", ice: LOCAL });
  const checked = MediaSession.checkOffer(ICE_OFFER, ep);
  assert.ok(checked.ok);
  s.takeOffer(checked);
  // The TCP candidate is skipped (RFC 8839 §5.1: ignore what we do not understand).
  assert.deepEqual(calls, ["L peerUF controlled 1:192.0.2.9:4000,2:192.0.2.9:4001"]);
  const sdp = s.description();
  assert.match(sdp, /a=ice-ufrag:abcdEFGH\r\n/);
  assert.match(sdp, /a=ice-pwd:0123456789abcdefghijklmn\r\n/);
  assert.match(sdp, /a=candidate:2 1 UDP 1694498815 203\.0\.113\.5 41000 typ srflx raddr 10\.0\.0\.5 rport 30000\r\n/);
  assert.match(sdp, /c=IN IP4 203\.0\.113\.5\r\n/);
  assert.match(sdp, /m=audio 41000 /);
  assert.doesNotMatch(sdp, /a=rtcp:/, "RTCP is on the next port: no a=rtcp");
  const parsed = parseAudioSdp(sdp);
  assert.ok(parsed.ok);
  assert.equal(parsed.audio.iceParams?.candidates.length, 4);
});

test("ice sdp: an offer without ICE is answered without ICE (RFC 8839 §4.2), and the relay leg is not told anything", () => {
  const { e, calls } = engine();
  const s = new MediaSession({ media: e, legId: "L", localPort: 30000, address: "10.0.0.5", endpoint: ep, sessionId: "1", ice: LOCAL });
  const checked = MediaSession.checkOffer(PLAIN_OFFER, ep);
  assert.ok(checked.ok);
  s.takeOffer(checked);
  assert.deepEqual(calls, []);
  const sdp = s.description();
  assert.doesNotMatch(sdp, /ice-ufrag|candidate/);
  assert.match(sdp, /m=audio 30000 /);
});

test("ice sdp: our offer carries ICE; an ICE answer makes us controlling, a plain answer turns ICE off", () => {
  const a = engine();
  const s = new MediaSession({ media: a.e, legId: "L", localPort: 30000, address: "10.0.0.5", endpoint: ep, sessionId: "1", ice: LOCAL });
  s.offer();
  assert.match(s.description(), /a=candidate:1 1 UDP 2130706431 10\.0\.0\.5 30000 typ host\r\n/);
  assert.equal(s.takeAnswer(ICE_OFFER).ok, true);
  assert.deepEqual(a.calls, ["L peerUF controlling 1:192.0.2.9:4000,2:192.0.2.9:4001"]);
  const b = engine();
  const t = new MediaSession({ media: b.e, legId: "M", localPort: 30000, address: "10.0.0.5", endpoint: ep, sessionId: "1", ice: LOCAL });
  t.offer();
  t.description();
  assert.equal(t.takeAnswer(PLAIN_OFFER).ok, true);
  assert.deepEqual(b.calls, []);
  assert.doesNotMatch(t.reoffer(), /ice-ufrag/);
});

test("ice sdp: the default candidate is the one on the flow's media address, else our best host one of its family", () => {
  assert.deepEqual(defaultCandidate(LOCAL.candidates, "10.0.0.5", 30000), { address: "10.0.0.5", port: 30000 });
  assert.deepEqual(defaultCandidate(LOCAL.candidates, "198.51.100.1", 30000), { address: "10.0.0.5", port: 30000 });
  assert.equal(defaultCandidate(LOCAL.candidates, "2001:db8::1", 30000), undefined);
});

test("ice sdp: once a relayed pair is in use, c=/m= name it and a=rtcp our relayed RTCP candidate", () => {
  const relay1 = { foundation: "3", component: 1, priority: 16777215, address: "198.51.100.7", port: 49170, type: "relay" as const };
  const relay2 = { ...relay1, component: 2, priority: 16777214, port: 49181 };
  assert.deepEqual(defaultCandidate([...LOCAL.candidates, relay1, relay2], "10.0.0.5", 30000, relay1), { address: "198.51.100.7", port: 49170, rtcpPort: 49181 });
});
