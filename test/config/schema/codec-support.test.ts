/**
 * `codecSupport` (config) states what the media layer can do with each format; config may not
 * import media, so this test holds the two together: a format Switchboard "relays" or "decodes"
 * must be one it can name in SDP (media/sdp/codec-table.ts), and the "decoded" ones must be the
 * G.711 laws the media layer encodes and decodes (media/codec/g711.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { codecSupport, DECODED_CODECS, KNOWN_CODECS } from "../../../src/config/schema/codecs.js";
import { decodeG711, encodeG711, type G711Law } from "../../../src/media/codec/g711.js";
import { AUDIO_CODECS, codecByName } from "../../../src/media/sdp/codec-table.js";

test("codec support: every known format Switchboard negotiates has an RTP mapping, and every mapped one is negotiated", () => {
  for (const c of KNOWN_CODECS) {
    const mapped = codecByName(c.name) !== undefined;
    assert.equal(codecSupport(c.name) !== "unsupported", mapped, `${c.name} (${c.kind}): support ${codecSupport(c.name)}, RTP mapping ${mapped}`);
  }
  for (const d of AUDIO_CODECS) assert.ok(KNOWN_CODECS.some((c) => c.name === d.name), `${d.name} in the SDP table is a known format`);
});

test("codec support: the decoded formats are exactly the G.711 laws the media layer encodes and decodes", () => {
  assert.deepEqual([...DECODED_CODECS].sort(), AUDIO_CODECS.filter((d) => d.encoding === "PCMU" || d.encoding === "PCMA").map((d) => d.name).sort());
  for (const name of DECODED_CODECS) {
    const law = codecByName(name)?.encoding as G711Law;
    // A loud sample survives a round trip through the law's tables within G.711's step size:
    // the media layer really codes this format.
    const bytes = new Uint8Array(1);
    encodeG711(law, Int16Array.of(10000), bytes);
    const back = decodeG711(law, bytes)[0] ?? 0;
    assert.ok(Math.abs(back - 10000) < 400, `${name} (${law}): 10000 came back as ${back}`);
  }
});

test("codec support: g722, g729, opus and ilbc are relayed only; video and testlaw are never negotiated", () => {
  assert.deepEqual(["ulaw", "alaw", "g722", "g729", "opus", "ilbc", "h264", "t140", "testlaw"].map(codecSupport), [
    "decoded", "decoded", "relayed", "relayed", "relayed", "relayed", "unsupported", "unsupported", "unsupported",
  ]);
});
