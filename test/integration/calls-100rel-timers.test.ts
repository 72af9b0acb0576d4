/**
 * Reliable provisional responses (RFC 3262) and session timers (RFC 4028) through the B2BUA, with
 * SIPp on both sides as in calls-sipp.test.ts: SIPp UACs on 127.0.0.2 call through Switchboard to
 * SIPp UASes on 127.0.0.3. The caller endpoints differ only in `100rel`; each scenario ends with
 * `core show resources` showing no channel, call, outbound leg or RTP port left.
 *
 * The session timer scenarios use Session-Expires: 90, the smallest interval Asterisk's
 * `timers_min_se` allows (it rejects lower values); the PBX then BYEs after 90 - 30 = 60 s, so the
 * expiry and the refresh scenario run side by side, in about 75 s together.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { SipClient } from "../helpers/sip-client.js";
import { describeSipp, receivedStatuses, runSipp, startSippBackground, type SippResult } from "../helpers/sipp.js";
import { waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const CALLER_IP = "127.0.0.2";
const CALLEE_IP = "127.0.0.3";
/** Defaults: 100rel=yes, timers=yes, timers_min_se=90. */
const CALLER = { id: "1001", password: randomPassword(), endpointOptions: {} };
const NO_REL = { id: "1011", password: randomPassword(), endpointOptions: { "100rel": "no" } };
const REQ_REL = { id: "1012", password: randomPassword(), endpointOptions: { "100rel": "required" } };
const CALLEE = { id: "1002", password: randomPassword(), endpointOptions: {} };
const CALLEE2 = { id: "1005", password: randomPassword(), endpointOptions: {} };

const EXTENSIONS = `[internal]
exten => _10XX,1,Dial(PJSIP/\${EXTEN},20)
 same => n,Hangup()
`;

interface CallRun {
  uac: SippResult;
  uas: SippResult[];
  elapsedMs: number;
}

function describeRun(r: CallRun): string {
  return [`UAC: ${describeSipp(r.uac)}`, ...r.uas.map((u, i) => `UAS ${i}: ${describeSipp(u)}`)].join("\n\n");
}

function received(r: SippResult, pred: (m: SippResult["trace"][number]["message"]) => boolean) {
  return r.trace.filter((e) => e.direction === "received" && pred(e.message)).map((e) => e.message);
}

describe("100rel/PRACK and session timers (SIPp UAC → Switchboard → SIPp UAS)", { timeout: 240_000 }, () => {
  let pbx: Pbx;
  let port: number;
  let calleePort: number;
  let callee2Port: number;
  let callerPort: number;
  let caller2Port: number;

  before(async () => {
    port = await freePort(SERVER_IP);
    calleePort = await freePort(CALLEE_IP);
    callee2Port = await freePort(CALLEE_IP);
    callerPort = await freePort(CALLER_IP);
    caller2Port = await freePort(CALLER_IP);
    const endpoints = [CALLER, NO_REL, REQ_REL, CALLEE, CALLEE2].map((e) => ({
      id: e.id,
      password: e.password,
      context: "internal",
      endpointOptions: { direct_media: "no", ...e.endpointOptions },
    }));
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints }),
        "extensions.conf": EXTENSIONS,
        "rtp.conf": "[general]\nrtpstart=33000\nrtpend=33999\n",
      },
    });
    const reg = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: CALLEE_IP });
    try {
      for (const [ep, p] of [[CALLEE, calleePort], [CALLEE2, callee2Port]] as const) {
        const r = await reg.register({ user: ep.id, password: ep.password, contact: `<sip:${ep.id}@${CALLEE_IP}:${p}>`, expires: 3600 });
        assert.equal(r.final.status, 200, `REGISTER ${ep.id}: ${r.final.raw}`);
      }
    } finally {
      reg.close();
    }
  });

  after(async () => {
    await pbx?.stop();
  });

  async function assertNothingLeft(run?: CallRun): Promise<void> {
    let text = "";
    const n = (label: string) => Number(new RegExp(`^${label}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? NaN);
    try {
      await waitUntil(async () => {
        text = (await pbx.rx("core show resources")).stdout;
        return n("Channels") === 0 && n("Calls") === 0 && n("Outbound legs") === 0 && n("RTP ports in use") === 0;
      }, 5000, "no channels, calls, outbound legs or RTP ports left", 100);
    } catch {
      assert.fail(`resources left after the call:\n${text}\n${run ? describeRun(run) : ""}\n${pbx.diagnostics()}`);
    }
  }

  async function call(o: {
    uac: string;
    caller: { id: string; password: string };
    to: string;
    uacPort?: number;
    uacArgs?: string[];
    uacTimeoutMs?: number;
    uas?: { scenario: string; port: number; args?: string[] };
  }): Promise<CallRun> {
    const timeoutMs = o.uacTimeoutMs ?? 20000;
    const bg = o.uas
      ? await startSippBackground({
          scenario: o.uas.scenario,
          localIp: CALLEE_IP,
          localPort: o.uas.port,
          args: ["-m", "1", ...(o.uas.args ?? [])],
          timeoutMs: timeoutMs + 10000,
          recvTimeoutMs: timeoutMs,
          startupMs: 200,
        })
      : undefined;
    const started = Date.now();
    const uac = await runSipp({
      scenario: o.uac,
      target: `${SERVER_IP}:${port}`,
      localIp: CALLER_IP,
      localPort: o.uacPort ?? callerPort,
      args: ["-s", o.to, "-key", "caller", o.caller.id, "-au", o.caller.id, "-ap", o.caller.password, "-m", "1", ...(o.uacArgs ?? [])],
      timeoutMs,
      recvTimeoutMs: timeoutMs,
    });
    const elapsedMs = Date.now() - started;
    const uas: SippResult[] = [];
    if (bg) {
      const timer = setTimeout(() => void bg.stop(), 10000);
      uas.push(await bg.done);
      clearTimeout(timer);
    }
    return { uac, uas, elapsedMs };
  }

  function assertAllOk(run: CallRun): void {
    assert.equal(run.uac.code, 0, `UAC failed\n${describeRun(run)}`);
    for (const u of run.uas) assert.equal(u.code, 0, `UAS failed\n${describeRun(run)}`);
  }

  it("a: Require: 100rel → reliable 180 (Require, RSeq) retransmitted until PRACK; PRACK 200, stray PRACK 481; call answered", async () => {
    const run = await call({
      uac: "call-uac-100rel.xml",
      caller: CALLER,
      to: CALLEE.id,
      uas: { scenario: "call-uas-answer.xml", port: calleePort, args: ["-d", "2500"] },
    });
    assertAllOk(run);
    const ringing = received(run.uac, (m) => m.isResponse && m.status === 180);
    assert.ok(ringing.length >= 2, `the reliable 180 was retransmitted before the PRACK (got ${ringing.length})\n${describeRun(run)}`);
    assert.ok(ringing.every((m) => m.header("rseq") === ringing[0]?.header("rseq")), "retransmissions keep the RSeq");
    assert.match(ringing[0]?.header("require") ?? "", /100rel/);
    assert.match(ringing[0]?.header("supported") ?? "", /100rel/);
    assert.match(ringing[0]?.header("allow") ?? "", /PRACK/);
    const finals = receivedStatuses(run.uac).filter((s) => s >= 200);
    assert.deepEqual(finals, [401, 200, 481, 200, 200], describeRun(run));
    await assertNothingLeft(run);
  });

  it("b: endpoint 100rel=no and an INVITE with Require: 100rel → 420 with Unsupported: 100rel", async () => {
    const run = await call({ uac: "call-uac-ext-reject.xml", caller: NO_REL, to: CALLEE.id, uacArgs: ["-key", "hdr1", "Require: 100rel", "-key", "hdr2", "Supported: 100rel"] });
    assertAllOk(run);
    const final = received(run.uac, (m) => m.isResponse && m.status >= 300 && m.status !== 401).at(-1);
    assert.equal(final?.status, 420, describeRun(run));
    assert.equal(final?.header("unsupported"), "100rel");
    await pbx.waitForLog(/420 Bad Extension.*100rel=no/, 10000);
    await assertNothingLeft(run);
  });

  it("c: endpoint 100rel=required and a caller without 100rel → 421 with Require: 100rel", async () => {
    const run = await call({ uac: "call-uac-ext-reject.xml", caller: REQ_REL, to: CALLEE.id, uacArgs: ["-key", "hdr1", "Supported: replaces", "-key", "hdr2", "X-Test: c"] });
    assertAllOk(run);
    const final = received(run.uac, (m) => m.isResponse && m.status >= 300 && m.status !== 401).at(-1);
    assert.equal(final?.status, 421, describeRun(run));
    assert.equal(final?.header("require"), "100rel");
    await assertNothingLeft(run);
  });

  it("d: Session-Expires: 60 with timers_min_se=90 → 422 with Min-SE: 90", async () => {
    const run = await call({ uac: "call-uac-ext-reject.xml", caller: CALLER, to: CALLEE.id, uacArgs: ["-key", "hdr1", "Supported: timer", "-key", "hdr2", "Session-Expires: 60"] });
    assertAllOk(run);
    const final = received(run.uac, (m) => m.isResponse && m.status >= 300 && m.status !== 401).at(-1);
    assert.equal(final?.status, 422, describeRun(run));
    assert.equal(final?.header("min-se"), "90");
    await assertNothingLeft(run);
  });

  it("g: a callee's reliable 180 is PRACKed by the PBX (RAck) and the call completes", async () => {
    const run = await call({
      uac: "call-uac.xml",
      caller: CALLER,
      to: CALLEE.id,
      uacArgs: ["-d", "300"],
      uas: { scenario: "call-uas-100rel.xml", port: calleePort, args: ["-d", "300"] },
    });
    assertAllOk(run);
    const prack = received(run.uas[0]!, (m) => !m.isResponse && m.method === "PRACK");
    assert.equal(prack.length, 1, describeRun(run));
    assert.match(prack[0]?.header("rack") ?? "", /^1 \d+ INVITE$/);
    await assertNothingLeft(run);
  });

  it("e+f: Session-Expires: 90 accepted (200 has Session-Expires;refresher=uac, Require: timer); no refresh → BYE to both legs after ~60 s; a re-INVITE refresh keeps the other call up", async () => {
    const [expire, refresh] = await Promise.all([
      call({
        uac: "call-uac-timer-expire.xml",
        caller: CALLER,
        to: CALLEE.id,
        uacArgs: ["-key", "se", "90"],
        // Room past 90 s, so that a timer that waits the whole interval fails the bound below
        // with a clear message instead of SIPp's own timeout.
        uacTimeoutMs: 110000,
        uas: { scenario: "call-uas-answer.xml", port: calleePort, args: ["-d", "0"] },
      }),
      call({
        uac: "call-uac-timer-refresh.xml",
        caller: CALLER,
        to: CALLEE2.id,
        uacPort: caller2Port,
        uacArgs: ["-key", "se", "90"],
        uacTimeoutMs: 100000,
        uas: { scenario: "call-uas-answer.xml", port: callee2Port, args: ["-d", "0"] },
      }),
    ]);
    assertAllOk(expire);
    const ok = received(expire.uac, (m) => m.isResponse && m.status === 200)[0];
    assert.equal(ok?.header("session-expires"), "90;refresher=uac", describeRun(expire));
    assert.match(ok?.header("require") ?? "", /timer/);
    assert.equal(received(expire.uac, (m) => !m.isResponse && m.method === "BYE").length, 1, describeRun(expire));
    assert.equal(received(expire.uas[0]!, (m) => !m.isResponse && m.method === "BYE").length, 1, "the callee leg is hung up too");
    // RFC 4028 §10: without a refresh the session ends "the minimum of 32 seconds and one third
    // of the session interval" before it expires, i.e. at 90 - min(32, 30) = 60 s. Not earlier
    // (load only delays timers), and clearly before the full 90 s interval that a timer missing
    // that subtraction would wait: the 25 s of slack are far beyond what load delays a timer.
    assert.ok(expire.elapsedMs >= 58_000 && expire.elapsedMs < 85_000, `BYE after ${expire.elapsedMs} ms; expected 90 - min(32, 90/3) = 60 s, not 90 s`);
    await pbx.waitForLog(/NOTICE.*Session timer expired for PJSIP\/1001-[0-9a-f]+ \(no refresh within 90 s\); hanging up/, 10000);

    assertAllOk(refresh);
    assert.equal(received(refresh.uac, (m) => !m.isResponse && m.method === "BYE").length, 0, `no BYE from the PBX after the refresh\n${describeRun(refresh)}`);
    assert.ok(refresh.elapsedMs >= 75_000, `the refreshed call lasted ${refresh.elapsedMs} ms`);
    await assertNothingLeft(refresh);
  });
});
