import { test } from "node:test";
import assert from "node:assert/strict";
import { StreamFramer } from "../../../src/sip/parser/index.js";
import type { FramerOutput } from "../../../src/sip/parser/index.js";
import { INVITE_WITH_SDP, REGISTER_WITH_AUTH, RESPONSE_200, SAMPLES, lines } from "./sample-messages.js";
import { NO_FRAMER_LIMITS, PATHOLOGICAL_STREAMS } from "./pathological.js";

function messages(out: FramerOutput[]): string[] {
  return out.flatMap((o) => ("message" in o ? [o.message.toString()] : []));
}

test("StreamFramer: one complete message in one chunk comes out whole", () => {
  const out = new StreamFramer().push(INVITE_WITH_SDP);
  assert.deepEqual(messages(out), [INVITE_WITH_SDP.toString()]);
});

test("StreamFramer: several messages in one chunk come out in order", () => {
  const out = new StreamFramer().push(Buffer.concat([...SAMPLES]));
  assert.deepEqual(messages(out), SAMPLES.map((b) => b.toString()));
});

test("StreamFramer: a message split byte by byte comes out once, at the last byte", () => {
  const f = new StreamFramer();
  const all: FramerOutput[] = [];
  for (let i = 0; i < INVITE_WITH_SDP.length; i++) {
    const out = f.push(INVITE_WITH_SDP.subarray(i, i + 1));
    if (i < INVITE_WITH_SDP.length - 1) assert.equal(out.length, 0);
    all.push(...out);
  }
  assert.deepEqual(messages(all), [INVITE_WITH_SDP.toString()]);
  assert.equal(f.bufferedBytes, 0);
});

test("StreamFramer: RFC 5626 CRLFCRLF ping between messages yields a keepalive", () => {
  const f = new StreamFramer();
  const out = f.push(Buffer.concat([REGISTER_WITH_AUTH, Buffer.from("\r\n\r\n"), RESPONSE_200]));
  assert.deepEqual(
    out.map((o) => Object.keys(o)[0]),
    ["message", "keepalive", "message"],
  );
  assert.deepEqual(f.push(Buffer.from("\r\n")), []);
  assert.deepEqual(f.push(Buffer.from("\r\n")), [{ keepalive: true }]);
});

test("StreamFramer: leading single CRLFs are skipped, not part of the message", () => {
  const out = new StreamFramer().push(Buffer.concat([Buffer.from("\r\n"), RESPONSE_200]));
  assert.deepEqual(messages(out), [RESPONSE_200.toString()]);
});

test("StreamFramer: missing Content-Length on a stream means no body", () => {
  const msg = lines("OPTIONS sip:h SIP/2.0", "Call-ID: x", "", "");
  const out = new StreamFramer().push(Buffer.from(msg + "OPTIONS"));
  assert.deepEqual(messages(out), [msg]);
});

test("StreamFramer: compact l: header and bare-LF framing are understood", () => {
  const msg = ["MESSAGE sip:h SIP/2.0", "l : 3", "", "abc"].join("\n");
  assert.deepEqual(messages(new StreamFramer().push(Buffer.from(msg))), [msg]);
});

test("StreamFramer: body waits for all Content-Length bytes", () => {
  const f = new StreamFramer();
  const head = lines("MESSAGE sip:h SIP/2.0", "Content-Length: 10", "", "");
  assert.deepEqual(f.push(Buffer.from(head + "12345")), []);
  assert.equal(f.bufferedBytes, head.length + 5);
  assert.deepEqual(messages(f.push(Buffer.from("67890"))), [head + "1234567890"]);
});

// Hostile streams: [what, input, expected error].
const HOSTILE: Array<[string, Buffer, RegExp]> = [
  ["invalid Content-Length", Buffer.from(lines("MESSAGE sip:h SIP/2.0", "Content-Length: -1", "", "")), /invalid Content-Length/],
  ["conflicting Content-Length", Buffer.from(lines("MESSAGE sip:h SIP/2.0", "Content-Length: 1", "l: 2", "", "")), /conflicting/],
  ["Content-Length above message limit", Buffer.from(lines("MESSAGE sip:h SIP/2.0", "Content-Length: 100000", "", "")), /message exceeds 65535/],
  ["endless header section", Buffer.from("INVITE sip:h SIP/2.0\r\n" + "X: y\r\n".repeat(4000)), /header section exceeds/],
];
for (const [what, input, error] of HOSTILE) {
  test(`StreamFramer: ${what} gives one error and then nothing`, () => {
    const f = new StreamFramer();
    const out = f.push(input);
    const last = out[out.length - 1];
    assert.ok(last && "error" in last);
    assert.match(last.error, error);
    assert.deepEqual(f.push(REGISTER_WITH_AUTH), []);
  });
}

test("StreamFramer: maxBufferedBytes bounds an incomplete message", () => {
  const f = new StreamFramer({ maxBufferedBytes: 1000, maxMessageBytes: 5000 });
  const out = f.push(Buffer.from(lines("MESSAGE sip:h SIP/2.0", "Content-Length: 4000", "", "x".repeat(1500))));
  assert.ok(out.some((o) => "error" in o && /buffered/.test(o.error)));
});

test("StreamFramer: a big burst of pipelined messages does not trip the buffer limit", () => {
  const burst = Buffer.concat(Array.from({ length: 200 }, () => REGISTER_WITH_AUTH));
  const out = new StreamFramer().push(burst);
  assert.equal(messages(out).length, 200);
});

/**
 * Feeds `stream` in `chunk`-byte pieces and returns the messages. After every push the framer's
 * work so far must stay within twice the bytes pushed so far (plus one buffer), so a super-linear
 * framer fails at once instead of running for minutes.
 */
function feed(stream: Buffer, chunk: number, f = new StreamFramer()): string[] {
  const got: string[] = [];
  for (let i = 0; i < stream.length; i += chunk) {
    got.push(...messages(f.push(stream.subarray(i, i + chunk))));
    const pushed = Math.min(i + chunk, stream.length);
    if (f.work.scanned > 2 * pushed + 4096) assert.fail(`scanned ${f.work.scanned} bytes after ${pushed} pushed`);
    if (f.work.moved > 2 * pushed + 4096) assert.fail(`moved ${f.work.moved} bytes after ${pushed} pushed`);
  }
  return got;
}

// Linearity is checked by counting, not timing: the framer reports the bytes its head scan
// looked at and the bytes it moved around its buffer. A framer that rescans from the start of
// the message or copies the whole buffer per push does work proportional to (bytes × pushes).
// The times are printed by bench/sip-parse.ts.

test("StreamFramer: 1-byte chunks of a 60 KB message give it back whole, each byte scanned about once", () => {
  const body = "x".repeat(60000);
  const msg = Buffer.from(lines("MESSAGE sip:h SIP/2.0", `Content-Length: ${body.length}`, "", body));
  assert.deepEqual(feed(msg, 1), [msg.toString()]);
});

for (const [name, make] of Object.entries(PATHOLOGICAL_STREAMS)) {
  test(`StreamFramer: 2 MiB as ${name}: one message, work proportional to the input`, () => {
    const { stream, chunk } = make(1 << 21);
    const got = feed(stream, chunk, new StreamFramer(NO_FRAMER_LIMITS));
    assert.equal(got.length, 1);
    assert.equal(got[0]?.length, stream.length);
  });
}
