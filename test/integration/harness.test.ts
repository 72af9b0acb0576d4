/**
 * Self-tests of the integration harness against stand-ins (a fake server, a UDP socket, fresh
 * namespaces), so that a red registrar test means a server problem, not a harness problem.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { join } from "node:path";
import { REPO_ROOT, startPbx } from "../helpers/pbx.js";
import { pjsipConf } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { parseContacts, objectsFound } from "../helpers/cli-output.js";
import { SipClient, parseSipMessage, type SipMessageLite } from "../helpers/sip-client.js";
import { startBaresip } from "../helpers/baresip.js";
import { isRunning, scratchDir, runningTracked, stopProcess } from "../helpers/processes.js";
import { createNatTopology, createSandbox, listOwnNamespaces, nsExec, nsSpawn, requireNetns } from "../helpers/netns.js";
import { describeSipp, runSipp, startSippBackground } from "../helpers/sipp.js";
import { writeFileSync } from "node:fs";

const FAKE = join(REPO_ROOT, "test", "helpers", "fake-pbx.mjs");

describe("harness: startPbx against a stand-in server", () => {
  it("startPbx waits for console and SIP port, rx returns output, restart keeps the data dir, stop ends the process", async () => {
    const port = await freePort("127.0.0.1");
    const conf = pjsipConf({ ip: "127.0.0.1", port, endpoints: [{ id: "1001", password: "pw", maxContacts: 1 }] });
    let pbx = await startPbx({ configFiles: { "pjsip.conf": conf }, bin: FAKE });
    assert.ok(isRunning(pbx.pid));
    const v = await pbx.rx("core show version");
    assert.equal(v.code, 0);
    assert.match(v.stdout, /fake-pbx/);
    assert.notEqual((await pbx.rx("no such command")).code, 0);
    assert.equal(objectsFound((await pbx.rx("pjsip show contacts")).stdout), 0);
    const client = await SipClient.udp({ server: { ip: "127.0.0.1", port }, localIp: "127.0.0.2" });
    const reg = await client.register({ user: "1001", password: "pw", expires: 300 });
    client.close();
    assert.equal(reg.final.status, 200);
    const firstPid = pbx.pid;
    pbx = await pbx.restart();
    assert.notEqual(pbx.pid, firstPid);
    assert.equal(isRunning(firstPid), false);
    const rows = parseContacts((await pbx.rx("pjsip show contacts")).stdout);
    assert.deepEqual(rows.map((r) => r.aor), ["1001"]);
    await pbx.stop();
    assert.equal(isRunning(pbx.pid), false);
  });

  it("startPbx fails fast with the captured stderr when the server exits during start-up", async () => {
    const dir = scratchDir("badbin");
    const bad = join(dir, "bad.mjs");
    writeFileSync(bad, 'process.stderr.write("config error: pjsip.conf line 3: nonsense\\n"); process.exit(3);\n');
    // "Fast" means: on the exit, not at the end of the readiness wait. The wait is made long
    // (60 s) so that the two cannot be confused however loaded the machine is; the message says
    // which of the two happened ("exited early" vs "not ready after").
    const started = Date.now();
    await assert.rejects(startPbx({ configFiles: { "pjsip.conf": "" }, bin: bad, readyTimeoutMs: 60000 }), /exited early[\s\S]*nonsense/);
    assert.ok(Date.now() - started < 30000, `startPbx noticed the exit only after ${Date.now() - started} ms`);
  });

  it("waitForLog finds a NOTICE line the stand-in writes on a failed authentication", async () => {
    const port = await freePort("127.0.0.1");
    const conf = pjsipConf({ ip: "127.0.0.1", port, endpoints: [{ id: "1001", password: "pw" }] });
    const pbx = await startPbx({ configFiles: { "pjsip.conf": conf }, bin: FAKE });
    try {
      const r = await runSipp({ scenario: "register-auth-refused.xml", target: `127.0.0.1:${port}`, localIp: "127.0.0.4", args: ["-s", "1001", "-au", "1001", "-ap", "bad", "-key", "expires", "60", "-m", "1"] });
      assert.equal(r.code, 0, describeSipp(r));
      assert.equal(r.successful, 1);
      await pbx.waitForLog(/failed for '127\.0\.0\.4:\d+'.*Failed to authenticate/, 10000);
    } finally {
      await pbx.stop();
    }
  });
});

describe("harness: sipp UAS in the background", () => {
  it("startSippBackground runs a built-in-like UAS that a raw OPTIONS reaches; stop() collects its trace", async () => {
    const port = await freePort("127.0.0.1");
    const uas = await startSippBackground({
      scenario: `<?xml version="1.0"?><scenario name="options-uas"><recv request="OPTIONS"/><send><![CDATA[

SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send></scenario>`,
      localIp: "127.0.0.1", localPort: port, args: ["-m", "1"],
    });
    const client = await SipClient.udp({ server: { ip: "127.0.0.1", port }, localIp: "127.0.0.1" });
    const r = await client.options();
    client.close();
    assert.equal(r.status, 200);
    const res = await uas.done;
    assert.equal(res.code, 0, describeSipp(res));
    assert.ok(res.trace.some((e) => e.direction === "received" && e.message.method === "OPTIONS"));
  });
});

describe("harness: baresip", () => {
  it("baresip starts headless, answers 'reginfo' over ctrl_tcp, and sends a REGISTER to the configured registrar", async () => {
    const registrar = createSocket("udp4");
    await new Promise<void>((r) => registrar.bind(0, "127.0.0.1", () => r()));
    const regPort = registrar.address().port;
    const received: SipMessageLite[] = [];
    registrar.on("message", (buf) => {
      const m = parseSipMessage(buf.toString("latin1"));
      if (m) received.push(m);
    });
    const phone = await startBaresip({ ip: "127.0.0.3", accounts: [`<sip:2001@127.0.0.1:${regPort};transport=udp>;auth_pass=secret;regint=600`], maxSeconds: 30 });
    try {
      const info = await phone.reginfo();
      assert.match(info, /2001@127\.0\.0\.1/);
      const deadline = Date.now() + 5000;
      while (!received.some((m) => m.method === "REGISTER") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const reg = received.find((m) => m.method === "REGISTER");
      assert.ok(reg, `no REGISTER arrived\n${phone.log()}`);
      assert.match(reg.header("to") ?? "", /sip:2001@127\.0\.0\.1/);
      assert.match(reg.header("contact") ?? "", new RegExp(`@127\\.0\\.0\\.3:${phone.sipPort}`));
      assert.match(reg.header("via") ?? "", new RegExp(`SIP/2\\.0/UDP 127\\.0\\.0\\.3:${phone.sipPort}`));
    } finally {
      await phone.stop();
      registrar.close();
    }
    assert.equal(isRunning(phone.pid), false);
  });
});

describe("harness: network namespaces", () => {
  it("sandbox: UDP echo works inside, nothing routes out, teardown leaves no namespaces", async () => {
    requireNetns();
    const sb = createSandbox();
    try {
      const echo = nsSpawn(sb.ns, process.execPath, ["-e", 'const s=require("node:dgram").createSocket("udp4");s.on("message",(m,r)=>s.send(m,r.port,r.address));s.bind(7777,"127.0.0.1",()=>console.log("ready"))']);
      await new Promise<void>((r) => echo.stdout?.once("data", () => r()));
      const probe = 'const s=require("node:dgram").createSocket("udp4");s.on("message",m=>{console.log(String(m));process.exit(0)});s.send("ping-sb",7777,"127.0.0.1");setTimeout(()=>process.exit(2),2000)';
      const r = await nsExec(sb.ns, process.execPath, ["-e", probe]);
      assert.equal(r.stdout.trim(), "ping-sb");
      const route = await nsExec(sb.ns, "ip", ["route", "get", "192.0.2.1"]);
      assert.match(route.stdout, /via 10\.253\.0\.2 dev sb0/);
      // The SYN goes to sbvoid, which does not forward (ip_forward=0) and drops it without an
      // ICMP error: the connection attempt is never answered, neither accepted nor refused.
      const outside = await nsExec(sb.ns, process.execPath, ["-e", 'require("node:net").connect(80,"192.0.2.1").on("connect",()=>{console.log("CONNECTED");process.exit(0)}).on("error",e=>{console.log(e.code);process.exit(0)});setTimeout(()=>{console.log("TIMEOUT");process.exit(0)},1500)']);
      assert.equal(outside.stdout.trim(), "TIMEOUT", "a connection out of the sandbox must get no answer at all");
      await stopProcess(echo, 1000);
    } finally {
      sb.teardown();
    }
    assert.deepEqual(listOwnNamespaces(), []);
  });

  it("NAT topology: a LAN client reaches the pbx namespace and is seen from the NAT's WAN address", async () => {
    requireNetns();
    const topo = createNatTopology();
    try {
      const server = nsSpawn(topo.pbx, process.execPath, ["-e", `const s=require("node:dgram").createSocket("udp4");s.on("message",(m,r)=>s.send(r.address+":"+r.port,r.port,r.address));s.bind(5060,"${topo.pbxIp}",()=>console.log("ready"))`]);
      await new Promise<void>((r) => server.stdout?.once("data", () => r()));
      const r = await nsExec(topo.lan, process.execPath, ["-e", `const s=require("node:dgram").createSocket("udp4");s.bind(5062,"${topo.lanIp}",()=>s.send("x",5060,"${topo.pbxIp}"));s.on("message",m=>{console.log(String(m));process.exit(0)});setTimeout(()=>process.exit(2),3000)`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.trim(), /^203\.0\.113\.1:\d+$/);
      // The pbx has no route back to the LAN: only the NAT makes the reply possible.
      const back = await nsExec(topo.pbx, "ip", ["route", "get", topo.lanIp]);
      assert.notEqual(back.code, 0);
      await stopProcess(server, 1000);
    } finally {
      topo.teardown();
    }
    assert.deepEqual(listOwnNamespaces(), []);
    assert.deepEqual(runningTracked().filter((n) => n.startsWith("netns")), []);
  });
});
