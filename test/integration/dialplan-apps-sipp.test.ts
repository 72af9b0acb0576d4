/**
 * The dialplan applications that answer a call on their own (Busy, Congestion, Ringing, Progress,
 * Wait, Goto, GotoIf), checked on the wire: a SIPp UAC (1001, digest auth, 127.0.0.2) dials
 * extensions of a dialplan written by this test and the test reads, from SIPp's message trace,
 * which responses came back and when. The INVITE's SDP points at a UDP socket of the test, so
 * the early media after Progress() is counted as real RTP. Scenario: test/fixtures/sipp/dialplan-uac.xml.
 *
 * What the apps must send (Asterisk's chan_pjsip, reference/asterisk.md §4): Busy() before answer
 * is 486 Busy Here, Congestion() is 503 Service Unavailable (hangup cause 34), Ringing() is
 * 180 Ringing, Progress() is 183 Session Progress with an SDP answer (early media).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { describeSipp, runSipp, type SippResult } from "../helpers/sipp.js";
import { cseqNumber, parseTimedTrace, type TimedTraceEntry } from "../helpers/sipp-timed-trace.js";
import { waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const CALLER_IP = "127.0.0.2";
const CALLER = { id: "1001", password: randomPassword() };

/**
 * Each extension ends in one outcome SIPp can tell apart: 486 (Busy), 503 (Congestion), 200.
 * The Goto/GotoIf targets live in another context so that a jump that ignored its context
 * argument would land on an extension that does not exist there (and give 404, not the
 * expected code).
 */
const EXTENSIONS = `[apps]
exten => 201,1,Busy()
exten => 202,1,Congestion()
exten => 203,1,Ringing()
 same => n,Wait(1)
 same => n,Busy()
exten => 204,1,Progress()
 same => n,Playback(tone:beep,noanswer)
 same => n,Wait(0.5)
 same => n,Congestion()
exten => 205,1,Wait(2)
 same => n,Answer()
 same => n,Wait(20)
 same => n,Hangup()
exten => 206,1,Goto(targets,busy,1)
exten => 207,1,Goto(targets,congestion,1)
exten => 208,1,Goto(targets,labelled,cong)
exten => _21X,1,NoOp(GotoIf on the dialled number)
 same => n,GotoIf($[\${EXTEN} = 211]?isbusy:iscong)
 same => n(isbusy),Busy()
 same => n(iscong),Congestion()
exten => _22X,1,Set(WANT=\${EXTEN})
 same => n,GotoIf($["\${WANT}" = "221"]?targets,busy,1:targets,congestion,1)
 same => n,Answer()

[targets]
exten => busy,1,Busy()
exten => congestion,1,Congestion()
exten => labelled,1,Busy()
 same => n(cong),Congestion()
`;

interface RtpPacket {
  readonly payloadType: number;
  readonly payload: Buffer;
}

interface DialplanCall {
  readonly sipp: SippResult;
  /** Messages of the authenticated INVITE transaction (CSeq 2), in order. */
  readonly invite: TimedTraceEntry[];
  /** Responses to the authenticated INVITE, in order (100 excluded). */
  readonly statuses: number[];
  /** RTP that reached the port the INVITE offered. */
  readonly rtp: RtpPacket[];
}

function describeCall(c: DialplanCall): string {
  return `responses to INVITE: ${c.statuses.join(", ")}; RTP packets: ${c.rtp.length}\n${describeSipp(c.sipp)}`;
}

/** G.711 μ-law byte → linear sample (ITU-T G.711 decoding rule). */
function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

describe("dialplan applications on the wire (SIPp UAC → Switchboard's dialplan)", { timeout: 180_000 }, () => {
  let pbx: Pbx;
  let port: number;
  let callerPort: number;
  let rtpPort: number;
  let rtpSocket: Socket;
  let received: RtpPacket[] = [];

  before(async () => {
    port = await freePort(SERVER_IP);
    callerPort = await freePort(CALLER_IP);
    rtpPort = await freePort(CALLER_IP);
    rtpSocket = createSocket("udp4");
    rtpSocket.on("message", (msg) => {
      // RFC 3550 §5.1: version 2, payload type in the low 7 bits of the second octet, 12-octet header.
      if (msg.length < 12 || msg[0] === undefined || msg[0] >> 6 !== 2) return;
      received.push({ payloadType: (msg[1] ?? 0) & 0x7f, payload: msg.subarray(12) });
    });
    await new Promise<void>((resolve) => rtpSocket.bind(rtpPort, CALLER_IP, resolve));
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({
          ip: SERVER_IP,
          port,
          endpoints: [{ ...CALLER, context: "apps", endpointOptions: { direct_media: "no" } }],
        }),
        "extensions.conf": EXTENSIONS,
      },
    });
  });

  after(async () => {
    rtpSocket?.close();
    await pbx?.stop();
  });

  /** Dials `exten` as 1001; a 200 is held for `talkMs` before SIPp's BYE. */
  async function dial(exten: string, talkMs = 300): Promise<DialplanCall> {
    received = [];
    const sipp = await runSipp({
      scenario: "dialplan-uac.xml",
      target: `${SERVER_IP}:${port}`,
      localIp: CALLER_IP,
      localPort: callerPort,
      args: [
        "-s", exten, "-key", "caller", CALLER.id, "-au", CALLER.id, "-ap", CALLER.password, "-m", "1",
        "-key", "rtpip", CALLER_IP, "-key", "rtpport", String(rtpPort), "-d", String(talkMs),
      ],
      timeoutMs: 20000,
      recvTimeoutMs: 6000,
    });
    const invite = parseTimedTrace(sipp.messages).filter((e) => cseqNumber(e.message) === 2 && e.message.method === "INVITE");
    const statuses = invite.filter((e) => e.direction === "received" && e.message.isResponse && e.message.status !== 100).map((e) => e.message.status);
    return { sipp, invite, statuses, rtp: [...received] };
  }

  /** The call ended cleanly on SIPp's side with exactly these responses, and left nothing behind. */
  async function assertOutcome(c: DialplanCall, expected: number[]): Promise<void> {
    assert.equal(c.sipp.code, 0, `SIPp failed\n${describeCall(c)}`);
    assert.deepEqual(c.statuses, expected, describeCall(c));
    let last = "";
    await waitUntil(async () => {
      last = (await pbx.rx("core show channels count")).stdout;
      return /^0 active channels?/m.test(last);
    }, 5000, `no active channel left after the call\n${last}\n${describeCall(c)}`).catch((err: Error) => {
      assert.fail(`${err.message}\n${last}\n${pbx.diagnostics()}`);
    });
  }

  function response(c: DialplanCall, status: number): TimedTraceEntry {
    const e = c.invite.find((x) => x.direction === "received" && x.message.status === status);
    assert.ok(e, `no ${status} in the trace\n${describeCall(c)}`);
    return e;
  }

  it("Busy() before answer: the caller gets 486 Busy Here", async () => {
    const c = await dial("201");
    await assertOutcome(c, [486]);
    assert.equal(response(c, 486).message.reason, "Busy Here");
  });

  it("Congestion() before answer: the caller gets 503 Service Unavailable (cause 34)", async () => {
    const c = await dial("202");
    await assertOutcome(c, [503]);
    assert.equal(response(c, 503).message.reason, "Service Unavailable");
  });

  it("Ringing(): 180 Ringing (no SDP) reaches the caller before the final response", async () => {
    const c = await dial("203");
    await assertOutcome(c, [180, 486]);
    const ringing = response(c, 180).message;
    assert.equal(ringing.reason, "Ringing");
    assert.equal(ringing.body.trim(), "", `180 carries a body:\n${ringing.raw}`);
    assert.equal(c.rtp.length, 0, "RTP was sent although only Ringing() was indicated");
  });

  it("Progress() then Playback(tone:beep,noanswer): 183 with an SDP answer, early media RTP at the offered port, then 503", async () => {
    const c = await dial("204");
    await assertOutcome(c, [183, 503]);
    const progress = response(c, 183).message;
    assert.equal(progress.reason, "Session Progress");
    assert.match(progress.header("content-type") ?? "", /^application\/sdp/i, progress.raw);
    assert.match(progress.body, /^m=audio [1-9]\d* RTP\/AVP 0\b/m, progress.raw);
    assert.match(progress.body, /^c=IN IP4 127\.0\.0\.1\s*$/m, progress.raw);
    // The call was never answered (no 200 in the trace), so every packet is early media. A
    // 250 ms beep in 20 ms frames is about 12 packets; half of that is a safe floor.
    const pcmu = c.rtp.filter((p) => p.payloadType === 0);
    assert.ok(pcmu.length >= 6, `early media: ${pcmu.length} PCMU packets of ${c.rtp.length}\n${describeCall(c)}`);
    const loud = pcmu.filter((p) => [...p.payload].some((b) => Math.abs(ulawToLinear(b)) > 1000));
    assert.ok(loud.length >= 3, `the early media is silent: ${loud.length} of ${pcmu.length} packets carry the beep`);
  });

  it("Wait(2) then Answer(): the 200 arrives at least 2 s after the INVITE", async () => {
    const c = await dial("205", 500);
    await assertOutcome(c, [200]);
    const sent = c.invite.find((e) => e.direction === "sent" && !e.message.isResponse);
    assert.ok(sent, describeCall(c));
    const waited = response(c, 200).atMs - sent.atMs;
    // A lower bound only: Wait() may run late under load, never early. 1.9 s allows for the
    // millisecond rounding of SIPp's time stamps.
    assert.ok(waited >= 1900, `200 came ${waited} ms after the INVITE\n${describeCall(c)}`);
  });

  it("Goto(context,exten,priority) runs the target: targets,busy,1 gives 486 and targets,congestion,1 gives 503", async () => {
    await assertOutcome(await dial("206"), [486]);
    await assertOutcome(await dial("207"), [503]);
  });

  it("Goto(context,exten,label) jumps to the labelled priority, skipping priority 1 (503, not 486)", async () => {
    await assertOutcome(await dial("208"), [503]);
  });

  it("GotoIf($[${EXTEN} = 211]?isbusy:iscong): 211 takes the true label (486), 212 the false one (503)", async () => {
    await assertOutcome(await dial("211"), [486]);
    await assertOutcome(await dial("212"), [503]);
  });

  it("GotoIf on a variable set by Set(), with context,exten,priority branches: 221 → 486, 222 → 503", async () => {
    await assertOutcome(await dial("221"), [486]);
    await assertOutcome(await dial("222"), [503]);
  });
});
