import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSdp, negotiate, offerCodecs, offerFor, parseAudioSdp } from "../../../src/media/sdp/index.js";
import type { AudioOffer, BuildSdpOptions, EndpointMediaPolicy } from "../../../src/media/sdp/index.js";
import { PbxError } from "../../../src/core/errors.js";
import * as offers from "./phone-offers.js";

function audioOf(text: string): AudioOffer {
  const r = parseAudioSdp(text);
  if (!r.ok) assert.fail(r.reason);
  return r.audio;
}

function policy(names: string[], over: Partial<EndpointMediaPolicy> = {}): EndpointMediaPolicy {
  return { codecs: names.map((name) => ({ name })), mediaEncryption: "no", useAvpf: false, forceAvp: false, mediaEncryptionOptimistic: false, endpointId: "1002", ...over };
}

const G711: BuildSdpOptions = {
  origin: { sessionId: "42", sessionVersion: 1, address: "203.0.113.1" },
  address: "203.0.113.1",
  port: 10000,
  codecs: [
    { name: "ulaw", encoding: "PCMU", payloadType: 0, clockRate: 8000 },
    { name: "alaw", encoding: "PCMA", payloadType: 8, clockRate: 8000 },
  ],
  telephoneEvent: { payloadType: 101, clockRate: 8000 },
  direction: "sendrecv",
};

test("buildSdp: G.711 with telephone-event writes the expected lines with CRLF", () => {
  assert.equal(
    buildSdp(G711),
    [
      "v=0",
      "o=- 42 1 IN IP4 203.0.113.1",
      "s=Switchboard",
      "c=IN IP4 203.0.113.1",
      "t=0 0",
      "m=audio 10000 RTP/AVP 0 8 101",
      "a=rtpmap:0 PCMU/8000",
      "a=rtpmap:8 PCMA/8000",
      "a=rtpmap:101 telephone-event/8000",
      "a=fmtp:101 0-16",
      "a=ptime:20",
      "a=maxptime:150",
      "a=sendrecv",
      "",
    ].join("\r\n"),
  );
});

test("buildSdp: IPv6 address, a=rtcp, opus channels and a hold direction are written", () => {
  const text = buildSdp({
    origin: { username: "switchboard", sessionId: "7", sessionVersion: 3, address: "2001:db8::1" },
    address: "2001:db8::1",
    port: 20000,
    rtcpPort: 20001,
    codecs: [{ name: "opus", encoding: "opus", payloadType: 111, clockRate: 48000, channels: 2, fmtp: "useinbandfec=1" }],
    ptime: 40,
    direction: "recvonly",
  });
  assert.match(text, /^o=switchboard 7 3 IN IP6 2001:db8::1\r$/m);
  assert.match(text, /^c=IN IP6 2001:db8::1\r$/m);
  assert.match(text, /^a=rtpmap:111 opus\/48000\/2\r$/m);
  assert.match(text, /^a=fmtp:111 useinbandfec=1\r$/m);
  assert.match(text, /^a=rtcp:20001\r$/m);
  assert.match(text, /^a=ptime:40\r$/m);
  assert.match(text, /^a=recvonly\r$/m);
  assert.doesNotMatch(text, /telephone-event/);
});

test("buildSdp: an empty codec list is a programming error", () => {
  assert.throws(() => buildSdp({ ...G711, codecs: [] }), (e: unknown) => e instanceof PbxError && e.code === "INVALID_ARGUMENT");
});

test("buildSdp → parseAudioSdp: the round trip keeps address, ports, codecs, events and direction", () => {
  const options: BuildSdpOptions = { ...G711, rtcpPort: 10001, ptime: 30, direction: "sendonly", codecs: [...G711.codecs, { name: "g722", encoding: "G722", payloadType: 9, clockRate: 8000 }, { name: "ilbc", encoding: "iLBC", payloadType: 97, clockRate: 8000, fmtp: "mode=30" }] };
  const audio = audioOf(buildSdp(options));
  assert.equal(audio.address, "203.0.113.1");
  assert.equal(audio.port, 10000);
  assert.equal(audio.rtcpPort, 10001);
  assert.deepEqual(audio.codecs, options.codecs);
  assert.deepEqual(audio.telephoneEvent, { payloadType: 101, clockRate: 8000, fmtp: "0-16" });
  assert.equal(audio.ptime, 30);
  assert.equal(audio.maxptime, 150);
  assert.equal(audio.direction, "sendonly");
  assert.equal(audio.sessionId, "42");
  assert.equal(audio.sessionVersion, "1");
});

test("buildSdp: answering Linphone's audio+video offer declines video with port 0 (RFC 3264 §6)", () => {
  const offer = audioOf(offers.LINPHONE);
  const r = negotiate(offer, policy(["ulaw"]));
  if (!r.ok) assert.fail(r.notice);
  const layout = offer.layout;
  assert.ok(layout);
  const text = buildSdp({ ...G711, codecs: r.codecs, direction: r.direction, layout });
  const mLines = text.split("\r\n").filter((l) => l.startsWith("m="));
  assert.deepEqual(mLines, ["m=audio 10000 RTP/AVP 0 101", "m=video 0 RTP/AVP 96 97"]);
});

test("offerCodecs: static payload types where defined, dynamic from 96 skipping 101", () => {
  const names = ["opus", "ulaw", "ilbc", "speex", "speex16", "g722", "slin", "g726", "h264"];
  const offered = offerCodecs(policy(names), true);
  assert.deepEqual(
    offered.codecs.map((c) => `${c.name}=${c.payloadType}`),
    ["opus=96", "ulaw=0", "ilbc=97", "speex=98", "speex16=99", "g722=9", "slin=100", "g726=102"],
  );
  assert.deepEqual(offered.telephoneEvent, { payloadType: 101, clockRate: 8000, fmtp: "0-16" });
  assert.equal(offerCodecs(policy(["ulaw"]), false).telephoneEvent, undefined);
});

test("offerFor: the callee's offer follows its allow order and carries our address", () => {
  const text = offerFor({ ...policy(["g722", "ulaw", "alaw"]), codecs: [{ name: "g722", ptime: 30 }, { name: "ulaw" }, { name: "alaw" }] }, { address: "192.0.2.1", port: 30000, sessionId: "99", sessionVersion: 1, dtmf: true });
  const audio = audioOf(text);
  assert.deepEqual(audio.codecs.map((c) => c.name), ["g722", "ulaw", "alaw"]);
  assert.equal(audio.telephoneEvent?.payloadType, 101);
  assert.equal(audio.address, "192.0.2.1");
  assert.equal(audio.port, 30000);
  assert.equal(audio.ptime, 30);
  assert.equal(audio.profile, "RTP/AVP");
});

test("offerFor: use_avpf=yes offers RTP/AVPF; an endpoint with no audio codec throws", () => {
  const avpf = audioOf(offerFor(policy(["ulaw"], { useAvpf: true }), { address: "192.0.2.1", port: 30000, sessionId: "1", sessionVersion: 1, dtmf: false }));
  assert.equal(avpf.profile, "RTP/AVPF");
  assert.throws(() => offerFor(policy(["h264"]), { address: "192.0.2.1", port: 30000, sessionId: "1", sessionVersion: 1, dtmf: false }), /allows no audio codec/);
});

test("negotiate → buildSdp: a Yealink offer answered for allow=alaw,ulaw parses back as the answer", () => {
  const r = negotiate(audioOf(offers.YEALINK), policy(["alaw", "ulaw"]));
  if (!r.ok) assert.fail(r.notice);
  const answer: BuildSdpOptions = { ...G711, codecs: r.codecs, direction: r.direction, profile: r.profile };
  if (r.telephoneEvent) answer.telephoneEvent = r.telephoneEvent;
  if (r.ptime !== undefined) answer.ptime = r.ptime;
  const back = audioOf(buildSdp(answer));
  assert.deepEqual(back.codecs.map((c) => c.payloadType), [8, 0]);
  assert.deepEqual(back.telephoneEvent, { payloadType: 101, clockRate: 8000, fmtp: "0-15" });
});
