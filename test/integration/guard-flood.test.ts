/**
 * A request flood from one address (SIPp at its maximum rate, send-only OPTIONS from 127.0.0.90)
 * must get that address banned quickly by the rate detectors, while another address
 * (127.0.0.91, the raw test client in this process) keeps getting its OPTIONS answered during and
 * after the flood. Loopback only; neither address is inside a local_net.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { describeSipp, startSippBackground } from "../helpers/sipp.js";
import { SipClient } from "../helpers/sip-client.js";
import { sleep } from "../helpers/processes.js";
import { bansOf, droppedCount, formatLatency, latencyStats } from "../helpers/guard-harness.js";

const SERVER_IP = "127.0.0.1";
const FLOODER = "127.0.0.90";
const BYSTANDER = "127.0.0.91";

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

  it("SIPp sending OPTIONS at 10,000/s from one address gets it banned within seconds; another address is answered throughout", async () => {
    const bystander = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: BYSTANDER });
    const flood = await startSippBackground({
      scenario: FLOOD_SCENARIO, target: `${SERVER_IP}:${port}`, localIp: FLOODER, localPort: await freePort(FLOODER),
      // 60,000 calls at 10,000/s: about 6 s of flood (longer if SIPp cannot keep the rate).
      args: ["-r", "10000", "-rp", "1000", "-m", "60000", "-l", "100000"], timeoutMs: 20000, startupMs: 100,
    });
    const started = performance.now();
    let bannedAtMs: number | undefined;
    const during: Array<{ status: number | null; ms: number }> = [];
    try {
      // Poll the console for the ban while the bystander keeps asking.
      const poll = (async () => {
        while (bannedAtMs === undefined && performance.now() - started < 15000) {
          const r = await pbx.rx("security show bans");
          if (bansOf(r.stdout, FLOODER).some((b) => b.scope === "ip")) bannedAtMs = performance.now() - started;
          else await sleep(100);
        }
      })();
      while (performance.now() - started < 5000) {
        const t0 = performance.now();
        let status: number | null = null;
        try {
          status = (await bystander.options(1000)).status;
        } catch {
          status = null;
        }
        during.push({ status, ms: performance.now() - t0 });
        await sleep(100);
      }
      await poll;
    } finally {
      const r = await flood.stop();
      if (bannedAtMs === undefined) process.stderr.write(describeSipp(r) + "\n");
    }
    const answered = during.filter((d) => d.status === 200).length;
    const stats = latencyStats(during.filter((d) => d.status === 200).map((d) => d.ms));
    const statsText = (await pbx.rx("security show stats")).stdout;
    console.log(`guard flood: ban seen after ${bannedAtMs?.toFixed(0)} ms; bystander OPTIONS ${answered}/${during.length} answered, ${formatLatency(stats)}; dropped packets ${droppedCount(statsText)}`);
    assert.ok(bannedAtMs !== undefined, `the flooder was never banned:\n${(await pbx.rx("security show bans")).stdout}\n${pbx.diagnostics()}`);
    assert.ok(bannedAtMs < 5000, `ban seen only after ${bannedAtMs.toFixed(0)} ms`);
    assert.ok(answered >= during.length * 0.95, `bystander answered ${answered}/${during.length} during the flood`);
    assert.ok(stats.p95 < 200, `bystander OPTIONS p95 ${stats.p95.toFixed(1)} ms during the flood`);
    try {
      assert.equal((await bystander.options(1000)).status, 200, "bystander not answered after the flood");
    } finally {
      bystander.close();
    }
    assert.equal(bansOf((await pbx.rx("security show bans")).stdout, BYSTANDER).length, 0);
    const flooder = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: FLOODER });
    try {
      await assert.rejects(flooder.options(800), "the banned flooder is still answered");
    } finally {
      flooder.close();
    }
  });
});
