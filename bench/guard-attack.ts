/**
 * Guard latency benchmark (`npm run bench:guard-attack`): what an attack costs the people who are
 * not attacking. The integration tests (guard-flood, guard-sipvicious) only check behaviour — the
 * flooder is banned within its burst allowance, every legitimate request is answered — because a
 * latency bound inside a test fails whenever the machine is busy. The figures live here:
 *
 *   1. SIPp floods OPTIONS at 10,000/s from 127.0.0.90 (default guard settings): how long until
 *      the ban shows in `security show bans`, and the latency of OPTIONS from 127.0.0.91 meanwhile.
 *   2. Two svcrack dictionary attacks (sipvicious, inside a sealed sandbox namespace) on 2002 and
 *      2003: REGISTER+digest and OPTIONS latency of a legitimate client on another address.
 *
 * Each part prints n, p50, p95 and max (ms); docs/performance.md quotes them. Needs root (network
 * namespaces), sipp and sipvicious, like the tests. BENCH_PART=flood|sipvicious runs one part.
 */
import { startPbx } from "../test/helpers/pbx.js";
import { pjsipConf, randomPassword } from "../test/helpers/pjsip-conf.js";
import { freePort } from "../test/helpers/ports.js";
import { SipClient } from "../test/helpers/sip-client.js";
import { startSippBackground } from "../test/helpers/sipp.js";
import { sleep } from "../test/helpers/processes.js";
import { createSandbox, requireNetns } from "../test/helpers/netns.js";
import { dictionaryWith, runSvcrack } from "../test/helpers/sipvicious.js";
import { bansOf, formatLatency, guardConf, latencyStats, runNsClient } from "../test/helpers/guard-harness.js";

const part = process.env.BENCH_PART;
const SERVER_IP = "127.0.0.1";

const FLOOD_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="bench-guard-flood">
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

/** Part 1: time to ban a 10,000/s OPTIONS flood, and a bystander's OPTIONS latency meanwhile. */
async function floodPart(): Promise<string> {
  const port = await freePort(SERVER_IP);
  const pbx = await startPbx({ configFiles: { "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints: [{ id: "2001", password: randomPassword() }] }) } });
  const bystander = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: "127.0.0.91" });
  try {
    const flood = await startSippBackground({
      scenario: FLOOD_SCENARIO, target: `${SERVER_IP}:${port}`, localIp: "127.0.0.90", localPort: await freePort("127.0.0.90"),
      args: ["-r", "10000", "-rp", "1000", "-m", "60000", "-l", "100000"], timeoutMs: 60000, startupMs: 100,
    });
    const started = performance.now();
    let bannedAtMs: number | undefined;
    const poll = (async () => {
      while (bannedAtMs === undefined && performance.now() - started < 15000) {
        const r = await pbx.rx("security show bans");
        if (bansOf(r.stdout, "127.0.0.90").some((b) => b.scope === "ip")) bannedAtMs = performance.now() - started;
        else await sleep(50);
      }
    })();
    const ms: number[] = [];
    let unanswered = 0;
    while (performance.now() - started < 5000) {
      const t0 = performance.now();
      try {
        await bystander.options(1000);
        ms.push(performance.now() - t0);
      } catch {
        unanswered++;
      }
      await sleep(100);
    }
    await poll;
    await flood.stop();
    return `flood: SIPp OPTIONS at 10,000/s banned after ${bannedAtMs === undefined ? "(never)" : `${bannedAtMs.toFixed(0)} ms`} (console poll, so an upper bound); bystander OPTIONS ${formatLatency(latencyStats(ms))}, ${unanswered} unanswered`;
  } finally {
    bystander.close();
    await pbx.stop();
  }
}

/** Part 2: a legitimate client's latency while two svcrack attacks run (sandbox namespace). */
async function sipviciousPart(): Promise<string> {
  requireNetns();
  const sb = createSandbox();
  const users = { b: { id: "2002", password: randomPassword(), maxContacts: 1 }, c: { id: "2003", password: randomPassword(), maxContacts: 1 } };
  const target = { ip: SERVER_IP, port: 5060 };
  try {
    const pbx = await startPbx({
      netns: sb.ns,
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port: 5060, endpoints: Object.values(users) }),
        // As in guard-sipvicious.test.ts: the brute force must reach the detectors, not the signature check.
        "guard.conf": guardConf({ maxretry: 5, bantime: 3600, decoys: "9000", scanner_builtin: "no" }),
      },
    });
    try {
      const words = dictionaryWith("never-the-password", 5000, 3000);
      const attacks = [
        runSvcrack({ ns: sb.ns, target, bindIp: "127.0.0.71", localPort: 5073, username: "2002", passwords: words, maximumTime: 12, timeoutMs: 60000 }),
        runSvcrack({ ns: sb.ns, target, bindIp: "127.0.0.72", localPort: 5074, username: "2003", passwords: words, maximumTime: 12, timeoutMs: 60000 }),
      ];
      await sleep(1000);
      const legit = await runNsClient(sb.ns, {
        server: target, localIp: "127.0.0.10",
        steps: [
          { kind: "register", user: "2002", password: users.b.password, count: 20, intervalMs: 250, timeoutMs: 2000 },
          { kind: "options", count: 20, intervalMs: 200, timeoutMs: 2000 },
        ],
      });
      await Promise.all(attacks);
      const reg = legit.outcomes.filter((o) => o.kind === "register");
      const opt = legit.outcomes.filter((o) => o.kind === "options");
      const failed = legit.outcomes.filter((o) => o.status !== 200).length;
      return `sipvicious: during two svcrack attacks, REGISTER+digest ${formatLatency(latencyStats(reg.map((o) => o.ms)))}; OPTIONS ${formatLatency(latencyStats(opt.map((o) => o.ms)))}; ${failed} failed`;
    } finally {
      await pbx.stop();
    }
  } finally {
    sb.teardown();
  }
}

async function main(): Promise<void> {
  const lines: string[] = [];
  if (part === undefined || part === "flood") lines.push(await floodPart());
  if (part === undefined || part === "sipvicious") lines.push(await sipviciousPart());
  process.stdout.write(lines.join("\n") + "\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:guard-attack failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
