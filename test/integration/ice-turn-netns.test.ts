/**
 * ICE through a TURN relay (RFC 8445 + RFC 8656): a baresip with ICE (`medianat=ice`, its STUN
 * server coturn) sits behind a NAT that rewrites source ports (netns.ts `createNatTopology`,
 * mode "random": endpoint-dependent mappings, a symmetric NAT), and calls a plain baresip next to
 * the PBX. The PBX's firewall drops RTP from the NAT's address to the PBX's own RTP ports, so no
 * direct pair can work: only our relayed candidate, a coturn allocation made with
 * rtp.conf turnaddr/turnusername/turnpassword, reaches the phone. Both tones must arrive, and
 * `core show channel` must name the selected pair: our relay candidate to the phone's
 * peer-reflexive (or server-reflexive) address.
 *
 *     [lan] 192.168.77.10 baresip (ICE) ── [nat] 203.0.113.1 ── [pbx] 203.0.113.10:
 *                                                                 Switchboard :5060, RTP 32100-32199
 *                                                                 coturn :3478, relays 49160-49200
 *                                                                 baresip (plain) :5080
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { startBaresip } from "../helpers/baresip.js";
import { startCoturn, type Coturn } from "../helpers/coturn.js";
import { makeToneWav, checkTone, assertTone } from "../helpers/audio.js";
import { createNatTopology, requireNetns, type NatTopology } from "../helpers/netns.js";
import { scratchDir, waitUntil } from "../helpers/processes.js";

const ICE_PHONE = { id: "1001", password: randomPassword() };
const PLAIN_PHONE = { id: "1002", password: randomPassword() };
const TURN = { user: "pbx", password: randomPassword(), realm: "pbx.test", minPort: 49160, maxPort: 49200 };
const CALL_SECONDS = 10;
const HEARD_SECONDS = 4;

describe("ICE with a TURN relay: a phone behind a symmetric NAT", () => {
  let topo: NatTopology;
  let pbx: Pbx;
  let coturn: Coturn;
  const dir = scratchDir("ice-turn");
  const tone1000 = makeToneWav(join(dir, "t1000.wav"), { frequency: 1000, seconds: CALL_SECONDS });
  const tone440 = makeToneWav(join(dir, "t440.wav"), { frequency: 440, seconds: 30 });

  before(async () => {
    requireNetns();
    topo = createNatTopology({ mode: "random" });
    // A server has a default route: the phone's private host candidate is then unreachable the way
    // it is on the Internet (dropped at the NAT), not a send error that makes coturn drop the allocation.
    execFileSync("ip", ["-n", topo.pbx, "route", "add", "default", "via", topo.natWanIp], { stdio: "pipe" });
    // The PBX's firewall: RTP from the NAT's public address may reach only the relay ports.
    execFileSync("ip", ["netns", "exec", topo.pbx, "nft", "-f", "-"], {
      stdio: "pipe",
      input: `table ip pbxfw {\n  chain input {\n    type filter hook input priority filter; policy accept;\n    ip saddr ${topo.natWanIp} udp dport 32100-32199 drop\n  }\n}\n`,
    });
    coturn = await startCoturn({ ip: topo.pbxIp, port: 3478, netns: topo.pbx, turn: TURN });
    const common = { context: "internal", maxContacts: 1, removeExisting: true };
    const opts = { disallow: "all", allow: "ulaw", direct_media: "no" };
    pbx = await startPbx({
      netns: topo.pbx,
      configFiles: {
        "pjsip.conf": pjsipConf({
          ip: topo.pbxIp,
          port: 5060,
          endpoints: [
            { ...ICE_PHONE, ...common, endpointOptions: { ...opts, ice_support: "yes", rewrite_contact: "yes", rtp_symmetric: "yes", force_rport: "yes" } },
            { ...PLAIN_PHONE, ...common, endpointOptions: opts },
          ],
        }),
        "extensions.conf": "[internal]\nexten => _10XX,1,Dial(PJSIP/${EXTEN},20)\n same => n,Hangup()\n",
        "rtp.conf": `[general]\nrtpstart=32100\nrtpend=32199\nturnaddr=${topo.pbxIp}:3478\nturnusername=${TURN.user}\nturnpassword=${TURN.password}\n`,
      },
    });
  });

  after(async () => {
    await pbx?.stop();
    await coturn?.stop();
    topo?.teardown();
  });

  it("1001 (ICE, behind the NAT) calls 1002: media flows through our TURN relay candidate, tones both ways", async () => {
    const caller = await startBaresip({
      ip: topo.lanIp,
      netns: topo.lan,
      sipPort: 5070,
      ctrlPort: 4444,
      rtpPorts: "20800-20819",
      audioSource: tone1000,
      modules: ["ice.so"],
      accounts: [`<sip:${ICE_PHONE.id}@${topo.pbxIp}:5060;transport=udp>;auth_pass=${ICE_PHONE.password};audio_codecs=pcmu;regint=600;medianat=ice;stunserver="stun:${topo.pbxIp}:3478"`],
      maxSeconds: 60,
    });
    const callee = await startBaresip({
      ip: topo.pbxIp,
      netns: topo.pbx,
      sipPort: 5080,
      ctrlPort: 4445,
      rtpPorts: "20820-20839",
      audioSource: tone440,
      accounts: [`<sip:${PLAIN_PHONE.id}@${topo.pbxIp}:5060;transport=udp>;auth_pass=${PLAIN_PHONE.password};audio_codecs=pcmu;regint=600;answermode=auto`],
      maxSeconds: 60,
    });
    try {
      await waitUntil(async () => /OK/.test(await caller.reginfo()) && /OK/.test(await callee.reginfo()), 10000, "both registered");
      await caller.command(`dial sip:${PLAIN_PHONE.id}@${topo.pbxIp}:5060`);
      await caller.waitEvent("CALL_ESTABLISHED", 10000);
      // baresip sends media through the relay once its checks completed and our answer to its re-INVITE named the relayed candidate.
      await new Promise((r) => setTimeout(r, 4500));
      const names = (await pbx.rx("core show channels concise")).stdout.split("\n").map((l) => l.split("!")[0] ?? "").filter((n) => n.startsWith(`PJSIP/${ICE_PHONE.id}-`));
      assert.equal(names.length, 1, "the ICE phone's channel");
      const detail = (await pbx.rx(`core show channel ${names[0] ?? ""}`)).stdout;
      await caller.waitEvent("CALL_CLOSED", 20000);
      await new Promise((r) => setTimeout(r, 500));
      assert.match(detail, /ICE candidates: .*1 relay 203\.0\.113\.10:491\d\d/, detail);
      assert.match(detail, /ICE (selected|in use): RTP relay 203\.0\.113\.10:491\d\d -> (prflx|srflx) 203\.0\.113\.1:\d+( \(valid, not nominated yet\))?\n/, detail);
      assert.match(detail, /Packets in : [1-9]\d* /, detail);
      const heardByCallee = callee.recordings().find((f) => f.endsWith("-dec.wav"));
      const heardByCaller = caller.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heardByCallee && heardByCaller, `recordings: ${callee.recordings().join(",")} / ${caller.recordings().join(",")}`);
      assertTone(checkTone(heardByCallee, 1000, { minSeconds: HEARD_SECONDS }), "1002 (callee)", 1000);
      assertTone(checkTone(heardByCaller, 440, { minSeconds: HEARD_SECONDS }), "1001 (caller, behind the NAT)", 440);
    } finally {
      await caller.stop();
      await callee.stop();
    }
  });
});
