import { test } from "node:test";
import assert from "node:assert/strict";
import { parseAudioSdp } from "../../../src/media/sdp/index.js";
import type { AudioOffer } from "../../../src/media/sdp/index.js";
import * as offers from "./phone-offers.js";

function audioOf(text: string): AudioOffer {
  const r = parseAudioSdp(text);
  if (!r.ok) assert.fail(r.reason);
  return r.audio;
}

const names = (a: AudioOffer): string[] => a.codecs.map((c) => c.name);
const pts = (a: AudioOffer): number[] => a.codecs.map((c) => c.payloadType);

// One row per phone: what the parser must see in its offer.
const ROWS: ReadonlyArray<{
  phone: string;
  sdp: string;
  expect: Partial<AudioOffer> & { names: string[]; pts: number[]; te?: number };
}> = [
  {
    phone: "baresip",
    sdp: offers.BARESIP,
    expect: { address: "192.168.1.20", port: 41534, profile: "RTP/AVP", names: ["opus", "g722", "ulaw", "alaw"], pts: [96, 9, 0, 8], te: 101, ptime: 20, direction: "sendrecv", sessionId: "1915342383", sessionVersion: "3281553919" },
  },
  {
    // Linphone lists three telephone-event rates; the 8000 Hz one is preferred.
    phone: "Linphone",
    sdp: offers.LINPHONE,
    expect: { address: "192.168.1.21", port: 7078, names: ["opus", "speex16", "speex", "ulaw", "alaw", "g729"], pts: [96, 97, 98, 0, 8, 18], te: 100 },
  },
  {
    phone: "Zoiper",
    sdp: offers.ZOIPER,
    expect: { port: 52264, names: ["opus", "g722", "ulaw", "alaw", "gsm"], pts: [106, 9, 0, 8, 3], te: 101, rtcpMux: true },
  },
  {
    phone: "Yealink",
    sdp: offers.YEALINK,
    expect: { port: 11780, names: ["ulaw", "alaw", "g729", "g722"], pts: [0, 8, 18, 9], te: 101, ptime: 20 },
  },
  {
    phone: "Yealink on hold (a=sendonly)",
    sdp: offers.YEALINK_HOLD,
    expect: { direction: "sendonly", sessionVersion: "20034", te: 101, names: ["ulaw", "alaw", "g729", "g722"], pts: [0, 8, 18, 9] },
  },
  {
    // Comfort noise (13) is skipped; red stays as an unknown name that never matches.
    phone: "Chrome WebRTC",
    sdp: offers.CHROME_WEBRTC,
    expect: { port: 9, profile: "UDP/TLS/RTP/SAVPF", direction: "sendrecv", fingerprint: true, ice: true, rtcpMux: true, crypto: false, names: ["opus", "red", "g722", "ulaw", "alaw"], pts: [111, 63, 9, 0, 8], te: 126, sessionId: "4611731400430051336" },
  },
  {
    // The media-level c= wins over the session-level one; a=silenceSupp is ignored.
    phone: "Cisco gateway",
    sdp: offers.CISCO,
    expect: { address: "198.51.100.11", names: ["g729", "ulaw"], pts: [18, 0], te: 101 },
  },
  {
    phone: "SIPp default (m=audio 6000 RTP/AVP 0)",
    sdp: offers.SIPP_DEFAULT,
    expect: { address: "127.0.0.1", port: 6000, names: ["ulaw"], pts: [0] },
  },
  {
    phone: "static payload types without rtpmap",
    sdp: offers.STATIC_NO_RTPMAP,
    expect: { names: ["alaw", "ulaw", "g722", "gsm", "g729"], pts: [8, 0, 9, 3, 18] },
  },
  {
    phone: "IPv6 (c=IN IP6)",
    sdp: offers.IPV6,
    expect: { address: "2001:db8::20", port: 4000, rtcpPort: 4001, names: ["alaw", "ulaw"], pts: [8, 0], te: 101 },
  },
  {
    phone: "declined stream (port 0)",
    sdp: offers.DECLINED_AUDIO,
    expect: { port: 0, names: ["ulaw"], pts: [0] },
  },
  {
    phone: "RFC 2543 hold (c=0.0.0.0)",
    sdp: offers.RFC2543_HOLD,
    expect: { address: "0.0.0.0", direction: "sendonly", nullAddressHold: true, names: ["ulaw", "alaw"], pts: [0, 8] },
  },
  {
    phone: "dynamic payload type without rtpmap",
    sdp: offers.MISSING_RTPMAP,
    expect: { names: ["ulaw"], pts: [0] },
  },
  {
    phone: "SDES desk phone",
    sdp: offers.SDES_SAVP,
    expect: { profile: "RTP/SAVP", crypto: true, fingerprint: false, names: ["ulaw", "alaw"], pts: [0, 8], te: 101 },
  },
];

for (const row of ROWS) {
  test(`parseAudioSdp: ${row.phone} offer yields its address, formats in order and attributes`, () => {
    const audio = audioOf(row.sdp);
    const { names: wantNames, pts: wantPts, te, ...fields } = row.expect;
    assert.deepEqual(names(audio), wantNames);
    assert.deepEqual(pts(audio), wantPts);
    assert.equal(audio.telephoneEvent?.payloadType, te);
    for (const [key, value] of Object.entries(fields)) assert.deepEqual(audio[key as keyof AudioOffer], value, key);
  });
}

test("parseAudioSdp: Chrome's c=0.0.0.0 with ICE candidates is not an RFC 2543 hold", () => {
  const audio = audioOf(offers.CHROME_WEBRTC);
  assert.equal(audio.nullAddressHold, undefined);
  assert.equal(audio.direction, "sendrecv");
});

test("parseAudioSdp: opus keeps channels and fmtp, G.722 keeps the 8000 Hz RTP clock", () => {
  const audio = audioOf(offers.BARESIP);
  assert.deepEqual(audio.codecs[0], { name: "opus", encoding: "opus", payloadType: 96, clockRate: 48000, channels: 2, fmtp: "stereo=1;sprop-stereo=1" });
  assert.deepEqual(audio.codecs[1], { name: "g722", encoding: "G722", payloadType: 9, clockRate: 8000 });
});

test("parseAudioSdp: rtpmap encoding names match case-insensitively", () => {
  const audio = audioOf(offers.SIPP_DEFAULT.replace("m=audio 6000 RTP/AVP 0", "m=audio 6000 RTP/AVP 97 0").replace("a=rtpmap:0 PCMU/8000", "a=rtpmap:97 pcma/8000"));
  assert.deepEqual(names(audio), ["alaw", "ulaw"]);
  assert.equal(audio.codecs[0]?.encoding, "pcma");
});

test("parseAudioSdp: Linphone's video m= line is recorded in the layout with audio at index 0", () => {
  const audio = audioOf(offers.LINPHONE);
  assert.deepEqual(audio.layout, {
    audioIndex: 0,
    lines: [
      { type: "audio", protocol: "RTP/AVP", formats: "96 97 98 0 8 18 101 99 100" },
      { type: "video", protocol: "RTP/AVP", formats: "96 97" },
    ],
  });
});

test("parseAudioSdp: a=recvonly with c=0.0.0.0 becomes inactive", () => {
  const audio = audioOf(offers.RFC2543_HOLD.replace("a=rtpmap:0 PCMU/8000", "a=recvonly"));
  assert.equal(audio.direction, "inactive");
});

test("parseAudioSdp: session-level direction applies when the m= line has none", () => {
  const audio = audioOf(offers.SIPP_DEFAULT.replace("t=0 0\r\n", "t=0 0\r\na=inactive\r\n"));
  assert.equal(audio.direction, "inactive");
});

// Bodies that must be refused with a reason, one comment per row.
const INVALID: ReadonlyArray<readonly [string, string, RegExp]> = [
  // Nothing at all.
  ["empty body", "", /empty/],
  // Text that is not SDP.
  ["garbage", "hello world\r\n", /v=0/],
  // A video-only session.
  ["no audio m= line", offers.SIPP_DEFAULT.replace("m=audio", "m=video"), /no m=audio/],
  // Active stream without any c= line.
  ["no c= line", offers.SIPP_DEFAULT.replace("c=IN IP4 127.0.0.1\r\n", ""), /no c= line/],
  // m= line without a format list.
  ["no formats", offers.SIPP_DEFAULT.replace("RTP/AVP 0", "RTP/AVP"), /./],
  // A port out of range.
  ["port out of range", offers.SIPP_DEFAULT.replace("6000", "70000"), /port/],
];

for (const [label, text, reason] of INVALID) {
  test(`parseAudioSdp: ${label} is refused with a reason`, () => {
    const r = parseAudioSdp(text);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.reason, reason);
  });
}
