/**
 * Calls through a NAT (PEERS.md §6): phone 1001 sits in a "lan" namespace behind a MASQUERADE
 * router; Switchboard and phone 1002 sit on the public side (203.0.113.10 / .11). With the NAT
 * options on, audio flows both ways; with `rtp_symmetric=no` and `rewrite_contact=no` the classic
 * one-way audio appears, and the media doctor names the leg, the NAT and the option to change.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { makeToneWav, checkTone } from "../helpers/audio.js";
import { parseContacts } from "../helpers/cli-output.js";
import { createNatTopology, requireNetns, type NatTopology } from "../helpers/netns.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";

const SERVER_IP = "203.0.113.10";
const PHONE_B_IP = "203.0.113.11";
const SERVER_PORT = 5060;
const A = { id: "1001", password: randomPassword() };
const B = { id: "1002", password: randomPassword() };

const EXTENSIONS = `[internal]
exten => _10XX,1,Dial(PJSIP/\${EXTEN},20)
 same => n,Hangup()
`;

const NAT_ON = { rtp_symmetric: "yes", rewrite_contact: "yes", force_rport: "yes", direct_media: "no" };
const NAT_OFF = { rtp_symmetric: "no", rewrite_contact: "no", force_rport: "yes", direct_media: "no" };

/** Phone 1001's RTP (and RTCP) ports inside the lan namespace. */
const A_RTP_PORTS = "20200-20299";

/**
 * Kernel counters in the lan namespace for UDP to and from 1001's RTP ports: what really
 * reached the phone, whatever baresip records (it writes no file for a stream that never
 * delivered a packet).
 */
function countRtpAtPhone(ns: string): () => { in: number; out: number } {
  execFileSync("ip", ["netns", "exec", ns, "nft", "-f", "-"], {
    stdio: "pipe",
    input: `table inet rtpprobe {
  counter rtp_in {}
  counter rtp_out {}
  chain input { type filter hook input priority filter; policy accept; udp dport ${A_RTP_PORTS} counter name "rtp_in"; }
  chain output { type filter hook output priority filter; policy accept; udp sport ${A_RTP_PORTS} counter name "rtp_out"; }
}
`,
  });
  const read = (name: string): number => {
    const text = execFileSync("ip", ["netns", "exec", ns, "nft", "list", "counter", "inet", "rtpprobe", name], { stdio: "pipe", encoding: "utf8" });
    const m = /packets (\d+)/.exec(text);
    if (m?.[1] === undefined) throw new Error(`no packet count in: ${text}`);
    return Number(m[1]);
  };
  return () => ({ in: read("rtp_in"), out: read("rtp_out") });
}

interface ChannelStatsRow {
  readonly channel: string;
  readonly advertised: string;
  readonly observed: string;
  readonly latched: string;
  readonly rxPackets: number;
  readonly txPackets: number;
}

/** Rows of `pjsip show channelstats`. */
function parseChannelStats(text: string): ChannelStatsRow[] {
  const out: ChannelStatsRow[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*(PJSIP\/\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(yes|no)\s+(\d+)\s+\d+\s+(\d+)\s+\d+\s+\S+\s+(?:yes\/\d+|no)\s*$/.exec(line);
    if (m === null) continue;
    out.push({ channel: m[1] ?? "", advertised: m[3] ?? "", observed: m[4] ?? "", latched: m[5] ?? "", rxPackets: Number(m[6]), txPackets: Number(m[7]) });
  }
  return out;
}

interface Scene {
  readonly topo: NatTopology;
  readonly pbx: Pbx;
  readonly phoneA: Baresip;
  readonly phoneB: Baresip;
  close(): Promise<void>;
}

/**
 * Builds the topology, gives the pbx namespace a second public address for phone B, starts the
 * server with 1001's endpoint options, and registers both phones. `secondsA`/`secondsB` are the
 * lengths of the tone WAVs (baresip hangs up when its WAV ends).
 */
async function scene(aOptions: Readonly<Record<string, string>>, secondsA: number, secondsB: number): Promise<Scene> {
  const dir = scratchDir("calls-nat");
  const tone1000 = makeToneWav(join(dir, "t1000.wav"), { frequency: 1000, seconds: secondsA });
  const tone440 = makeToneWav(join(dir, "t440.wav"), { frequency: 440, seconds: secondsB });
  const topo = createNatTopology();
  let pbx: Pbx | undefined;
  let phoneA: Baresip | undefined;
  let phoneB: Baresip | undefined;
  const close = async (): Promise<void> => {
    await phoneA?.stop();
    await phoneB?.stop();
    await pbx?.stop();
    topo.teardown();
  };
  try {
    execFileSync("ip", ["-n", topo.pbx, "addr", "add", `${PHONE_B_IP}/24`, "dev", "pbx-wan"], { stdio: "pipe" });
    const common = { context: "internal", maxContacts: 1, removeExisting: true };
    pbx = await startPbx({
      netns: topo.pbx,
      configFiles: {
        "pjsip.conf": pjsipConf({
          ip: SERVER_IP,
          port: SERVER_PORT,
          endpoints: [
            { ...A, ...common, endpointOptions: aOptions },
            { ...B, ...common, endpointOptions: NAT_ON },
          ],
        }),
        "extensions.conf": EXTENSIONS,
        "rtp.conf": "[general]\nrtpstart=31000\nrtpend=31999\n",
      },
    });
    const account = (ep: { id: string; password: string }, answer: boolean): string =>
      `<sip:${ep.id}@${SERVER_IP}:${SERVER_PORT};transport=udp>;auth_pass=${ep.password};audio_codecs=pcmu;regint=600${answer ? ";answermode=auto" : ""}`;
    phoneA = await startBaresip({
      netns: topo.lan, ip: topo.lanIp, sipPort: 5062, ctrlPort: 4444, rtpPorts: "20200-20299",
      audioSource: tone1000, accounts: [account(A, true)], maxSeconds: 60,
    });
    phoneB = await startBaresip({
      netns: topo.pbx, ip: PHONE_B_IP, sipPort: 5064, ctrlPort: 4446, rtpPorts: "20300-20399",
      audioSource: tone440, accounts: [account(B, true)], maxSeconds: 60,
    });
    const a = phoneA;
    const b = phoneB;
    await waitUntil(async () => /OK/.test(await a.reginfo()), 10000, "1001 registered");
    await waitUntil(async () => /OK/.test(await b.reginfo()), 10000, "1002 registered");
    return { topo, pbx, phoneA: a, phoneB: b, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function received(p: Baresip): string | undefined {
  return p.recordings().find((f) => f.endsWith("-dec.wav"));
}

describe("calls through NAT (lan 192.168.77.10 → MASQUERADE 203.0.113.1 → Switchboard 203.0.113.10)", () => {
  // The test command runs as root with iproute2: missing namespaces fail the suite, never skip it.
  before(() => requireNetns());

  it("NAT options on: 1001 behind NAT calls 1002, each hears the other's tone, and 1001's contact is the NAT's public address", async () => {
    const s = await scene(NAT_ON, 6, 30);
    try {
      const contacts = parseContacts((await s.pbx.rx("pjsip show contacts")).stdout);
      const c1001 = contacts.find((c) => c.aor === "1001");
      assert.ok(c1001, `no contact for 1001 in ${JSON.stringify(contacts)}`);
      // baresip registers a Contact user like 1001-0x55a8dfe724d0; the console column is 40 wide.
      assert.match(c1001.uri, /^sip:1001[^@]*@203\.0\.113\.1:\d/, `1001's contact is not rewritten to the NAT's address: ${c1001.uri}`);

      await s.phoneA.command(`dial sip:${B.id}@${SERVER_IP}:${SERVER_PORT}`);
      await s.phoneA.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(2500);
      const stats = parseChannelStats((await s.pbx.rx("pjsip show channelstats")).stdout);
      const legA = stats.find((r) => r.channel.startsWith("PJSIP/1001-"));
      assert.ok(legA, `no 1001 leg in channelstats: ${JSON.stringify(stats)}`);
      assert.match(legA.observed, /^203\.0\.113\.1:\d+$/);
      assert.equal(legA.latched, "yes", "1001's leg latched onto the NAT's address");
      await s.phoneA.waitEvent("CALL_CLOSED", 20000);
      await sleep(500);

      const heardByB = received(s.phoneB);
      const heardByA = received(s.phoneA);
      assert.ok(heardByB && heardByA, `recordings: ${s.phoneB.recordings().join(",")} / ${s.phoneA.recordings().join(",")}`);
      const toB = checkTone(heardByB, 1000);
      const toA = checkTone(heardByA, 440);
      assert.ok(toB.ok && toB.activeSeconds > 3, `1002 heard ${JSON.stringify(toB)}`);
      assert.ok(toA.ok && toA.activeSeconds > 3, `1001 (behind NAT) heard ${JSON.stringify(toA)}`);
      await waitUntil(async () => /Channels:\s+0/.test((await s.pbx.rx("core show resources")).stdout), 10000, "channels released");
    } finally {
      await s.close();
    }
  });

  it("rtp_symmetric=no and rewrite_contact=no on 1001: one-way audio, and the media doctor names 1001, the NAT and rtp_symmetric", async () => {
    const s = await scene(NAT_OFF, 14, 30);
    try {
      const contacts = parseContacts((await s.pbx.rx("pjsip show contacts")).stdout);
      const c1001 = contacts.find((c) => c.aor === "1001");
      assert.ok(c1001, `no contact for 1001 in ${JSON.stringify(contacts)}`);
      assert.match(c1001.uri, /^sip:1001[^@]*@192\.168\.77\.10:\d/, "rewrite_contact=no keeps the private Contact");

      const rtpAtA = countRtpAtPhone(s.topo.lan);
      await s.phoneA.command(`dial sip:${B.id}@${SERVER_IP}:${SERVER_PORT}`);
      await s.phoneA.waitEvent("CALL_ESTABLISHED", 10000);
      // The tone (14 s) ends the call. When it ends, the media doctor must already have spoken:
      // a few seconds after answer, while it can still help, not at hang-up and not never. The
      // call's end is the bound, not a wall-clock figure.
      const doctorNotice = /NOTICE.*1001.*behind NAT/;
      const closed = s.phoneA.waitEvent("CALL_CLOSED", 60000).then(() => ({ noticeDuringCall: doctorNotice.test(s.pbx.messagesLog()) }));
      await sleep(3000);
      const stats = parseChannelStats((await s.pbx.rx("pjsip show channelstats")).stdout);
      const legA = stats.find((r) => r.channel.startsWith("PJSIP/1001-"));
      assert.ok(legA, `no 1001 leg in channelstats: ${JSON.stringify(stats)}`);
      assert.match(legA.observed, /^203\.0\.113\.1:\d+$/, `observed ${legA.observed}`);
      assert.match(legA.advertised, /^192\.168\.77\.10:\d+$/, `advertised ${legA.advertised}`);
      assert.notEqual(legA.observed, legA.advertised);
      assert.equal(legA.latched, "no");
      assert.ok(legA.txPackets > 0, `the server sent no RTP towards 1001's SDP address: ${JSON.stringify(legA)}`);

      const notice = await s.pbx.waitForLog(doctorNotice, 60000);
      assert.match(notice, /203\.0\.113\.1/, "names the packet source (the NAT's address)");
      assert.match(notice, /rtp_symmetric=no/);
      assert.match(notice, /192\.168\.77\.10/, "names the private address");
      assert.equal(s.pbx.messagesLog().split("\n").filter((l) => /NOTICE.*behind NAT/.test(l)).length, 1, "one NOTICE, not one per check");

      assert.ok((await closed).noticeDuringCall, `the media doctor's NOTICE came only after the call had ended\n${s.pbx.diagnostics()}`);
      await sleep(500);
      // 1002 hears 1001 (its packets reach us from the NAT); 1001 hears nothing, because our RTP
      // goes to its private SDP address, which is not routable from the public side.
      const heardByB = received(s.phoneB);
      assert.ok(heardByB, `1002 recorded nothing: ${s.phoneB.recordings().join(",")}`);
      const toB = checkTone(heardByB, 1000);
      assert.ok(toB.ok, `1002 heard ${JSON.stringify(toB)}`);
      const atA = rtpAtA();
      // 14 s of 20 ms packets are 700; far fewer means 1001 never really sent, and the zero
      // below would prove nothing.
      assert.ok(atA.out >= 300, `1001 sent only ${atA.out} RTP/RTCP packets: ${JSON.stringify(atA)}`);
      assert.equal(atA.in, 0, `1001 should hear nothing, but ${atA.in} RTP/RTCP packets reached its ports`);
    } finally {
      await s.close();
    }
  });

  it("1002 on the public side calls 1001 behind NAT (rewrite_contact=yes): each hears the other's tone", async () => {
    const s = await scene(NAT_ON, 30, 6);
    try {
      await s.phoneB.command(`dial sip:${A.id}@${SERVER_IP}:${SERVER_PORT}`);
      await s.phoneB.waitEvent("CALL_ESTABLISHED", 10000);
      await s.phoneB.waitEvent("CALL_CLOSED", 20000);
      await sleep(500);
      const heardByB = received(s.phoneB);
      const heardByA = received(s.phoneA);
      assert.ok(heardByB && heardByA, `recordings: ${s.phoneB.recordings().join(",")} / ${s.phoneA.recordings().join(",")}`);
      const toA = checkTone(heardByA, 440);
      const toB = checkTone(heardByB, 1000);
      assert.ok(toA.ok && toA.activeSeconds > 3, `1001 (behind NAT) heard ${JSON.stringify(toA)}`);
      assert.ok(toB.ok && toB.activeSeconds > 3, `1002 heard ${JSON.stringify(toB)}`);
    } finally {
      await s.close();
    }
  });
});
