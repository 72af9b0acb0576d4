/**
 * Late offer through the B2BUA with SIPp (RFC 3261 §13.2.1, RFC 3264): a SIPp caller (1001,
 * digest auth, 127.0.0.2) sends an INVITE without SDP; Switchboard calls the SIPp callee
 * (127.0.0.3) with its own offer as usual, answers the caller with its offer in the 200 OK, and
 * takes the answer from the ACK. An ACK without an answer ends the call with BYE to both sides
 * and a NOTICE. After each scenario no channel, call, outbound leg or RTP port is left.
 * Scenarios: test/fixtures/sipp/call-uac-late-offer*.xml and call-uas-answer.xml.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { waitUntil } from "../helpers/processes.js";
import { SipClient } from "../helpers/sip-client.js";
import { describeSipp, receivedStatuses, runSipp, startSippBackground, type SippResult } from "../helpers/sipp.js";

const SERVER_IP = "127.0.0.1";
const CALLER_IP = "127.0.0.2";
const CALLEE_IP = "127.0.0.3";
const CALLER = { id: "1001", password: randomPassword() };
const CALLEE = { id: "1002", password: randomPassword() };

describe("late offer through the B2BUA (SIPp UAC without SDP → Switchboard → SIPp UAS)", { timeout: 120_000 }, () => {
  let pbx: Pbx;
  let port: number;
  let callerPort: number;
  let calleePort: number;

  before(async () => {
    port = await freePort(SERVER_IP);
    callerPort = await freePort(CALLER_IP);
    calleePort = await freePort(CALLEE_IP);
    const endpoints = [CALLER, CALLEE].map((e) => ({ ...e, context: "internal", maxContacts: 1, removeExisting: true, endpointOptions: { direct_media: "no" } }));
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints }),
        "extensions.conf": "[internal]\nexten => _10XX,1,Dial(PJSIP/${EXTEN},5)\n same => n,Hangup()\n",
        "rtp.conf": "[general]\nrtpstart=33000\nrtpend=33099\n",
      },
    });
    const reg = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: CALLEE_IP });
    try {
      const r = await reg.register({ user: CALLEE.id, password: CALLEE.password, contact: `<sip:${CALLEE.id}@${CALLEE_IP}:${calleePort}>`, expires: 3600 });
      assert.equal(r.final.status, 200, `REGISTER ${CALLEE.id}: ${r.final.raw}`);
    } finally {
      reg.close();
    }
  });

  after(async () => {
    await pbx?.stop();
  });

  async function call(uac: string, uacArgs: string[] = []): Promise<{ uac: SippResult; uas: SippResult }> {
    const bg = await startSippBackground({
      scenario: "call-uas-answer.xml",
      localIp: CALLEE_IP,
      localPort: calleePort,
      args: ["-m", "1", "-d", "0"],
      timeoutMs: 20000,
      recvTimeoutMs: 10000,
      startupMs: 200,
    });
    const uacRun = await runSipp({
      scenario: uac,
      target: `${SERVER_IP}:${port}`,
      localIp: CALLER_IP,
      localPort: callerPort,
      args: ["-s", CALLEE.id, "-key", "caller", CALLER.id, "-au", CALLER.id, "-ap", CALLER.password, "-m", "1", ...uacArgs],
      timeoutMs: 20000,
      recvTimeoutMs: 6000,
    });
    const timer = setTimeout(() => void bg.stop(), 20000);
    const uas = await bg.done;
    clearTimeout(timer);
    return { uac: uacRun, uas };
  }

  const describeRun = (r: { uac: SippResult; uas: SippResult }) => `UAC: ${describeSipp(r.uac)}\n\nUAS: ${describeSipp(r.uas)}`;

  async function assertNothingLeft(): Promise<void> {
    let text = "";
    try {
      await waitUntil(async () => {
        text = (await pbx.rx("core show resources")).stdout;
        const n = (label: string) => Number(new RegExp(`^${label}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? NaN);
        return n("Channels") === 0 && n("Calls") === 0 && n("Outbound legs") === 0 && n("RTP ports in use") === 0;
      }, 5000, "no channels, calls, outbound legs or RTP ports left", 100);
    } catch {
      assert.fail(`resources left after the call:\n${text}\n${pbx.diagnostics()}`);
    }
  }

  it("an INVITE without SDP gets our offer in the 200 OK; the ACK's answer completes the call, which the caller ends", async () => {
    const run = await call("call-uac-late-offer.xml", ["-d", "500"]);
    assert.equal(run.uac.code, 0, describeRun(run));
    assert.equal(run.uas.code, 0, describeRun(run));
    assert.deepEqual(receivedStatuses(run.uac).filter((s) => s >= 200), [401, 200, 200], describeRun(run));
    const ok = run.uac.trace.find((e) => e.direction === "received" && e.message.isResponse && e.message.status === 200 && e.message.method === "INVITE");
    assert.match(ok?.message.header("content-type") ?? "", /application\/sdp/i, describeRun(run));
    assert.match(ok?.message.body ?? "", /^m=audio \d+ RTP\/AVP 0 101\r?$/m, "our offer lists the caller endpoint's codecs");
    // The callee got an ordinary INVITE with our offer and the caller's BYE passed on.
    const inv = run.uas.trace.find((e) => e.direction === "received" && !e.message.isResponse && e.message.method === "INVITE");
    assert.match(inv?.message.body ?? "", /^m=audio \d+ RTP\/AVP 0/m, describeRun(run));
    assert.equal(run.uas.trace.filter((e) => e.direction === "received" && !e.message.isResponse && e.message.method === "BYE").length, 1, describeRun(run));
    assert.doesNotMatch(pbx.messagesLog(), /ACK carries no SDP answer/);
    await assertNothingLeft();
  });

  it("an ACK without the answer ends the call: BYE to the caller and the callee, and one NOTICE saying why", async () => {
    const run = await call("call-uac-late-offer-no-answer.xml");
    assert.equal(run.uac.code, 0, `the caller got our BYE\n${describeRun(run)}`);
    assert.equal(run.uas.code, 0, `the callee got our BYE\n${describeRun(run)}`);
    // messages.log is written in batches (every 50 ms): wait for the line rather than read once.
    await waitUntil(() => /NOTICE.*the caller's ACK carries no SDP answer to the offer in our 200 OK/.test(pbx.messagesLog()), 5000, "the NOTICE about the missing answer in messages.log");
    await assertNothingLeft();
  });
});
