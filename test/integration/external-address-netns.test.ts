/**
 * `external_signaling_address`, `external_signaling_port`, `external_media_address` and
 * `local_net` on the wire. Switchboard sits on an office LAN (192.168.77.2:5060) behind a router
 * that forwards its public 203.0.113.50:5070 to it (netns-topologies.ts `createOfficeSite`).
 * Phone 1001 is on the LAN (inside `local_net`), phone 1002 on the outside. Each phone is a raw
 * socket in its own namespace, so the test reads every header as it arrived.
 *
 * Asterisk's rule (reference/asterisk.md, res_pjsip_nat): toward a destination outside
 * `local_net`, the Via sent-by of requests and the Contact (host, and port with
 * `external_signaling_port`) carry the external address, and the SDP carries
 * `external_media_address`; toward a destination inside `local_net` nothing is rewritten.
 * The outside phone sends its ACK and BYE to the Contact it was given: it has no route into the
 * LAN, so a private address there fails the call, not just an assertion.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { endpointSections, randomPassword } from "../helpers/pjsip-conf.js";
import { parseContacts } from "../helpers/cli-output.js";
import { createOfficeSite, requireNetns, type OfficeSite } from "../helpers/netns-topologies.js";
import { NsSocketAgent, type Received } from "../helpers/ns-socket.js";
import { NsPhone, nameAddrUri, uriHostPort } from "../helpers/ns-phone.js";
import { waitUntil } from "../helpers/processes.js";

const LAN = { id: "1001", password: randomPassword() };
const WAN = { id: "1002", password: randomPassword() };

const EXTENSIONS = `[internal]
exten => _10XX,1,Dial(PJSIP/\${EXTEN},20)
 same => n,Hangup()
`;

function pjsipConf(site: OfficeSite): string {
  const transport = (proto: "udp" | "tcp"): string =>
    [
      `[transport-${proto}]`, "type=transport", `protocol=${proto}`, `bind=${site.pbxIp}:${site.pbxPort}`,
      `local_net=${site.localNet}`,
      `external_signaling_address=${site.publicIp}`,
      `external_signaling_port=${site.publicPort}`,
      `external_media_address=${site.publicMediaIp}`,
      "",
    ].join("\n");
  const common = { context: "internal", maxContacts: 1, removeExisting: true, qualifyFrequency: 60, endpointOptions: { direct_media: "no" } };
  // No transport= on the endpoints: each call leaves on the transport its contact registered over.
  return [transport("udp"), transport("tcp"), endpointSections({ ...LAN, ...common }), endpointSections({ ...WAN, ...common })].join("\n");
}

/** The sent-by of a Via value (`SIP/2.0/UDP host:port;…`). */
function sentBy(via: string | undefined): string {
  return /^SIP\/2\.0\/[A-Z]+\s+([^;\s]+)/i.exec(via ?? "")?.[1] ?? `(no Via: ${via})`;
}

/** `c=` and `o=` addresses of an SDP body. */
function sdpAddresses(body: string): { c: string[]; o: string | undefined } {
  const c = [...body.matchAll(/^c=IN IP[46] (\S+)/gm)].map((m) => m[1] ?? "");
  const o = /^o=\S+ \S+ \S+ IN IP[46] (\S+)/m.exec(body)?.[1];
  return { c, o };
}

/** What the server must write toward one phone. */
interface Expect {
  readonly hostPort: string;
  readonly media: string;
  /** Text that must not appear anywhere in what this phone receives. */
  readonly foreign: RegExp;
}

/** Via (requests), Contact (everything but REGISTER responses) and SDP of one message. */
function checkMessage(r: Received, e: Expect, transport: "UDP" | "TCP"): void {
  const m = r.msg;
  const label = m.isResponse ? `${m.status} to ${m.method}` : m.method;
  const show = `\n--- ${label} as received from ${r.from.ip}:${r.from.port}:\n${m.raw}`;
  if (!m.isResponse) {
    assert.equal(sentBy(m.header("via")), e.hostPort, `Via sent-by of ${label}${show}`);
    assert.match(m.header("via") ?? "", new RegExp(`^SIP/2\\.0/${transport} `), `Via transport of ${label}${show}`);
  }
  const contact = m.header("contact");
  if (contact !== undefined && m.method !== "REGISTER") {
    const hp = uriHostPort(nameAddrUri(contact));
    assert.equal(`${hp.ip}:${hp.port}`, e.hostPort, `Contact of ${label}${show}`);
    if (transport === "TCP") assert.match(contact, /;transport=tcp/i, `Contact of ${label} names TCP${show}`);
  }
  if (/application\/sdp/i.test(m.header("content-type") ?? "")) {
    const a = sdpAddresses(m.body);
    assert.ok(a.c.length > 0, `SDP of ${label} has a c= line${show}`);
    for (const c of a.c) assert.equal(c, e.media, `SDP c= of ${label}${show}`);
    assert.equal(a.o, e.media, `SDP o= of ${label}${show}`);
  }
  assert.doesNotMatch(m.raw, e.foreign, `${label} leaks an address of the other side${show}`);
}

for (const transport of ["UDP", "TCP"] as const) {
  describe(`external addresses and local_net over ${transport} (office LAN behind a port-forwarding router)`, () => {
    let site: OfficeSite;
    let pbx: Pbx;
    let lanAgent: NsSocketAgent;
    let wanAgent: NsSocketAgent;
    let lan: NsPhone;
    let wan: NsPhone;
    let toLan: Expect;
    let toWan: Expect;

    before(async () => {
      requireNetns();
      site = createOfficeSite();
      toLan = { hostPort: `${site.pbxIp}:${site.pbxPort}`, media: site.pbxIp, foreign: /203\.0\.113\.5[01]/ };
      toWan = { hostPort: `${site.publicIp}:${site.publicPort}`, media: site.publicMediaIp, foreign: /192\.168\./ };
      pbx = await startPbx({
        netns: site.pbx,
        configFiles: { "pjsip.conf": pjsipConf(site), "extensions.conf": EXTENSIONS, "rtp.conf": "[general]\nrtpstart=31000\nrtpend=31999\n" },
      });
      lanAgent = await NsSocketAgent.start(site.lan);
      wanAgent = await NsSocketAgent.start(site.wan);
      const lanServer = { ip: site.pbxIp, port: site.pbxPort };
      const wanServer = { ip: site.publicIp, port: site.publicPort };
      const open = async (agent: NsSocketAgent, ip: string, server: { ip: string; port: number }) => {
        if (transport === "UDP") return agent.udp(ip, 5062);
        const s = await agent.tcp(ip, server);
        if ("error" in s) throw new Error(`TCP connect from ${ip} to ${server.ip}:${server.port}: ${s.error}`);
        return s;
      };
      lan = new NsPhone(await open(lanAgent, site.lanPhoneIp, lanServer), { user: LAN.id, password: LAN.password, server: lanServer, rtpPort: 40000 });
      wan = new NsPhone(await open(wanAgent, site.wanPhoneIp, wanServer), { user: WAN.id, password: WAN.password, server: wanServer, rtpPort: 40002 });
    });

    after(async () => {
      await lanAgent?.stop();
      await wanAgent?.stop();
      await pbx?.stop();
      site?.teardown();
    });

    it("both phones register, through the router's port forward for the outside one", async () => {
      const l = await lan.register();
      const w = await wan.register();
      assert.equal(l.status, 200, l.raw);
      assert.equal(w.status, 200, w.raw);
      const contacts = parseContacts((await pbx.rx("pjsip show contacts")).stdout);
      assert.ok(contacts.some((c) => c.aor === LAN.id && c.uri.includes(site.lanPhoneIp)), JSON.stringify(contacts));
      assert.ok(contacts.some((c) => c.aor === WAN.id && c.uri.includes(site.wanPhoneIp)), JSON.stringify(contacts));
    });

    it("qualify OPTIONS: Via and Contact carry 203.0.113.50:5070 outside local_net and 192.168.77.2:5060 inside", async () => {
      const toW = await wan.waitRequest("OPTIONS", 10000);
      const toL = await lan.waitRequest("OPTIONS", 10000);
      checkMessage(toW, toWan, transport);
      checkMessage(toL, toLan, transport);
      // The router rewrote the server's source to the public address: the forward works both ways.
      if (transport === "UDP") assert.deepEqual(toW.from, { ip: site.publicIp, port: site.publicPort });
      await waitUntil(async () => {
        const rows = parseContacts((await pbx.rx("pjsip show contacts")).stdout);
        return rows.filter((c) => c.status === "Avail").length === 2;
      }, 10000, "both contacts Avail after our 200s to the qualify OPTIONS");
    });

    it("outside phone calls the LAN phone: the INVITE to 1001 is local, the 180/200 to 1002 carry the external addresses", async () => {
      const before = [...lan.sock.received];
      const calling = wan.call(LAN.id);
      // Awaited below; a failure before that must not surface as an unhandled rejection.
      calling.catch(() => undefined);
      const invite = await lan.waitRequest("INVITE", 10000, before);
      checkMessage(invite, toLan, transport);
      const lanDialog = await lan.answer(invite);
      const { ok, dialog } = await calling;
      const fromServer = wan.sock.received.filter((r) => r.msg.isResponse && r.msg.header("call-id") === dialog.callId && r.msg.status >= 180);
      assert.ok(fromServer.some((r) => r.msg.status === 180), "1002 got a 180 Ringing");
      for (const r of fromServer) checkMessage(r, toWan, transport);
      assert.equal(ok.status, 200);
      assert.ok(ok.body.length > 0, `200 carries SDP:\n${ok.raw}`);

      // 1002 sends BYE to the Contact of the 200: only the public address reaches the server.
      const lanBefore = [...lan.sock.received];
      const bye = await wan.hangup(dialog);
      assert.equal(bye.status, 200, `BYE to ${dialog.remoteTarget} answered:\n${bye.raw}`);
      const byeToLan = await lan.waitRequest("BYE", 5000, lanBefore);
      assert.equal(byeToLan.msg.header("call-id"), lanDialog.callId);
      checkMessage(byeToLan, toLan, transport);
    });

    it("LAN phone calls the outside phone: the INVITE and BYE to 1002 carry the external addresses, the 200 to 1001 the local ones", async () => {
      const before = [...wan.sock.received];
      const calling = lan.call(WAN.id);
      calling.catch(() => undefined);
      const invite = await wan.waitRequest("INVITE", 10000, before);
      checkMessage(invite, toWan, transport);
      await wan.answer(invite);
      const { ok, dialog } = await calling;
      checkMessage(lan.sock.received.find((r) => r.msg === ok) ?? assert.fail("200 not recorded"), toLan, transport);

      const wanBefore = [...wan.sock.received];
      const bye = await lan.hangup(dialog);
      assert.equal(bye.status, 200, bye.raw);
      const byeToWan = await wan.waitRequest("BYE", 5000, wanBefore);
      checkMessage(byeToWan, toWan, transport);
      await waitUntil(async () => /Channels:\s+0\b/.test((await pbx.rx("core show resources")).stdout), 10000, "channels released");
    });

    it("nothing the outside phone received names a LAN address, and nothing the LAN phone received names a public one", () => {
      // checkMessage checks every message it is given; this covers all the others too (100 Trying,
      // 401 challenges, REGISTER responses, retransmissions).
      assert.ok(wan.sock.received.length >= 8, `outside phone received ${wan.sock.received.length} messages`);
      for (const r of wan.sock.received) assert.doesNotMatch(r.msg.raw, toWan.foreign, `leak to the outside phone:\n${r.msg.raw}`);
      for (const r of lan.sock.received) assert.doesNotMatch(r.msg.raw, toLan.foreign, `public address sent to the LAN phone:\n${r.msg.raw}`);
    });
  });
}
