/**
 * AMI against a running Switchboard with the npm clients people run (asterisk-ami-client,
 * asterisk-manager) used unmodified, a bare TCP client for what they cannot do (source address,
 * raw bytes), and real baresip phones for the call events: login with the right and a wrong
 * secret and by MD5 challenge, Ping, Command, CoreShowChannels during a call, the event sequence
 * of a call from Newchannel to Hangup, Hangup by action, permissions, and the guard banning an
 * address after wrong passwords while the right one from elsewhere keeps working.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { assertTone, checkTone, makeToneWav } from "../helpers/audio.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";
import { RawAmi } from "../helpers/ami-raw.js";
import { connect as tlsConnect } from "node:tls";
import { readFileSync } from "node:fs";
import { makeSelfSignedCert } from "../../src/sip/transport/self-signed-cert.js";

const require = createRequire(import.meta.url);

interface AmiEvent {
  Event: string;
  [k: string]: string;
}
interface AmiClientLike {
  connect(user: string, secret: string, o: { host: string; port: number }): Promise<unknown>;
  action(m: Record<string, string>, promisable: true): Promise<Record<string, string>>;
  on(ev: "event", fn: (e: AmiEvent) => void): void;
  disconnect(): void;
}
const AmiClient = require("asterisk-ami-client") as new (o: object) => AmiClientLike;

interface ManagerLike {
  on(ev: string, fn: (e: Record<string, unknown>) => void): void;
  action(m: Record<string, string>, cb: (err: unknown, res: Record<string, unknown>) => void): void;
  disconnect(): void;
  isConnected(): boolean;
}
const AsteriskManager = require("asterisk-manager") as new (port: number, host: string, user: string, secret: string, events: boolean) => ManagerLike;

const SERVER_IP = "127.0.0.1";
const ADMIN = { user: "admin", secret: randomPassword() };
const READER = { user: "reader", secret: randomPassword() };
const PHONES = { a: { id: "4001", password: randomPassword() }, b: { id: "4002", password: randomPassword() } };

describe("AMI (integration: asterisk-ami-client, asterisk-manager, raw TCP, baresip)", () => {
  let pbx: Pbx;
  let sipPort: number;
  let amiPort: number;
  let tlsPort: number;
  let certFile: string;
  const dir = scratchDir("ami");
  const tone = makeToneWav(join(dir, "tone.wav"), { frequency: 440, seconds: 30 });
  const tone1000 = makeToneWav(join(dir, "tone1000.wav"), { frequency: 1000, seconds: 30 });
  /** What a call redirected to moved,600,1 hears before its Hangup(). */
  const prompt440 = makeToneWav(join(dir, "prompt440.wav"), { frequency: 440, seconds: 4 });

  before(async () => {
    sipPort = await freePort(SERVER_IP);
    amiPort = await freePort(SERVER_IP);
    tlsPort = await freePort(SERVER_IP);
    const cert = await makeSelfSignedCert({ dir: join(dir, "tls") });
    certFile = cert.certFile;
    const endpoints = Object.values(PHONES).map((p) => ({
      id: p.id,
      password: p.password,
      context: "internal",
      maxContacts: 1,
      removeExisting: true,
      endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no" },
    }));
    pbx = await startPbx({
      configFiles: {
        // A provider that does not answer: the registration is listed, never Registered.
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port: sipPort, endpoints, extra: "[provider]\ntype=registration\nserver_uri=sip:127.0.0.9:5099\nclient_uri=sip:5550100@127.0.0.9\nretry_interval=60\n" }),
        "extensions.conf": "[globals]\nCOMPANY=Example\n[internal]\nexten => 4002,hint,PJSIP/4002\nexten => _400X,1,Set(CALLTYPE=internal)\n same => n,Dial(PJSIP/${EXTEN},20)\n same => n,Hangup()\n" +
          "exten => 500,1,Answer()\n same => n,Echo()\n same => n,Set(AFTER_ECHO=yes)\n" +
          `[moved]\nexten => 600,1,Playback(${prompt440.replace(/\.wav$/, "")})\n same => n,Hangup()\n`,
        "rtp.conf": "[general]\nrtpstart=34000\nrtpend=34999\n",
        "guard.conf": "[general]\nmaxretry=10\n",
        "manager.conf":
          `[general]\nenabled = yes\nport = ${amiPort}\nbindaddr = 127.0.0.1\nauthtimeout = 3\nchannelvars = CALLTYPE\n` +
          `tlsenable = yes\ntlsbindaddr = 127.0.0.1:${tlsPort}\ntlscertfile = ${cert.certFile}\ntlsprivatekey = ${cert.keyFile}\n\n` +
          `[${ADMIN.user}]\nsecret = ${ADMIN.secret}\nread = all\nwrite = all\n\n` +
          `[${READER.user}]\nsecret = ${READER.secret}\nread = call\nwrite = reporting\n`,
      },
    });
  });
  after(async () => {
    await pbx?.stop();
  });

  async function client(user = ADMIN.user, secret = ADMIN.secret): Promise<{ c: AmiClientLike; events: AmiEvent[] }> {
    const c = new AmiClient({ reconnect: false, keepAlive: false, emitEventsByTypes: false, emitResponsesById: true });
    const events: AmiEvent[] = [];
    c.on("event", (e) => events.push(e));
    await c.connect(user, secret, { host: SERVER_IP, port: amiPort });
    return { c, events };
  }

  async function phone(p: keyof typeof PHONES, ip: string, rtp: string, answer: boolean, source = tone): Promise<Baresip> {
    const ep = PHONES[p];
    const b = await startBaresip({
      ip,
      rtpPorts: rtp,
      audioSource: source,
      accounts: [`<sip:${ep.id}@${SERVER_IP}:${sipPort};transport=udp>;auth_pass=${ep.password};audio_codecs=PCMU;regint=600${answer ? ";answermode=auto" : ""}`],
      maxSeconds: 90,
    });
    await waitUntil(async () => /OK/.test(await b.reginfo()), 10000, `${ep.id} registered`);
    return b;
  }

  it("greets with Asterisk's banner and answers Ping before login with Permission denied", async () => {
    const raw = await RawAmi.open(amiPort);
    try {
      await waitUntil(() => raw.banner !== "", 3000, "banner");
      assert.equal(raw.banner, "Asterisk Call Manager/11.0.0");
      const r = await raw.action({ Action: "Ping" });
      assert.equal(r.get("Response"), "Error");
      assert.equal(r.get("Message"), "Permission denied");
      const missing = await raw.action({ Foo: "bar" });
      assert.equal(missing.get("Message"), "Missing action in request");
    } finally {
      raw.close();
    }
  });

  it("asterisk-ami-client logs in, gets FullyBooted, Ping, CoreSettings and ListCommands", async () => {
    const { c, events } = await client();
    try {
      const pong = await c.action({ Action: "Ping" }, true);
      assert.equal(pong.Response, "Success");
      assert.equal(pong.Ping, "Pong");
      assert.match(pong.Timestamp ?? "", /^\d+\.\d{6}$/);
      void events;
      // FullyBooted follows the login response in the same write, before the client listens for
      // events; a bare client sees it.
      const raw = await RawAmi.open(amiPort);
      try {
        const r = await raw.action({ Action: "Login", Username: ADMIN.user, Secret: ADMIN.secret });
        assert.equal(r.get("Message"), "Authentication accepted");
        const booted = await raw.next((m) => m.get("Event") === "FullyBooted");
        assert.equal(booted.get("Privilege"), "system,all");
        assert.equal(booted.get("Status"), "Fully Booted");
        assert.match(booted.get("Uptime") ?? "", /^\d+$/);
      } finally {
        raw.close();
      }
      const settings = await c.action({ Action: "CoreSettings" }, true);
      assert.equal(settings.AMIversion, "11.0.0");
      const list = await c.action({ Action: "ListCommands" }, true);
      for (const name of ["Hangup", "CoreShowChannels", "PJSIPShowEndpoints", "Command"]) assert.ok(name in list, `ListCommands names ${name}`);
    } finally {
      c.disconnect();
    }
  });

  it("a wrong secret is refused with Authentication failed, the NOTICE fail2ban reads and an InvalidPassword event", async () => {
    const { c: watcher, events } = await client();
    const raw = await RawAmi.open(amiPort);
    try {
      const r = await raw.action({ Action: "Login", Username: ADMIN.user, Secret: "wrong" });
      assert.equal(r.get("Response"), "Error");
      assert.equal(r.get("Message"), "Authentication failed");
      await raw.whenClosed();
      await waitUntil(() => /NOTICE\[\d+\][^:]*manager\.c: 127\.0\.0\.1 failed to authenticate as 'admin'$/m.test(pbx.messagesLog()), 3000, "the NOTICE line");
      await waitUntil(() => events.some((e) => e.Event === "InvalidPassword"), 3000, "InvalidPassword on the AMI");
      const ev = events.find((e) => e.Event === "InvalidPassword")!;
      assert.equal(ev.Privilege, "security,all");
      assert.equal(ev.Service, "AMI");
      assert.equal(ev.AccountID, "admin");
      assert.match(ev.RemoteAddress ?? "", /^IPV4\/TCP\/127\.0\.0\.1\/\d+$/);
      const nobody = await RawAmi.open(amiPort);
      const r2 = await nobody.action({ Action: "Login", Username: "nobody", Secret: "x" });
      assert.equal(r2.get("Message"), "Authentication failed");
      await waitUntil(() => /127\.0\.0\.1 tried to authenticate with nonexistent user 'nobody'$/m.test(pbx.messagesLog()), 3000, "the nonexistent-user NOTICE");
    } finally {
      raw.close();
      watcher.disconnect();
    }
  });

  it("logs in by MD5 challenge", async () => {
    const raw = await RawAmi.open(amiPort);
    try {
      const ch = await raw.action({ Action: "Challenge", AuthType: "MD5" });
      const challenge = ch.get("Challenge") ?? "";
      assert.match(challenge, /^\d+$/);
      const key = createHash("md5").update(challenge + ADMIN.secret).digest("hex");
      const r = await raw.action({ Action: "Login", AuthType: "MD5", Username: ADMIN.user, Key: key, Events: "off" });
      assert.equal(r.get("Response"), "Success");
      assert.equal(r.get("Message"), "Authentication accepted");
    } finally {
      raw.close();
    }
  });

  it("asterisk-manager runs Command 'pjsip show endpoints' and gets its output lines", async () => {
    const m = new AsteriskManager(amiPort, SERVER_IP, ADMIN.user, ADMIN.secret, true);
    try {
      const res = await new Promise<Record<string, unknown>>((resolve, reject) => m.action({ action: "Command", command: "pjsip show endpoints" }, (err, r) => (err ? reject(new Error(JSON.stringify(err))) : resolve(r))));
      assert.equal(res.response, "Success");
      const output = ([] as string[]).concat(res.output as string | string[]);
      const cli = await pbx.rx("pjsip show endpoints");
      assert.deepEqual(output, cli.stdout.replace(/\n$/, "").split("\n"), "the Output: lines are the console's lines");
      assert.ok(output.some((l) => l.includes(PHONES.a.id)));
    } finally {
      m.disconnect();
    }
  });

  it("write= and read= limit a user: no Command for reader, and no security events", async () => {
    const { c, events } = await client(READER.user, READER.secret);
    try {
      const r = await c.action({ Action: "Command", Command: "core show channels" }, true);
      assert.equal(r.Response, "Error");
      assert.equal(r.Message, "Permission denied");
      const raw = await RawAmi.open(amiPort);
      await raw.action({ Action: "Login", Username: READER.user, Secret: "wrong" });
      raw.close();
      await sleep(500);
      assert.ok(!events.some((e) => e.Event === "InvalidPassword"), "a read=call user gets no security events");
      assert.ok(!events.some((e) => e.Event === "FullyBooted"), "nor system events");
    } finally {
      c.disconnect();
    }
  });

  it("a call reports Newchannel … DialBegin … BridgeEnter … Hangup, CoreShowChannels lists it, and Hangup ends it", async () => {
    const { c, events } = await client();
    const a = await phone("a", "127.0.0.2", "21600-21699", false);
    const b = await phone("b", "127.0.0.3", "21700-21799", true);
    try {
      events.length = 0;
      await a.command(`dial sip:${PHONES.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await waitUntil(() => events.some((e) => e.Event === "BridgeEnter" && e.Channel?.startsWith(`PJSIP/${PHONES.b.id}-`)), 5000, "BridgeEnter of the callee");
      const list = await c.action({ Action: "CoreShowChannels" }, true);
      assert.equal(list.Response, "Success");
      assert.equal(list.EventList, "start");
      await waitUntil(() => events.some((e) => e.Event === "CoreShowChannelsComplete"), 3000, "CoreShowChannelsComplete");
      const rows = events.filter((e) => e.Event === "CoreShowChannel");
      assert.equal(rows.length, 2, "two channels");
      assert.equal(events.find((e) => e.Event === "CoreShowChannelsComplete")?.ListItems, "2");
      const caller = rows.find((e) => e.Channel?.startsWith(`PJSIP/${PHONES.a.id}-`));
      assert.ok(caller, "the caller's channel is listed");
      assert.equal(caller.Application, "Dial");
      assert.equal(caller.ChannelStateDesc, "Up");
      const callerName = caller.Channel ?? "";
      assert.equal(rows[0]!.BridgeId, rows[1]!.BridgeId);
      const g = await c.action({ Action: "Getvar", Variable: "COMPANY" }, true);
      assert.equal(g.Value, "Example");
      const set = await c.action({ Action: "Setvar", Channel: callerName, Variable: "CRM_ID", Value: "42" }, true);
      assert.equal(set.Response, "Success");
      const got = await c.action({ Action: "Getvar", Channel: callerName, Variable: "CRM_ID" }, true);
      assert.equal(got.Value, "42");
      const h = await c.action({ Action: "Hangup", Channel: callerName }, true);
      assert.equal(h.Message, "Channel Hungup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await waitUntil(() => events.filter((e) => e.Event === "Hangup").length >= 2, 5000, "two Hangup events");
      const order = events.filter((e) => e.Channel?.startsWith(`PJSIP/${PHONES.a.id}-`)).map((e) => e.Event);
      const at = (name: string): number => order.indexOf(name);
      for (const name of ["Newchannel", "DialBegin", "DialEnd", "BridgeEnter", "BridgeLeave", "Hangup"]) assert.ok(at(name) >= 0, `${name} for the caller (got ${order.join(",")})`);
      assert.ok(at("Newchannel") < at("DialBegin") && at("DialBegin") < at("DialEnd") && at("DialEnd") < at("BridgeEnter") && at("BridgeEnter") < at("Hangup"), order.join(","));
      const dialBegin = events.find((e) => e.Event === "DialBegin")!;
      assert.equal(dialBegin.DestChannel?.startsWith(`PJSIP/${PHONES.b.id}-`), true);
      assert.equal(dialBegin.ChanVariable, "CALLTYPE=internal", "manager.conf channelvars: the caller's variable on its events");
      assert.equal(dialBegin.DestChanVariable, "CALLTYPE=", "and the dialled channel's, empty where it is not set");
      assert.equal(dialBegin.Privilege, "call,all");
      assert.equal(events.find((e) => e.Event === "Hangup" && e.Channel === callerName)?.Cause, "16");
      const after = await c.action({ Action: "CoreShowChannels" }, true);
      assert.equal(after.Response, "Success");
      await waitUntil(() => events.filter((e) => e.Event === "CoreShowChannelsComplete").length === 2, 3000, "second listing");
      assert.equal(events.filter((e) => e.Event === "CoreShowChannelsComplete")[1]?.ListItems, "0", "no channel left");
    } finally {
      c.disconnect();
      await a.stop();
      await b.stop();
    }
  });

  it("a hint follows its phone: ExtensionState answers Idle, a call gives ExtensionStatus Ringing, InUse, Idle; core show hints lists it", async () => {
    const { c, events } = await client();
    const a = await phone("a", "127.0.0.2", "21900-21999", false);
    const b = await phone("b", "127.0.0.3", "21800-21899", true);
    try {
      const idle = await c.action({ Action: "ExtensionState", Exten: PHONES.b.id, Context: "internal" }, true);
      assert.deepEqual([idle.Hint, idle.Status, idle.StatusText], [`PJSIP/${PHONES.b.id}`, "0", "Idle"]);
      const none = await c.action({ Action: "ExtensionState", Exten: PHONES.a.id, Context: "internal" }, true);
      assert.deepEqual([none.Status, none.StatusText], ["-1", "Unknown"], "an extension without a hint");
      const hints = await pbx.rx("core show hints");
      assert.match(hints.stdout, new RegExp(`${PHONES.b.id}@internal {7}: PJSIP/${PHONES.b.id} {12}State:Idle {12}Presence:not_set {9}Watchers  0\n`));
      events.length = 0;
      await a.command(`dial sip:${PHONES.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await waitUntil(() => events.some((e) => e.Event === "ExtensionStatus" && e.StatusText === "InUse"), 5000, "ExtensionStatus InUse");
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await waitUntil(() => events.some((e) => e.Event === "ExtensionStatus" && e.StatusText === "Idle"), 5000, "ExtensionStatus Idle");
      const seq = events.filter((e) => e.Event === "ExtensionStatus").map((e) => `${e.Exten}@${e.Context} ${e.Hint} ${e.Status} ${e.StatusText}`);
      assert.deepEqual(seq, [`${PHONES.b.id}@internal PJSIP/${PHONES.b.id} 8 Ringing`, `${PHONES.b.id}@internal PJSIP/${PHONES.b.id} 1 InUse`, `${PHONES.b.id}@internal PJSIP/${PHONES.b.id} 0 Idle`]);
    } finally {
      c.disconnect();
      await a.stop();
      await b.stop();
    }
  });

  it("keys, hold and the dialplan are events too; PJSIP actions list the registered phones", async () => {
    const { c, events } = await client();
    const a = await phone("a", "127.0.0.2", "21800-21899", false);
    const b = await phone("b", "127.0.0.3", "21900-21999", true);
    try {
      const eps = await c.action({ Action: "PJSIPShowEndpoints" }, true);
      assert.equal(eps.EventList, "start");
      await waitUntil(() => events.some((e) => e.Event === "EndpointListComplete"), 3000, "EndpointListComplete");
      const row = events.find((e) => e.Event === "EndpointList" && e.ObjectName === PHONES.a.id);
      assert.ok(row, "4001 is listed");
      assert.equal(row.DeviceState, "Not in use");
      assert.match(row.Contacts ?? "", new RegExp(`^${PHONES.a.id}/sip:`));
      await c.action({ Action: "PJSIPShowContacts" }, true);
      await waitUntil(() => events.some((e) => e.Event === "ContactListComplete"), 3000, "ContactListComplete");
      assert.ok(events.some((e) => e.Event === "ContactList" && e.Endpoint === PHONES.b.id && /^sip:/.test(e.Uri ?? "")));
      const detail = await c.action({ Action: "PJSIPShowEndpoint", Endpoint: PHONES.a.id }, true);
      assert.equal(detail.Response, "Success");
      await waitUntil(() => events.some((e) => e.Event === "EndpointDetailComplete"), 3000, "EndpointDetailComplete");
      const ep = events.find((e) => e.Event === "EndpointDetail")!;
      assert.equal(ep.Context, "internal");
      assert.equal(ep.DirectMedia, "false", "options in CamelCase");
      const auth = events.find((e) => e.Event === "AuthDetail")!;
      assert.equal(auth.Password, undefined, "no secret leaves through AMI");
      await c.action({ Action: "PJSIPShowRegistrationsOutbound" }, true);
      await waitUntil(() => events.some((e) => e.Event === "OutboundRegistrationDetailComplete"), 3000, "OutboundRegistrationDetailComplete");
      const reg = events.find((e) => e.Event === "OutboundRegistrationDetail")!;
      assert.equal(reg.ObjectName, "provider");
      assert.equal(reg.ServerUri, "sip:127.0.0.9:5099");
      assert.notEqual(reg.Status, "Registered");
      assert.equal(events.find((e) => e.Event === "OutboundRegistrationDetailComplete")?.NotRegistered, "1");
      const mbox = await c.action({ Action: "MailboxCount", Mailbox: "4001@default" }, true);
      assert.equal(mbox.NewMessages, "0");
      events.length = 0;
      await a.command(`dial sip:${PHONES.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await waitUntil(() => events.some((e) => e.Event === "BridgeEnter"), 5000, "BridgeEnter");
      const newexten = events.find((e) => e.Event === "Newexten" && e.Channel?.startsWith(`PJSIP/${PHONES.a.id}-`) && e.Application === "Dial");
      assert.equal(newexten?.Application, "Dial");
      assert.equal(newexten?.AppData, `PJSIP/${PHONES.b.id},20`);
      assert.equal(newexten?.Privilege, "dialplan,all");
      assert.ok(events.some((e) => e.Event === "BridgeCreate"), "BridgeCreate");
      await sleep(300);
      await a.command("sndcode 7");
      await waitUntil(() => events.some((e) => e.Event === "DTMFEnd" && e.Direction === "Received"), 5000, "DTMFEnd Received");
      const end = events.find((e) => e.Event === "DTMFEnd" && e.Direction === "Received")!;
      assert.equal(end.Digit, "7");
      assert.ok(end.Channel?.startsWith(`PJSIP/${PHONES.a.id}-`), "received on the caller's channel");
      assert.equal(end.Privilege, "dtmf,all");
      assert.equal((await a.command("hold")).ok, true);
      await waitUntil(() => events.some((e) => e.Event === "Hold"), 5000, "Hold");
      assert.ok(events.find((e) => e.Event === "Hold")?.Channel?.startsWith(`PJSIP/${PHONES.a.id}-`));
      assert.equal((await a.command("resume")).ok, true);
      await waitUntil(() => events.some((e) => e.Event === "Unhold"), 5000, "Unhold");
      // The callee hangs up: Dial returns ANSWER to the caller's dialplan, whose Hangup() ends it.
      await b.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await waitUntil(() => events.some((e) => e.Event === "BridgeDestroy"), 5000, "BridgeDestroy");
      assert.ok(events.some((e) => e.Event === "HangupRequest" && e.Channel?.startsWith(`PJSIP/${PHONES.b.id}-`)), "the callee's BYE is a HangupRequest");
      const varset = events.find((e) => e.Event === "VarSet" && e.Variable === "CALLTYPE");
      assert.equal(varset?.Value, "internal", "Set() in the dialplan is a VarSet");
      assert.ok(varset?.Channel?.startsWith(`PJSIP/${PHONES.a.id}-`));
    } finally {
      c.disconnect();
      await a.stop();
      await b.stop();
    }
  });

  it("Originate to a phone, then the dialplan dials another: both answer and hear each other; OriginateResponse reports it", async () => {
    const { c, events } = await client();
    const a = await phone("a", "127.0.0.2", "22000-22099", true, tone1000);
    const b = await phone("b", "127.0.0.3", "22100-22199", true, tone);
    try {
      const r = await c.action({ Action: "Originate", Channel: `PJSIP/${PHONES.a.id}`, Context: "internal", Exten: PHONES.b.id, Priority: "1", CallerID: '"Click to dial" <5551234>', Variable: "CRM_ID=77", Async: "true", ActionID: "orig-1" }, true);
      assert.equal(r.Response, "Success");
      assert.equal(r.Message, "Originate successfully queued");
      await waitUntil(() => events.some((e) => e.Event === "OriginateResponse"), 10000, "OriginateResponse");
      const o = events.find((e) => e.Event === "OriginateResponse")!;
      assert.equal(o.Response, "Success");
      assert.equal(o.Reason, "4");
      assert.equal(o.ActionID, "orig-1");
      assert.ok(o.Channel?.startsWith(`PJSIP/${PHONES.a.id}-`), o.Channel);
      assert.equal(o.CallerIDNum, "5551234");
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await b.waitEvent("CALL_ESTABLISHED", 10000);
      await waitUntil(() => events.some((e) => e.Event === "BridgeEnter" && e.Channel?.startsWith(`PJSIP/${PHONES.b.id}-`)), 5000, "the two phones bridged");
      const got = await c.action({ Action: "Getvar", Channel: o.Channel ?? "", Variable: "CRM_ID" }, true);
      assert.equal(got.Value, "77", "Variable: reached the originated channel");
      await sleep(4000);
      await c.action({ Action: "Hangup", Channel: o.Channel ?? "" }, true);
      await a.waitEvent("CALL_CLOSED", 10000);
      await b.waitEvent("CALL_CLOSED", 10000);
      await sleep(500);
      const heardByA = a.recordings().find((f) => f.endsWith("-dec.wav"));
      const heardByB = b.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heardByA && heardByB, `recordings: ${a.recordings().join(",")} / ${b.recordings().join(",")}`);
      assertTone(checkTone(heardByA, 440, { minSeconds: 2 }), "the originated phone", 440);
      assertTone(checkTone(heardByB, 1000, { minSeconds: 2 }), "the phone its dialplan dialled", 1000);
      await waitUntil(async () => (/Channels:\s+0/.test((await pbx.rx("core show resources")).stdout) ? true : undefined), 10000, "no channel left");
    } finally {
      c.disconnect();
      await a.stop();
      await b.stop();
    }
  });

  it("Originate to an application (Echo): the phone hears itself; a phone that does not answer is Reason 3", async () => {
    const { c, events } = await client();
    const a = await phone("a", "127.0.0.2", "22200-22299", true, tone1000);
    try {
      const r = await c.action({ Action: "Originate", Channel: `PJSIP/${PHONES.a.id}`, Application: "Echo", Timeout: "10000" }, true);
      assert.equal(r.Response, "Success", "a synchronous Originate answers once the phone did");
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(3000);
      await c.action({ Action: "Hangup", Channel: `/^PJSIP\\/${PHONES.a.id}-/` }, true);
      await a.waitEvent("CALL_CLOSED", 10000);
      await sleep(500);
      const heard = a.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heard);
      assertTone(checkTone(heard, 1000, { minSeconds: 1.5 }), "the phone originated into Echo()", 1000);
    } finally {
      await a.stop();
    }
    const b = await phone("b", "127.0.0.3", "22300-22399", false, tone);
    try {
      events.length = 0;
      const r = await c.action({ Action: "Originate", Channel: `PJSIP/${PHONES.b.id}`, Application: "Echo", Timeout: "2000", Async: "1", ActionID: "orig-2" }, true);
      assert.equal(r.Response, "Success");
      await waitUntil(() => events.some((e) => e.Event === "OriginateResponse"), 10000, "OriginateResponse");
      const o = events.find((e) => e.Event === "OriginateResponse")!;
      assert.equal(o.Response, "Failure");
      assert.equal(o.Reason, "3", "no answer");
      const { c: reader } = await client(READER.user, READER.secret);
      try {
        const denied = await reader.action({ Action: "Originate", Channel: `PJSIP/${PHONES.b.id}`, Application: "Echo" }, true);
        assert.equal(denied.Message, "Permission denied", "write= without originate cannot place calls");
      } finally {
        reader.disconnect();
      }
    } finally {
      c.disconnect();
      await b.stop();
    }
  });

  it("Redirect (asterisk-manager) moves a call out of Echo(): Newexten for the new place, the prompt there is heard, its Hangup ends the call", async () => {
    const { c, events } = await client();
    const a = await phone("a", "127.0.0.2", "22600-22699", false, tone1000);
    const m = new AsteriskManager(amiPort, SERVER_IP, ADMIN.user, ADMIN.secret, true);
    // asterisk-manager hands an error response (Response: Error) to the callback as `err`.
    const act = (fields: Record<string, string>) =>
      new Promise<Record<string, unknown>>((resolve) => m.action(fields, (err, r) => resolve(typeof err === "object" && err !== null ? (err as Record<string, unknown>) : r)));
    try {
      events.length = 0;
      await a.command(`dial sip:500@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      const echoing = await waitUntil(() => events.find((e) => e.Event === "Newexten" && e.Application === "Echo"), 5000, "the call in Echo()");
      const name = echoing.Channel ?? "";
      await sleep(1500);
      const missing = await act({ action: "Redirect", channel: "PJSIP/nobody-00000000", context: "moved", exten: "600", priority: "1" });
      assert.equal(missing.message, "Channel does not exist: PJSIP/nobody-00000000");
      const r = await act({ action: "Redirect", channel: name, context: "moved", exten: "600", priority: "1" });
      assert.equal(r.response, "Success");
      assert.equal(r.message, "Redirect successful");
      const moved = await waitUntil(() => events.find((e) => e.Event === "Newexten" && e.Channel === name && e.Context === "moved"), 5000, "Newexten in moved");
      assert.equal(moved.Extension, "600");
      assert.equal(moved.Priority, "1");
      assert.equal(moved.Application, "Playback");
      await a.waitEvent("CALL_CLOSED", 15000);
      const hangupApp = events.find((e) => e.Event === "Newexten" && e.Channel === name && e.Application === "Hangup");
      assert.equal(hangupApp?.Context, "moved", "the call went on at moved,600 to its Hangup()");
      assert.ok(!events.some((e) => e.Event === "VarSet" && e.Variable === "AFTER_ECHO"), "the priority after Echo() did not run");
      await sleep(500);
      const heard = a.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heard, `recordings: ${a.recordings().join(",")}`);
      assertTone(checkTone(heard, 440, { minSeconds: 2 }), "the prompt played at the redirect's target", 440);
    } finally {
      m.disconnect();
      c.disconnect();
      await a.stop();
    }
  });

  it("Redirect with ExtraChannel moves both phones of a bridged call: Dual Redirect successful, each hears the prompt there, nobody is hung up before its Hangup()", async () => {
    const { c, events } = await client();
    const a = await phone("a", "127.0.0.2", "22700-22799", false, tone1000);
    const b = await phone("b", "127.0.0.3", "22800-22899", true, tone1000);
    try {
      events.length = 0;
      await a.command(`dial sip:${PHONES.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      const enter = await waitUntil(() => events.find((e) => e.Event === "BridgeEnter" && e.Channel?.startsWith(`PJSIP/${PHONES.b.id}-`)), 5000, "the two phones bridged");
      const callee = enter.Channel ?? "";
      const caller = events.find((e) => e.Event === "BridgeEnter" && e.Channel?.startsWith(`PJSIP/${PHONES.a.id}-`))?.Channel ?? "";
      await sleep(1000);
      const r = await c.action({ Action: "Redirect", Channel: caller, ExtraChannel: callee, Context: "moved", Exten: "600", Priority: "1" }, true);
      assert.equal(r.Response, "Success");
      assert.equal(r.Message, "Dual Redirect successful");
      for (const name of [caller, callee]) await waitUntil(() => events.find((e) => e.Event === "Newexten" && e.Channel === name && e.Context === "moved" && e.Application === "Playback"), 5000, `${name} at moved,600,1`);
      assert.ok(events.some((e) => e.Event === "BridgeLeave" && e.Channel === callee), "the callee left the bridge");
      await a.waitEvent("CALL_CLOSED", 15000);
      await b.waitEvent("CALL_CLOSED", 15000);
      for (const name of [caller, callee]) assert.ok(events.some((e) => e.Event === "Newexten" && e.Channel === name && e.Context === "moved" && e.Application === "Hangup"), `${name} ended at its Hangup()`);
      await sleep(500);
      for (const [who, p] of [["the caller", a], ["the callee", b]] as const) {
        const heard = p.recordings().find((f) => f.endsWith("-dec.wav"));
        assert.ok(heard, `${who}'s recording`);
        assertTone(checkTone(heard, 440, { minSeconds: 2 }), `${who} redirected to the prompt`, 440);
      }
      await waitUntil(async () => (/Channels:\s+0/.test((await pbx.rx("core show resources")).stdout) ? true : undefined), 10000, "no channel left");
    } finally {
      c.disconnect();
      await a.stop();
      await b.stop();
    }
  });

  it("the console's channel originate places the call too; core show channels lists it", async () => {
    const a = await phone("a", "127.0.0.2", "22400-22499", true, tone1000);
    try {
      const r = await pbx.rx(`channel originate PJSIP/${PHONES.a.id} application Echo`);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      const list = await waitUntil(async () => {
        const out = (await pbx.rx("core show channels")).stdout;
        return new RegExp(`^PJSIP/${PHONES.a.id}-\\S+ +.*Up +Echo`, "m").test(out) ? out : undefined;
      }, 5000, "the originated channel in core show channels");
      assert.match(list, /^1 active call$/m);
      assert.match((await pbx.rx("channel originate PJSIP/4001 dance")).stdout, /^Usage: channel originate/);
      await pbx.rx("channel request hangup all");
      await a.waitEvent("CALL_CLOSED", 10000);
    } finally {
      await a.stop();
    }
  });

  it("UserEvent reaches sessions reading class user; Events: off stops events", async () => {
    const { c: sender } = await client();
    const { c: listener, events } = await client();
    const raw = await RawAmi.open(amiPort);
    try {
      const r = await raw.action({ Action: "Login", Username: ADMIN.user, Secret: ADMIN.secret });
      assert.equal(r.get("Response"), "Success");
      const off = await raw.action({ Action: "Events", EventMask: "off" });
      assert.equal(off.get("Events"), "Off");
      raw.messages.length = 0;
      const sent = await sender.action({ Action: "UserEvent", UserEvent: "CrmPop", Caller: "4001" }, true);
      assert.equal(sent.Response, "Success");
      await waitUntil(() => events.some((e) => e.Event === "UserEvent"), 3000, "UserEvent");
      const ev = events.find((e) => e.Event === "UserEvent")!;
      assert.equal(ev.UserEvent, "CrmPop");
      assert.equal(ev.Caller, "4001");
      assert.equal(ev.Privilege, "user,all");
      await sleep(300);
      assert.ok(!raw.messages.some((m) => m.get("Event") === "UserEvent"), "a session with Events: off got no event");
      const pong = await raw.action({ Action: "Ping" });
      assert.equal(pong.get("Ping"), "Pong", "but still gets responses");
    } finally {
      raw.close();
      sender.disconnect();
      listener.disconnect();
    }
  });

  it("bans an address after wrong passwords; the right password from elsewhere keeps working", async () => {
    for (let i = 0; i < 10; i++) {
      const raw = await RawAmi.open(amiPort, SERVER_IP, "127.0.0.5").catch(() => undefined);
      if (raw === undefined) break;
      try {
        await raw.action({ Action: "Login", Username: ADMIN.user, Secret: `wrong${i}` }).catch(() => undefined);
      } finally {
        raw.close();
      }
    }
    await waitUntil(async () => /127\.0\.0\.5/.test((await pbx.rx("security show bans")).stdout), 5000, "a ban of 127.0.0.5");
    const banned = await RawAmi.open(amiPort, SERVER_IP, "127.0.0.5").catch(() => undefined);
    if (banned !== undefined) {
      try {
        const r = await banned.action({ Action: "Login", Username: ADMIN.user, Secret: ADMIN.secret }).catch(() => undefined);
        assert.notEqual(r?.get("Response"), "Success", "the right password from the banned address is refused");
      } finally {
        banned.close();
      }
    }
    const other = await RawAmi.open(amiPort, SERVER_IP, "127.0.0.6");
    try {
      const r = await other.action({ Action: "Login", Username: ADMIN.user, Secret: ADMIN.secret, Events: "off" });
      assert.equal(r.get("Response"), "Success");
    } finally {
      other.close();
    }
  });

  it("closes a connection that does not log in within authtimeout", async () => {
    const raw = await RawAmi.open(amiPort);
    await raw.whenClosed(6000);
  });

  it("AMI over TLS (tlsenable): the same banner and login, the certificate verified by the client", async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const sock = tlsConnect({ host: SERVER_IP, port: tlsPort, ca: readFileSync(certFile), servername: "localhost", checkServerIdentity: () => undefined }, () => {
        sock.write(`Action: Login\r\nUsername: ${ADMIN.user}\r\nSecret: ${ADMIN.secret}\r\nEvents: off\r\nActionID: tls1\r\n\r\n`);
      });
      let got = "";
      sock.setEncoding("utf8");
      sock.on("data", (d: string) => {
        got += d;
        if (got.includes("Authentication accepted") || got.includes("Authentication failed")) {
          sock.destroy();
          resolve(got);
        }
      });
      sock.on("error", reject);
      setTimeout(() => reject(new Error(`no answer over TLS: ${got}`)), 5000);
    });
    assert.match(text, /^Asterisk Call Manager\/11\.0\.0\r\n/);
    assert.match(text, /Response: Success\r\nActionID: tls1\r\nMessage: Authentication accepted\r\n\r\n/);
  });

  it("manager show connected and manager show users", async () => {
    const { c } = await client();
    try {
      const r = await pbx.rx("manager show connected");
      assert.match(r.stdout, /^ {2}Username {9}IP Address/m);
      assert.match(r.stdout, /^ {2}admin +127\.0\.0\.1 /m);
      assert.match(r.stdout, /^\d+ users connected\.$/m);
      const u = await pbx.rx("manager show users");
      assert.match(u.stdout, /^admin$/m);
      assert.match(u.stdout, /^2 manager users configured\.$/m);
    } finally {
      c.disconnect();
    }
  });
});
