import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { parseSipMessage, SipClient } from "./sip-client.js";
import { buildAuthorization, digestResponse, parseChallenge } from "./digest.js";
import { encodeNetstring, NetstringDecoder } from "./baresip.js";
import { allocatePortBlock, isPortFree } from "./ports.js";
import { pjsipConf } from "./pjsip-conf.js";
import { udpBinds } from "./pbx.js";

describe("sip-client helper", () => {
  it("parseSipMessage: response with folded and compact headers", () => {
    const m = parseSipMessage("SIP/2.0 401 Unauthorized\r\nv: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx\r\ni: abc\r\nCSeq: 7 REGISTER\r\nWWW-Authenticate: Digest realm=\"a\",\r\n nonce=\"n\"\r\nContent-Length: 0\r\n\r\n");
    assert.ok(m);
    assert.equal(m.status, 401);
    assert.equal(m.method, "REGISTER");
    assert.equal(m.header("Call-ID"), "abc");
    assert.equal(m.header("via"), "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx");
    assert.equal(m.header("www-authenticate"), 'Digest realm="a", nonce="n"');
  });

  it("parseSipMessage: garbage gives undefined", () => {
    assert.equal(parseSipMessage("hello\r\n\r\n"), undefined);
  });

  it("register: answers a 401 challenge from a stand-in UDP registrar and gets its 200", async () => {
    // A minimal registrar on a socket: it checks the digest with the RFC formula and echoes Contact.
    const server = createSocket("udp4");
    after(() => server.close());
    await new Promise<void>((r) => server.bind(0, "127.0.0.1", () => r()));
    const port = server.address().port;
    let authorized = false;
    server.on("message", (buf, rinfo) => {
      const req = parseSipMessage(buf.toString("latin1"));
      if (!req) return;
      const copy = ["via", "from", "to", "call-id", "cseq"].map((h) => `${h}: ${req.header(h)}`).join("\r\n");
      const auth = req.header("authorization");
      let reply: string;
      if (auth === undefined) {
        reply = `SIP/2.0 401 Unauthorized\r\n${copy}\r\nWWW-Authenticate: Digest realm="test",nonce="n123",qop="auth",algorithm=MD5\r\nContent-Length: 0\r\n\r\n`;
      } else {
        const p = parseChallenge(auth.replace(/^Digest/, "Digest"))!.params;
        const expected = digestResponse({ username: p.username!, realm: "test", password: "s3cret", method: "REGISTER", uri: p.uri!, nonce: "n123", qop: p.qop!, nc: p.nc!, cnonce: p.cnonce! });
        authorized = expected === p.response;
        reply = authorized
          ? `SIP/2.0 200 OK\r\n${copy}\r\nContact: ${req.header("contact")};expires=${req.header("expires")}\r\nContent-Length: 0\r\n\r\n`
          : `SIP/2.0 403 Forbidden\r\n${copy}\r\nContent-Length: 0\r\n\r\n`;
      }
      server.send(reply, rinfo.port, rinfo.address);
    });
    const client = await SipClient.udp({ server: { ip: "127.0.0.1", port }, localIp: "127.0.0.2" });
    after(() => client.close());
    const r = await client.register({ user: "1001", password: "s3cret", expires: 60 });
    assert.equal(r.challenge.status, 401);
    assert.equal(r.final.status, 200, r.final.raw);
    assert.ok(authorized);
    assert.match(r.final.header("contact") ?? "", new RegExp(`<sip:1001@127\\.0\\.0\\.2:${client.localPort}>;expires=60`));
    const bad = await client.register({ user: "1001", password: "wrong", expires: 60 });
    assert.equal(bad.final.status, 403);
  });

  it("buildAuthorization round trip: uri parameter equals the Request-URI of REGISTER", () => {
    const c = parseChallenge('Digest realm="r", nonce="n"')!;
    assert.match(buildAuthorization(c, { username: "u", password: "p", method: "REGISTER", uri: "sip:127.0.0.1:5060" }), /uri="sip:127\.0\.0\.1:5060"/);
  });
});

describe("harness utilities", () => {
  it("netstring: encode/decode round trip across split chunks", () => {
    const a = encodeNetstring('{"a":1}');
    const b = encodeNetstring('{"ü":2}');
    assert.equal(a.toString(), '7:{"a":1},');
    const d = new NetstringDecoder();
    const all = Buffer.concat([a, b]);
    assert.deepEqual(d.push(all.subarray(0, 5)), []);
    assert.deepEqual(d.push(all.subarray(5)), ['{"a":1}', '{"ü":2}']);
  });

  it("allocatePortBlock: returns a free block on 127.0.0.1 and never the same block twice", async () => {
    const a = await allocatePortBlock("127.0.0.1", 4);
    const b = await allocatePortBlock("127.0.0.1", 4);
    assert.ok(a + 4 <= b || b + 4 <= a, `blocks ${a} and ${b} overlap`);
    for (let p = a; p < a + 4; p++) assert.equal(await isPortFree("127.0.0.1", p), true);
  });

  it("isPortFree: a bound UDP port is reported busy", async () => {
    const s = createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    assert.equal(await isPortFree("127.0.0.1", s.address().port), false);
    s.close();
  });

  it("pjsipConf: writes transport, endpoint/auth/aor sections that udpBinds can read back", () => {
    const text = pjsipConf({ ip: "127.0.0.1", port: 15060, protocols: ["udp", "tcp"], endpoints: [{ id: "1001", password: "pw", maxContacts: 2, removeExisting: false, minimumExpiration: 1 }] });
    assert.match(text, /\[transport-udp\]\ntype=transport\nprotocol=udp\nbind=127\.0\.0\.1:15060\n/);
    assert.match(text, /\[1001\]\ntype=aor\nmax_contacts=2\nremove_existing=no\nminimum_expiration=1\n/);
    assert.match(text, /\[1001\]\ntype=auth\nauth_type=digest\nusername=1001\npassword=pw\n/);
    assert.deepEqual(udpBinds(text), [{ ip: "127.0.0.1", port: 15060 }]);
  });
});
