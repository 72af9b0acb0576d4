/**
 * A call limit written the Asterisk way — `Set(GROUP()=${EXTEN})` then
 * `GotoIf($[${GROUP_COUNT()} > 1]?busy)` — with real peers: a baresip phone (1001, 127.0.0.2)
 * calls extension 500 and hears its own 1000 Hz tone back from Echo(); while that call is up a
 * SIPp UAC (1002, 127.0.0.3) calls 500 too and must get 486 Busy Here, and the first call's
 * audio must go on without a break. The test reads `group show channels` during and after the
 * call, and checks that a call after the first one has ended gets through again (the first
 * channel left its group at hangup).
 *
 * 1001 has device_state_busy_at=1: while its one call is up, `pjsip show endpoints` shows it
 * Busy with "1 of 1" channels and its hint is Busy — and yet nothing refuses calls to it
 * (Asterisk's option only changes the device state).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { makeToneWav, checkTone, assertTone } from "../helpers/audio.js";
import { describeSipp, runSipp } from "../helpers/sipp.js";
import { cseqNumber, parseTimedTrace } from "../helpers/sipp-timed-trace.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const PHONE_IP = "127.0.0.2";
const SIPP_IP = "127.0.0.3";
const A = { id: "1001", password: randomPassword() };
const B = { id: "1002", password: randomPassword() };
/** Seconds of the phone's tone file: baresip hangs up when it ends. */
const CALL_SECONDS = 10;

const EXTENSIONS = `[limit]
exten => 1001,hint,PJSIP/1001
exten => 500,1,Set(GROUP()=\${EXTEN})
 same => n,GotoIf($[\${GROUP_COUNT()} > 1]?busy)
 same => n,Answer()
 same => n,Echo()
 same => n,Hangup()
 same => n(busy),Busy()
`;

describe("call limit with GROUP()/GROUP_COUNT() (baresip and SIPp → Switchboard)", { timeout: 120_000 }, () => {
  let pbx: Pbx;
  let port: number;
  let sippPort: number;
  let sippRtpPort: number;
  const dir = scratchDir("groups");
  const tone = makeToneWav(join(dir, "t1000.wav"), { frequency: 1000, seconds: CALL_SECONDS });

  before(async () => {
    port = await freePort(SERVER_IP);
    sippPort = await freePort(SIPP_IP);
    sippRtpPort = await freePort(SIPP_IP);
    const nat = { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no" };
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({
          ip: SERVER_IP,
          port,
          endpoints: [
            { ...A, context: "limit", removeExisting: true, endpointOptions: { ...nat, device_state_busy_at: "1" } },
            { ...B, context: "limit", endpointOptions: nat },
          ],
        }),
        "extensions.conf": EXTENSIONS,
        "rtp.conf": "[general]\nrtpstart=32000\nrtpend=32999\n",
      },
    });
  });

  after(async () => {
    await pbx?.stop();
  });

  /** 1002 (SIPp) dials 500; the final responses to its authenticated INVITE. */
  async function sippCall(): Promise<{ statuses: number[]; text: string; code: number }> {
    const sipp = await runSipp({
      scenario: "dialplan-uac.xml",
      target: `${SERVER_IP}:${port}`,
      localIp: SIPP_IP,
      localPort: sippPort,
      args: ["-s", "500", "-key", "caller", B.id, "-au", B.id, "-ap", B.password, "-m", "1", "-key", "rtpip", SIPP_IP, "-key", "rtpport", String(sippRtpPort), "-d", "300"],
      timeoutMs: 20000,
      recvTimeoutMs: 6000,
    });
    const invite = parseTimedTrace(sipp.messages).filter((e) => cseqNumber(e.message) === 2 && e.message.method === "INVITE");
    const statuses = invite.filter((e) => e.direction === "received" && e.message.isResponse && e.message.status !== 100).map((e) => e.message.status);
    return { statuses, text: describeSipp(sipp), code: sipp.code };
  }

  it("the second concurrent call into the group gets 486 while the first call's tone goes on; after the first hangs up a call gets through", async () => {
    let phone: Baresip | undefined;
    try {
      phone = await startBaresip({
        ip: PHONE_IP,
        rtpPorts: "20400-20499",
        audioSource: tone,
        accounts: [`<sip:${A.id}@${SERVER_IP}:${port};transport=udp>;auth_pass=${A.password};audio_codecs=pcmu;regint=600`],
        maxSeconds: 60,
      });
      const p = phone;
      await waitUntil(async () => /OK/.test(await p.reginfo()), 10000, "1001 registered");
      const idle = (await pbx.rx("pjsip show endpoints")).stdout;
      assert.match(idle, /Endpoint:\s+1001(\/\S+)?\s+Not in use\s+0 of 1\s*$/m, idle);
      assert.match(idle, /Endpoint:\s+1002(\/\S+)?\s+\S.*\s0 of inf\s*$/m, idle);

      await p.command(`dial sip:500@${SERVER_IP}:${port}`);
      await p.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(1000);

      const during = (await pbx.rx("group show channels")).stdout;
      assert.match(during, /^Channel {20}Group {17}Category {12}$/m, during);
      assert.match(during, /^PJSIP\/1001-[0-9a-f]{8} {8}500 {19}\(default\) {11}$/m, during);
      assert.match(during, /^1 active channel$/m, during);

      // device_state_busy_at=1 and one channel Up: Busy, "1 of 1"; the hint follows.
      const endpoints = (await pbx.rx("pjsip show endpoints")).stdout;
      assert.match(endpoints, /Endpoint:\s+1001(\/\S+)?\s+Busy\s+1 of 1\s*$/m, endpoints);
      const hints = (await pbx.rx("core show hints")).stdout;
      assert.match(hints, /1001@limit\s+: PJSIP\/1001\s+State:Busy /, hints);

      const second = await sippCall();
      assert.equal(second.code, 0, second.text);
      assert.deepEqual(second.statuses, [486], second.text);
      // The busy caller left the group; the first call is still in it.
      assert.match((await pbx.rx("group show channels")).stdout, /^1 active channel$/m);

      await p.waitEvent("CALL_CLOSED", CALL_SECONDS * 1000 + 10000);
      await sleep(500);
      const heard = p.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heard, `recordings: ${p.recordings().join(",")}`);
      // Its own tone back from Echo(), unbroken across the moment the second call was refused.
      assertTone(checkTone(heard, 1000, { minSeconds: CALL_SECONDS - 3 }), "1001 (first caller)", 1000);

      const afterCall = await waitUntil(async () => {
        const out = (await pbx.rx("group show channels")).stdout;
        return /^0 active channels$/m.test(out) ? out : undefined;
      }, 5000, "the first channel left its group after hangup");
      assert.doesNotMatch(afterCall, /PJSIP\//);
      const endpointsAfter = (await pbx.rx("pjsip show endpoints")).stdout;
      assert.match(endpointsAfter, /Endpoint:\s+1001(\/\S+)?\s+Not in use\s+0 of 1\s*$/m, endpointsAfter);

      const third = await sippCall();
      assert.equal(third.code, 0, third.text);
      assert.deepEqual(third.statuses, [200], `a call after the first one ended is let through\n${third.text}`);
      await waitUntil(async () => /^0 active channels?/m.test((await pbx.rx("core show channels count")).stdout), 5000, "no channel left");
    } finally {
      await phone?.stop();
    }
  });
});
