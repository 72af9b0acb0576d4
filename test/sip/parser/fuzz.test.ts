/**
 * In-process fuzzing: mutated valid messages and random bytes must never make the parser throw,
 * and random chunkings of a valid stream must frame back to the same messages. The generator is
 * seeded, so a failure names the seed that reproduces it. Speed is not asserted per parse (a busy
 * machine makes such limits flaky): bench/sip-parse.ts prints the figures, and the one bound here
 * is on inputs so large that only super-linear work can reach it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  StreamFramer,
  parseAuth,
  parseMessage,
  parseNameAddr,
  parseUri,
  parseVia,
  serializeMessage,
} from "../../../src/sip/parser/index.js";
import type { FramerOutput } from "../../../src/sip/parser/index.js";
import { SAMPLES } from "./sample-messages.js";
import { NO_LIMITS, PATHOLOGICAL } from "./pathological.js";
import { prng as rng } from "../../helpers/prng.js";


const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const SPECIAL = [0x0d, 0x0a, 0x22, 0x3c, 0x3e, 0x3b, 0x2c, 0x3a, 0x20, 0x5c, 0x00, 0x25, 0x09, 0x5b, 0x5d, 0x3d];

const DIR = fileURLToPath(new URL("../../fixtures/sip/", import.meta.url));
/** The RFC 4475 §3.1.1 messages (valid, and the most contorted ones we have). */
const RFC4475_VALID = ["wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq", "dblreq", "semiuri", "transports", "mpart01", "unreason", "noreason"];
const CORPUS: Buffer[] = [
  ...SAMPLES,
  ...readdirSync(DIR).filter((n) => n.startsWith("valid-")).map((n) => readFileSync(DIR + n)),
  ...RFC4475_VALID.map((n) => readFileSync(`${DIR}rfc4475/${n}.sip`)),
];

function mutate(src: Buffer, rand: () => number): Buffer {
  let b = Buffer.from(src);
  const n = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < n; k++) {
    const pos = Math.floor(rand() * (b.length + 1));
    switch (Math.floor(rand() * 6)) {
      case 0: // byte flip
        if (b.length > 0) b[Math.min(pos, b.length - 1)] = Math.floor(rand() * 256);
        break;
      case 1: // truncation
        b = b.subarray(0, pos);
        break;
      case 2: {
        // duplication of a slice
        const len = Math.floor(rand() * 200);
        b = Buffer.concat([b.subarray(0, pos), b.subarray(pos, pos + len), b.subarray(pos)]);
        break;
      }
      case 3: {
        // insertion of a structural character
        const ch = SPECIAL[Math.floor(rand() * SPECIAL.length)] ?? 0x22;
        b = Buffer.concat([b.subarray(0, pos), Buffer.from([ch]), b.subarray(pos)]);
        break;
      }
      case 4: {
        // huge repetition of a short slice (or of one structural character)
        const piece = rand() < 0.5 ? b.subarray(pos, pos + 1 + Math.floor(rand() * 8)) : Buffer.from([SPECIAL[Math.floor(rand() * SPECIAL.length)] ?? 0x3b]);
        const times = Math.floor(rand() * 20000);
        b = Buffer.concat([b.subarray(0, pos), Buffer.alloc(piece.length * times, piece.length > 0 ? piece : Buffer.from("x")), b.subarray(pos)]);
        break;
      }
      default: // removal of a slice
        b = Buffer.concat([b.subarray(0, pos), b.subarray(pos + Math.floor(rand() * 40))]);
    }
  }
  return b;
}

/** Limits generous enough for anything a valid message can grow into when unfolded and re-serialized. */
const ROOMY = { maxMessageBytes: 1 << 22, maxHeaderBytes: 1 << 22, maxLineBytes: 1 << 22, maxHeaders: 1 << 16 };

test("fuzz: 20,000 mutated messages never throw, and what is accepted parses again once serialized", () => {
  const rand = rng(SEED);
  let accepted = 0;
  for (let i = 0; i < 20000; i++) {
    const src = CORPUS[Math.floor(rand() * CORPUS.length)] ?? SAMPLES[0]!;
    const input = mutate(src, rand);
    const r = parseMessage(input);
    if (r.ok) {
      accepted++;
      // Whatever was accepted must serialize and be accepted again (unfolding may lengthen
      // lines, so the re-parse gets roomy limits).
      const again = parseMessage(serializeMessage(r.message), ROOMY);
      assert.ok(again.ok, `seed ${SEED} case ${i}: re-parse failed: ${again.ok ? "" : again.reason}`);
    } else {
      assert.equal(typeof r.reason, "string");
      assert.notEqual(r.reason, "internal parser error", `seed ${SEED} case ${i}: parser threw internally`);
    }
  }
  assert.ok(accepted > 0, "some mutations stay valid");
});

test("fuzz: random byte buffers never throw", () => {
  const rand = rng(SEED + 1);
  for (let i = 0; i < 3000; i++) {
    const len = Math.floor(rand() * 2000);
    const b = Buffer.alloc(len);
    for (let j = 0; j < len; j++) b[j] = rand() < 0.3 ? (SPECIAL[Math.floor(rand() * SPECIAL.length)] ?? 0) : Math.floor(rand() * 256);
    const r = parseMessage(b);
    assert.ok(r.ok || r.reason !== "internal parser error");
  }
});

test("fuzz: header value parsers never throw on mutated header values", () => {
  const rand = rng(SEED + 2);
  const values = [
    '"A \\"b\\"" <sip:alice:pw@[2001:db8::1]:5060;transport=tcp?x=y>;tag=1;+sip.instance="<urn:x>"',
    "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;received=192.0.2.1;rport",
    'Digest username="a", realm="b,c", nonce="n", uri="sip:x", response="r", nc=00000001, qop=auth',
  ];
  for (let i = 0; i < 5000; i++) {
    const v = mutate(Buffer.from(values[i % values.length] ?? ""), rand).subarray(0, 20000).toString("latin1");
    // Never throwing is the property; undefined is a fine answer to garbage.
    for (const parse of [parseUri, parseNameAddr, parseVia, parseAuth]) assert.doesNotThrow(() => parse(v), `seed ${SEED} value ${i}`);
  }
});

/**
 * Linear work on these 2 MiB inputs takes well under a second each, a few seconds on a loaded CI
 * machine. Quadratic work is about 10^12 steps: even a rescan done with SIMD `indexOf` (the
 * fastest quadratic there is) took 26 to 41 s here, a character loop hours. The 10 s bound per input can
 * only be reached by the latter. The figures for 256 KiB and 2 MiB are in bench/sip-parse.ts.
 */
const PATHOLOGICAL_BOUND_MS = 10000;
for (const [name, make] of Object.entries(PATHOLOGICAL)) {
  test(`fuzz: 2 MiB of ${name} is parsed without super-linear work`, () => {
    const { message, value } = make(1 << 21);
    const t0 = performance.now();
    const r = parseMessage(message, NO_LIMITS);
    for (const parse of [parseUri, parseNameAddr, parseVia, parseAuth]) parse(value);
    const ms = performance.now() - t0;
    // Each is a well-formed message at the framing level, so the parser walked all of it.
    assert.ok(r.ok, r.ok ? "" : r.reason);
    assert.ok(ms < PATHOLOGICAL_BOUND_MS, `${name}: ${ms.toFixed(0)} ms for 2 MiB`);
  });
}

test("fuzz: random chunkings of a valid stream give back the same messages", () => {
  const rand = rng(SEED + 3);
  for (let round = 0; round < 300; round++) {
    const parts: Buffer[] = [];
    const expected: string[] = [];
    let pings = 0;
    const count = 1 + Math.floor(rand() * 6);
    for (let k = 0; k < count; k++) {
      if (rand() < 0.3) {
        parts.push(Buffer.from("\r\n\r\n"));
        pings++;
      }
      const m = SAMPLES[Math.floor(rand() * SAMPLES.length)] ?? SAMPLES[0]!;
      parts.push(m);
      expected.push(m.toString("latin1"));
    }
    const stream = Buffer.concat(parts);
    const framer = new StreamFramer();
    const out: FramerOutput[] = [];
    for (let off = 0; off < stream.length; ) {
      const len = 1 + Math.floor(rand() * (rand() < 0.5 ? 8 : 600));
      out.push(...framer.push(stream.subarray(off, off + len)));
      off += len;
    }
    const got = out.flatMap((o) => ("message" in o ? [o.message.toString("latin1")] : []));
    assert.deepEqual(got, expected, `seed ${SEED} round ${round}`);
    assert.equal(out.filter((o) => "keepalive" in o).length, pings);
    assert.equal(out.filter((o) => "error" in o).length, 0);
    for (const m of got) assert.ok(parseMessage(Buffer.from(m, "latin1")).ok);
  }
});

test("fuzz: StreamFramer never throws on mutated streams", () => {
  const rand = rng(SEED + 4);
  for (let round = 0; round < 2000; round++) {
    const stream = mutate(Buffer.concat([...SAMPLES]), rand);
    const framer = new StreamFramer();
    for (let off = 0; off < stream.length; ) {
      const len = 1 + Math.floor(rand() * 2000);
      const out = framer.push(stream.subarray(off, off + len));
      for (const o of out) assert.ok("message" in o || "keepalive" in o || typeof o.error === "string");
      off += len;
    }
  }
});
