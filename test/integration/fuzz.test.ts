/**
 * Robustness of the SIP front door: thousands of mutated, random and oversized datagrams over
 * UDP and hostile byte streams over TCP must neither crash the server nor stop it from serving
 * a valid authenticated REGISTER afterwards ("untrusted bytes never throw on the hot path").
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { SipClient, token } from "../helpers/sip-client.js";
import { isRunning, sleep } from "../helpers/processes.js";
import { prng } from "../helpers/prng.js";

const IP = "127.0.0.1";
const USER = { id: "1001", password: randomPassword(), maxContacts: 5 };


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

/** One hostile datagram; the mutation kind cycles so every kind is well represented. */
function mutate(base: string, rnd: () => number, i: number): Buffer {
  const bytes = Buffer.from(base, "latin1");
  const pick = (n: number): number => Math.floor(rnd() * n);
  switch (i % 12) {
    case 0: { // random byte flips
      const b = Buffer.from(bytes);
      for (let k = 0; k < 1 + pick(20); k++) b[pick(b.length)] = pick(256);
      return b;
    }
    case 1: return bytes.subarray(0, pick(bytes.length)); // truncation
    case 2: return randomBytes(1 + pick(1400)); // pure junk
    case 3: return Buffer.from(base.replace("Content-Length: 0", `Content-Length: ${["-1", "99999999999999999999", "1000000", "abc", ""][pick(5)]}`), "latin1");
    case 4: return Buffer.from(base.replace(/^Via:.*$/m, ""), "latin1"); // missing mandatory header
    case 5: return Buffer.from(base.replace(/^(To|From|Call-ID|CSeq):.*$/m, (_h, name: string) => `${name}: ${"<".repeat(pick(50))}\u0000\u00ff`), "latin1");
    case 6: return Buffer.concat([Buffer.from(base.replace("\r\n\r\n", `\r\nX-Big: ${"A".repeat(60000)}\r\n\r\n`), "latin1")]); // oversized
    case 7: return Buffer.from(base.replace(/^CSeq: 1 REGISTER$/m, `CSeq: ${["", "x REGISTER", "4294967296 REGISTER", "1 INVITE", "1"][pick(5)]}`), "latin1");
    case 8: return Buffer.from(base.replace(/\r\n/g, ["\n", "\r", "\r\n\r\n", " \r\n"][pick(4)] ?? "\n"), "latin1"); // line-ending chaos
    case 9: return Buffer.from(base.replace(/^REGISTER sip:\S+/, ["REGISTER", "REGISTER sip:", "REG\u0000ISTER sip:x", "REGISTER <sip:a@b>", `${"A".repeat(5000)} sip:x`][pick(5)] ?? ""), "latin1");
    case 10: { // header repeated many times
      const lines = base.split("\r\n");
      const h = lines[1 + pick(9)] ?? "Via: x";
      return Buffer.from(base.replace("\r\n\r\n", `\r\n${`${h}\r\n`.repeat(200 + pick(300))}\r\n`), "latin1");
    }
    default: { // authorization garbage
      const auth = ['Digest', 'Digest username="1001"', 'Digest username="1001", realm=, nonce="', `Digest ${"x=".repeat(3000)}`, 'Digest username="1001",realm="asterisk",nonce="x",uri="sip:a",response="zz",qop=auth'][pick(5)];
      return Buffer.from(base.replace("Expires: 60", `Expires: 60\r\nAuthorization: ${auth}`), "latin1");
    }
  }
}

function tcpSession(port: number, feed: (s: Socket) => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: IP, port, localAddress: "127.0.0.21" });
    s.on("error", () => resolve());
    s.on("close", () => resolve());
    s.on("data", () => undefined);
    s.once("connect", () => {
      feed(s).then(
        () => s.destroy(),
        () => s.destroy(),
      );
    });
  });
}

function write(s: Socket, data: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve();
    s.write(data, () => resolve());
  });
}

describe("fuzz (integration: hostile UDP datagrams and TCP streams)", () => {
  let pbx: Pbx;
  let port: number;

  before(async () => {
    port = await freePort(IP);
    pbx = await startPbx({ configFiles: { "pjsip.conf": pjsipConf({ ip: IP, port, protocols: ["udp", "tcp"], endpoints: [USER] }) } });
  });
  after(async () => {
    await pbx?.stop();
  });

  it("3,000 mutated/random/oversized UDP datagrams and hostile TCP streams leave the server alive and registering", async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1000000);
    const rnd = prng(seed);
    const sock = createSocket("udp4");
    await new Promise<void>((r) => sock.bind(0, "127.0.0.20", () => r()));
    sock.on("message", () => undefined);
    const localPort = sock.address().port;
    try {
      for (let i = 0; i < 3000; i++) {
        const d = mutate(validRegister(port, localPort), rnd, i);
        await new Promise<void>((r) => sock.send(d.subarray(0, 65507), port, IP, () => r()));
        // Pace the burst a little so the test measures parsing, not the kernel's socket buffer.
        if (i % 100 === 99) await sleep(10);
      }
    } finally {
      sock.close();
    }

    await Promise.all([
      // A header line that never ends: 2 MB without CRLF.
      tcpSession(port, async (s) => {
        const chunk = "X-Never-Ending: " + "A".repeat(64 * 1024);
        for (let i = 0; i < 32 && !s.destroyed; i++) await write(s, chunk);
      }),
      // A body claim of 1 MB followed by a short body and a hang-up.
      tcpSession(port, async (s) => {
        await write(s, validRegister(port, 5999).replace("Content-Length: 0", "Content-Length: 1000000") + "partial body");
        await sleep(200);
      }),
      // Binary junk.
      tcpSession(port, async (s) => {
        for (let i = 0; i < 20 && !s.destroyed; i++) await write(s, randomBytes(8192));
      }),
      // Many valid-looking messages glued together with wrong lengths.
      tcpSession(port, async (s) => {
        const m = validRegister(port, 5998);
        await write(s, (m.replace("Content-Length: 0", "Content-Length: 7") + m).repeat(50));
      }),
      // Keep-alive CRLFs only, then silence.
      tcpSession(port, async (s) => {
        await write(s, "\r\n\r\n".repeat(1000));
        await sleep(200);
      }),
    ]);

    assert.ok(isRunning(pbx.pid) && pbx.proc.exitCode === null, `server died (seed ${seed})\n${pbx.diagnostics()}`);
    const version = await pbx.rx("core show version");
    assert.equal(version.code, 0, `console not answering after fuzzing (seed ${seed})\n${pbx.diagnostics()}`);
    const client = await SipClient.udp({ server: { ip: IP, port }, localIp: "127.0.0.22" });
    try {
      const r = await client.register({ user: USER.id, password: USER.password, expires: 60 });
      assert.equal(r.final.status, 200, `valid REGISTER after fuzzing (seed ${seed}):\n${r.final.raw}\n${pbx.diagnostics()}`);
    } finally {
      client.close();
    }
    const tcp = await SipClient.tcp({ server: { ip: IP, port }, localIp: "127.0.0.23" });
    try {
      const r = await tcp.register({ user: USER.id, password: USER.password, expires: 60 });
      assert.equal(r.final.status, 200, `valid REGISTER over TCP after fuzzing (seed ${seed}):\n${r.final.raw}`);
    } finally {
      tcp.close();
    }
  });
});
