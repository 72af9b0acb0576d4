/**
 * ARI against a running PBX with the real `ari-client` package (Asterisk's Node client,
 * unmodified): it reads our Swagger documents, calls REST operations and opens the events
 * WebSocket. baresip registers as 1001 (the endpoint goes online) and calls 600, which runs
 * Stasis(demo,one,two): the application sees ChannelCreated and StasisStart, answers and plays a
 * 440 Hz prompt that baresip must hear, gets the key baresip presses as ChannelDtmfReceived, then
 * hangs up (StasisEnd before ChannelDestroyed).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { get as httpsGet } from "node:https";
import { WebSocket } from "ws";
import { makeSelfSignedCert, type SelfSignedCert } from "../../src/sip/transport/self-signed-cert.js";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { allocatePortBlock, freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { activeSeconds, analyseTone, assertTone, checkTone, makeToneWav } from "../helpers/audio.js";
import { decodeRtp, startRtpCapture } from "../helpers/rtp-capture.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";

/** The parts of ari-client's untyped API this test uses. */
interface AriResourceObject {
  readonly id: string;
  answer(): Promise<void>;
  play(o: { media: string }): Promise<{ id: string; state: string }>;
  continueInDialplan(o: { context?: string; extension?: string; priority?: number }): Promise<void>;
  hangup(): Promise<void>;
}
interface AriEvent {
  readonly type: string;
  readonly application?: string;
  readonly timestamp?: string;
  readonly asterisk_id?: string;
  readonly args?: string[];
  readonly channel?: { id: string; name: string; state: string; dialplan: { context: string; exten: string } };
  readonly playback?: { id: string; state: string };
  readonly digit?: string;
  readonly dialstatus?: string;
  readonly peer?: { id: string; name: string };
  readonly bridge?: { id: string; channels: string[] };
}
interface AriClient {
  asterisk: { getInfo(o?: { only?: string }): Promise<Record<string, Record<string, unknown>>>; ping(): Promise<{ ping: string; asterisk_id: string }> };
  endpoints: { list(): Promise<Array<{ technology: string; resource: string; state: string }>>; get(o: { tech: string; resource: string }): Promise<{ state: string }> };
  channels: { list(): Promise<Array<{ id: string }>> };
  bridges: { list(): Promise<Array<{ id: string; channels: string[]; bridge_class: string }>> };
  applications: { list(): Promise<Array<{ name: string }>> };
  mailboxes: { list(): Promise<Array<{ name: string; old_messages: number; new_messages: number }>> };
  sounds: { get(o: { soundId: string }): Promise<{ id: string; formats: Array<{ language: string; format: string }> }> };
  on(event: string, fn: (e: AriEvent, obj: AriResourceObject) => void): void;
  start(apps: string, subscribeAll?: boolean): Promise<void>;
  stop(): void;
}
const require = createRequire(import.meta.url);
const ari = require("ari-client") as { connect(url: string, user: string, pass: string): Promise<AriClient> };

const SERVER_IP = "127.0.0.1";
const CALLER = { id: "1001", password: randomPassword(), ip: "127.0.0.2" };
const CALLEE = { id: "1002", password: randomPassword(), ip: "127.0.0.3" };
const ARI_USER = { name: "demo-user", password: randomPassword() };

describe("ARI with ari-client: info, endpoints, a refused login, Stasis with answer and play", () => {
  let pbx: Pbx;
  let sipPort: number;
  let httpPort: number;
  let httpsPort: number;
  let cert: SelfSignedCert;
  let client: AriClient | undefined;
  const dir = scratchDir("ari");
  const prompt = makeToneWav(join(dir, "t440.wav"), { frequency: 440, seconds: 3 }).replace(/\.wav$/, "");
  const after660 = makeToneWav(join(dir, "t660.wav"), { frequency: 660, seconds: 3 }).replace(/\.wav$/, "");
  const voice = makeToneWav(join(dir, "caller.wav"), { frequency: 1000, seconds: 60 });
  const url = (): string => `http://${SERVER_IP}:${httpPort}`;

  before(async () => {
    sipPort = await freePort(SERVER_IP);
    httpPort = await freePort(SERVER_IP);
    httpsPort = await freePort(SERVER_IP);
    cert = await makeSelfSignedCert({ dir: join(dir, "tls") });
    const rtp = await allocatePortBlock("0.0.0.0", 20);
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port: sipPort, endpoints: [CALLER, CALLEE].map((p) => ({ id: p.id, password: p.password, context: "internal", maxContacts: 1, removeExisting: true, endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no", dtmf_mode: "rfc4733" } })) }),
        "extensions.conf": `[internal]\nexten => 600,1,Stasis(demo,one,two)\n same => n,Hangup()\nexten => 601,1,Answer()\n same => n,Stasis(demo)\n same => n,Hangup()\nexten => 602,1,Playback(${after660})\n same => n,Hangup()\nexten => 2000,1,Dial(PJSIP/1002,20)\n same => n,Hangup()\nexten => 610,1,Stasis(bridger,inbound)\n same => n,Hangup()\n`,
        "rtp.conf": `[general]\nrtpstart=${rtp}\nrtpend=${rtp + 19}\n`,
        "voicemail.conf": "[default]\n1001 => 1234,Alice\n",
        "http.conf": `[general]\nenabled=yes\nbindaddr=${SERVER_IP}\nbindport=${httpPort}\ntlsenable=yes\ntlsbindaddr=${SERVER_IP}:${httpsPort}\ntlscertfile=${cert.certFile}\ntlsprivatekey=${cert.keyFile}\n`,
        "ari.conf": `[general]\nenabled=yes\n\n[${ARI_USER.name}]\ntype=user\npassword=${ARI_USER.password}\n`,
      },
    });
    client = await ari.connect(url(), ARI_USER.name, ARI_USER.password);
  });

  after(async () => {
    try {
      client?.stop();
    } catch {
      // stop() throws when start() never ran.
    }
    await pbx?.stop();
  });

  it("getInfo and ping answer through the client built from our Swagger documents", async () => {
    const c = client!;
    const info = await c.asterisk.getInfo();
    assert.deepEqual(Object.keys(info).sort(), ["build", "config", "status", "system"]);
    assert.match(String(info.system?.entity_id), /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.match(String(info.status?.startup_time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$/);
    const only = await c.asterisk.getInfo({ only: "system" });
    assert.deepEqual(Object.keys(only), ["system"]);
    const hello = await c.sounds.get({ soundId: "hello-world" });
    assert.ok(hello.formats.some((f) => f.language === "en" && f.format === "wav"), "the shipped hello-world prompt is listed");
    // ari-client wraps each Mailbox in its resource object: compare the fields.
    assert.deepEqual(
      (await c.mailboxes.list()).map((m) => [m.name, m.old_messages, m.new_messages]),
      [["1001@default", 0, 0]],
    );
    const pong = await c.asterisk.ping();
    assert.equal(pong.ping, "pong");
    assert.equal(pong.asterisk_id, info.system?.entity_id);
  });

  it("http show status lists the ARI URI and where the server is bound", async () => {
    const r = await pbx.rx("http show status");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^HTTP Server Status:\nPrefix: \nServer: Switchboard\/\S+\nServer Enabled and Bound to 127\.0\.0\.1:\d+\n\nHTTPS Server Enabled and Bound to 127\.0\.0\.1:\d+\n\nEnabled URI's:\n\/ari\/\.\.\. => Asterisk RESTful API\n/);
  });

  it("tlsenable serves the same ARI over HTTPS with the configured certificate", async () => {
    const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpsGet(`https://${SERVER_IP}:${httpsPort}/ari/asterisk/ping`, { ca: readFileSync(cert.certFile), auth: `${ARI_USER.name}:${ARI_USER.password}` }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on("error", reject);
    });
    assert.equal(body.status, 200);
    assert.equal((JSON.parse(body.text) as { ping: string }).ping, "pong");
  });

  it("endpoints go online when the phone registers; a call into Stasis is seen, answered, played to and hung up", async () => {
    const c = client!;
    const before = await c.endpoints.list();
    assert.deepEqual(
      before.map((e) => [e.technology, e.resource, e.state]),
      [
        ["PJSIP", "1001", "offline"],
        ["PJSIP", "1002", "offline"],
      ],
    );
    const events: AriEvent[] = [];
    let stasisChannel: AriResourceObject | undefined;
    c.on("StasisStart", (_e, channel) => {
      stasisChannel = channel;
    });
    c.on("*", (e) => events.push(e));
    await c.start("demo", true);
    assert.deepEqual(
      (await c.applications.list()).map((a) => a.name),
      ["demo"],
    );

    const rtpBase = await allocatePortBlock("0.0.0.0", 20);
    const b: Baresip = await startBaresip({
      ip: CALLER.ip,
      rtpPorts: `${rtpBase}-${rtpBase + 19}`,
      audioSource: voice,
      maxSeconds: 60,
      accounts: [`<sip:${CALLER.id}@${SERVER_IP}:${sipPort};transport=udp>;auth_pass=${CALLER.password};audio_codecs=PCMU;regint=600`],
    });
    const cap = await startRtpCapture(dir, `udp dst portrange ${rtpBase}-${rtpBase + 19}`, `ari-${Date.now()}`);
    let playedAt = 0;
    let mohAt = 0;
    let mohEnd = 0;
    try {
      await waitUntil(async () => /OK/.test(await b.reginfo()), 10000, "registered");
      await waitUntil(async () => (await c.endpoints.get({ tech: "PJSIP", resource: "1001" })).state === "online", 5000, "endpoint online");
      await b.command(`dial sip:600@${SERVER_IP}:${sipPort}`);
      await waitUntil(() => stasisChannel !== undefined, 10000, "StasisStart");
      const start = events.find((e) => e.type === "StasisStart");
      assert.deepEqual(start?.args, ["one", "two"]);
      assert.equal(start?.application, "demo");
      assert.match(String(start?.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$/);
      assert.match(start?.channel?.name ?? "", /^PJSIP\/1001-[0-9a-f]{8}$/);
      assert.deepEqual([start?.channel?.dialplan.context, start?.channel?.dialplan.exten], ["internal", "600"]);
      assert.ok(
        events.some((e) => e.type === "ChannelCreated" && e.channel?.id === stasisChannel?.id),
        `ChannelCreated for the caller (got ${events.map((e) => e.type).join(", ")})`,
      );
      assert.deepEqual(
        (await c.channels.list()).map((ch) => ch.id),
        [stasisChannel?.id],
      );
      await stasisChannel!.answer();
      await b.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(500);
      await b.command("sndcode 5");
      await waitUntil(() => events.some((e) => e.type === "ChannelDtmfReceived"), 5000, "ChannelDtmfReceived");
      const dtmf = events.find((e) => e.type === "ChannelDtmfReceived");
      assert.deepEqual([dtmf?.digit, dtmf?.channel?.id], ["5", stasisChannel?.id]);
      playedAt = Date.now();
      const pb = await stasisChannel!.play({ media: `sound:${prompt}` });
      assert.ok(pb.id.length > 0);
      await waitUntil(() => events.some((e) => e.type === "PlaybackFinished" && e.playback?.id === pb.id), 10000, "PlaybackFinished");
      assert.ok(events.some((e) => e.type === "PlaybackStarted" && e.playback?.id === pb.id));
      // POST /channels/{id}/moh: the built-in default class until DELETE.
      const moh = stasisChannel as unknown as { startMoh(o: { mohClass?: string }): Promise<void>; stopMoh(): Promise<void> };
      mohAt = Date.now();
      await moh.startMoh({});
      await sleep(3000);
      await moh.stopMoh();
      mohEnd = Date.now();
      await stasisChannel!.hangup();
      await waitUntil(() => events.some((e) => e.type === "ChannelDestroyed"), 5000, "ChannelDestroyed");
      const order = events.filter((e) => e.type === "StasisEnd" || e.type === "ChannelDestroyed").map((e) => e.type);
      assert.deepEqual(order, ["StasisEnd", "ChannelDestroyed"]);
    } finally {
      await b.stop();
    }
    const heard = await cap.stop();
    assertTone(analyseTone(decodeRtp(heard, playedAt, playedAt + 4000), 440, { minSeconds: 2 }), "the caller, after play", 440);
    const music = decodeRtp(heard, mohAt + 500, mohEnd - 200);
    assert.ok(activeSeconds(music) >= 2, `the caller hears music on hold after POST /moh (${activeSeconds(music)} s above silence)`);
    for (const hz of [440, 1000]) assert.equal(analyseTone(music, hz).totalToneSeconds, 0, `music on hold, not ${hz} Hz`);
  });

  it("continue sends the channel back to the dialplan where the application says (602 plays 660 Hz)", async () => {
    const c = client!;
    let entered: AriResourceObject | undefined;
    c.on("StasisStart", (e, channel) => {
      if (e.channel?.dialplan.exten === "601") entered = channel;
    });
    const rtpBase = await allocatePortBlock("0.0.0.0", 20);
    const b: Baresip = await startBaresip({
      ip: CALLER.ip,
      rtpPorts: `${rtpBase}-${rtpBase + 19}`,
      audioSource: voice,
      maxSeconds: 60,
      accounts: [`<sip:${CALLER.id}@${SERVER_IP}:${sipPort};transport=udp>;auth_pass=${CALLER.password};audio_codecs=PCMU;regint=600`],
    });
    const cap = await startRtpCapture(dir, `udp dst portrange ${rtpBase}-${rtpBase + 19}`, `ari-continue-${Date.now()}`);
    let continuedAt = 0;
    try {
      await waitUntil(async () => /OK/.test(await b.reginfo()), 10000, "registered");
      await b.command(`dial sip:601@${SERVER_IP}:${sipPort}`);
      await b.waitEvent("CALL_ESTABLISHED", 10000);
      await waitUntil(() => entered !== undefined, 10000, "StasisStart for 601");
      await sleep(500);
      continuedAt = Date.now();
      await entered!.continueInDialplan({ context: "internal", extension: "602", priority: 1 });
      await b.waitEvent("CALL_CLOSED", 10000);
    } finally {
      await b.stop();
    }
    const heard = await cap.stop();
    assertTone(analyseTone(decodeRtp(heard, continuedAt, continuedAt + 4000), 660, { minSeconds: 2 }), "the caller, after continue to 602", 660);
  });

  it("a call Dial() bridges is seen by a subscribeAll application: Dial, ChannelEnteredBridge, the bridge and both channels", async () => {
    const c = client!;
    const events: AriEvent[] = [];
    c.on("*", (e) => events.push(e));
    const phone = async (p: typeof CALLER, answer: boolean): Promise<Baresip> => {
      const rtpBase = await allocatePortBlock("0.0.0.0", 20);
      return startBaresip({
        ip: p.ip,
        rtpPorts: `${rtpBase}-${rtpBase + 19}`,
        audioSource: voice,
        maxSeconds: 60,
        accounts: [`<sip:${p.id}@${SERVER_IP}:${sipPort};transport=udp>;auth_pass=${p.password};audio_codecs=PCMU;regint=600${answer ? ";answermode=auto" : ""}`],
      });
    };
    const a = await phone(CALLER, false);
    const b = await phone(CALLEE, true);
    try {
      await waitUntil(async () => /OK/.test(await a.reginfo()) && /OK/.test(await b.reginfo()), 10000, "both registered");
      await a.command(`dial sip:2000@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await waitUntil(() => events.filter((e) => e.type === "ChannelEnteredBridge").length >= 2, 5000, "two ChannelEnteredBridge");
      const answered = events.find((e) => e.type === "Dial" && e.dialstatus === "ANSWER");
      assert.match(answered?.peer?.name ?? "", /^PJSIP\/1002-/);
      const bridges = await c.bridges.list();
      assert.equal(bridges.length, 1);
      const ids = (await c.channels.list()).map((ch) => ch.id).sort();
      assert.deepEqual([...(bridges[0]?.channels ?? [])].sort(), ids);
      assert.equal(bridges[0]?.bridge_class, "basic");
      await a.command("hangup");
      await waitUntil(() => events.filter((e) => e.type === "ChannelLeftBridge").length >= 2, 5000, "two ChannelLeftBridge");
      await waitUntil(() => events.filter((e) => e.type === "ChannelDestroyed").length >= 2, 5000, "both channels destroyed");
      assert.deepEqual(await c.bridges.list(), []);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("an application answers a call, plays to it, originates a second phone, bridges the two (audio both ways) and hangs up; events in order", async () => {
    interface Ctl extends AriResourceObject {
      readonly id: string;
    }
    interface BridgeObj {
      readonly id: string;
      addChannel(o: { channel: string[] }): Promise<void>;
      removeChannel(o: { channel: string }): Promise<void>;
      play(o: { media: string }): Promise<{ id: string; target_uri: string }>;
      destroy(): Promise<void>;
    }
    const app = (await ari.connect(url(), ARI_USER.name, ARI_USER.password)) as unknown as AriClient & {
      channels: { originate(o: Record<string, unknown>): Promise<{ id: string; name: string; state: string }>; get(o: { channelId: string }): Promise<{ state: string }>; getChannelVar(o: { channelId: string; variable: string }): Promise<{ value: string }> };
      bridges: { create(o: { type: string; name: string }): Promise<BridgeObj>; get(o: { bridgeId: string }): Promise<{ channels: string[]; bridge_class: string; bridge_type: string }> };
    };
    const events: AriEvent[] = [];
    let inbound: Ctl | undefined;
    let dialed: Ctl | undefined;
    app.on("*", (e) => events.push(e));
    app.on("StasisStart", (e, ch) => {
      if (e.args?.[0] === "inbound") inbound = ch;
      if (e.args?.[0] === "dialed") dialed = ch;
    });
    await app.start("bridger");
    const voiceB = makeToneWav(join(dir, "callee770.wav"), { frequency: 770, seconds: 60 });
    const phone = async (p: typeof CALLER, source: string, answer: boolean): Promise<Baresip> => {
      const rtpBase = await allocatePortBlock("0.0.0.0", 20);
      return startBaresip({
        ip: p.ip,
        rtpPorts: `${rtpBase}-${rtpBase + 19}`,
        audioSource: source,
        maxSeconds: 60,
        accounts: [`<sip:${p.id}@${SERVER_IP}:${sipPort};transport=udp>;auth_pass=${p.password};audio_codecs=PCMU;regint=600${answer ? ";answermode=auto" : ""}`],
      });
    };
    const a = await phone(CALLER, voice, false);
    const b = await phone(CALLEE, voiceB, true);
    try {
      await waitUntil(async () => /OK/.test(await a.reginfo()) && /OK/.test(await b.reginfo()), 10000, "both registered");
      await a.command(`dial sip:610@${SERVER_IP}:${sipPort}`);
      await waitUntil(() => inbound !== undefined, 10000, "StasisStart of the caller");
      await inbound!.answer();
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      const pb = await inbound!.play({ media: `sound:${prompt}` });
      await waitUntil(() => events.some((e) => e.type === "PlaybackFinished" && e.playback?.id === pb.id), 10000, "the prompt played");

      const out = await app.channels.originate({ endpoint: `PJSIP/${CALLEE.id}`, app: "bridger", appArgs: "dialed", callerId: '"Bridger" <7000>', variables: { CRM_ID: "31" } });
      assert.match(out.name, /^PJSIP\/1002-[0-9a-f]{8}$/);
      await waitUntil(() => dialed !== undefined, 10000, "StasisStart of the originated channel");
      assert.equal(dialed!.id, out.id, "the channel originate returned is the one that entered Stasis");
      assert.equal((await app.channels.getChannelVar({ channelId: out.id, variable: "CRM_ID" })).value, "31", "variables from the body are on the channel");
      await b.waitEvent("CALL_ESTABLISHED", 10000);

      const bridge = await app.bridges.create({ type: "mixing", name: "ari-test" });
      await bridge.addChannel({ channel: [inbound!.id, out.id] });
      const shown = await app.bridges.get({ bridgeId: bridge.id });
      assert.deepEqual([...shown.channels].sort(), [inbound!.id, out.id].sort());
      assert.deepEqual([shown.bridge_class, shown.bridge_type], ["stasis", "mixing"]);
      const ctl = inbound as unknown as { mute(o: { direction: string }): Promise<void>; unmute(o: { direction: string }): Promise<void> };
      await ctl.mute({ direction: "in" });
      await ctl.unmute({ direction: "in" });
      const held = inbound as unknown as { hold(): Promise<void>; unhold(): Promise<void> };
      await held.hold();
      await held.unhold();
      await waitUntil(() => events.some((e) => e.type === "ChannelUnhold" && e.channel?.id === inbound!.id), 5000, "ChannelUnhold");
      assert.ok(events.findIndex((e) => e.type === "ChannelHold" && e.channel?.id === inbound!.id) < events.findIndex((e) => e.type === "ChannelUnhold"), "ChannelHold, then ChannelUnhold");
      await sleep(4000);
      // Played to the bridge: both phones hear the prompt (the callee hears 440 Hz only from here).
      const onBridge = await bridge.play({ media: `sound:${prompt}` });
      assert.equal(onBridge.target_uri, `bridge:${bridge.id}`);
      await waitUntil(() => events.some((e) => e.type === "PlaybackFinished" && e.playback?.id === onBridge.id), 10000, "the bridge's playback finished");
      await dialed!.hangup();
      await b.waitEvent("CALL_CLOSED", 10000);
      await waitUntil(() => events.some((e) => e.type === "ChannelLeftBridge" && e.channel?.id === out.id), 5000, "the hung-up channel left the bridge");
      await inbound!.hangup();
      await a.waitEvent("CALL_CLOSED", 10000);
      await bridge.destroy();
      await waitUntil(() => events.some((e) => e.type === "BridgeDestroyed"), 5000, "BridgeDestroyed");
      const order = events
        .filter((e) => ["StasisStart", "ChannelEnteredBridge", "ChannelLeftBridge", "StasisEnd", "ChannelDestroyed", "BridgeDestroyed"].includes(e.type))
        .map((e) => `${e.type} ${e.channel?.id === inbound?.id ? "caller" : e.channel?.id === out.id ? "dialed" : ""}`.trim());
      assert.deepEqual(order, [
        "StasisStart caller",
        "StasisStart dialed",
        "ChannelEnteredBridge caller",
        "ChannelEnteredBridge dialed",
        "ChannelLeftBridge dialed",
        "StasisEnd dialed",
        "ChannelDestroyed dialed",
        "ChannelLeftBridge caller",
        "StasisEnd caller",
        "ChannelDestroyed caller",
        "BridgeDestroyed",
      ]);
    } finally {
      app.stop();
      await a.stop();
      await b.stop();
    }
    await sleep(300);
    const heardByA = a.recordings().find((f) => f.endsWith("-dec.wav"));
    const heardByB = b.recordings().find((f) => f.endsWith("-dec.wav"));
    assert.ok(heardByA && heardByB, `recordings: ${a.recordings().join(",")} / ${b.recordings().join(",")}`);
    assertTone(checkTone(heardByA, 440, { minSeconds: 2 }), "the caller, hearing the prompt", 440);
    assertTone(checkTone(heardByA, 770, { minSeconds: 2 }), "the caller, bridged to the originated phone", 770);
    assertTone(checkTone(heardByB, 1000, { minSeconds: 2 }), "the originated phone, bridged to the caller", 1000);
    assertTone(checkTone(heardByB, 440, { minSeconds: 2 }), "the originated phone, hearing the prompt played to the bridge", 440);
  });

  it("an application records the caller (RecordingStarted, RecordingFinished), the stored recording holds its tone and can be fetched, copied and deleted", async () => {
    const app = (await ari.connect(url(), ARI_USER.name, ARI_USER.password)) as unknown as AriClient & {
      recordings: { listStored(): Promise<Array<{ name: string; format: string }>>; copyStored(o: { recordingName: string; destinationRecordingName: string }): Promise<{ name: string }>; deleteStored(o: { recordingName: string }): Promise<void> };
    };
    const events: AriEvent[] = [];
    let inbound: (AriResourceObject & { record(o: Record<string, unknown>): Promise<{ name: string; state: string }> }) | undefined;
    app.on("*", (e) => events.push(e));
    app.on("StasisStart", (_e, ch) => {
      inbound = ch as typeof inbound;
    });
    await app.start("bridger");
    const rtpBase = await allocatePortBlock("0.0.0.0", 20);
    const a = await startBaresip({ ip: CALLER.ip, rtpPorts: `${rtpBase}-${rtpBase + 19}`, audioSource: voice, maxSeconds: 60, accounts: [`<sip:${CALLER.id}@${SERVER_IP}:${sipPort};transport=udp>;auth_pass=${CALLER.password};audio_codecs=PCMU;regint=600`] });
    try {
      await waitUntil(async () => /OK/.test(await a.reginfo()), 10000, "registered");
      await a.command(`dial sip:610@${SERVER_IP}:${sipPort}`);
      await waitUntil(() => inbound !== undefined, 10000, "StasisStart");
      await inbound!.answer();
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(500);
      const live = await inbound!.record({ name: "ari/caller-1", format: "wav", maxDurationSeconds: 3, beep: false });
      assert.equal(live.name, "ari/caller-1");
      await waitUntil(() => events.some((e) => e.type === "RecordingFinished"), 10000, "RecordingFinished");
      const started = events.findIndex((e) => e.type === "RecordingStarted");
      const finished = events.find((e) => e.type === "RecordingFinished") as (AriEvent & { recording?: { state: string; duration?: number; target_uri: string } }) | undefined;
      assert.ok(started >= 0, "RecordingStarted came first");
      assert.equal(finished?.recording?.state, "done");
      assert.equal(finished?.recording?.target_uri, `channel:${inbound!.id}`);
      assert.ok((finished?.recording?.duration ?? 0) >= 2, `duration ${finished?.recording?.duration}`);
      const stored = async () => (await app.recordings.listStored()).map((r) => ({ name: r.name, format: r.format }));
      assert.deepEqual(await stored(), [{ name: "ari/caller-1", format: "wav" }]);
      const file = await fetch(`${url()}/ari/recordings/stored/${encodeURIComponent("ari/caller-1")}/file`, { headers: { Authorization: `Basic ${Buffer.from(`${ARI_USER.name}:${ARI_USER.password}`).toString("base64")}` } });
      assert.equal(file.status, 200);
      assert.equal(file.headers.get("content-type"), "audio/wav");
      const wavPath = join(dir, "fetched-recording.wav");
      writeFileSync(wavPath, Buffer.from(await file.arrayBuffer()));
      assertTone(checkTone(wavPath, 1000, { minSeconds: 2 }), "the recording of the caller", 1000);
      assert.equal((await app.recordings.copyStored({ recordingName: "ari/caller-1", destinationRecordingName: "ari/copy" })).name, "ari/copy");
      await app.recordings.deleteStored({ recordingName: "ari/caller-1" });
      assert.deepEqual(await stored(), [{ name: "ari/copy", format: "wav" }]);
      await inbound!.hangup();
      await a.waitEvent("CALL_CLOSED", 10000);
    } finally {
      app.stop();
      await a.stop();
    }
  });

  it("a wrong password is refused with 401 and Asterisk's JSON body, on REST and on the events WebSocket, and reaches the guard", async () => {
    // ari-client cannot be asked: its swagger layer throws the 401 out of an HTTP callback
    // (an uncaught exception), so the events WebSocket is tried with ws, as ari-client opens it.
    const refused = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://${SERVER_IP}:${httpPort}/ari/events?app=demo&api_key=${ARI_USER.name}:wrong`);
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => reject(new Error("the events WebSocket opened with a wrong password")));
      ws.on("error", () => undefined);
    });
    assert.equal(refused, 401);
    const res = await fetch(`${url()}/ari/asterisk/info`, { headers: { Authorization: `Basic ${Buffer.from(`${ARI_USER.name}:wrong`).toString("base64")}` } });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("www-authenticate"), 'Basic realm="Asterisk REST Interface"');
    assert.deepEqual(await res.json(), { message: "Authentication required" });
    const key = await fetch(`${url()}/ari/asterisk/ping?api_key=${ARI_USER.name}:${encodeURIComponent(ARI_USER.password)}`);
    assert.equal(key.status, 200);
    // The failures reached the guard as security events, as failed SIP logins do.
    const log = join(pbx.dataDir, "security.log");
    await waitUntil(() => existsSync(log) && /SecurityEvent="InvalidPassword".*Service="ARI".*AccountID="demo-user"/.test(readFileSync(log, "utf8")), 5000, "InvalidPassword with Service ARI in security.log");
  });
});
