/**
 * Robustness of the SIP front door: thousands of mutated, random and oversized datagrams over
 * UDP and hostile byte streams over TCP must neither crash the server nor stop it from serving
 * a valid authenticated REGISTER afterwards ("untrusted bytes never throw on the hot path").
 *
 * The fuzzing sources are whitelisted in guard.conf, so the guard's packet rate limit does not
 * drop the burst before the parser: the test proves, with the server's own counters
 * (`pjsip show stats`, `security show stats`), that every datagram reached the parser, and
 * checks how many were parsed, answered and dropped.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { SipClient, token } from "../helpers/sip-client.js";
import { isRunning, waitUntil } from "../helpers/processes.js";
import { prng } from "../helpers/prng.js";
import { droppedCount, guardConf, parseSipStats, parseStats, type SipStats, type TransportCounters } from "../helpers/guard-harness.js";

const IP = "127.0.0.1";
/** Source of the UDP fuzz (whitelisted). */
const UDP_FUZZER = "127.0.0.20";
/** Source of the hostile TCP streams (whitelisted). */
const TCP_FUZZER = "127.0.0.21";
const USER = { id: "1001", password: randomPassword(), maxContacts: 5 };
const DATAGRAMS = 3000;
const MUTATION_KINDS = 12;
/** Datagrams between two drain probes: small enough that a burst never fills a socket buffer. */
const DRAIN_EVERY = 100;

/** Bytes from the seeded PRNG, so a failing run replays from its seed (crypto bytes would not). */
function junk(rnd: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

function validRegister(port: number, localPort: number): string {
  return [
    `REGISTER sip:${IP}:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.20:${localPort};branch=z9hG4bK${token()};rport`,
    `Max-Forwards: 70`,
    `From: <sip:1001@${IP}:${port}>;tag=${token(4)}`,
    `To: <sip:1001@${IP}:${port}>`,
    `Call-ID: ${token(12)}`,
    `CSeq: 1 REGISTER`,
    `Contact: <sip:1001@127.0.0.20:${localPort}>`,
    `Expires: 60`,
    `Content-Length: 0`,
    ``,
    ``,
  ].join("\r\n");
}

/** A hostile datagram and the name of the variant that made it (`kind` or `kind:variant`). */
interface Mutation {
  readonly data: Buffer;
  readonly variant: string;
}

/** One hostile datagram; the mutation kind cycles so every kind is well represented. */
function mutate(base: string, rnd: () => number, i: number): Mutation {
  const bytes = Buffer.from(base, "latin1");
  const pick = (n: number): number => Math.floor(rnd() * n);
  /** Picks one [name, value] row of a variant table. */
  const row = <T>(table: ReadonlyArray<readonly [string, T]>): readonly [string, T] => table[pick(table.length)] ?? (table[0] as readonly [string, T]);
  const text = (variant: string, t: string): Mutation => ({ data: Buffer.from(t, "latin1"), variant });
  switch (i % MUTATION_KINDS) {
    case 0: { // random byte flips
      const b = Buffer.from(bytes);
      for (let k = 0; k < 1 + pick(20); k++) b[pick(b.length)] = pick(256);
      return { data: b, variant: "flips" };
    }
    case 1: return { data: bytes.subarray(0, pick(bytes.length)), variant: "truncated" };
    case 2: return { data: junk(rnd, 1 + pick(1400)), variant: "junk" };
    case 3: {
      const [name, cl] = row([["negative", "-1"], ["overflow", "99999999999999999999"], ["beyond-datagram", "1000000"], ["letters", "abc"], ["empty", ""]]);
      return text(`content-length:${name}`, base.replace("Content-Length: 0", `Content-Length: ${cl}`));
    }
    case 4: return text("no-via", base.replace(/^Via:.*$/m, ""));
    // The first of these headers in the message is From: its value becomes unparseable.
    case 5: return text("garbled-from", base.replace(/^(To|From|Call-ID|CSeq):.*$/m, (_h, name: string) => `${name}: ${"<".repeat(pick(50))}\u0000\u00ff`));
    case 6: return text("oversized-header", base.replace("\r\n\r\n", `\r\nX-Big: ${"A".repeat(60000)}\r\n\r\n`));
    case 7: {
      const [name, cseq] = row([["empty", ""], ["letters", "x REGISTER"], ["above-2^32", "4294967296 REGISTER"], ["method-mismatch", "1 INVITE"], ["no-method", "1"]]);
      return text(`cseq:${name}`, base.replace(/^CSeq: 1 REGISTER$/m, `CSeq: ${cseq}`));
    }
    case 8: {
      const [name, eol] = row([["lf", "\n"], ["cr", "\r"], ["doubled", "\r\n\r\n"], ["space-before", " \r\n"]]);
      return text(`line-endings:${name}`, base.replace(/\r\n/g, eol));
    }
    case 9: {
      const [name, line] = row([["no-uri", "REGISTER"], ["empty-uri", "REGISTER sip:"], ["nul-in-method", "REG\u0000ISTER sip:x"], ["name-addr-uri", "REGISTER <sip:a@b>"], ["huge-method", `${"A".repeat(5000)} sip:x`]]);
      return text(`request-line:${name}`, base.replace(/^REGISTER sip:\S+/, line));
    }
    case 10: { // header repeated many times
      const lines = base.split("\r\n");
      const h = lines[1 + pick(9)] ?? "Via: x";
      const name = (h.split(":")[0] ?? "").toLowerCase();
      return text(`repeated:${name}`, base.replace("\r\n\r\n", `\r\n${`${h}\r\n`.repeat(200 + pick(300))}\r\n`));
    }
    default: {
      const [name, auth] = row([
        ["scheme-only", "Digest"],
        ["username-only", 'Digest username="1001"'],
        ["unterminated", 'Digest username="1001", realm=, nonce="'],
        ["3000-params", `Digest ${"x=".repeat(3000)}`],
        ["qop-without-nc", 'Digest username="1001",realm="asterisk",nonce="x",uri="sip:a",response="zz",qop=auth'],
      ]);
      return text(`authorization:${name}`, base.replace("Expires: 60", `Expires: 60\r\nAuthorization: ${auth}`));
    }
  }
}

/**
 * What the server must do with each variant (a status, or "none" for no answer at all), or
 * "varies" where the mutation is random. A 401 means the message parsed and went through the
 * pipeline: the credentials are worthless, so the request is challenged again (RFC 3261 §22.2).
 */
const EXPECTED_OUTCOME: Readonly<Record<string, number | "none" | "varies">> = {
  flips: "varies",
  truncated: "varies",
  junk: "varies",
  // §18.3: a request whose datagram ends before Content-Length "SHOULD [be treated] as a 400";
  // a Content-Length that is no 1*DIGIT (§20.14) is a syntax error, also 400.
  "content-length:negative": 400,
  "content-length:overflow": 400,
  "content-length:beyond-datagram": 400,
  "content-length:letters": 400,
  "content-length:empty": 400,
  // §18.2.2: a response is sent where the top Via says; with no Via there is nowhere to send it.
  "no-via": "none",
  // A NUL in the header section is no SIP syntax (§25.1); the rest of the headers address a 400.
  "garbled-from": 400,
  // One header line of 60 kB exceeds the parser's per-line limit (8 kB): 400, not a crash.
  "oversized-header": 400,
  // §8.1.1.5: the sequence number "MUST be expressible as a 32-bit unsigned integer", and the
  // CSeq method "MUST match that of the request"; an empty CSeq leaves nothing to copy into a
  // response (§8.2.6.2), so that request is dropped.
  "cseq:empty": "none",
  "cseq:letters": 400,
  "cseq:above-2^32": 400,
  "cseq:method-mismatch": 400,
  "cseq:no-method": 400,
  // Bare LF line ends are tolerated (as by most stacks), so that request parses and is challenged;
  // CR-only or CRLFCRLF everywhere leaves no readable header section; a space before CRLF breaks
  // the request line (SIP-Version must end it, §25.1).
  "line-endings:lf": 401,
  "line-endings:cr": "none",
  "line-endings:doubled": "none",
  "line-endings:space-before": 400,
  // A start line with a NUL is not recognisable as a request at all; the other broken request
  // lines still have readable headers and get a 400 (a 5000-letter method is a valid token but
  // does not match the CSeq method).
  "request-line:no-uri": 400,
  "request-line:empty-uri": 400,
  "request-line:nul-in-method": "none",
  "request-line:name-addr-uri": 400,
  "request-line:huge-method": 400,
  // 200-500 copies of one header exceed the parser's header count limit (128): 400.
  repeated: 400,
  // Worthless credentials are challenged again; an unterminated quoted string is a syntax error.
  "authorization:scheme-only": 401,
  "authorization:username-only": 401,
  "authorization:unterminated": 400,
  "authorization:3000-params": 401,
  // svcrack's variant (PEERS.md §7): qop=auth without nc/cnonce is malformed, never accepted.
  "authorization:qop-without-nc": 401,
};

interface Stats extends SipStats {
  /** Packets the guard dropped before parsing (`security show stats`). */
  guardDropped: number;
  /** Parsed requests the guard's flood stage dropped (rate limit, bans, scanners, decoys). */
  guardRequestsDropped: number;
}

/** Reads `pjsip show stats` and `security show stats`. */
async function readStats(pbx: Pbx): Promise<Stats> {
  const [sip, sec] = await Promise.all([pbx.rx("pjsip show stats"), pbx.rx("security show stats")]);
  assert.equal(sip.code, 0, `pjsip show stats failed: ${sip.stderr}`);
  assert.equal(sec.code, 0, `security show stats failed: ${sec.stderr}`);
  const counters = parseSipStats(sip.stdout);
  assert.ok(counters !== undefined, `unreadable pjsip show stats:\n${sip.stdout}`);
  const guardDropped = droppedCount(sec.stdout);
  assert.ok(guardDropped !== undefined, `no dropped-packets counter in security show stats:\n${sec.stdout}`);
  const guardRequestsDropped = parseStats(sec.stdout).get("requests dropped");
  assert.ok(guardRequestsDropped !== undefined, `no 'Requests dropped' counter in security show stats:\n${sec.stdout}`);
  return { ...counters, guardDropped, guardRequestsDropped };
}

function transportOf(s: Stats, id: string): TransportCounters {
  const t = s.transports.get(id);
  assert.ok(t !== undefined, `no ${id} row in pjsip show stats`);
  return t;
}

/** What one hostile TCP connection saw. */
interface TcpOutcome {
  /** Bytes the server sent back. */
  readonly data: Buffer;
  /** The server ended or reset the connection before the test let go of it. */
  readonly closedByServer: boolean;
}

/**
 * Opens a connection from the TCP fuzzer, runs `feed`, then waits up to `lingerMs` for the
 * server to act (answer or close) before letting go. `done` may end the wait early once what
 * is expected has arrived.
 */
function tcpSession(port: number, feed: (s: Socket) => Promise<void>, lingerMs: number, done?: (data: Buffer) => boolean): Promise<TcpOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let closedByServer = false;
    let finished = false;
    const s = connect({ host: IP, port, localAddress: TCP_FUZZER });
    const finish = (): void => {
      if (finished) return;
      finished = true;
      s.destroy();
      resolve({ data: Buffer.concat(chunks), closedByServer });
    };
    // A FIN ("end") or a reset (error while we still hold the socket) is the server's doing.
    s.on("end", () => {
      closedByServer = true;
      finish();
    });
    s.on("error", () => {
      closedByServer = true;
      finish();
    });
    s.on("close", finish);
    s.on("data", (d: Buffer) => {
      chunks.push(d);
      if (done?.(Buffer.concat(chunks)) === true) finish();
    });
    s.once("connect", () => {
      feed(s).then(
        () => setTimeout(finish, lingerMs),
        () => {
          // Only the server can make a write fail: the test never lets go before feed is done.
          closedByServer = true;
          finish();
        },
      );
    });
  });
}

function write(s: Socket, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.destroyed) return reject(new Error("connection closed"));
    s.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

/** SIP responses in a byte stream (status line + Content-Length framing is enough here). */
function responsesIn(data: Buffer): number[] {
  return [...data.toString("latin1").matchAll(/^SIP\/2\.0 (\d{3}) /gm)].map((m) => Number(m[1]));
}

describe("fuzz (integration: hostile UDP datagrams and TCP streams)", () => {
  let pbx: Pbx;
  let port: number;

  before(async () => {
    port = await freePort(IP);
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: IP, port, protocols: ["udp", "tcp"], endpoints: [USER] }),
        // Whitelisted sources are never rate-limited: the burst reaches the parser, which is
        // what this test is about (docs/security.md, "Never banned").
        "guard.conf": guardConf({ whitelist: [`${UDP_FUZZER}/32`, `${TCP_FUZZER}/32`] }),
      },
    });
  });
  after(async () => {
    await pbx?.stop();
  });

  it("3,000 mutated/random/oversized UDP datagrams all reach the parser; each is parsed and answered, answered 400, or dropped, as its mutation demands", async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1000000);
    const rnd = prng(seed);
    const ctx = `(seed ${seed}; replay with FUZZ_SEED=${seed})`;
    const fuzzer = await SipClient.udp({ server: { ip: IP, port }, localIp: UDP_FUZZER });
    const variantOfCallId = new Map<string, string>();
    let keepalives = 0;
    let junkKeepalives = 0;
    let probes = 0;
    const before = await readStats(pbx);
    try {
      for (let i = 0; i < DATAGRAMS; i++) {
        const base = validRegister(port, fuzzer.localPort);
        const callId = /^Call-ID: (\S+)$/m.exec(base)?.[1] ?? "";
        const { data, variant } = mutate(base, rnd, i);
        variantOfCallId.set(callId, variant);
        const d = data.subarray(0, 65507);
        // RFC 5626 §4.4.1: the transport takes CRLF-only datagrams (and empty ones) as keep-alives.
        if (d.length <= 4 && d.every((b) => b === 0x0d || b === 0x0a)) {
          keepalives++;
          if (variant === "junk") junkKeepalives++;
        }
        await fuzzer.send(d);
        if (i % DRAIN_EVERY === DRAIN_EVERY - 1) {
          // One socket's datagrams are read in order: once this OPTIONS is answered, the server
          // has read everything before it, so the next burst cannot overflow its socket buffer.
          probes++;
          const r = await fuzzer.options(10000).catch((err: Error) => assert.fail(`drain probe ${probes} not answered ${ctx}: ${err.message}\n${pbx.diagnostics()}`));
          assert.equal(r.status, 200, `drain probe ${ctx}:\n${r.raw}`);
        }
      }
    } finally {
      fuzzer.close();
    }
    const after = await readStats(pbx);
    const udpBefore = transportOf(before, "transport-udp");
    const udpAfter = transportOf(after, "transport-udp");
    const sent = DATAGRAMS + probes;
    const delta = {
      guardDropped: after.guardDropped - before.guardDropped,
      guardRequestsDropped: after.guardRequestsDropped - before.guardRequestsDropped,
      received: udpAfter.received - udpBefore.received,
      dropped: udpAfter.dropped - udpBefore.dropped,
      answered: udpAfter.sent - udpBefore.sent,
      toParser: after.toParser - before.toParser,
      parsed: after.parsed - before.parsed,
      malformedAnswered: after.malformedAnswered - before.malformedAnswered,
      malformedDropped: after.malformedDropped - before.malformedDropped,
    };
    const summary = `${ctx}\ncounters: ${JSON.stringify(delta)}; ${keepalives} keep-alives, ${probes} probes`;

    // The whitelist works: the guard dropped nothing, neither packets before the parser nor
    // parsed requests in the pipeline's flood stage (without it, the request rate limit drops
    // hundreds of these requests unanswered).
    assert.equal(delta.guardDropped, 0, `the guard dropped fuzz packets from a whitelisted source ${summary}`);
    assert.equal(delta.guardRequestsDropped, 0, `the guard dropped fuzz requests from a whitelisted source ${summary}`);
    assert.equal(delta.dropped, 0, `transport-udp dropped fuzz packets ${summary}`);
    assert.equal(delta.received, sent, `transport-udp did not receive every datagram sent ${summary}`);
    assert.equal(delta.toParser, sent - keepalives, `not every non-keep-alive datagram reached the parser ${summary}`);
    assert.equal(delta.parsed + delta.malformedAnswered + delta.malformedDropped, delta.toParser, `parser counters do not add up ${summary}`);

    // Every message that parsed is a request from a whitelisted address, and every malformed one
    // that could be addressed got a 400/505: the server sent exactly one response for each.
    assert.equal(delta.answered, delta.parsed + delta.malformedAnswered, `responses sent != parsed + malformed-answered ${summary}`);

    // By variant, from what came back (a response carries the request's Call-ID). The table
    // states the one right outcome of each variant whose Via still leads back here.
    const sentByVariant = new Map<string, number>();
    for (const v of variantOfCallId.values()) sentByVariant.set(v, (sentByVariant.get(v) ?? 0) + 1);
    const answers = new Map<string, number[]>();
    for (const m of fuzzer.received) {
      const id = m.header("call-id") ?? "";
      if (!m.isResponse || !variantOfCallId.has(id)) continue;
      answers.set(id, [...(answers.get(id) ?? []), m.status]);
    }
    const wrong: string[] = [];
    for (const [id, statuses] of answers) if (statuses.length > 1) wrong.push(`${variantOfCallId.get(id)} (${id}): ${statuses.length} responses ${statuses.join(",")} for one request`);
    const tally = new Map<string, Map<number | "none", number>>();
    for (const [id, variant] of variantOfCallId) {
      const outcome = answers.get(id)?.[0] ?? "none";
      const t = tally.get(variant) ?? new Map<number | "none", number>();
      t.set(outcome, (t.get(outcome) ?? 0) + 1);
      tally.set(variant, t);
    }
    const expectedTotals = { parsed: 0, malformedAnswered: 0, malformedDropped: 0 };
    for (const [variant, t] of tally) {
      const expected = EXPECTED_OUTCOME[variant.split(":")[0] === "repeated" ? "repeated" : variant];
      assert.ok(expected !== undefined, `no expected outcome for variant ${variant}`);
      if (expected === "varies") continue;
      const n = sentByVariant.get(variant) ?? 0;
      const seen = [...t].map(([o, c]) => `${o}×${c}`).join(", ");
      if (t.get(expected) !== n) wrong.push(`${variant}: expected ${expected} for all ${n}, got ${seen}`);
      if (expected === 401) expectedTotals.parsed += n;
      else if (expected === "none") expectedTotals.malformedDropped += n;
      else expectedTotals.malformedAnswered += n;
    }
    assert.deepEqual(wrong, [], `wrong outcomes ${summary}\n${wrong.join("\n")}`);
    // Junk has no Call-ID to follow, but it never forms an addressable request either.
    expectedTotals.malformedDropped += (sentByVariant.get("junk") ?? 0) - junkKeepalives;
    // The drain probes parsed (and were answered 200).
    expectedTotals.parsed += probes;
    assert.ok(delta.parsed >= expectedTotals.parsed, `fewer messages parsed than the variants that must parse ${summary} (expected at least ${expectedTotals.parsed})`);
    assert.ok(delta.malformedAnswered >= expectedTotals.malformedAnswered, `fewer 400/505 than the variants that must get one ${summary} (expected at least ${expectedTotals.malformedAnswered})`);
    assert.ok(delta.malformedDropped >= expectedTotals.malformedDropped, `fewer drops than the variants that cannot be answered ${summary} (expected at least ${expectedTotals.malformedDropped})`);
  });
  it("hostile TCP streams: unframeable ones are closed by the server, framed ones answered, keep-alive pings ponged", async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1000000);
    const rnd = prng(seed + 1);
    const ctx = `(seed ${seed}; replay with FUZZ_SEED=${seed})`;
    const before = await readStats(pbx);
    // How long the server gets to act after the last byte; it normally acts within milliseconds.
    const grace = 10000;
    const GLUED = 50;
    const PINGS = 1000;
    const [neverEnding, hugeBody, binary, glued, pings] = await Promise.all([
      // A header line that never ends: 2 MB without CRLF.
      tcpSession(port, async (s) => {
        const chunk = "X-Never-Ending: " + "A".repeat(64 * 1024);
        for (let i = 0; i < 32; i++) await write(s, chunk);
      }, grace),
      // A body claim of 1 MB followed by a short body, then waiting.
      tcpSession(port, async (s) => {
        await write(s, validRegister(port, 5999).replace("Content-Length: 0", "Content-Length: 1000000") + "partial body");
      }, grace),
      // Binary junk (160 kB).
      tcpSession(port, async (s) => {
        for (let i = 0; i < 20; i++) await write(s, junk(rnd, 8192));
      }, grace),
      // Valid-looking messages glued together with wrong lengths: each REGISTER claims 7 body
      // bytes, which swallow "REGISTE" of the next copy, leaving a request line "R sip:…".
      tcpSession(port, async (s) => {
        const m = validRegister(port, 5998);
        await write(s, (m.replace("Content-Length: 0", "Content-Length: 7") + m).repeat(GLUED));
      }, grace, (d) => responsesIn(d).length >= 2 * GLUED),
      // Keep-alive pings only, then silence.
      tcpSession(port, async (s) => {
        await write(s, "\r\n\r\n".repeat(PINGS));
      }, grace, (d) => d.length >= 2 * PINGS),
    ]);
    const show = (o: TcpOutcome): string => `closed by server: ${o.closedByServer}, ${o.data.length} bytes back: ${JSON.stringify(o.data.subarray(0, 200).toString("latin1"))}`;

    // RFC 3261 §18.3 frames a stream by Content-Length; a header section over 16 kB, a message
    // over 64 kB or bytes that never form a header section cannot be framed, and nothing in
    // them can be answered: the server closes the connection without a word.
    for (const [name, o] of [["2 MB header line", neverEnding], ["1 MB Content-Length", hugeBody], ["binary junk", binary]] as const) {
      assert.ok(o.closedByServer, `${name}: the server kept the connection open ${ctx}\n${show(o)}`);
      assert.equal(o.data.length, 0, `${name}: the server answered ${ctx}\n${show(o)}`);
    }
    // Glued messages still frame: every REGISTER is challenged (401), every "R" request has a
    // CSeq method that does not match (400, §8.1.1.5), in order, on the same connection.
    assert.deepEqual(responsesIn(glued.data), Array.from({ length: 2 * GLUED }, (_, i) => (i % 2 === 0 ? 401 : 400)), `glued messages ${ctx}\n${show(glued)}`);
    assert.equal(glued.closedByServer, false, `glued messages: connection closed ${ctx}`);
    // RFC 5626 §3.5.1: each double-CRLF ping gets a single CRLF pong, and nothing else.
    const pongText = pings.data.toString("latin1");
    assert.ok(/^(\r\n)*$/.test(pongText), `pings: something other than CRLF came back ${ctx}\n${show(pings)}`);
    assert.equal(pongText.length / 2, PINGS, `pings: pongs received ${ctx}`);
    assert.equal(pings.closedByServer, false, `pings: connection closed ${ctx}`);

    // The counters agree: three connections dropped as unframeable, every framed message of the
    // glued stream answered, nothing dropped by the (whitelisting) guard, no connection leaked.
    const after = await waitUntil(async () => {
      const s = await readStats(pbx);
      return transportOf(s, "transport-tcp").connections === 0 ? s : undefined;
    }, 10000, "transport-tcp to show 0 connections after the hostile streams closed").catch(async (err: Error) =>
      assert.fail(`${err.message} ${ctx}\n${(await pbx.rx("pjsip show stats")).stdout}`));
    const tcpBefore = transportOf(before, "transport-tcp");
    const tcpAfter = transportOf(after, "transport-tcp");
    const counters = `${ctx} before ${JSON.stringify(tcpBefore)}, after ${JSON.stringify(tcpAfter)}`;
    assert.equal(after.guardDropped - before.guardDropped, 0, `the guard dropped packets of a whitelisted source ${counters}`);
    assert.equal(after.guardRequestsDropped - before.guardRequestsDropped, 0, `the guard dropped requests of a whitelisted source ${counters}`);
    assert.equal(tcpAfter.dropped - tcpBefore.dropped, 3, `unframeable connections closed ${counters}`);
    assert.equal(tcpAfter.sent - tcpBefore.sent, 2 * GLUED, `responses sent over TCP ${counters}`);
    // The junk stream may, rarely, contain an empty line and so frame a (malformed, unanswerable)
    // message before it overflows; the glued stream frames exactly 2 × GLUED.
    assert.ok(tcpAfter.received - tcpBefore.received >= 2 * GLUED, `messages framed over TCP ${counters}`);
  });

  it("after the fuzzing the server is alive, its console answers and valid REGISTERs over UDP and TCP succeed", async () => {
    assert.ok(isRunning(pbx.pid) && pbx.proc.exitCode === null, `server died\n${pbx.diagnostics()}`);
    const version = await pbx.rx("core show version");
    assert.equal(version.code, 0, `console not answering after fuzzing\n${pbx.diagnostics()}`);
    const client = await SipClient.udp({ server: { ip: IP, port }, localIp: "127.0.0.22" });
    try {
      const r = await client.register({ user: USER.id, password: USER.password, expires: 60 });
      assert.equal(r.final.status, 200, `valid REGISTER after fuzzing:\n${r.final.raw}\n${pbx.diagnostics()}`);
    } finally {
      client.close();
    }
    const tcp = await SipClient.tcp({ server: { ip: IP, port }, localIp: "127.0.0.23" });
    try {
      const r = await tcp.register({ user: USER.id, password: USER.password, expires: 60 });
      assert.equal(r.final.status, 200, `valid REGISTER over TCP after fuzzing:\n${r.final.raw}`);
    } finally {
      tcp.close();
    }
  });
});
