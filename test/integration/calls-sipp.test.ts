/**
 * Call signalling through the B2BUA with SIPp on both sides: a SIPp UAC (1001, digest auth,
 * 127.0.0.2) calls through Switchboard to SIPp UASes (127.0.0.3) whose contacts are registered
 * for the callee endpoints. Each scenario checks the responses both sides saw, and after each
 * one the console's `core show resources` must show no channel, call, outbound leg or RTP port
 * left; the SIP transactions (which linger for Timer J/K/L/M/D, up to 32 s) are checked once at
 * the end. Scenarios: test/fixtures/sipp/call-*.xml.
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
const CALLER = { id: "1001", password: randomPassword() };
/** One contact (a SIPp UAS), re-used by most scenarios. */
const CALLEE = { id: "1002", password: randomPassword() };
/** Two contacts: forking. */
const FORKED = { id: "1003", password: randomPassword() };
/** A contact on a port where nothing listens. */
const UNREACHABLE = { id: "1004", password: randomPassword() };

/** Dial(PJSIP/…,5) in EXTENSIONS. */
const DIAL_TIMEOUT_MS = 5000;
/** Below Timer B (32 s); six times the Dial timeout. */
const DIAL_BOUND_MS = 30000;

const EXTENSIONS = `[internal]
exten => _10XX,1,Dial(PJSIP/\${EXTEN},5)
 same => n,Set(RESULT=\${DIALSTATUS})
 same => n,Hangup()
exten => 600,1,Answer()
 same => n,Echo()
`;

interface Resources {
  channels: number;
  calls: number;
  legs: number;
  server: number;
  client: number;
  rtp: number;
  text: string;
}

function parseResources(text: string): Resources {
  const n = (label: string) => Number(new RegExp(`^${label}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? NaN);
  return {
    channels: n("Channels"),
    calls: n("Calls"),
    legs: n("Outbound legs"),
    server: n("Server transactions"),
    client: n("Client transactions"),
    rtp: n("RTP ports in use"),
    text,
  };
}

interface CallRun {
  uac: SippResult;
  uas: SippResult[];
  elapsedMs: number;
}

function describeRun(r: CallRun): string {
  return [`UAC: ${describeSipp(r.uac)}`, ...r.uas.map((u, i) => `UAS ${i}: ${describeSipp(u)}`)].join("\n\n");
}

function requestsReceived(r: SippResult, method: string): number {
  return r.trace.filter((e) => e.direction === "received" && !e.message.isResponse && e.message.method === method).length;
}

describe("calls through the B2BUA (SIPp UAC → Switchboard → SIPp UAS)", { timeout: 300_000 }, () => {
  let pbx: Pbx;
  let port: number;
  let calleePort: number;
  /** SIPp's default 5060 could collide with other suites on 127.0.0.2. */
  let callerPort: number;
  let forkPorts: number[];
  let processedBefore = 0;

  before(async () => {
    port = await freePort(SERVER_IP);
    calleePort = await freePort(CALLEE_IP);
    callerPort = await freePort(CALLER_IP);
    forkPorts = [await freePort(CALLEE_IP), await freePort(CALLEE_IP)];
    const deadPort = await freePort(CALLEE_IP);
    const endpoints = [CALLER, CALLEE, FORKED, UNREACHABLE].map((e) => ({
      ...e,
      context: "internal",
      maxContacts: e === FORKED ? 2 : 1,
      removeExisting: e !== FORKED,
      endpointOptions: { direct_media: "no" },
    }));
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints }),
        "extensions.conf": EXTENSIONS,
        "rtp.conf": "[general]\nrtpstart=32000\nrtpend=32999\n",
      },
    });
    // The callees register from a raw client; their Contacts point at the SIPp UAS ports.
    const reg = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: CALLEE_IP });
    try {
      const bindings: Array<[{ id: string; password: string }, number]> = [
        [CALLEE, calleePort],
        [FORKED, forkPorts[0] ?? 0],
        [FORKED, forkPorts[1] ?? 0],
        [UNREACHABLE, deadPort],
      ];
      for (const [ep, p] of bindings) {
        const r = await reg.register({ user: ep.id, password: ep.password, contact: `<sip:${ep.id}@${CALLEE_IP}:${p}>`, expires: 3600 });
        assert.equal(r.final.status, 200, `REGISTER ${ep.id}: ${r.final.raw}`);
      }
    } finally {
      reg.close();
    }
    processedBefore = await processed();
  });

  after(async () => {
    await pbx?.stop();
  });

  async function resources(): Promise<Resources> {
    return parseResources((await pbx.rx("core show resources")).stdout);
  }

  async function processed(): Promise<number> {
    const out = (await pbx.rx("core show channels count")).stdout;
    return Number(/(\d+) calls? processed/.exec(out)?.[1] ?? NaN);
  }

  /** Channels, calls, legs and RTP ports must drop to zero right after a scenario. */
  async function assertNothingLeft(run?: CallRun): Promise<void> {
    let last: Resources | undefined;
    try {
      await waitUntil(async () => {
        last = await resources();
        return last.channels === 0 && last.calls === 0 && last.legs === 0 && last.rtp === 0;
      }, 5000, "no channels, calls, outbound legs or RTP ports left", 100);
    } catch {
      assert.fail(`resources left after the call:\n${last?.text}\n${run ? describeRun(run) : ""}\n${pbx.diagnostics()}`);
    }
  }

  /** Starts the UASes, runs the UAC to completion, and waits for the UASes to finish their call. */
  async function call(o: {
    uac: string;
    to: string;
    uacArgs?: string[];
    uacRecvTimeoutMs?: number;
    /** SIPp's own limit for the whole UAC run (default 20 s). */
    uacTimeoutMs?: number;
    uas?: Array<{ scenario: string; port: number; args?: string[]; recvTimeoutMs?: number }>;
  }): Promise<CallRun> {
    const bg = [];
    for (const u of o.uas ?? []) {
      bg.push(
        await startSippBackground({
          scenario: u.scenario,
          localIp: CALLEE_IP,
          localPort: u.port,
          args: ["-m", "1", ...(u.args ?? [])],
          timeoutMs: Math.max(20000, (u.recvTimeoutMs ?? 10000) + 10000),
          recvTimeoutMs: u.recvTimeoutMs ?? 10000,
          startupMs: 200,
        }),
      );
    }
    const started = Date.now();
    const uac = await runSipp({
      scenario: o.uac,
      target: `${SERVER_IP}:${port}`,
      localIp: CALLER_IP,
      localPort: callerPort,
      args: ["-s", o.to, "-key", "caller", CALLER.id, "-au", CALLER.id, "-ap", CALLER.password, "-m", "1", ...(o.uacArgs ?? [])],
      timeoutMs: o.uacTimeoutMs ?? 20000,
      recvTimeoutMs: o.uacRecvTimeoutMs ?? 4000,
    });
    const elapsedMs = Date.now() - started;
    const uas: SippResult[] = [];
    for (const b of bg) {
      const timer = setTimeout(() => void b.stop(), 40000);
      uas.push(await b.done);
      clearTimeout(timer);
    }
    return { uac, uas, elapsedMs };
  }

  /**
   * Dial(…,5) ended the call: not before its 5 s (load only ever makes timers late), and well
   * before Timer B's 32 s (64·T1), the next thing that would end an unanswered INVITE. The
   * upper bound is six times the timeout, so load cannot reach it; a timeout that never fires does.
   */
  function assertDialTimeout(run: CallRun): void {
    assert.ok(run.elapsedMs >= DIAL_TIMEOUT_MS - 500, `the call ended after ${run.elapsedMs} ms, before the ${DIAL_TIMEOUT_MS} ms Dial timeout\n${describeRun(run)}`);
    assert.ok(run.elapsedMs < DIAL_BOUND_MS, `took ${run.elapsedMs} ms for a ${DIAL_TIMEOUT_MS} ms Dial timeout\n${describeRun(run)}`);
  }

  /** `Set(…, "RESULT=NOANSWER")` lines so far: each call that hits the Dial timeout adds one. */
  function noAnswerLines(): number {
    return pbx.messagesLog().split("\n").filter((l) => /RESULT=NOANSWER/.test(l)).length;
  }

  function assertAllOk(run: CallRun): void {
    assert.equal(run.uac.code, 0, `UAC failed\n${describeRun(run)}`);
    for (const u of run.uas) assert.equal(u.code, 0, `UAS failed\n${describeRun(run)}`);
  }

  it("1: a basic call answered and ended by the caller's BYE leaves nothing behind", async () => {
    const run = await call({
      uac: "call-uac.xml",
      to: CALLEE.id,
      uacArgs: ["-d", "500"],
      uas: [{ scenario: "call-uas-answer.xml", port: calleePort, args: ["-d", "0"] }],
    });
    assertAllOk(run);
    assert.deepEqual(receivedStatuses(run.uac).filter((s) => s >= 200), [401, 200, 200], describeRun(run));
    assert.equal(requestsReceived(run.uas[0]!, "BYE"), 1, describeRun(run));
    await assertNothingLeft(run);
  });

  it("2: the callee's BYE is passed on to the caller as a BYE", async () => {
    const run = await call({
      uac: "call-uac-wait-bye.xml",
      to: CALLEE.id,
      uas: [{ scenario: "call-uas-bye.xml", port: calleePort, args: ["-d", "500"] }],
    });
    assertAllOk(run);
    assert.equal(requestsReceived(run.uac, "BYE"), 1, describeRun(run));
    await assertNothingLeft(run);
  });

  it("3: CANCEL before answer: the caller gets 487, the ringing callee gets CANCEL and answers 487", async () => {
    const run = await call({
      uac: "call-uac-cancel.xml",
      to: CALLEE.id,
      uas: [{ scenario: "call-uas-ring-cancel.xml", port: calleePort }],
    });
    assertAllOk(run);
    assert.ok(receivedStatuses(run.uac).includes(487), describeRun(run));
    assert.equal(requestsReceived(run.uas[0]!, "CANCEL"), 1, describeRun(run));
    await assertNothingLeft(run);
  });

  it("4: a busy callee (486) gives the caller 486 and DIALSTATUS BUSY", async () => {
    const run = await call({
      uac: "call-uac-reject.xml",
      to: CALLEE.id,
      uacArgs: ["-key", "pt", "0", "-key", "codec", "PCMU"],
      uas: [{ scenario: "call-uas-busy.xml", port: calleePort }],
    });
    assertAllOk(run);
    assert.equal(receivedStatuses(run.uac).at(-1), 486, describeRun(run));
    await pbx.waitForLog(/Set\("PJSIP\/1001-[0-9a-f]+", "RESULT=BUSY"\)/, 10000);
    await assertNothingLeft(run);
  });

  it("5: no answer within the Dial timeout: the callee is CANCELled and the caller gets 480", async () => {
    const noAnswers = noAnswerLines();
    const run = await call({
      uac: "call-uac-reject.xml",
      to: CALLEE.id,
      uacArgs: ["-key", "pt", "0", "-key", "codec", "PCMU"],
      // Generous: these only end a run whose Dial timeout never fires.
      uacRecvTimeoutMs: DIAL_BOUND_MS + 10000,
      uacTimeoutMs: DIAL_BOUND_MS + 20000,
      uas: [{ scenario: "call-uas-ring-cancel.xml", port: calleePort, recvTimeoutMs: DIAL_BOUND_MS + 10000 }],
    });
    assertAllOk(run);
    assert.equal(receivedStatuses(run.uac).at(-1), 480, describeRun(run));
    assert.equal(requestsReceived(run.uas[0]!, "CANCEL"), 1, describeRun(run));
    assertDialTimeout(run);
    await waitUntil(() => noAnswerLines() === noAnswers + 1, 10000, "this call's DIALSTATUS NOANSWER in messages.log");
    await assertNothingLeft(run);
  });

  it("6: an extension missing from the dialplan gets 404 and the 'extension not found' NOTICE", async () => {
    const run = await call({ uac: "call-uac-reject.xml", to: "999", uacArgs: ["-key", "pt", "0", "-key", "codec", "PCMU"] });
    assertAllOk(run);
    assert.equal(receivedStatuses(run.uac).at(-1), 404, describeRun(run));
    await pbx.waitForLog(/NOTICE.*to extension '999' rejected because extension not found in context 'internal'\./, 10000);
    await assertNothingLeft(run);
  });

  it("7: an offer with no common codec (G.729 only vs allow=ulaw) gets 488 with Warning and a NOTICE naming both lists", async () => {
    const run = await call({ uac: "call-uac-reject.xml", to: CALLEE.id, uacArgs: ["-key", "pt", "18", "-key", "codec", "G729"] });
    assertAllOk(run);
    const final = run.uac.trace.filter((e) => e.direction === "received" && e.message.isResponse).at(-1)?.message;
    assert.equal(final?.status, 488, describeRun(run));
    assert.match(final?.header("warning") ?? "", /^3\d\d /, "488 carries a Warning header");
    const line = await pbx.waitForLog(/NOTICE.*No joint capabilities/, 10000);
    assert.match(line, /ulaw/i);
    assert.match(line, /g729/i);
    await assertNothingLeft(run);
  });

  it("8: re-INVITE hold (sendonly → 200 recvonly) and unhold (sendrecv → 200 sendrecv) keep the call up", async () => {
    const run = await call({
      uac: "call-uac-hold.xml",
      to: CALLEE.id,
      uas: [{ scenario: "call-uas-answer.xml", port: calleePort, args: ["-d", "0"] }],
    });
    assertAllOk(run);
    assert.deepEqual(receivedStatuses(run.uac).filter((s) => s >= 200), [401, 200, 200, 200, 200], describeRun(run));
    await pbx.waitForLog(/put on hold \(recvonly\)/, 10000);
    await pbx.waitForLog(/taken off hold \(sendrecv\)/, 10000);
    await assertNothingLeft(run);
  });

  it("9a: a retransmitted INVITE is absorbed: one call, one INVITE to the callee", async () => {
    const before = await processed();
    const run = await call({
      uac: "call-uac-invite-twice.xml",
      to: CALLEE.id,
      uas: [{ scenario: "call-uas-answer.xml", port: calleePort, args: ["-d", "700"] }],
    });
    assertAllOk(run);
    assert.equal(requestsReceived(run.uas[0]!, "INVITE"), 1, describeRun(run));
    assert.equal((await processed()) - before, 1, "calls processed");
    await assertNothingLeft(run);
  });

  it("9b: a retransmitted 200 from the callee is ACKed again and still makes one call", async () => {
    const before = await processed();
    const run = await call({
      uac: "call-uac.xml",
      to: CALLEE.id,
      uacArgs: ["-d", "500"],
      uas: [{ scenario: "call-uas-answer-twice.xml", port: calleePort, args: ["-nr"] }],
    });
    assertAllOk(run);
    assert.equal(requestsReceived(run.uas[0]!, "ACK"), 2, `the PBX ACKs each 200\n${describeRun(run)}`);
    assert.equal(receivedStatuses(run.uac).filter((s) => s === 200).length, 2, describeRun(run));
    assert.equal((await processed()) - before, 1, "calls processed");
    await assertNothingLeft(run);
  });

  it("10: re-INVITE glare: an offer while our offer is unanswered gets 491; the callee's own re-INVITE at the same moment, on its own dialog, gets 200 recvonly", async () => {
    const run = await call({
      uac: "call-uac-glare.xml",
      to: CALLEE.id,
      uas: [{ scenario: "call-uas-reinvite.xml", port: calleePort, args: ["-d", "500"] }],
    });
    assertAllOk(run);
    // INVITE 401, INVITE 200, offerless re-INVITE 200 (our offer), re-INVITE with an offer 491
    // (RFC 3261 §14.2: our offer on that dialog awaits its answer in the ACK), BYE 200.
    assert.deepEqual(receivedStatuses(run.uac).filter((s) => s >= 200), [401, 200, 200, 491, 200], describeRun(run));
    // The callee's dialog has no offer of ours outstanding (the B2BUA answers each leg's re-INVITE
    // itself and leaves the other leg alone), so there is no glare there whatever the timing:
    // its sendonly offer is answered recvonly (RFC 3264 §6.1).
    const calleeFinals = run.uas[0]!.trace.filter((e) => e.direction === "received" && e.message.isResponse && e.message.status >= 200).map((e) => e.message);
    assert.deepEqual(calleeFinals.map((m) => `${m.status} ${m.method}`), ["200 INVITE"], describeRun(run));
    assert.match(calleeFinals[0]?.body ?? "", /^a=recvonly\r?$/m, describeRun(run));
    await assertNothingLeft(run);
  });

  it("11: a registered contact where nothing listens: the Dial timeout ends the call with 480 (NOANSWER), long before Timer B", async () => {
    const noAnswers = noAnswerLines();
    const run = await call({
      uac: "call-uac-reject.xml",
      to: UNREACHABLE.id,
      uacArgs: ["-key", "pt", "0", "-key", "codec", "PCMU"],
      uacRecvTimeoutMs: DIAL_BOUND_MS + 10000,
      uacTimeoutMs: DIAL_BOUND_MS + 20000,
    });
    assertAllOk(run);
    // UDP gives no sign that nobody listens (an ICMP error never reaches an unconnected socket),
    // so the INVITE is retransmitted until Dial(…,5) gives up: NOANSWER, answered 480, as in 5.
    assert.equal(receivedStatuses(run.uac).at(-1), 480, describeRun(run));
    assertDialTimeout(run);
    await waitUntil(() => noAnswerLines() === noAnswers + 1, 10000, "this call's DIALSTATUS NOANSWER in messages.log");
    await assertNothingLeft(run);
  });

  it("12: forking to two contacts: the first to answer is bridged, the other gets CANCEL", async () => {
    const run = await call({
      uac: "call-uac.xml",
      to: FORKED.id,
      uacArgs: ["-d", "500"],
      uas: [
        { scenario: "call-uas-answer.xml", port: forkPorts[0] ?? 0, args: ["-d", "300"] },
        { scenario: "call-uas-ring-cancel.xml", port: forkPorts[1] ?? 0 },
      ],
    });
    assertAllOk(run);
    assert.equal(requestsReceived(run.uas[0]!, "BYE"), 1, describeRun(run));
    assert.equal(requestsReceived(run.uas[1]!, "CANCEL"), 1, describeRun(run));
    await assertNothingLeft(run);
  });

  it("after all scenarios every SIP transaction ends (Timers B/D/H/J/K/L/M run out)", async () => {
    let last: Resources | undefined;
    try {
      await waitUntil(async () => {
        last = await resources();
        return last.server === 0 && last.client === 0;
      }, 45000, "all transactions terminated", 500);
    } catch {
      assert.fail(`transactions left:\n${last?.text}\n${(await pbx.rx("pjsip show transactions")).stdout}\n${pbx.diagnostics()}`);
    }
    assert.equal((await processed()) - processedBefore, 12);
  });
});
