/**
 * SIP transports and request identification of the real server, on loopback: REGISTER over TCP
 * with rewrite_contact (RFC 3261 §18, RFC 5626 §5 connection reuse for the qualify OPTIONS),
 * stream framing by Content-Length (RFC 3261 §18.3), IPv6 over UDP, SHA-256 digest (RFC 8760),
 * and endpoint identification by source address (Asterisk's `identify` objects).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { SipClient, parseSipMessage, token, type SipMessageLite } from "../helpers/sip-client.js";
import { buildAuthorization, parseChallenge } from "../helpers/digest.js";
import { parseContacts, type ContactRow } from "../helpers/cli-output.js";
import { sleep, waitUntil } from "../helpers/processes.js";
import { describeSipp, receivedStatuses, runSipp } from "../helpers/sipp.js";

const IP = "127.0.0.1";
const IP6 = "::1";

const PW = { tcp: randomPassword(), v6: randomPassword(), sha: randomPassword(), sipp: randomPassword(), both: randomPassword() };

function conf(port: number, port6: number): string {
  return `
[transport-udp]
type=transport
protocol=udp
bind=${IP}:${port}

[transport-tcp]
type=transport
protocol=tcp
bind=${IP}:${port}

[transport-udp6]
type=transport
protocol=udp
bind=[${IP6}]:${port6}

[tcp-phone]
type=endpoint
context=default
disallow=all
allow=ulaw
auth=tcp-phone
aors=tcp-phone
rewrite_contact=yes

[tcp-phone]
type=auth
auth_type=digest
username=tcp-phone
password=${PW.tcp}

[tcp-phone]
type=aor
max_contacts=1
remove_existing=yes
qualify_frequency=1

[v6-phone]
type=endpoint
context=default
disallow=all
allow=ulaw
auth=v6-phone
aors=v6-phone

[v6-phone]
type=auth
auth_type=digest
username=v6-phone
password=${PW.v6}

[v6-phone]
type=aor
max_contacts=1

[sha-phone]
type=endpoint
context=default
disallow=all
allow=ulaw
auth=sha-phone
aors=sha-phone

[sha-phone]
type=auth
auth_type=digest
username=sha-phone
password=${PW.sha}
supported_algorithms_uas=SHA-256

[sha-phone]
type=aor
max_contacts=1

[both-phone]
type=endpoint
context=default
disallow=all
allow=ulaw
auth=both-phone
aors=both-phone

[both-phone]
type=auth
auth_type=digest
username=both-phone
password=${PW.both}
supported_algorithms_uas=SHA-256,MD5

[both-phone]
type=aor
max_contacts=2

[sipp-tcp]
type=endpoint
context=default
disallow=all
allow=ulaw
auth=sipp-tcp
aors=sipp-tcp
rewrite_contact=yes

[sipp-tcp]
type=auth
auth_type=digest
username=sipp-tcp
password=${PW.sipp}

[sipp-tcp]
type=aor
max_contacts=1

; a device trusted by its address: no auth
[trunk9]
type=endpoint
context=default
disallow=all
allow=ulaw
identify_by=ip
aors=trunk9

[trunk9]
type=aor
max_contacts=1

[trunk9-identify]
type=identify
endpoint=trunk9
match=127.0.0.9/32
`;
}

/** A 200 to a request the server sent us (RFC 3261 §8.2.6.2: copy Via, From, Call-ID, CSeq; tag To). */
function okFor(req: SipMessageLite): string {
  const lines = [
    "SIP/2.0 200 OK",
    ...req.headerAll("via").map((v) => `Via: ${v}`),
    `From: ${req.header("from") ?? ""}`,
    `To: ${req.header("to") ?? ""};tag=${token(4)}`,
    `Call-ID: ${req.header("call-id") ?? ""}`,
    `CSeq: ${req.header("cseq") ?? ""}`,
    "Content-Length: 0",
  ];
  return lines.join("\r\n") + "\r\n\r\n";
}

function options(client: SipClient, body = ""): { raw: string; callId: string } {
  const callId = token(12);
  const raw = client.buildRequest({
    method: "OPTIONS",
    fromUser: "probe",
    toUser: "",
    callId,
    uri: `sip:${client.server.ip}:${client.server.port}`,
    ...(body !== "" ? { body, headers: ["Content-Type: text/plain"] } : {}),
  });
  return { raw, callId };
}

/** The minimal UDP-over-IPv6 exchange the v4-only SipClient cannot do. */
class Udp6Peer {
  private constructor(
    private readonly sock: UdpSocket,
    readonly port: number,
    private readonly inbox: SipMessageLite[],
  ) {}

  static async open(): Promise<Udp6Peer> {
    const sock = createSocket({ type: "udp6", ipv6Only: true });
    const inbox: SipMessageLite[] = [];
    sock.on("message", (buf) => {
      const m = parseSipMessage(buf.toString("latin1"));
      if (m !== undefined) inbox.push(m);
    });
    await new Promise<void>((resolve, reject) => {
      sock.once("error", reject);
      sock.bind({ address: IP6, port: 0 }, () => resolve());
    });
    return new Udp6Peer(sock, sock.address().port, inbox);
  }

  async request(raw: string, serverPort: number, timeoutMs = 3000): Promise<SipMessageLite> {
    const m = parseSipMessage(raw);
    const key = `${m?.header("call-id")}|${m?.header("cseq")}`;
    await new Promise<void>((resolve, reject) => this.sock.send(Buffer.from(raw, "latin1"), serverPort, IP6, (e) => (e ? reject(e) : resolve())));
    return waitUntil(
      () => this.inbox.find((r) => r.isResponse && r.status >= 200 && `${r.header("call-id")}|${r.header("cseq")}` === key),
      timeoutMs,
      `a final response over IPv6 to ${key}`,
    );
  }

  close(): void {
    this.sock.close();
  }
}

describe("transports (integration: TCP, IPv6, SHA-256 digest, identify by IP)", () => {
  let pbx: Pbx;
  let port: number;
  let port6: number;

  before(async () => {
    port = await freePort(IP);
    port6 = await freePort(IP6);
    pbx = await startPbx({ configFiles: { "pjsip.conf": conf(port, port6) } });
  });
  after(async () => {
    await pbx?.stop();
  });

  async function contacts(aor: string): Promise<ContactRow[]> {
    const r = await pbx.rx("pjsip show contacts");
    assert.equal(r.code, 0, r.stderr);
    return parseContacts(r.stdout).filter((c) => c.aor === aor);
  }

  it("REGISTER over TCP gets 200; with rewrite_contact=yes the contact is the connection's source with transport=tcp", async () => {
    const client = await SipClient.tcp({ server: { ip: IP, port }, localIp: "127.0.0.2" });
    try {
      // The phone claims an address it cannot be reached on; rewrite_contact replaces it.
      const reg = await client.register({ user: "tcp-phone", password: PW.tcp, expires: 600, contact: "<sip:tcp-phone@192.0.2.55:5999>" });
      assert.equal(reg.challenge.status, 401, reg.challenge.raw);
      assert.equal(reg.final.status, 200, reg.final.raw);
      assert.match(reg.final.header("via") ?? "", /^SIP\/2\.0\/TCP /);
      const rows = await contacts("tcp-phone");
      assert.equal(rows.length, 1, JSON.stringify(rows));
      // The list truncates long URIs to its column (as Asterisk does); the detail has it whole.
      const detail = await pbx.rx("pjsip show contact tcp-phone");
      const uri = /^ uri +: (\S+)$/m.exec(detail.stdout)?.[1];
      assert.match(uri ?? "", new RegExp(`^sip:tcp-phone@127\\.0\\.0\\.2:${client.localPort};transport=tcp$`, "i"), detail.stdout);
      assert.match(detail.stdout, new RegExp(`^ source_address +: 127\\.0\\.0\\.2:${client.localPort}/tcp$`, "im"));
    } finally {
      client.close();
    }
  });

  it("SIPp registers over TCP (-t t1): 401 then 200, and the contact carries transport=tcp", async () => {
    const localPort = await freePort("127.0.0.6");
    const r = await runSipp({
      scenario: "register-auth.xml",
      target: `${IP}:${port}`,
      localIp: "127.0.0.6",
      localPort,
      timeoutMs: 10000,
      args: ["-t", "t1", "-s", "sipp-tcp", "-au", "sipp-tcp", "-ap", PW.sipp, "-key", "expires", "600", "-m", "1"],
    });
    assert.equal(r.code, 0, describeSipp(r));
    assert.deepEqual(receivedStatuses(r).filter((s) => s !== 100), [401, 200], describeSipp(r));
    const detail = await pbx.rx("pjsip show contact sipp-tcp");
    assert.match(detail.stdout, /^ uri +: sip:sipp-tcp@127\.0\.0\.6:\d+;transport=tcp$/im, detail.stdout);
  });

  it("qualify (qualify_frequency=1) sends OPTIONS on the registering TCP connection; answering 200 makes the contact Avail", async () => {
    const client = await SipClient.tcp({ server: { ip: IP, port }, localIp: "127.0.0.3" });
    try {
      const reg = await client.register({ user: "tcp-phone", password: PW.tcp, expires: 600 });
      assert.equal(reg.final.status, 200, reg.final.raw);
      const ping = await client.waitFor((m) => !m.isResponse && m.method === "OPTIONS", 4000).catch((err: Error) => {
        throw new Error(`no OPTIONS arrived on the REGISTER's TCP connection: ${err.message}\n${pbx.diagnostics()}`);
      });
      assert.match(ping.requestUri, new RegExp(`^sip:tcp-phone@127\\.0\\.0\\.3:${client.localPort}`));
      assert.match(ping.header("via") ?? "", /^SIP\/2\.0\/TCP /);
      await client.send(okFor(ping));
      const row = await waitUntil(
        async () => (await contacts("tcp-phone")).find((c) => c.uri.includes(`127.0.0.3:${client.localPort}`) && c.status === "Avail"),
        4000,
        "the TCP contact to become Avail",
      );
      assert.ok(Number(row.rtt) >= 0, `RTT ${row.rtt}`);
    } finally {
      client.close();
    }
  });

  it("TCP framing: two messages in one write are both answered, the first carrying a body delimited by Content-Length", async () => {
    const client = await SipClient.tcp({ server: { ip: IP, port }, localIp: "127.0.0.4" });
    try {
      const a = options(client, "first message body, not a start line\r\nOPTIONS sip:x SIP/2.0\r\n");
      const b = options(client);
      await client.send(a.raw + b.raw);
      const ra = await client.waitFor((m) => m.isResponse && m.header("call-id") === a.callId, 3000);
      const rb = await client.waitFor((m) => m.isResponse && m.header("call-id") === b.callId, 3000);
      assert.equal(ra.status, 200, ra.raw);
      assert.equal(rb.status, 200, rb.raw);
      assert.equal(client.received.filter((m) => m.isResponse).length, 2, "a body line was taken for a third message");
    } finally {
      client.close();
    }
  });

  it("TCP framing: one message split across many small writes is answered once", async () => {
    const client = await SipClient.tcp({ server: { ip: IP, port }, localIp: "127.0.0.4" });
    try {
      const m = options(client);
      const bytes = Buffer.from(m.raw, "latin1");
      for (let i = 0; i < bytes.length; i += 9) {
        await client.send(bytes.subarray(i, i + 9));
        if (i % 90 === 0) await sleep(5);
      }
      const r = await client.waitFor((x) => x.isResponse && x.header("call-id") === m.callId, 3000);
      assert.equal(r.status, 200, r.raw);
      await sleep(200);
      assert.equal(client.received.length, 1);
    } finally {
      client.close();
    }
  });

  it("IPv6: REGISTER from [::1] over UDP to a transport bound to [::1] gets 200 and the contact is listed with [::1]", async () => {
    const peer = await Udp6Peer.open();
    try {
      const host = `[${IP6}]:${port6}`;
      const callId = token(12);
      const fromTag = token(4);
      const build = (cseq: number, auth?: string): string =>
        [
          `REGISTER sip:${host} SIP/2.0`,
          `Via: SIP/2.0/UDP [${IP6}]:${peer.port};branch=z9hG4bK${token()};rport`,
          "Max-Forwards: 70",
          `From: <sip:v6-phone@${host}>;tag=${fromTag}`,
          `To: <sip:v6-phone@${host}>`,
          `Call-ID: ${callId}`,
          `CSeq: ${cseq} REGISTER`,
          `Contact: <sip:v6-phone@[${IP6}]:${peer.port}>`,
          "Expires: 600",
          ...(auth !== undefined ? [`Authorization: ${auth}`] : []),
          "Content-Length: 0",
          "",
          "",
        ].join("\r\n");
      const challenge = await peer.request(build(1), port6);
      assert.equal(challenge.status, 401, challenge.raw);
      const digest = parseChallenge(challenge.header("www-authenticate") ?? "");
      assert.ok(digest, challenge.raw);
      const auth = buildAuthorization(digest, { username: "v6-phone", password: PW.v6, method: "REGISTER", uri: `sip:${host}` });
      const ok = await peer.request(build(2, auth), port6);
      assert.equal(ok.status, 200, ok.raw);
      const rows = await contacts("v6-phone");
      assert.ok(rows.some((c) => c.uri === `sip:v6-phone@[${IP6}]:${peer.port}`), `no [::1] contact in ${JSON.stringify(rows)}`);
    } finally {
      peer.close();
    }
  });

  it("SHA-256 digest: supported_algorithms_uas=SHA-256 challenges with algorithm=SHA-256 and accepts a SHA-256 response", async () => {
    const client = await SipClient.udp({ server: { ip: IP, port }, localIp: "127.0.0.5" });
    try {
      const reg = await client.register({ user: "sha-phone", password: PW.sha, expires: 600, algorithm: "SHA-256" });
      const offered = reg.challenge.headerAll("www-authenticate").map((v) => parseChallenge(v)?.algorithm.toUpperCase());
      assert.deepEqual(offered, ["SHA-256"], reg.challenge.raw);
      assert.equal(reg.final.status, 200, reg.final.raw);
      assert.equal((await contacts("sha-phone")).length, 1);
      // A wrong password hashed with SHA-256 must still fail.
      const bad = await client.register({ user: "sha-phone", password: "x" + PW.sha, expires: 600, algorithm: "SHA-256" });
      assert.notEqual(bad.final.status, 200, bad.final.raw);
    } finally {
      client.close();
    }
  });

  it("supported_algorithms_uas=SHA-256,MD5: one challenge per algorithm in that order (RFC 8760 §2.4); either answer is accepted", async () => {
    for (const [algorithm, ip] of [["SHA-256", "127.0.0.7"], ["MD5", "127.0.0.8"]] as const) {
      const client = await SipClient.udp({ server: { ip: IP, port }, localIp: ip });
      try {
        const reg = await client.register({ user: "both-phone", password: PW.both, expires: 600, algorithm });
        const offered = reg.challenge.headerAll("www-authenticate").map((v) => parseChallenge(v)?.algorithm.toUpperCase());
        assert.deepEqual(offered, ["SHA-256", "MD5"], reg.challenge.raw);
        assert.equal(reg.final.status, 200, `${algorithm} answer refused:\n${reg.authenticatedRequest}\n${reg.final.raw}`);
      } finally {
        client.close();
      }
    }
    assert.equal((await contacts("both-phone")).length, 2);
  });

  it("pjsip set logger / history name the transport and bracket IPv6 addresses: 'TCP:127.0.0.x:port', 'UDP:[::1]:port'", async () => {
    assert.equal((await pbx.rx("pjsip set logger on")).code, 0);
    assert.equal((await pbx.rx("pjsip set history on")).code, 0);
    try {
      const tcp = await SipClient.tcp({ server: { ip: IP, port }, localIp: "127.0.0.11" });
      const peer6 = await Udp6Peer.open();
      try {
        const m = options(tcp);
        assert.equal((await tcp.request(m.raw)).status, 200);
        const callId6 = token(12);
        const raw6 = [
          `OPTIONS sip:[${IP6}]:${port6} SIP/2.0`,
          `Via: SIP/2.0/UDP [${IP6}]:${peer6.port};branch=z9hG4bK${token()};rport`,
          "Max-Forwards: 70",
          `From: <sip:probe@[${IP6}]>;tag=${token(4)}`,
          `To: <sip:[${IP6}]:${port6}>`,
          `Call-ID: ${callId6}`,
          "CSeq: 1 OPTIONS",
          "Content-Length: 0",
          "",
          "",
        ].join("\r\n");
        assert.equal((await peer6.request(raw6, port6)).status, 200);
        const tcpHead = `<--- Received SIP request (${Buffer.byteLength(m.raw)} bytes) from TCP:127.0.0.11:${tcp.localPort} --->`;
        const v6Head = `<--- Received SIP request (${Buffer.byteLength(raw6)} bytes) from UDP:[${IP6}]:${peer6.port} --->`;
        await waitUntil(() => pbx.messagesLog().includes(tcpHead), 3000, `'${tcpHead}' in messages.log\n${pbx.diagnostics()}`);
        await waitUntil(() => pbx.messagesLog().includes(v6Head), 3000, `'${v6Head}' in messages.log\n${pbx.diagnostics()}`);
        assert.ok(pbx.messagesLog().includes(`<--- Transmitting SIP response`) && pbx.messagesLog().includes(`to UDP:[${IP6}]:${peer6.port} --->`));
        const history = (await pbx.rx("pjsip show history")).stdout;
        assert.match(history, new RegExp(`^\\d{5} \\d{10} \\* <== \\[::1\\]:${peer6.port} +OPTIONS `, "m"), history);
        assert.match(history, new RegExp(`^\\d{5} \\d{10} \\* <== 127\\.0\\.0\\.11:${tcp.localPort} +OPTIONS `, "m"), history);
      } finally {
        tcp.close();
        peer6.close();
      }
    } finally {
      await pbx.rx("pjsip set logger off");
      await pbx.rx("pjsip set history off");
    }
  });

  it("identify by IP: REGISTER from 127.0.0.9 (match=127.0.0.9/32, no auth) gets 200 unchallenged; from 127.0.0.10 it is challenged", async () => {
    const trusted = await SipClient.udp({ server: { ip: IP, port }, localIp: "127.0.0.9" });
    const stranger = await SipClient.udp({ server: { ip: IP, port }, localIp: "127.0.0.10" });
    try {
      const ok = await trusted.register({ user: "trunk9", password: "unused", expires: 600 });
      assert.equal(ok.challenge.status, 200, `expected 200 without a challenge, got:\n${ok.challenge.raw}`);
      assert.ok((await contacts("trunk9")).some((c) => c.uri.includes(`127.0.0.9:${trusted.localPort}`)));
      const other = await stranger.register({ user: "trunk9", password: "unused", expires: 600 });
      assert.ok(other.challenge.status === 401 || other.challenge.status === 407, `127.0.0.10 was not challenged:\n${other.challenge.raw}`);
      assert.notEqual(other.final.status, 200, other.final.raw);
      assert.ok(!(await contacts("trunk9")).some((c) => c.uri.includes("127.0.0.10")));
      // Being identified by address must not let 127.0.0.9 bind another endpoint's AOR.
      const hijack = await trusted.register({ user: "sha-phone", password: "unused", expires: 600 });
      assert.notEqual(hijack.final.status, 200, `127.0.0.9 registered sha-phone's AOR:\n${hijack.final.raw}`);
      assert.ok(!(await contacts("sha-phone")).some((c) => c.uri.includes("127.0.0.9")));
    } finally {
      trusted.close();
      stranger.close();
    }
  });
});
