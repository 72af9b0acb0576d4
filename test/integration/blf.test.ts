/**
 * Busy lamp fields end to end: a SIPp watcher (identified by its address, subscribe_context=hints)
 * SUBSCRIBEs to the `dialog` package of 2002, whose hint is `PJSIP/2002`; baresip 1001 calls
 * baresip 2002, 2002 rings, answers, and 1001 hangs up. The watcher's NOTIFYs, read from SIPp's
 * trace, say terminated (idle) → early (ringing, 1001 the remote party) → confirmed → terminated,
 * with versions 0..3 (the call carries each phone's tone to the other),
 * and an Expires: 0 unsubscribe is answered by a NOTIFY with Subscription-State: terminated.
 * Meanwhile 1001's own baresip watches 2002 with its presence module (SUBSCRIBE with digest
 * auth) and shows 2002 Online, Busy while the call is up, Online again after it: a real phone
 * reads our PIDF. A second SIPp watcher of `presence` of 2003 sees closed (not registered) turn open when
 * 2003's phone registers. A phone of the test picks up a call ringing at 2002 from its lamp: an
 * INVITE with Replaces naming the early dialog's call-id and tags from the NOTIFY, and hears the
 * caller's tone. A raw SIP socket checks Allow-Events, 404 for an extension without a
 * hint in subscribe_context, 406 for a body type we do not write, and `core show hints` watchers.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { allocatePortBlock, freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { describeSipp, runSipp, type SippResult } from "../helpers/sipp.js";
import { SipClient } from "../helpers/sip-client.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";
import { analyseTone, assertTone, checkTone, makeToneWav } from "../helpers/audio.js";
import { decodeRtp, type CapturedDatagram } from "../helpers/rtp-capture.js";
import { createSocket } from "node:dgram";

const SERVER_IP = "127.0.0.1";
const CALLER = { id: "1001", password: randomPassword(), ip: "127.0.0.2" };
const CALLEE = { id: "2002", password: randomPassword(), ip: "127.0.0.3" };
const LATE = { id: "2003", password: randomPassword(), ip: "127.0.0.4" };
const DIALOG_WATCHER_IP = "127.0.0.5";
const PRESENCE_WATCHER_IP = "127.0.0.6";
const RAW_WATCHER_IP = "127.0.0.7";
/** baresip colours the presence words of its contact list. */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

const EXTENSIONS = `[internal]
exten => 2002,1,Dial(PJSIP/2002,30)
 same => n,Hangup()

[hints]
exten => 2002,hint,PJSIP/2002
exten => 2003,hint,PJSIP/2003
`;

/** 200 OK to the NOTIFY just received. */
const OK_TO_NOTIFY = `
  <send>
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

    ]]>
  </send>`;

/**
 * A watcher: SUBSCRIBE (Expires 600) to `[service]` for `event`, then `notifies` NOTIFYs each
 * answered 200, then an unsubscribe (Expires: 0) in the dialog and its final NOTIFY.
 */
function watcherScenario(event: string, accept: string, notifies: number): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="${event} watcher">
  <send>
    <![CDATA[
SUBSCRIBE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:watcher@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 SUBSCRIBE
Contact: <sip:watcher@[local_ip]:[local_port]>
Max-Forwards: 70
Event: ${event}
Accept: ${accept}
Expires: 600
Content-Length: 0

    ]]>
  </send>
  <recv response="200" rtd="true" rrs="true"/>
${Array.from({ length: notifies }, () => `  <recv request="NOTIFY" timeout="40000"/>${OK_TO_NOTIFY}`).join("\n")}
  <send>
    <![CDATA[
SUBSCRIBE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:watcher@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 SUBSCRIBE
Contact: <sip:watcher@[local_ip]:[local_port]>
Max-Forwards: 70
Event: ${event}
Accept: ${accept}
Expires: 0
Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
  <recv request="NOTIFY" timeout="10000"/>${OK_TO_NOTIFY}
</scenario>
`;
}

describe("busy lamp fields (SIPp watchers of dialog and presence ↔ Switchboard hints ↔ baresip calls)", () => {
  let pbx: Pbx;
  let port: number;
  const dir = scratchDir("blf");
  const tones = new Map([
    [CALLER.id, makeToneWav(join(dir, "t1000.wav"), { frequency: 1000, seconds: 60 })],
    [CALLEE.id, makeToneWav(join(dir, "t440.wav"), { frequency: 440, seconds: 60 })],
    [LATE.id, makeToneWav(join(dir, "t600.wav"), { frequency: 600, seconds: 60 })],
  ]);

  before(async () => {
    port = await freePort(SERVER_IP);
    const rtp = await allocatePortBlock("0.0.0.0", 40);
    const common = { context: "internal", maxContacts: 1, removeExisting: true, endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no", subscribe_context: "hints" } };
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf":
          pjsipConf({ ip: SERVER_IP, port, endpoints: [CALLER, CALLEE, LATE].map((p) => ({ id: p.id, password: p.password, ...common })) }) +
          // Watchers identified by their address (no digest), their hints in [hints].
          `\n[watcher]\ntype=endpoint\ncontext=internal\nsubscribe_context=hints\nallow=ulaw\n\n[watcher]\ntype=identify\nendpoint=watcher\nmatch=${DIALOG_WATCHER_IP},${PRESENCE_WATCHER_IP},${RAW_WATCHER_IP}\n`,
        "extensions.conf": EXTENSIONS,
        "rtp.conf": `[general]\nrtpstart=${rtp}\nrtpend=${rtp + 39}\n`,
      },
    });
  });

  after(async () => {
    await pbx?.stop();
  });

  /** A phone; `watch` names extensions it watches with baresip's presence module (its contacts). */
  async function phone(p: typeof CALLER, watch: readonly string[] = []): Promise<Baresip> {
    const rtpBase = await allocatePortBlock("0.0.0.0", 20);
    const b = await startBaresip({
      ip: p.ip,
      rtpPorts: `${rtpBase}-${rtpBase + 19}`,
      audioSource: tones.get(p.id) ?? "",
      maxSeconds: 90,
      ...(watch.length > 0 ? { modules: ["contact.so", "presence.so"], contacts: watch.map((x) => `"Ext ${x}" <sip:${x}@${SERVER_IP}:${port}>;presence=p2p`) } : {}),
      accounts: [`<sip:${p.id}@${SERVER_IP}:${port};transport=udp>;auth_pass=${p.password};audio_codecs=PCMU;regint=600`],
    });
    await waitUntil(async () => /OK/.test(await b.reginfo()), 10000, `${p.id} registered`);
    return b;
  }

  /** The NOTIFYs SIPp received, in order (a retransmission counted once). */
  function notifiesOf(r: SippResult): Array<{ state: string; body: string; contentType: string }> {
    const seen = new Set<string>();
    const out = [];
    for (const e of r.trace) {
      if (e.direction !== "received" || e.message.method !== "NOTIFY" || e.message.isResponse) continue;
      const key = e.message.header("cseq") ?? "";
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ state: e.message.header("subscription-state") ?? "", body: e.message.body, contentType: e.message.header("content-type") ?? "" });
    }
    return out;
  }

  const dialogState = (body: string): string => /<state>([a-z]+)<\/state>/.exec(body)?.[1] ?? "(none)";
  const version = (body: string): number => Number(/<dialog-info [^>]*version="(\d+)"/.exec(body)?.[1] ?? -1);

  it("dialog of 2002: terminated → early (ringing, recipient) → confirmed (answered) → terminated (hung up), then Expires: 0 ends it", async () => {
    const caller = await phone(CALLER, [CALLEE.id]);
    const callee = await phone(CALLEE);
    try {
      const watcherPort = await freePort(DIALOG_WATCHER_IP);
      const watching = runSipp({
        scenario: watcherScenario("dialog", "application/dialog-info+xml", 4),
        target: `${SERVER_IP}:${port}`,
        localIp: DIALOG_WATCHER_IP,
        localPort: watcherPort,
        args: ["-s", "2002", "-m", "1"],
        timeoutMs: 90000,
        recvTimeoutMs: 40000,
      });
      await pbx.waitForLog(/Subscription for dialog of 2002@hints by endpoint watcher created/, 15000);
      // The SIPp watcher and 1001's presence module (whose SUBSCRIBE may come a moment after its
      // registration: wait for both).
      let hints = "";
      await waitUntil(async () => {
        hints = (await pbx.rx("core show hints")).stdout;
        return /Watchers\s+2/.test(hints);
      }, 10000, "two watchers of 2002").catch(() => undefined);
      assert.match(hints, /2002@hints\s+: PJSIP\/2002\s+State:Idle\s+Presence:not_set\s+Watchers\s+2/, hints);
      // baresip reads our PIDF: 2002 is Online on 1001's contact list (it was Offline before the first NOTIFY).
      const status = async (): Promise<string> => (await caller.command("contacts")).data.replace(ANSI_COLOUR, "");
      await waitUntil(async () => /Online\s+Ext 2002/.test(await status()), 10000, "1001 sees 2002 online");
      const listed = (await pbx.rx("pjsip show subscriptions inbound")).stdout;
      assert.match(listed, /Endpoint: watcher\n Event: dialog\n Resource: 2002@hints\n/, listed);
      await sleep(500);
      await caller.command(`dial sip:2002@${SERVER_IP}:${port}`);
      await callee.waitEvent("CALL_INCOMING", 10000);
      await sleep(1500);
      await callee.command("accept");
      await caller.waitEvent("CALL_ESTABLISHED", 10000);
      const busy = await waitUntil(async () => { const t = await status(); return /Online\s+Ext 2002/.test(t) ? undefined : t; }, 5000, "1001 sees 2002 no longer merely online");
      assert.match(busy, /Busy\s+Ext 2002/, "on the phone: baresip shows 2002 busy");
      await sleep(2000);
      await caller.command("hangup");
      await callee.waitEvent("CALL_CLOSED", 10000);
      // The lamp's confirmed is a real call: each phone heard the other's tone.
      const heardByCallee = callee.recordings().find((f) => f.endsWith("-dec.wav"));
      const heardByCaller = caller.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heardByCallee && heardByCaller, `recordings: ${callee.recordings().join(",")} / ${caller.recordings().join(",")}`);
      assertTone(checkTone(heardByCallee, 1000, { minSeconds: 1.5 }), "2002 (callee)", 1000);
      assertTone(checkTone(heardByCaller, 440, { minSeconds: 1.5 }), "1001 (caller)", 440);
      await waitUntil(async () => /Online\s+Ext 2002/.test(await status()), 10000, "1001 sees 2002 online again");
      const r = await watching;
      assert.equal(r.code, 0, `the watcher's scenario ran to its end\n${describeSipp(r)}`);
      const n = notifiesOf(r);
      const info = n.slice(0, 4);
      assert.deepEqual(info.map((x) => dialogState(x.body)), ["terminated", "early", "confirmed", "terminated"], describeSipp(r));
      assert.deepEqual(info.map((x) => version(x.body)), [0, 1, 2, 3], "version counts the NOTIFYs of the subscription");
      for (const x of info) {
        assert.equal(x.contentType, "application/dialog-info+xml");
        assert.match(x.state, /^active;expires=\d+$/);
        assert.match(x.body, new RegExp(`<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="\\d+" state="full" entity="sip:2002@${SERVER_IP}:${port}">`));
        assert.match(x.body, /<dialog id="2002"/);
      }
      assert.match(info[1]!.body, /<dialog id="2002" call-id="[^"]+" local-tag="[^"]+" remote-tag="[^"]+" direction="recipient">/, "ringing: 2002 is the recipient");
      for (const x of [info[1]!, info[2]!]) assert.match(x.body, /<remote>\s*<identity[^>]*>sip:1001@[^<]+<\/identity>/, "the caller is the remote party");
      assert.doesNotMatch(info[3]!.body, /<remote>/);
      const last = n[4];
      assert.ok(last !== undefined, "a NOTIFY after the unsubscribe");
      assert.match(last.state, /^terminated/, "Expires: 0 ends the subscription");
      assert.equal(n.length, 5, "no other NOTIFY");
    } finally {
      await caller.stop();
      await callee.stop();
    }
  });

  it("presence of 2003: closed while 2003 has no contact, open (Ready) once it registers; Expires: 0 ends it", async () => {
    const watcherPort = await freePort(PRESENCE_WATCHER_IP);
    const watching = runSipp({
      scenario: watcherScenario("presence", "application/pidf+xml", 2),
      target: `${SERVER_IP}:${port}`,
      localIp: PRESENCE_WATCHER_IP,
      localPort: watcherPort,
      args: ["-s", "2003", "-m", "1"],
      timeoutMs: 60000,
      recvTimeoutMs: 30000,
    });
    await pbx.waitForLog(/Subscription for presence of 2003@hints by endpoint watcher created/, 15000);
    await sleep(500);
    const late = await phone(LATE);
    let r: SippResult;
    try {
      r = await watching;
    } finally {
      await late.stop();
    }
    assert.equal(r.code, 0, `the watcher's scenario ran to its end\n${describeSipp(r)}`);
    const n = notifiesOf(r);
    const basic = (body: string): string => /<basic>([a-z]+)<\/basic>/.exec(body)?.[1] ?? "(none)";
    assert.deepEqual(n.slice(0, 2).map((x) => basic(x.body)), ["closed", "open"], describeSipp(r));
    assert.match(n[0]!.body, /<note>Unavailable<\/note>/);
    assert.match(n[1]!.body, /<note>Ready<\/note>/);
    assert.equal(n[0]!.contentType, "application/pidf+xml");
    assert.match(n[0]!.body, new RegExp(`<presence xmlns="urn:ietf:params:xml:ns:pidf"[^>]* entity="sip:2003@${SERVER_IP}:${port}">`));
    assert.match(n[2]?.state ?? "", /^terminated/);
  });

  it("pickup from the lamp: the early dialog's call-id and tags, used in an INVITE with Replaces, answer 1001's call to 2002 (1001's tone heard)", async () => {
    const caller = await phone(CALLER);
    const callee = await phone(CALLEE);
    const raw = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: RAW_WATCHER_IP });
    raw.onRequest = (m) => void raw.okTo(m);
    const rtp = createSocket("udp4");
    const heard: CapturedDatagram[] = [];
    rtp.on("message", (payload, rinfo) => heard.push({ at: Date.now(), srcPort: rinfo.port, dstPort: 0, payload }));
    await new Promise<void>((r) => rtp.bind({ address: RAW_WATCHER_IP, port: 0 }, () => r()));
    const rtpPort = rtp.address().port;
    try {
      const callId = `blf-${Date.now()}`;
      const ok = await raw.request(
        raw.buildRequest({ method: "SUBSCRIBE", uri: `sip:2002@${SERVER_IP}:${port}`, fromUser: "watcher", toUser: "2002", callId, contact: `<sip:watcher@${RAW_WATCHER_IP}:${raw.localPort}>`, expires: 600, headers: ["Event: dialog", "Accept: application/dialog-info+xml"] }),
      );
      assert.equal(ok.status, 200);
      await caller.command(`dial sip:2002@${SERVER_IP}:${port}`);
      await callee.waitEvent("CALL_INCOMING", 10000);
      const early = await raw.waitFor((m) => m.method === "NOTIFY" && m.header("call-id") === callId && /<state>early<\/state>/.test(m.body), 10000);
      const ids = /<dialog id="2002" call-id="([^"]+)" local-tag="([^"]+)" remote-tag="([^"]+)"/.exec(early.body);
      assert.ok(ids, `the early dialog names its SIP dialog:\n${early.body}`);
      const [, sipCallId = "", localTag = "", remoteTag = ""] = ids;
      const sdp = `v=0\r\no=- 1 1 IN IP4 ${RAW_WATCHER_IP}\r\ns=-\r\nc=IN IP4 ${RAW_WATCHER_IP}\r\nt=0 0\r\nm=audio ${rtpPort} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;
      const inviteCallId = `pickup-${Date.now()}`;
      const invite = raw.buildRequest({ method: "INVITE", uri: `sip:2002@${SERVER_IP}:${port}`, fromUser: "watcher", toUser: "2002", callId: inviteCallId, fromTag: "pk1", contact: `<sip:watcher@${RAW_WATCHER_IP}:${raw.localPort}>`, headers: [`Replaces: ${sipCallId};to-tag=${remoteTag};from-tag=${localTag}`, "Content-Type: application/sdp"], body: sdp });
      const answered = await raw.request(invite, 10000);
      assert.equal(answered.status, 200, answered.raw);
      const toTag = /;tag=([^;>\s]+)/.exec(answered.header("to") ?? "")?.[1] ?? "";
      const ackTo = `<sip:2002@${SERVER_IP}:${port}>;tag=${toTag}`;
      await raw.send(raw.buildRequest({ method: "ACK", uri: /<([^>]+)>/.exec(answered.header("contact") ?? "")?.[1] ?? `sip:2002@${SERVER_IP}:${port}`, fromUser: "watcher", toUser: "2002", callId: inviteCallId, fromTag: "pk1", cseq: 1 }).replace(/^To: [^\r]*/m, `To: ${ackTo}`));
      await callee.waitEvent("CALL_CLOSED", 10000);
      await caller.waitEvent("CALL_ESTABLISHED", 10000);
      const from = Date.now();
      await sleep(3000);
      assertTone(analyseTone(decodeRtp(heard, from, Date.now()), 1000, { minSeconds: 2 }), "the phone that picked up", 1000);
      await caller.command("hangup");
      await raw.waitFor((m) => m.method === "BYE" && m.header("call-id") === inviteCallId, 10000);
    } finally {
      rtp.close();
      raw.close();
      await caller.stop();
      await callee.stop();
    }
  });

  it("Allow-Events lists dialog and presence; no hint in subscribe_context is 404; an Accept without our type is 406", async () => {
    const raw = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: RAW_WATCHER_IP });
    raw.onRequest = (m) => void raw.okTo(m);
    try {
      const options = await raw.options();
      const events = (options.header("allow-events") ?? "").split(/\s*,\s*/);
      for (const e of ["message-summary", "dialog", "presence"]) assert.ok(events.includes(e), `Allow-Events: ${options.header("allow-events")}`);
      const sub = (user: string, event: string, accept: string): string =>
        raw.buildRequest({ method: "SUBSCRIBE", uri: `sip:${user}@${SERVER_IP}:${port}`, fromUser: "watcher", toUser: user, contact: `<sip:watcher@${RAW_WATCHER_IP}:${raw.localPort}>`, expires: 600, headers: [`Event: ${event}`, `Accept: ${accept}`] });
      // 1001 has no hint, and 2002's hint is in [hints], not the context of a call.
      assert.equal((await raw.request(sub("1001", "dialog", "application/dialog-info+xml"))).status, 404);
      const refused = await raw.request(sub("2002", "presence", "application/xpidf+xml"));
      assert.equal(refused.status, 406);
      assert.equal(refused.header("accept"), "application/pidf+xml");
      const bad = await raw.request(sub("2002", "as-feature-event", "application/x-as-feature-event+xml"));
      assert.equal(bad.status, 489);
      assert.match(bad.header("allow-events") ?? "", /dialog/);
    } finally {
      raw.close();
    }
  });
});
