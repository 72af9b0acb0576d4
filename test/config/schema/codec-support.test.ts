/**
 * `codecSupport` (config) states what the media layer can do with each format; config may not
 * import media, so this test holds the two together: a format Switchboard "relays" or "decodes"
 * must be one it can name in SDP (media/sdp/codec-table.ts), and the "decoded" ones must be the
 * formats the media workers encode and decode (media/codec/audio-codec.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { codecSupport, DECODED_CODECS, KNOWN_CODECS } from "../../../src/config/schema/codecs.js";
import { createCodec, transcodableCodecs } from "../../../src/media/codec/audio-codec.js";
import { AUDIO_CODECS, codecByName } from "../../../src/media/sdp/codec-table.js";

test("codec support: every known format Switchboard negotiates has an RTP mapping, and every mapped one is negotiated", () => {
  for (const c of KNOWN_CODECS) {
    const mapped = codecByName(c.name) !== undefined;
    assert.equal(codecSupport(c.name) !== "unsupported", mapped, `${c.name} (${c.kind}): support ${codecSupport(c.name)}, RTP mapping ${mapped}`);
  }
  for (const d of AUDIO_CODECS) assert.ok(KNOWN_CODECS.some((c) => c.name === d.name), `${d.name} in the SDP table is a known format`);
});

test("codec support: the decoded formats are exactly those the media workers encode and decode", () => {
  assert.deepEqual([...DECODED_CODECS].sort(), transcodableCodecs().sort());
  for (const name of DECODED_CODECS) {
    const c = createCodec(name);
    assert.ok(c, name);
    // A loud 20 ms tone survives a round trip at about its level: the media layer really codes this format.
    const frame = c.sampleRate / 50;
    const x = new Int16Array(frame * 10).map((_, i) => Math.round(10000 * Math.sin((2 * Math.PI * 1000 * i) / c.sampleRate)));
    let peak = 0;
    for (let i = 0; i < 10; i++) for (const v of c.decode(c.encode(x.subarray(i * frame, (i + 1) * frame)))) peak = Math.max(peak, Math.abs(v));
    c.close?.();
    assert.ok(peak > 7000 && peak < 13000, `${name}: a 10000 peak came back as ${peak}`);
    assert.ok(codecByName(name), `${name} has an RTP mapping`);
  }
});

test("codec support: g722 and opus are decoded; g729 and ilbc are relayed only (not available here); video and testlaw are never negotiated", () => {
  assert.deepEqual(["ulaw", "alaw", "g722", "g729", "opus", "ilbc", "h264", "t140", "testlaw"].map(codecSupport), [
    "decoded", "decoded", "decoded", "relayed", "decoded", "relayed", "unsupported", "unsupported", "unsupported",
  ]);
});
