/**
 * Parser throughput: `node --import tsx bench/sip-parse.ts [seconds]`.
 * Measures parseMessage (start line + header split, header values left lazy) on a REGISTER
 * with Authorization, then the cost of the header value parsers a registrar would call, then
 * serializeMessage. Then the times the tests do not assert (they would be flaky on a busy
 * machine): each RFC 4475 §3.1.1 message, the pathological inputs of
 * test/sip/parser/pathological.ts at two sizes (linear work grows by about the size factor, 4,
 * somewhat more where the garbage collector copies strings built from many pieces; quadratic
 * work by 16), and StreamFramer on chunked streams.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { StreamFramer, parseAuth, parseCSeq, parseMessage, parseNameAddr, parseUri, parseVia, serializeMessage } from "../src/sip/parser/index.js";
import { REGISTER_WITH_AUTH } from "../test/sip/parser/sample-messages.js";
import { NO_FRAMER_LIMITS, NO_LIMITS, PATHOLOGICAL, PATHOLOGICAL_STREAMS } from "../test/sip/parser/pathological.js";

const seconds = Number(process.argv[2] ?? 1);

function run(name: string, f: () => unknown): void {
  // Warm up so the JIT has compiled the hot paths before we measure.
  for (let i = 0; i < 20000; i++) f();
  let n = 0;
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(Math.round(seconds * 1e9));
  let now = t0;
  while (now < deadline) {
    for (let i = 0; i < 1000; i++) f();
    n += 1000;
    now = process.hrtime.bigint();
  }
  const secs = Number(now - t0) / 1e9;
  process.stdout.write(`${name.padEnd(44)} ${Math.round(n / secs).toLocaleString("en-US").padStart(12)} msg/s\n`);
}

/** Best of two runs of `f`, in milliseconds. */
function once(f: () => unknown): number {
  let best = Infinity;
  for (let k = 0; k < 2; k++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const parsed = parseMessage(REGISTER_WITH_AUTH);
if (!parsed.ok) throw new Error(parsed.reason);
const msg = parsed.message;

run("parseMessage (REGISTER + Authorization)", () => parseMessage(REGISTER_WITH_AUTH));
run("parseMessage + Via/From/CSeq/Call-ID/Auth", () => {
  const r = parseMessage(REGISTER_WITH_AUTH);
  if (!r.ok) return;
  const h = r.message.headers;
  parseVia(h.get("Via") ?? "");
  parseNameAddr(h.get("From") ?? "");
  parseCSeq(h.get("CSeq") ?? "");
  h.get("Call-ID");
  parseAuth(h.get("Authorization") ?? "");
});
run("serializeMessage (REGISTER + Authorization)", () => serializeMessage(msg));

const RFC4475 = fileURLToPath(new URL("../test/fixtures/sip/rfc4475/", import.meta.url));
for (const name of ["wsinv", "intmeth", "longreq", "mpart01"]) {
  const bytes = readFileSync(`${RFC4475}${name}.sip`);
  run(`parseMessage (RFC 4475 ${name})`, () => parseMessage(bytes));
}

const SMALL = 1 << 20;
const LARGE = 1 << 22;
process.stdout.write(`\npathological inputs (parseMessage + value parsers)     1 MiB      4 MiB   growth\n`);
for (const [name, make] of Object.entries(PATHOLOGICAL)) {
  const times = [SMALL, LARGE].map((n) => {
    const { message, value } = make(n);
    return once(() => {
      parseMessage(message, NO_LIMITS);
      parseUri(value);
      parseNameAddr(value);
      parseVia(value);
      parseAuth(value);
    });
  });
  const [a = 0, b = 0] = times;
  process.stdout.write(`  ${name.padEnd(50)} ${a.toFixed(1).padStart(7)} ms ${b.toFixed(1).padStart(7)} ms ${(b / a).toFixed(1).padStart(6)}x\n`);
}

process.stdout.write(`\nStreamFramer                                           1 MiB      4 MiB   growth\n`);
for (const [name, make] of Object.entries(PATHOLOGICAL_STREAMS)) {
  const times = [SMALL, LARGE].map((n) => {
    const { stream, chunk } = make(n);
    return once(() => {
      const f = new StreamFramer(NO_FRAMER_LIMITS);
      for (let i = 0; i < stream.length; i += chunk) f.push(stream.subarray(i, i + chunk));
    });
  });
  const [a = 0, b = 0] = times;
  process.stdout.write(`  ${name.padEnd(50)} ${a.toFixed(1).padStart(7)} ms ${b.toFixed(1).padStart(7)} ms ${(b / a).toFixed(1).padStart(6)}x\n`);
}
const body = "x".repeat(60000);
const sixty = Buffer.from(`MESSAGE sip:h SIP/2.0\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
const oneByte = once(() => {
  const f = new StreamFramer();
  for (let i = 0; i < sixty.length; i++) f.push(sixty.subarray(i, i + 1));
});
process.stdout.write(`  ${"a 60 KB message in 1-byte chunks".padEnd(50)} ${oneByte.toFixed(1).padStart(7)} ms\n`);
