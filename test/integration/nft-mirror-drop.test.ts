/**
 * The nftables mirror of the ban list drops packets in the kernel, not only in the set listing.
 * The real server runs in a hub namespace with `nftables=yes` (docs/security.md "nftables, if the
 * host allows it"); an attacker and a bystander sit in namespaces of their own, on their own
 * links (netns-topologies.ts `createStar`).
 *
 * What proves a kernel drop: a probe table of the test's own counts the attacker's SIP packets
 * in the input hook before Switchboard's chain (priority -10) and after it (priority 10). While
 * the address is banned, packets arrive (the first counter grows), none gets past the chain (the
 * second stays put), the server's own "Packets dropped" counter stays put (the process never saw
 * them), and a TCP SYN gets no SYN-ACK, where the in-process guard alone would accept and close
 * the connection. The bystander is answered throughout; after `security unban` the attacker is too.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { droppedCount, guardConf } from "../helpers/guard-harness.js";
import { createStar, requireNetns, type Star } from "../helpers/netns-topologies.js";
import { NsSocketAgent, type NsSipSocket } from "../helpers/ns-socket.js";
import { token, type Endpoint } from "../helpers/sip-client.js";
import { waitUntil } from "../helpers/processes.js";

const PORT = 5060;
const COUNTERS = ["seen_udp", "passed_udp", "seen_tcp", "passed_tcp"] as const;
type CounterName = (typeof COUNTERS)[number];

/**
 * The test's own probe around Switchboard's input chain (priority -1): UDP from the UDP test's
 * attacker, TCP from the TCP test's (two addresses, so one test's leftover ban cannot decide the other).
 */
function probeTable(udpSource: string, tcpSource: string): string {
  const count = (proto: "udp" | "tcp", name: string): string => `    ip saddr ${proto === "udp" ? udpSource : tcpSource} ${proto} dport ${PORT} counter name "${name}"`;
  return `table inet swprobe {
  ${COUNTERS.map((c) => `counter ${c} { }`).join("\n  ")}
  chain before_guard {
    type filter hook input priority -10; policy accept;
${count("udp", "seen_udp")}
${count("tcp", "seen_tcp")}
  }
  chain after_guard {
    type filter hook input priority 10; policy accept;
${count("udp", "passed_udp")}
${count("tcp", "passed_tcp")}
  }
}
`;
}

function nft(ns: string, args: readonly string[], input?: string): string {
  return execFileSync("ip", ["netns", "exec", ns, "nft", ...args], { encoding: "utf8", ...(input !== undefined ? { input } : {}) });
}

function counters(ns: string): Record<CounterName, number> {
  const out = {} as Record<CounterName, number>;
  for (const c of COUNTERS) {
    const json = JSON.parse(nft(ns, ["-j", "list", "counter", "inet", "swprobe", c])) as { nftables: Array<{ counter?: { packets: number } }> };
    const packets = json.nftables.find((x) => x.counter !== undefined)?.counter?.packets;
    if (packets === undefined) throw new Error(`counter ${c} missing in ${JSON.stringify(json)}`);
    out[c] = packets;
  }
  return out;
}

/** The addresses in Switchboard's IPv4 set, as the kernel holds them. */
function bannedInKernel(ns: string): string {
  return nft(ns, ["list", "set", "inet", "switchboard", "banned"]);
}

function optionsRequest(sock: NsSipSocket, server: Endpoint, userAgent = "switchboard-test"): string {
  const host = `${server.ip}:${server.port}`;
  return [
    `OPTIONS sip:${host} SIP/2.0`,
    `Via: SIP/2.0/${sock.transport} ${sock.localIp}:${sock.localPort};branch=z9hG4bK${token()};rport`,
    "Max-Forwards: 70",
    `From: <sip:probe@${host}>;tag=${token(4)}`,
    `To: <sip:${host}>`,
    `Call-ID: ${token(12)}`,
    "CSeq: 1 OPTIONS",
    `User-Agent: ${userAgent}`,
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
}

/** Final status of one OPTIONS, or null when nothing came back within `timeoutMs`. */
async function options(sock: NsSipSocket, server: Endpoint, timeoutMs = 1500, userAgent?: string): Promise<number | null> {
  try {
    return (await sock.request(optionsRequest(sock, server, userAgent), server, timeoutMs)).status;
  } catch {
    return null;
  }
}

describe("nftables mirror: banned packets are dropped by the kernel (hub namespace, attacker and bystander on their own links)", () => {
  let star: Star;
  let pbx: Pbx;
  let udpAttacker: NsSocketAgent;
  let tcpAttacker: NsSocketAgent;
  let bystander: NsSocketAgent;
  let server: Endpoint;
  let udpAttackerIp: string;
  let tcpAttackerIp: string;
  let bystanderIp: string;

  async function rx(command: string): Promise<string> {
    const r = await pbx.rx(command);
    assert.equal(r.code, 0, `'${command}' failed (${r.code}): ${r.stderr}\n${pbx.diagnostics()}`);
    return r.stdout;
  }
  const processDrops = async (): Promise<number> => droppedCount(await rx("security show stats")) ?? assert.fail("no 'Packets dropped' in security show stats");
  const inKernel = (ip: string): boolean => new RegExp(`(?<![\\d.])${ip.replace(/\./g, "\\.")}(?![\\d.])`).test(bannedInKernel(star.hub));

  before(async () => {
    requireNetns({ nft: true });
    star = createStar("pbx", ["atku", "atkt", "ok"]);
    server = { ip: star.hubIp, port: PORT };
    const [u, t, b] = star.spokes;
    if (u === undefined || t === undefined || b === undefined) throw new Error("createStar gave fewer spokes than asked");
    udpAttackerIp = u.ip;
    tcpAttackerIp = t.ip;
    bystanderIp = b.ip;
    nft(star.hub, ["-f", "-"], probeTable(udpAttackerIp, tcpAttackerIp));
    pbx = await startPbx({
      netns: star.hub,
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: star.hubIp, port: PORT, protocols: ["udp", "tcp"], endpoints: [{ id: "2001", password: randomPassword() }] }),
        "guard.conf": guardConf({ nftables: "yes" }),
      },
    });
    await pbx.waitForLog(/nftables mirror active: table inet switchboard/, 10000);
    udpAttacker = await NsSocketAgent.start(u.ns);
    tcpAttacker = await NsSocketAgent.start(t.ns);
    bystander = await NsSocketAgent.start(b.ns);
  });

  after(async () => {
    await udpAttacker?.stop();
    await tcpAttacker?.stop();
    await bystander?.stop();
    await pbx?.stop();
    // Switchboard removes its table on a clean stop.
    if (star !== undefined) assert.doesNotMatch(nft(star.hub, ["list", "tables"]), /switchboard/, "table inet switchboard left behind after stop");
    star?.teardown();
  });

  it("UDP: a scanner User-Agent gets the attacker banned; its OPTIONS then reach the interface but not the process, and pass again after unban", async () => {
    const atk = await udpAttacker.udp(udpAttackerIp, 5062);
    const ok = await bystander.udp(bystanderIp, 5062);
    assert.equal(await options(atk, server), 200, "attacker answered before the ban");
    assert.equal(await options(ok, server), 200, "bystander answered before the ban");
    assert.equal(await options(atk, server, 1000, "friendly-scanner"), null, "the scanner request itself is dropped");
    await waitUntil(() => inKernel(udpAttackerIp), 5000, `${udpAttackerIp} in the kernel's set`);
    assert.ok(!inKernel(bystanderIp));

    const c0 = counters(star.hub);
    const drops0 = await processDrops();
    const N = 5;
    for (let i = 0; i < N; i++) assert.equal(await options(atk, server, 800), null, `banned OPTIONS ${i + 1} answered`);
    const c1 = counters(star.hub);
    assert.equal(c1.seen_udp - c0.seen_udp, N, `all ${N} datagrams reached the server's interface`);
    assert.equal(c1.passed_udp, c0.passed_udp, "none got past table inet switchboard");
    assert.equal(await processDrops(), drops0, "the process never saw them (its own drop counter is unchanged)");
    assert.equal(await options(ok, server), 200, "the bystander is answered while the attacker is banned");

    assert.match(await rx(`security unban ${udpAttackerIp}`), /Unbanned/);
    await waitUntil(() => !inKernel(udpAttackerIp), 5000, `${udpAttackerIp} removed from the kernel's set`);
    assert.equal(await options(atk, server), 200, "answered again after unban");
    assert.equal(counters(star.hub).passed_udp, c1.passed_udp + 1, "the datagram passed the chain");
    atk.close();
    ok.close();
  });

  it("TCP: after `security ban` the attacker's SYN gets no SYN-ACK and its open connection goes silent; the bystander connects; unban restores both", async () => {
    const open = await tcpAttacker.tcp(tcpAttackerIp, server);
    if ("error" in open) assert.fail(`attacker could not connect before the ban: ${open.error}`);
    assert.equal(await options(open, server), 200, "answered on TCP before the ban");

    assert.match(await rx(`security ban ${tcpAttackerIp} 600`), /Banned/);
    await waitUntil(() => inKernel(tcpAttackerIp), 5000, `${tcpAttackerIp} in the kernel's set`);
    const c0 = counters(star.hub);
    const drops0 = await processDrops();

    // The established connection: its segments are dropped like any other packet.
    assert.equal(await options(open, server, 1500), null, "OPTIONS on the connection opened before the ban is answered");
    // A new connection: the SYN (and its retries) arrive and are dropped before the socket.
    const refused = await tcpAttacker.tcp(tcpAttackerIp, server, 3000);
    assert.deepEqual("error" in refused ? refused : { connected: true }, { error: "timeout" }, "a SYN from the banned address must go unanswered (no SYN-ACK, no RST)");
    const c1 = counters(star.hub);
    assert.ok(c1.seen_tcp - c0.seen_tcp >= 2, `the data segment and the SYN reached the interface (${c1.seen_tcp - c0.seen_tcp} counted)`);
    assert.equal(c1.passed_tcp, c0.passed_tcp, "no TCP segment got past table inet switchboard");
    assert.equal(await processDrops(), drops0, "the process never saw them");

    const other = await bystander.tcp(bystanderIp, server);
    if ("error" in other) assert.fail(`bystander could not connect during the ban: ${other.error}`);
    assert.equal(await options(other, server), 200, "the bystander is answered on TCP while the attacker is banned");
    other.close();

    assert.match(await rx(`security unban ${tcpAttackerIp}`), /Unbanned/);
    await waitUntil(() => !inKernel(tcpAttackerIp), 5000, `${tcpAttackerIp} removed from the kernel's set`);
    const again = await tcpAttacker.tcp(tcpAttackerIp, server);
    if ("error" in again) assert.fail(`attacker could not connect after unban: ${again.error}`);
    assert.equal(await options(again, server), 200, "answered on a new TCP connection after unban");
    assert.ok(counters(star.hub).passed_tcp > c1.passed_tcp, "segments pass the chain again");
    again.close();
    open.close();
  });
});
