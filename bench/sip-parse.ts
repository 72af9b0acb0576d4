/**
 * Parser throughput: `node --import tsx bench/sip-parse.ts [seconds]`.
 * Measures parseMessage (start line + header split, header values left lazy) on a REGISTER
 * with Authorization, then the cost of the lazy accessors a registrar would call, then
 * serializeMessage.
 */
import { callId, cseq, fromHeader, parseAuth, parseMessage, serializeMessage, topVia } from "../src/sip/parser/index.js";
import { REGISTER_WITH_AUTH } from "../test/sip/parser/sample-messages.js";

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

const parsed = parseMessage(REGISTER_WITH_AUTH);
if (!parsed.ok) throw new Error(parsed.reason);
const msg = parsed.message;

run("parseMessage (REGISTER + Authorization)", () => parseMessage(REGISTER_WITH_AUTH));
run("parseMessage + Via/From/CSeq/Call-ID/Auth", () => {
  const r = parseMessage(REGISTER_WITH_AUTH);
  if (!r.ok) return;
  topVia(r.message);
  fromHeader(r.message);
  cseq(r.message);
  callId(r.message);
  parseAuth(r.message.headers.get("Authorization") ?? "");
});
run("serializeMessage (REGISTER + Authorization)", () => serializeMessage(msg));
