/**
 * In-process fuzzing of the SDP path: 2,000 mutated phone offers and random texts must never make
 * parseAudioSdp, negotiate or buildSdp throw. The generator is seeded, so a failure names its case.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSdp, negotiate, parseAudioSdp } from "../../../src/media/sdp/index.js";
import type { EndpointMediaPolicy } from "../../../src/media/sdp/index.js";
import { PHONE_OFFERS } from "./phone-offers.js";
import { prng as rng } from "../../helpers/prng.js";


/** Lines that have broken parsers before: empty values, huge numbers, wrong types. */
const NASTY_LINES = [
  "m=audio",
  "m=audio -1 RTP/AVP 0",
  "m=audio 99999999999999999999 RTP/AVP 0",
  "m=audio 5000 RTP/AVP",
  "m=audio 5000 RTP/AVP 0 0 0 0 128 -5 abc",
  "m=audio 5000/2 RTP/AVP 0",
  "c=",
  "c=IN IP4",
  "c=IN IP7 x",
  "c=IN IP4 224.2.1.1/127/3",
  "a=rtpmap:",
  "a=rtpmap:96",
  "a=rtpmap:96 /",
  "a=rtpmap:96 opus/0/0",
  "a=rtpmap:0 telephone-event/abc",
  "a=fmtp:",
  "a=fmtp:96",
  "a=ptime:",
  "a=ptime:-20",
  "a=ptime:NaN",
  "a=maxptime:1e309",
  "a=rtcp:",
  "a=rtcp:0",
  "a=rtcp:70000 IN IP4",
  "a=crypto:",
  "a=fingerprint:",
  "a=candidate:",
  "a=sendonly",
  "a=inactive",
  "o=",
  "o=- a b",
  "v=1",
  "\u0000\u0001\u0002",
  "a=" + "x".repeat(5000),
];

function mutate(base: string, next: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  let lines = base.split("\r\n");
  const steps = 1 + Math.floor(next() * 4);
  for (let i = 0; i < steps; i++) {
    const at = Math.floor(next() * lines.length);
    switch (Math.floor(next() * 7)) {
      case 0: // drop a line
        lines.splice(at, 1);
        break;
      case 1: // duplicate a line
        lines.splice(at, 0, lines[at] ?? "");
        break;
      case 2: // insert a nasty line
        lines.splice(at, 0, pick(NASTY_LINES));
        break;
      case 3: {
        // flip one character of a line
        const line = lines[at] ?? "";
        const pos = Math.floor(next() * (line.length + 1));
        lines[at] = line.slice(0, pos) + String.fromCharCode(Math.floor(next() * 128)) + line.slice(pos + 1);
        break;
      }
      case 4: // replace every number in a line with an extreme one
        lines[at] = (lines[at] ?? "").replace(/\d+/g, () => pick(["0", "-1", "65536", "4294967296", "1e400", ""]));
        break;
      case 5: // swap two lines
        {
          const other = Math.floor(next() * lines.length);
          [lines[at], lines[other]] = [lines[other] ?? "", lines[at] ?? ""];
        }
        break;
      default: // truncate the body
        lines = lines.slice(0, at);
    }
  }
  return lines.join(pick(["\r\n", "\n", "\r"]));
}

function randomText(next: () => number): string {
  const length = Math.floor(next() * 400);
  let s = "";
  for (let i = 0; i < length; i++) s += next() < 0.1 ? "\r\n" : String.fromCharCode(Math.floor(next() * 256));
  return next() < 0.5 ? `v=0\r\n${s}` : s;
}

const POLICIES: EndpointMediaPolicy[] = [
  { codecs: [{ name: "ulaw" }, { name: "alaw" }], mediaEncryption: "no", useAvpf: false, forceAvp: false, mediaEncryptionOptimistic: false, endpointId: "fuzz" },
  { codecs: [{ name: "opus", ptime: 20 }, { name: "g722" }], mediaEncryption: "sdes", useAvpf: true, forceAvp: false, mediaEncryptionOptimistic: true, endpointId: "fuzz" },
  { codecs: [], mediaEncryption: "dtls", useAvpf: true, forceAvp: true, mediaEncryptionOptimistic: false, endpointId: "fuzz" },
];

test("fuzz: 2,000 mutated and random SDP bodies never make parse, negotiate or build throw", () => {
  const next = rng(0x5d9);
  let parsed = 0;
  let answered = 0;
  for (let i = 0; i < 2000; i++) {
    const [, base] = PHONE_OFFERS[i % PHONE_OFFERS.length] ?? ["", ""];
    const input = i % 5 === 4 ? randomText(next) : mutate(base, next);
    try {
      const r = parseAudioSdp(input);
      assert.equal(typeof r.ok, "boolean");
      if (!r.ok) {
        assert.equal(typeof r.reason, "string");
        continue;
      }
      parsed++;
      assert.ok(Number.isInteger(r.audio.port) && r.audio.port >= 0 && r.audio.port <= 65535);
      for (const policy of POLICIES) {
        const n = negotiate(r.audio, policy);
        if (!n.ok) {
          assert.equal(n.status, 488);
          assert.ok(n.notice.length > 0);
          continue;
        }
        answered++;
        const text = buildSdp({ origin: { sessionId: "1", sessionVersion: 1, address: "192.0.2.1" }, address: "192.0.2.1", port: 4000, codecs: n.codecs, direction: n.direction, ...(r.audio.layout ? { layout: r.audio.layout } : {}) });
        assert.ok(parseAudioSdp(text).ok, `our own answer must parse back (case ${i})`);
      }
    } catch (err) {
      assert.fail(`case ${i} threw ${String(err)} for input ${JSON.stringify(input.slice(0, 300))}`);
    }
  }
  // The mutations must leave enough valid offers for the negotiate/build half to mean something.
  assert.ok(parsed > 500, `only ${parsed} inputs parsed`);
  assert.ok(answered > 200, `only ${answered} answers built`);
});
