/**
 * Call queues with baresip phones, checked by audio: two auto-answering member phones and a
 * caller, each sending its own tone. rrmemory gives the first call to the first member and the
 * second to the second, and caller and member hear each other; ringall rings both members and
 * one takes the call; a queue nobody can join answers QUEUESTATUS=JOINEMPTY, one whose only
 * member is unreachable TIMEOUT, and the dialplan goes on after Queue(); a phone that runs
 * AddQueueMember() is rung by its queue next.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { channelNames, startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { analyseTone, assertTone, makeToneWav, readWav } from "../helpers/audio.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";
import { RawAmi } from "../helpers/ami-raw.js";

const SERVER_IP = "127.0.0.1";
const P = {
  caller: { id: "5401", password: randomPassword(), ip: "127.0.0.2", hz: 500 },
  m1: { id: "5402", password: randomPassword(), ip: "127.0.0.3", hz: 700 },
  m2: { id: "5403", password: randomPassword(), ip: "127.0.0.4", hz: 1100 },
  /** Never registers: a member that cannot be rung. */
  away: { id: "5409", password: randomPassword(), ip: "127.0.0.5", hz: 0 },
};
type Phone = (typeof P)["caller"];

const QUEUES = `[general]
[rr]
strategy = rrmemory
timeout = 10
retry = 1
member => PJSIP/5402,0,Alice
member => PJSIP/5403,0,Bob

[all]
strategy = ringall
member => PJSIP/5402
member => PJSIP/5403

[empty]
joinempty = no

[away]
member => PJSIP/5409
timeout = 2
retry = 1

[dyn]
strategy = linear
`;

const EXTENSIONS = `[office]
exten => 600,1,Queue(rr,,,,60)
 same => n,Hangup()
exten => 601,1,Queue(all,,,,60)
 same => n,Hangup()
exten => 602,1,Queue(empty)
 same => n,NoOp(after empty queue: \${QUEUESTATUS})
 same => n,Hangup()
exten => 603,1,Queue(away,,,,3)
 same => n,NoOp(after away queue: \${QUEUESTATUS})
 same => n,Hangup()
exten => 604,1,Queue(dyn,,,,30)
 same => n,Hangup()
exten => 650,1,AddQueueMember(dyn)
 same => n,NoOp(add member: \${AQMSTATUS})
 same => n,Hangup()
`;

describe("call queues (integration: baresip phones, queues.conf)", () => {
  let pbx: Pbx;
  let sipPort: number;
  let amiPort: number;
  const AMI = { user: "cti", secret: randomPassword() };
  const dir = scratchDir("queues");
  const tones = new Map(Object.values(P).filter((p) => p.hz > 0).map((p) => [p.id, makeToneWav(join(dir, `t${p.hz}.wav`), { frequency: p.hz, seconds: 60 })]));

  before(async () => {
    sipPort = await freePort(SERVER_IP);
    amiPort = await freePort(SERVER_IP);
    const endpoints = Object.values(P).map((p) => ({
      id: p.id,
      password: p.password,
      context: "office",
      maxContacts: 1,
      removeExisting: true,
      endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no" },
    }));
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port: sipPort, endpoints }),
        "extensions.conf": EXTENSIONS,
        "queues.conf": QUEUES,
        "manager.conf": `[general]\nenabled = yes\nport = ${amiPort}\nbindaddr = 127.0.0.1\n\n[${AMI.user}]\nsecret = ${AMI.secret}\nread = agent\nwrite = system\n`,
        "rtp.conf": "[general]\nrtpstart=39000\nrtpend=39999\n",
      },
    });
  });
  after(async () => {
    await pbx?.stop();
  });

  async function phone(p: Phone, rtp: string, answer: boolean): Promise<Baresip> {
    const b = await startBaresip({
      ip: p.ip,
      rtpPorts: rtp,
      audioSource: tones.get(p.id) ?? "",
      accounts: [`<sip:${p.id}@${SERVER_IP}:${sipPort};transport=udp>;auth_pass=${p.password};audio_codecs=PCMU;regint=600${answer ? ";answermode=auto" : ""}`],
      maxSeconds: 120,
    });
    await waitUntil(async () => /OK/.test(await b.reginfo()), 10000, `${p.id} registered`);
    return b;
  }

  const count = (b: Baresip, type: string): number => b.ctrl.events.filter((e) => e.type === type).length;

  const channels = (): Promise<string[]> => channelNames(pbx);

  function lastHeard(b: Baresip): string {
    const files = b.recordings().filter((r) => r.endsWith("-dec.wav")).sort();
    const f = files.at(-1);
    assert.ok(f, "the phone recorded what it heard");
    return f;
  }

  /** The caller dials `exten`, `member` answers (auto), they talk for 4 s, the caller hangs up; both heard each other. */
  async function queueCall(caller: Baresip, exten: string, member: Baresip, memberPhone: Phone, n: number): Promise<void> {
    const established = count(member, "CALL_ESTABLISHED");
    const closed = count(member, "CALL_CLOSED");
    await caller.command(`dial sip:${exten}@${SERVER_IP}:${sipPort}`);
    await waitUntil(() => count(member, "CALL_ESTABLISHED") > established, 15000, `${memberPhone.id} answered queue call ${n}`);
    await sleep(4000);
    await caller.command("hangup");
    await waitUntil(() => count(member, "CALL_CLOSED") > closed, 10000, `${memberPhone.id}'s call ${n} closed`);
    await sleep(500);
    assertTone(analyseTone(readWav(lastHeard(caller)), memberPhone.hz, { minSeconds: 3 }), `the caller on queue call ${n}`, memberPhone.hz);
    assertTone(analyseTone(readWav(lastHeard(member)), P.caller.hz, { minSeconds: 3 }), `member ${memberPhone.id} on queue call ${n}`, P.caller.hz);
  }

  it("rrmemory: the first call goes to 5402, the second to 5403; caller and member hear each other; queue show counts the calls; AMI queue events", async () => {
    const ami = await RawAmi.open(amiPort);
    const login = await ami.action({ Action: "Login", Username: AMI.user, Secret: AMI.secret });
    assert.equal(login.get("Response"), "Success", login.text);
    const c = await phone(P.caller, "24600-24699", false);
    const m1 = await phone(P.m1, "24700-24799", true);
    const m2 = await phone(P.m2, "24800-24899", true);
    try {
      await queueCall(c, "600", m1, P.m1, 1);
      assert.equal(count(m2, "CALL_ESTABLISHED"), 0, "5403 did not get the first call");
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left after call 1");
      await queueCall(c, "600", m2, P.m2, 1);
      assert.equal(count(m1, "CALL_ESTABLISHED"), 1, "5402 did not get the second call");
      const shown = (await pbx.rx("queue show rr")).stdout;
      assert.match(shown, /^rr has 0 calls \(max unlimited\) in 'rrmemory' strategy .*C:2, A:0/);
      assert.match(shown, /\n {6}Alice \(PJSIP\/5402\) \(ringinuse enabled\) \(Not in use\) has taken 1 calls \(last was \d+ secs ago\)/);
      assert.match(shown, /\n {6}Bob \(PJSIP\/5403\) \(ringinuse enabled\) \(Not in use\) has taken 1 calls/);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
      // The first call as a CTI sees it: join, member 5402 rung, the caller leaves the queue as 5402 answers, completed by the caller.
      const names = ami.messages.map((m) => m.get("Event")).filter((e): e is string => e !== undefined && /^(QueueCaller|Agent)/.test(e));
      assert.deepEqual(names.slice(0, 5), ["QueueCallerJoin", "AgentCalled", "QueueCallerLeave", "AgentConnect", "AgentComplete"], names.join(", "));
      const connect = await ami.next((m) => m.get("Event") === "AgentConnect");
      assert.equal(connect.get("Queue"), "rr");
      assert.equal(connect.get("Interface"), "PJSIP/5402");
      assert.equal(connect.get("MemberName"), "Alice");
      assert.match(connect.get("DestChannel") ?? "", /^PJSIP\/5402-/);
      assert.match(connect.get("Channel") ?? "", /^PJSIP\/5401-/);
      const complete = await ami.next((m) => m.get("Event") === "AgentComplete");
      assert.equal(complete.get("Reason"), "caller");
      assert.ok(Number(complete.get("TalkTime")) >= 3, complete.text);
      assert.equal((await ami.next((m) => m.get("Event") === "QueueCallerJoin")).get("Position"), "1");
      const status = await ami.action({ Action: "QueueStatus", Queue: "rr" });
      assert.equal(status.get("Response"), "Success", status.text);
      await ami.next((m) => m.get("Event") === "QueueStatusComplete");
      const params = await ami.next((m) => m.get("Event") === "QueueParams");
      assert.deepEqual([params.get("Queue"), params.get("Strategy"), params.get("Completed"), params.get("Calls")], ["rr", "rrmemory", "2", "0"]);
      const members = ami.messages.filter((m) => m.get("Event") === "QueueMember").map((m) => `${m.get("Name")} ${m.get("Location")} ${m.get("Membership")} ${m.get("CallsTaken")} ${m.get("Status")}`);
      assert.deepEqual(members, ["Alice PJSIP/5402 static 1 1", "Bob PJSIP/5403 static 1 1"]);
      await ami.action({ Action: "QueueSummary", Queue: "rr" });
      const summary = await ami.next((m) => m.get("Event") === "QueueSummary");
      assert.deepEqual([summary.get("LoggedIn"), summary.get("Available"), summary.get("Callers")], ["2", "2", "0"]);
    } finally {
      ami.close();
      await c.stop();
      await m1.stop();
      await m2.stop();
    }
  });

  it("ringall: both members ring, one takes the call and is heard; the other is let go", async () => {
    const c = await phone(P.caller, "24600-24699", false);
    const m1 = await phone(P.m1, "24700-24799", true);
    const m2 = await phone(P.m2, "24800-24899", true);
    try {
      await c.command(`dial sip:601@${SERVER_IP}:${sipPort}`);
      await pbx.waitForLog(/queue 'all' rings PJSIP\/5402, PJSIP\/5403/, 10000);
      await waitUntil(() => count(m1, "CALL_ESTABLISHED") + count(m2, "CALL_ESTABLISHED") >= 1, 10000, "a member answered");
      await sleep(4000);
      // Both phones answer at once; the PBX connects the first 200 and lets the other go.
      const log = pbx.messagesLog();
      const taken = /PJSIP\/(540[23])-[0-9a-f]+ answered PJSIP\/5401-/.exec(log.slice(log.lastIndexOf("queue 'all' rings")))?.[1];
      assert.ok(taken !== undefined, "a member answered the ringall call");
      const winner = taken === P.m1.id ? { b: m1, p: P.m1 } : { b: m2, p: P.m2 };
      await c.command("hangup");
      await winner.b.waitEvent("CALL_CLOSED", 10000);
      await sleep(500);
      assertTone(analyseTone(readWav(lastHeard(c)), winner.p.hz, { minSeconds: 3 }), "the caller in ringall", winner.p.hz);
      assertTone(analyseTone(readWav(lastHeard(winner.b)), P.caller.hz, { minSeconds: 3 }), `member ${winner.p.id} in ringall`, P.caller.hz);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await c.stop();
      await m1.stop();
      await m2.stop();
    }
  });

  it("JOINEMPTY and TIMEOUT go on in the dialplan; AddQueueMember makes a phone a member that then gets the call", async () => {
    const c = await phone(P.caller, "24600-24699", false);
    const m2 = await phone(P.m2, "24800-24899", true);
    try {
      await c.command(`dial sip:602@${SERVER_IP}:${sipPort}`);
      await pbx.waitForLog(/NoOp\("PJSIP\/5401-[0-9a-f]+", "after empty queue: JOINEMPTY"\)/, 5000);
      await c.waitEvent("CALL_CLOSED", 5000);
      await c.command(`dial sip:603@${SERVER_IP}:${sipPort}`);
      await pbx.waitForLog(/NoOp\("PJSIP\/5401-[0-9a-f]+", "after away queue: TIMEOUT"\)/, 10000);
      await waitUntil(() => count(c, "CALL_CLOSED") >= 2, 5000, "the caller's second call closed");
      await m2.command(`dial sip:650@${SERVER_IP}:${sipPort}`);
      await pbx.waitForLog(/NoOp\("PJSIP\/5403-[0-9a-f]+", "add member: ADDED"\)/, 5000);
      await waitUntil(() => count(m2, "CALL_CLOSED") >= 1, 5000, "5403's own call closed");
      assert.match((await pbx.rx("queue show dyn")).stdout, /\n {6}PJSIP\/5403 \(ringinuse enabled\) \(dynamic\) \(Not in use\) has taken no calls yet/);
      await queueCall(c, "604", m2, P.m2, 2);
      const removed = (await pbx.rx("queue remove member PJSIP/5403 from dyn")).stdout;
      assert.match(removed, /Removed interface 'PJSIP\/5403' from queue 'dyn'/);
      assert.match((await pbx.rx("queue show dyn")).stdout, /No Members/);
      await waitUntil(async () => (await channels()).length === 0, 5000, "no channel left");
    } finally {
      await c.stop();
      await m2.stop();
    }
  });
});
