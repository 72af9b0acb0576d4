/**
 * STUN against a real server, coturn (test/helpers/coturn.ts), instead of our own encoder
 * answering our own client:
 *
 * 1. On loopback: the client's Binding request is answered with the address coturn saw (IPv4 and
 *    IPv6), and coturn's answer carries a FINGERPRINT our checker accepts.
 * 2. Behind a NAT (netns-topologies.ts `createOfficeSite`, plus one rule that sends the PBX's
 *    STUN traffic out from 203.0.113.51): rtp.conf `stunaddr` points at coturn on the outside;
 *    the server learns 203.0.113.51 (neither its own 192.168.77.2 nor the 203.0.113.50 of
 *    `external_signaling_address`) and writes it into the SDP `c=` toward a phone outside
 *    `local_net`, and its own address toward the phone on the LAN (src/pbx/channel/media-address.ts).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { discoverPublicAddress } from "../../src/media/stun/stun-client.js";
import { buildBindingRequest, parseBindingResponse, verifyFingerprint } from "../../src/media/stun/stun-message.js";
import { startCoturn, type Coturn } from "../helpers/coturn.js";
import { createOfficeSite, type OfficeSite } from "../helpers/netns-topologies.js";
import { requireNetns } from "../helpers/netns.js";
import { NsPhone } from "../helpers/ns-phone.js";
import { NsSocketAgent } from "../helpers/ns-socket.js";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { endpointSections, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";

/** One raw Binding exchange from `localIp:localPort`; returns coturn's answer as bytes. */
async function rawBinding(server: Coturn, localIp: string, localPort: number): Promise<{ answer: Buffer; transactionId: Buffer }> {
  const socket = createSocket(localIp.includes(":") ? "udp6" : "udp4");
  try {
    await new Promise<void>((r) => socket.bind(localPort, localIp, r));
    const { packet, transactionId } = buildBindingRequest();
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from coturn at ${server.ip}:${server.port}\n${server.log().slice(-2000)}`)), 5000);
      socket.once("message", (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      socket.send(packet, server.port, server.ip);
    });
    return { answer, transactionId };
  } finally {
    socket.close();
  }
}

describe("STUN client against coturn on loopback", () => {
  let v4: Coturn;
  let v6: Coturn;

  before(async () => {
    v4 = await startCoturn({ ip: "127.0.0.1" });
    v6 = await startCoturn({ ip: "::1" });
  });

  after(async () => {
    await v4?.stop();
    await v6?.stop();
  });

  it("discoverPublicAddress returns the address and port coturn saw the request come from", async () => {
    const localPort = await freePort("127.0.0.1");
    const got = await discoverPublicAddress(`127.0.0.1:${v4.port}`, `127.0.0.1:${localPort}`, 5000);
    assert.deepEqual(got, { address: "127.0.0.1", port: localPort }, v4.log().slice(-2000));
    assert.ok(v4.bindingSources().includes(`127.0.0.1:${localPort}`), `coturn logged the request from 127.0.0.1:${localPort}:\n${v4.log().slice(-2000)}`);
  });

  it("coturn fingerprints its answer to our fingerprinted request, and the FINGERPRINT checks out", async () => {
    const localPort = await freePort("127.0.0.1");
    const { answer, transactionId } = await rawBinding(v4, "127.0.0.1", localPort);
    assert.equal(verifyFingerprint(answer), true, answer.toString("hex"));
    assert.deepEqual(parseBindingResponse(answer, transactionId), { address: "127.0.0.1", port: localPort });
  });

  it("over IPv6 the XOR-MAPPED-ADDRESS decodes to ::1 and our port", async () => {
    const localPort = await freePort("127.0.0.1");
    const { answer, transactionId } = await rawBinding(v6, "::1", localPort);
    assert.deepEqual(parseBindingResponse(answer, transactionId), { address: "::1", port: localPort });
    assert.deepEqual(await discoverPublicAddress(`[::1]:${v6.port}`, "[::1]:0", 5000).then((r) => r?.address), "::1");
  });
});

const LAN = { id: "1001", password: randomPassword() };
const WAN = { id: "1002", password: randomPassword() };

/** The public address the router gives the PBX's STUN traffic (its other address on r-wan). */
const STUN_MAPPED_IP = "203.0.113.51";

/** `c=` addresses of an SDP body. */
function sdpConnections(body: string): string[] {
  return [...body.matchAll(/^c=IN IP[46] (\S+)/gm)].map((m) => m[1] ?? "");
}

describe("rtp.conf stunaddr behind a NAT: the STUN-mapped address is what the SDP offers outside local_net", () => {
  let site: OfficeSite;
  let coturn: Coturn;
  let pbx: Pbx;
  let lanAgent: NsSocketAgent;
  let wanAgent: NsSocketAgent;
  let lan: NsPhone;
  let wan: NsPhone;
  let mappedPort = 0;

  before(async () => {
    requireNetns();
    site = createOfficeSite();
    // STUN from the PBX leaves from the router's second public address, so the mapped address
    // differs from everything else the server could write into SDP.
    execFileSync("ip", ["netns", "exec", site.router, "nft", "insert", "rule", "ip", "portfwd", "postrouting", "oifname", "r-wan", "ip", "saddr", site.pbxIp, "udp", "dport", "3478", "snat", "to", STUN_MAPPED_IP], { stdio: "pipe" });
    coturn = await startCoturn({ ip: site.wanPhoneIp, port: 3478, netns: site.wan });
    const transport = [
      "[transport-udp]", "type=transport", "protocol=udp", `bind=${site.pbxIp}:${site.pbxPort}`,
      `local_net=${site.localNet}`,
      // Signalling is forwarded by the router; media has no external address: STUN provides it.
      `external_signaling_address=${site.publicIp}`, `external_signaling_port=${site.publicPort}`, "",
    ].join("\n");
    const common = { context: "internal", maxContacts: 1, removeExisting: true, endpointOptions: { direct_media: "no" } };
    pbx = await startPbx({
      netns: site.pbx,
      configFiles: {
        "pjsip.conf": [transport, endpointSections({ ...LAN, ...common }), endpointSections({ ...WAN, ...common })].join("\n"),
        "extensions.conf": "[internal]\nexten => _10XX,1,Dial(PJSIP/${EXTEN},20)\n same => n,Hangup()\n",
        "rtp.conf": `[general]\nrtpstart=31000\nrtpend=31999\nstunaddr=${site.wanPhoneIp}:3478\n`,
      },
    });
    const line = await pbx.waitForLog(/STUN server \S+ sees us as \S+:\d+/, 10000);
    mappedPort = Number(/ sees us as \S+:(\d+)/.exec(line)?.[1] ?? 0);
    lanAgent = await NsSocketAgent.start(site.lan);
    wanAgent = await NsSocketAgent.start(site.wan);
    const lanServer = { ip: site.pbxIp, port: site.pbxPort };
    const wanServer = { ip: site.publicIp, port: site.publicPort };
    lan = new NsPhone(await lanAgent.udp(site.lanPhoneIp, 5062), { user: LAN.id, password: LAN.password, server: lanServer, rtpPort: 40000 });
    wan = new NsPhone(await wanAgent.udp(site.wanPhoneIp, 5062), { user: WAN.id, password: WAN.password, server: wanServer, rtpPort: 40002 });
  });

  after(async () => {
    await lanAgent?.stop();
    await wanAgent?.stop();
    await pbx?.stop();
    await coturn?.stop();
    site?.teardown();
  });

  it("the server asks the configured stunaddr, and coturn sees it as the NAT's public address", async () => {
    const line = await pbx.waitForLog(/STUN server \S+ sees us as/, 1000);
    assert.match(line, new RegExp(`STUN server ${site.wanPhoneIp.replace(/\./g, "\\.")}:3478 sees us as ${STUN_MAPPED_IP.replace(/\./g, "\\.")}:\\d+`));
    assert.ok(mappedPort > 0);
    assert.deepEqual(coturn.bindingSources(), [`${STUN_MAPPED_IP}:${mappedPort}`], coturn.log().slice(-3000));
  });

  it("a call from outside gets c= with the STUN-mapped address; the LAN phone gets the server's own", async () => {
    assert.equal((await lan.register()).status, 200);
    assert.equal((await wan.register()).status, 200);
    const before = [...lan.sock.received];
    const calling = wan.call(LAN.id);
    calling.catch(() => undefined);
    const invite = await lan.waitRequest("INVITE", 10000, before);
    assert.deepEqual(sdpConnections(invite.msg.body), [site.pbxIp], `INVITE to the LAN phone:\n${invite.msg.raw}`);
    await lan.answer(invite);
    const { ok, dialog } = await calling;
    assert.equal(ok.status, 200);
    assert.deepEqual(sdpConnections(ok.body), [STUN_MAPPED_IP], `200 to the outside phone:\n${ok.raw}`);
    const beforeBye = [...lan.sock.received];
    const bye = await wan.hangup(dialog);
    assert.equal(bye.status, 200, bye.raw);
    await lan.waitRequest("BYE", 5000, beforeBye);
  });
});
