/**
 * A request flood from one address (SIPp at its maximum rate, send-only OPTIONS from 127.0.0.90)
 * must get that address banned by the rate detectors after a bounded number of requests, while
 * another address (127.0.0.91, the raw test client in this process) keeps getting its OPTIONS
 * answered during and after the flood. Loopback only; neither address is inside a local_net.
 *
 * Counts, not clocks: the ban must come within the guard's burst allowance (a number of packets,
 * whatever the rate the loaded machine achieves), and the server's counters must account for
 * every packet SIPp sent. How fast the ban comes and the bystander's latency are performance
 * figures: `npm run bench:guard-attack` measures them (docs/performance.md).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { describeSipp, startSippBackground } from "../helpers/sipp.js";
import { SipClient } from "../helpers/sip-client.js";
import { sleep } from "../helpers/processes.js";
import { bansOf, droppedCount, parseSipStats, udpSocketDrops } from "../helpers/guard-harness.js";

const SERVER_IP = "127.0.0.1";
const FLOODER = "127.0.0.90";
const BYSTANDER = "127.0.0.91";
/** OPTIONS SIPp sends (at most 10,000/s: about 2 s of flood, longer on a loaded machine). */
const FLOOD_REQUESTS = 20000;
/**
 * Requests of the flooder that may reach the parser before its ban. The request-rate bucket
 * (rate_burst=100, rate_limit=50/s) runs dry after about 100 requests at any rate far above
 * 50/s; packet_burst=1000 would stop it at the latest. Ten times the expected figure.
 */
const PASS_LIMIT = 1000;

/** One OPTIONS per call and nothing awaited: SIPp sends as fast as -r allows. */
const FLOOD_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="guard-flood-options">
  <send>
    <![CDATA[

      OPTIONS sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: <sip:flood@[local_ip]:[local_port]>;tag=[pid]f[call_number]
      To: <sip:[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 OPTIONS
      User-Agent: SIPp flood
      Content-Length: 0

    ]]>
  </send>
</scenario>
`;

/**
 * OPTIONS that retransmits like a real UA (RFC 3261 §17.1.2.2, Timer E: T1 = 500 ms, doubling up
 * to T2 = 4 s) until a final response or `budgetMs`; null when nothing came back at all.
 */
async function optionsLikeAUa(c: SipClient, port: number, budgetMs: number): Promise<number | null> {
  const raw = c.buildRequest({ method: "OPTIONS", fromUser: "bystander", uri: `sip:${SERVER_IP}:${port}` });
  const callId = /^Call-ID: (\S+)$/m.exec(raw)?.[1];
  let settled = false;
  const answer = c.waitFor((m) => m.isResponse && m.status >= 200 && m.header("call-id") === callId, budgetMs);
  answer.then(() => (settled = true), () => (settled = true));
  void (async () => {
    for (let interval = 500; !settled; interval = Math.min(interval * 2, 4000)) {
      await c.send(raw);
      await sleep(interval);
    }
  })();
  try {
    return (await answer).status;
  } catch {
    return null;
  }
}

describe("guard against a request flood (integration: SIPp at maximum rate on loopback)", () => {
  let pbx: Pbx;
  let port: number;

  before(async () => {
    port = await freePort(SERVER_IP);
    pbx = await startPbx({
      configFiles: { "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints: [{ id: "2001", password: randomPassword() }] }) },
    });
  });
  after(async () => {
    await pbx?.stop();
  });

  async function counters(): Promise<{ received: number; dropped: number; guardDropped: number; kernelDropped: number }> {
    const [sip, sec] = await Promise.all([pbx.rx("pjsip show stats"), pbx.rx("security show stats")]);
    const udp = parseSipStats(sip.stdout)?.transports.get("transport-udp");
    assert.ok(udp !== undefined, `unreadable pjsip show stats:\n${sip.stdout}`);
    const guardDropped = droppedCount(sec.stdout);
    assert.ok(guardDropped !== undefined, `no dropped-packets counter:\n${sec.stdout}`);
    const kernelDropped = udpSocketDrops(SERVER_IP, port);
    assert.ok(kernelDropped !== undefined, `no UDP socket on ${SERVER_IP}:${port} in /proc/net/udp`);
    return { received: udp.received, dropped: udp.dropped, guardDropped, kernelDropped };
  }

  it(`SIPp sending ${FLOOD_REQUESTS} OPTIONS at up to 10,000/s from one address is banned within ${PASS_LIMIT} requests; another address is answered throughout`, async () => {
    const bystander = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: BYSTANDER });
    const before = await counters();
    const flood = await startSippBackground({
      scenario: FLOOD_SCENARIO, target: `${SERVER_IP}:${port}`, localIp: FLOODER, localPort: await freePort(FLOODER),
      // A generous limit: SIPp normally needs about 2 s.
      args: ["-r", "10000", "-rp", "1000", "-m", String(FLOOD_REQUESTS), "-l", "100000"], timeoutMs: 120000, startupMs: 100,
    });
    let floodEnded = false;
    const floodDone = flood.done.then((r) => {
      floodEnded = true;
      return r;
    });
    const started = performance.now();
    const during: Array<number | null> = [];
    try {
      // The bystander asks every 100 ms for as long as the flood lasts (and at least 2 s).
      while (!floodEnded || performance.now() - started < 2000) {
        during.push(await optionsLikeAUa(bystander, port, 8000));
        await sleep(100);
      }
    } finally {
      if (!floodEnded) await flood.stop();
    }
    const sipp = await floodDone;
    const after = await counters();
    const delta = {
      received: after.received - before.received,
      dropped: after.dropped - before.dropped,
      guardDropped: after.guardDropped - before.guardDropped,
      kernelDropped: after.kernelDropped - before.kernelDropped,
    };
    const sent = sipp.successful;
    const bystanderSent = during.length;
    const summary = `SIPp sent ${sent}; server counters ${JSON.stringify(delta)}; bystander sent ${bystanderSent} OPTIONS`;
    console.log(`guard flood: ${summary}`);

    assert.equal(sent, FLOOD_REQUESTS, `SIPp did not send the whole flood:\n${describeSipp(sipp)}`);
    const shownBans = (await pbx.rx("security show bans")).stdout;
    assert.ok(bansOf(shownBans, FLOODER).some((b) => b.scope === "ip"), `the flooder was never banned:\n${shownBans}\n${pbx.diagnostics()}`);
    // Every packet is accounted for: delivered to the transport (passed or dropped by the guard)
    // or dropped by the kernel. The bystander's requests (and retransmissions) pass too.
    assert.ok(delta.received + delta.dropped + delta.kernelDropped >= sent, `packets unaccounted for: ${summary}`);
    assert.equal(delta.dropped, delta.guardDropped, `transport drops vs the guard's count: ${summary}`);
    // The ban came within the burst allowance, and every later packet was dropped before parsing.
    assert.ok(delta.received - bystanderSent * 4 <= PASS_LIMIT, `more than ${PASS_LIMIT} flood requests reached the parser before the ban: ${summary}`);
    assert.ok(delta.dropped >= sent - PASS_LIMIT - delta.kernelDropped, `flood packets not dropped by the guard: ${summary}`);

    // The bystander got an answer to every request (retransmitting as any UA does), during and after.
    assert.deepEqual(during.filter((s) => s !== 200), [], `bystander answers during the flood: ${JSON.stringify(during)}`);
    try {
      assert.equal(await optionsLikeAUa(bystander, port, 8000), 200, "bystander not answered after the flood");
    } finally {
      bystander.close();
    }
    assert.equal(bansOf((await pbx.rx("security show bans")).stdout, BYSTANDER).length, 0);
    // The banned flooder gets nothing, not even to a retransmitted request.
    const flooder = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: FLOODER });
    try {
      assert.equal(await optionsLikeAUa(flooder, port, 3000), null, "the banned flooder is still answered");
    } finally {
      flooder.close();
    }
  });
});
