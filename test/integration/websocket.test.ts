/**
 * SIP over WebSocket (RFC 7118) against the real server: http.conf serves HTTP and HTTPS (a
 * certificate from the self-signed helper), pjsip.conf has `protocol=ws` and `protocol=wss`
 * transports, and phones connect to `/ws` with the `sip` subprotocol.
 *
 * - JsSIP 3.13.8 (an independent browser SIP library, on Node with the `ws` package as its
 *   WebSocket) registers over WSS with digest authentication and unregisters.
 * - The scripted phone signals over WSS (its media is plain RTP, as JsSIP has no media stack in
 *   Node) and calls a UDP phone; then the UDP phone calls it, the INVITE arriving over its
 *   WebSocket. Tones are heard both ways in both calls.
 * - When its WebSocket closes its contact is removed, and a call to it fails.
 * - The guard: digest failures answered as over UDP, a scanner banned and cut off.
 * - Plain WS on the HTTP listener; a handshake without the `sip` subprotocol is refused.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import JsSIP from "jssip";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { analyseTone, assertTone } from "../helpers/audio.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";
import { ScriptedPhone } from "../helpers/scripted-phone.js";
import { SipClient } from "../helpers/sip-client.js";
import { makeSelfSignedCert } from "../../src/sip/transport/self-signed-cert.js";

const SERVER_IP = "127.0.0.1";
const WSS_PHONE = { id: "1001", password: randomPassword(), ip: "127.0.0.21", hz: 700 };
const UDP_PHONE = { id: "1002", password: randomPassword(), ip: "127.0.0.22", hz: 1100 };
const JSSIP = { id: "1003", password: randomPassword() };
const WS_PHONE = { id: "1004", password: randomPassword(), ip: "127.0.0.24" };

describe("SIP over WebSocket (ws and wss transports at /ws; JsSIP, scripted phones, UDP phone)", () => {
  let pbx: Pbx;
  let udpPort = 0;
  let httpPort = 0;
  let httpsPort = 0;
  let ca = "";
  const dir = scratchDir("websocket");

  before(async () => {
    const cert = await makeSelfSignedCert({ dir: join(dir, "tls") });
    ca = readFileSync(cert.certFile, "utf8");
    udpPort = await freePort(SERVER_IP);
    httpPort = await freePort(SERVER_IP);
    httpsPort = await freePort(SERVER_IP);
    const nat = { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no", disallow: "all", allow: "ulaw" };
    const endpoints = [WSS_PHONE, UDP_PHONE, JSSIP, WS_PHONE].map((e) => ({ id: e.id, password: e.password, context: "internal", maxContacts: 1, removeExisting: true, endpointOptions: nat }));
    const ws = "\n[transport-ws]\ntype = transport\nprotocol = ws\nbind = 0.0.0.0\n\n[transport-wss]\ntype = transport\nprotocol = wss\nbind = 0.0.0.0\n";
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port: udpPort, endpoints, extra: ws }),
        "http.conf": `[general]\nenabled = yes\nbindaddr = ${SERVER_IP}\nbindport = ${httpPort}\ntlsenable = yes\ntlsbindaddr = ${SERVER_IP}:${httpsPort}\ntlscertfile = ${cert.certFile}\ntlsprivatekey = ${cert.keyFile}\n`,
        "extensions.conf": "[internal]\nexten => _10XX,1,Dial(PJSIP/${EXTEN},10)\n same => n,Hangup()\n",
        "rtp.conf": "[general]\nrtpstart=35000\nrtpend=35999\n",
      },
    });
  });

  after(async () => {
    await pbx?.stop();
  });

  const wssUrl = (): string => `wss://${SERVER_IP}:${httpsPort}/ws`;

  async function contactLines(): Promise<string[]> {
    const r = await pbx.rx("pjsip show contacts");
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split("\n").filter((l) => /^\s*Contact:\s+\d/.test(l));
  }

  it("pjsip show transports lists the ws and wss transports; http show status names /ws", async () => {
    const t = await pbx.rx("pjsip show transports");
    assert.match(t.stdout, /Transport:\s+transport-ws\s+ws\s+0\s+0\s+0\.0\.0\.0:0/);
    assert.match(t.stdout, /Transport:\s+transport-wss\s+wss\s+0\s+0\s+0\.0\.0\.0:0/);
    const h = await pbx.rx("http show status");
    assert.match(h.stdout, /\/ws => Asterisk HTTP WebSocket/);
    assert.match(h.stdout, new RegExp(`HTTPS Server Enabled and Bound to ${SERVER_IP}:${httpsPort}`));
  });

  it("JsSIP registers over WSS with digest authentication and unregisters", async () => {
    // JsSIP expects a browser WebSocket; the `ws` package is one, told to trust our certificate.
    class TrustingWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { ca });
      }
    }
    const g = globalThis as { WebSocket?: unknown };
    const before = g.WebSocket;
    g.WebSocket = TrustingWebSocket;
    // JsSIP's types name the `debug` package's, which has no types here.
    (JsSIP as unknown as { debug: { disable(): void } }).debug.disable();
    const ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(wssUrl())],
      uri: `sip:${JSSIP.id}@${SERVER_IP}`,
      password: JSSIP.password,
      register: true,
      register_expires: 300,
      user_agent: "JsSIP 3.13.8 (switchboard test)",
    });
    try {
      const registered = new Promise<void>((resolve, reject) => {
        ua.on("registered", () => resolve());
        ua.on("registrationFailed", (e: { cause?: string; response?: { status_code?: number } }) => reject(new Error(`JsSIP registration failed: ${e.cause ?? ""} ${e.response?.status_code ?? ""}`)));
      });
      ua.start();
      await registered;
      const rows = (await contactLines()).filter((l) => l.includes(`${JSSIP.id}/`));
      assert.equal(rows.length, 1, (await contactLines()).join("\n"));
      // rewrite_contact: the source address and the transport (the column cuts `wss` to `ws`).
      assert.match(rows[0] ?? "", /sip:\w+@127\.0\.0\.1:\d+;transport=ws/);
      const unregistered = new Promise<void>((resolve) => ua.on("unregistered", () => resolve()));
      ua.unregister();
      await unregistered;
      await waitUntil(async () => !(await contactLines()).some((l) => l.includes(`${JSSIP.id}/`)), 5000, "JsSIP's contact removed after its unregister");
    } finally {
      ua.stop();
      g.WebSocket = before;
    }
  });

  it("a phone over WSS calls a UDP phone, and the UDP phone calls it back over its WebSocket: tones heard both ways in both calls", async () => {
    const wssPhone = await ScriptedPhone.startWebSocket(WSS_PHONE.ip, wssUrl(), WSS_PHONE.id, WSS_PHONE.password, ca);
    const udpPhone = await ScriptedPhone.start(UDP_PHONE.ip, { ip: SERVER_IP, port: udpPort }, UDP_PHONE.id, UDP_PHONE.password);
    try {
      assert.equal(wssPhone.sip.webSocketProtocol, "sip", "the 101 selects the sip subprotocol (RFC 7118 §4.1)");
      const reg = await wssPhone.sip.register({ user: WSS_PHONE.id, password: WSS_PHONE.password, expires: 300 });
      assert.equal(reg.challenge.status, 401);
      assert.equal(reg.final.status, 200, reg.final.raw);
      assert.match(reg.final.header("via") ?? "", /^SIP\/2\.0\/WSS [0-9a-f]+\.invalid;.*received=127\.0\.0\.21/, "the response came back over the WebSocket, Via with received");
      assert.equal((await udpPhone.sip.register({ user: UDP_PHONE.id, password: UDP_PHONE.password, expires: 300 })).final.status, 200);

      // WSS → UDP.
      udpPhone.answerWith = "answer";
      const out = await wssPhone.call(UDP_PHONE.id);
      const start = Date.now();
      wssPhone.playTone(WSS_PHONE.hz);
      udpPhone.playTone(UDP_PHONE.hz);
      await sleep(3000);
      assertTone(analyseTone(wssPhone.heard(start), UDP_PHONE.hz, { minSeconds: 2 }), "the WSS phone", UDP_PHONE.hz);
      assertTone(analyseTone(udpPhone.heard(start), WSS_PHONE.hz, { minSeconds: 2 }), "the UDP phone", WSS_PHONE.hz);
      const bye = await wssPhone.sip.request(wssPhone.inDialog(out, "BYE", out.cseq + 1), 5000);
      assert.equal(bye.status, 200, bye.raw);
      await udpPhone.sip.waitFor((m) => !m.isResponse && m.method === "BYE", 5000);

      // UDP → WSS: the INVITE reaches the WebSocket phone over its connection.
      wssPhone.answerWith = "answer";
      udpPhone.answerWith = "ring";
      const back = await udpPhone.call(WSS_PHONE.id);
      const invite = wssPhone.incoming.at(-1)?.invite;
      assert.ok(invite, "the WSS phone got an INVITE");
      assert.match(invite.header("via") ?? "", /^SIP\/2\.0\/WSS /, "RFC 7118 §5.2: our Via names WSS");
      assert.match(invite.header("contact") ?? "", /;transport=ws>/, "RFC 7118 §5.2.2: our Contact says transport=ws");
      assert.match(invite.requestUri, /transport=wss/, "the Request-URI is the registered (rewritten) contact");
      const start2 = Date.now();
      await sleep(2500);
      assertTone(analyseTone(wssPhone.heard(start2), UDP_PHONE.hz, { minSeconds: 1.5 }), "the WSS phone (called)", UDP_PHONE.hz);
      assertTone(analyseTone(udpPhone.heard(start2), WSS_PHONE.hz, { minSeconds: 1.5 }), "the UDP phone (calling)", WSS_PHONE.hz);
      assert.equal((await udpPhone.sip.request(udpPhone.inDialog(back, "BYE", back.cseq + 1), 5000)).status, 200);
      await wssPhone.sip.waitFor((m) => !m.isResponse && m.method === "BYE", 5000);

      // The WebSocket closes: its contact goes, and a call to it fails instead of ringing nowhere.
      assert.ok((await contactLines()).some((l) => l.includes(`${WSS_PHONE.id}/`)));
      wssPhone.close();
      await waitUntil(async () => !(await contactLines()).some((l) => l.includes(`${WSS_PHONE.id}/`)), 5000, "the WSS phone's contact removed when its WebSocket closed");
      await pbx.waitForLog(new RegExp(`Removed contact .* from AOR '${WSS_PHONE.id}' due to shutdown`), 5000);
      await assert.rejects(udpPhone.call(WSS_PHONE.id), /1002 → 1001: SIP\/2\.0 [45]\d\d/);
    } finally {
      wssPhone.close();
      udpPhone.close();
    }
  });

  it("the guard works over WSS: a wrong password gets 401 again; a scanner's request bans its address, its WebSocket is closed and a new handshake refused", async () => {
    const ip = "127.0.0.26";
    const c = await SipClient.webSocket({ url: wssUrl(), localIp: ip, ca });
    try {
      const wrong = await c.register({ user: WS_PHONE.id, password: "not-the-password", expires: 60 });
      assert.equal(wrong.final.status, 401, wrong.final.raw);
      const probe = (headers: string[] = []) => c.buildRequest({ method: "OPTIONS", fromUser: "probe", toUser: "", uri: `sip:${SERVER_IP}`, headers });
      await c.send(probe(["User-Agent: friendly-scanner"]));
      await pbx.waitForLog(/Banned 127\.0\.0\.26\b/, 5000);
      const closed = c.webSocketClosed();
      await c.send(probe());
      await closed;
    } finally {
      c.close();
    }
    await assert.rejects(SipClient.webSocket({ url: wssUrl(), localIp: ip, ca }), "no handshake for a banned address");
  });

  it("plain WS on the HTTP listener registers too; a handshake without the sip subprotocol is refused with 400, a plain GET with 426", async () => {
    const client = await SipClient.webSocket({ url: `ws://${SERVER_IP}:${httpPort}/ws`, localIp: WS_PHONE.ip });
    try {
      const reg = await client.register({ user: WS_PHONE.id, password: WS_PHONE.password, expires: 300 });
      assert.equal(reg.final.status, 200, reg.final.raw);
      assert.ok((await contactLines()).some((l) => l.includes(`${WS_PHONE.id}/`) && l.includes("transport=ws")));
      // A CRLF keep-alive is answered with CRLF and changes nothing.
      await client.send("\r\n\r\n");
      assert.equal((await client.options()).status, 200);
    } finally {
      client.close();
    }
    await assert.rejects(SipClient.webSocket({ url: `ws://${SERVER_IP}:${httpPort}/ws`, protocols: ["chat"] }), /handshake answered 400/);
    const res = await fetch(`http://${SERVER_IP}:${httpPort}/ws`);
    assert.equal(res.status, 426);
  });
});
