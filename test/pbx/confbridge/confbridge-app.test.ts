/**
 * ConfBridge() on scripted channels: joining puts the channel's media leg in the conference's
 * room, the Confbridge* events carry Asterisk's fields, a PIN is asked and checked, max_members
 * refuses a non-admin, marked participants bring wait_marked ones in and end_marked ones out,
 * the console lists, mutes and kicks, and CONFBRIDGE_RESULT says how each one left.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureLogger } from "../../../src/core/logger.js";
import { buildConfbridgeConfig } from "../../../src/config/confbridge/load-confbridge.js";
import { parseConfigText } from "../../../src/config/index.js";
import type { ConferenceSettings } from "../../../src/media/index.js";
import { createCoreAppRegistry } from "../../../src/pbx/apps/index.js";
import { createCoreFuncRegistry } from "../../../src/pbx/funcs/index.js";
import { DialplanExecutor } from "../../../src/pbx/dialplan/executor.js";
import type { PlayOutcome } from "../../../src/pbx/dialplan/channel.js";
import { createPbxEventBus, type ChannelView } from "../../../src/pbx/events.js";
import { confBridgeApp } from "../../../src/pbx/confbridge/confbridge-app.js";
import { conferencesText, participantsText, registerConfbridgeCommands } from "../../../src/pbx/confbridge/confbridge-commands.js";
import { Conferences, type ConferenceMedia } from "../../../src/pbx/confbridge/conference.js";
import type { CliCommand } from "../../../src/core/commands.js";
import { FakeChannel, dialplanFrom } from "../dialplan/fake-channel.js";

class ConfChannel extends FakeChannel {
  readonly mediaLegId: string;
  readonly typed: string[] = [];
  private ended: Array<() => void> = [];
  constructor(readonly num: string) {
    super(`PJSIP/${num}-0000000${num.slice(-1)}`);
    this.mediaLegId = `rtp-${num}`;
  }
  view(): ChannelView {
    return { name: this.name, state: "Up", callerIdNum: this.num, callerIdName: "", context: "conf", exten: "100", priority: 1, uniqueid: `u-${this.num}`, linkedid: `u-${this.num}` };
  }
  play(what: string): Promise<PlayOutcome> {
    this.calls.push(`play(${what})`);
    return Promise.resolve({ status: "ok" });
  }
  readDigit(): Promise<string | undefined> {
    return Promise.resolve(this.typed.shift());
  }
  override wait(): Promise<void> {
    if (this.gone) return Promise.resolve();
    return new Promise((r) => this.ended.push(r));
  }
  override hangup(cause?: number): Promise<void> {
    void cause;
    this.gone = true;
    for (const r of this.ended.splice(0)) r();
    return Promise.resolve();
  }
}

class FakeMedia implements ConferenceMedia {
  readonly log: string[] = [];
  joinConference(room: string, legId: string, settings: ConferenceSettings, muted: boolean): void {
    this.log.push(`join ${legId} ${settings.internalRate}/${settings.intervalMs}${muted ? " muted" : ""}`);
    void room;
  }
  leaveConference(legId: string): void {
    this.log.push(`leave ${legId}`);
  }
  muteInConference(legId: string, muted: boolean): void {
    this.log.push(`${muted ? "mute" : "unmute"} ${legId}`);
  }
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

function setup(confText: string, dialplan = "[conf]\nexten => 100,1,ConfBridge(100,${BP},${UP})\n same => n,Set(AFTER=${CONFBRIDGE_RESULT})\n") {
  const bus = createPbxEventBus();
  const events: Array<{ name: string; p: Record<string, unknown> }> = [];
  bus.onAny((name, p) => events.push({ name, p: p as unknown as Record<string, unknown> }));
  const media = new FakeMedia();
  const conferences = new Conferences({ media: () => media, events: bus, now: () => 0 });
  const config = buildConfbridgeConfig(parseConfigText(confText, "confbridge.conf")).config;
  const apps = createCoreAppRegistry();
  apps.register(confBridgeApp({ config: () => config, conferences }));
  const log = new CaptureLogger();
  const exec = new DialplanExecutor({ dialplan: () => dialplanFrom(dialplan), log, apps, funcs: createCoreFuncRegistry() });
  const commands = new Map<string, CliCommand>();
  registerConfbridgeCommands({ register: (c) => (commands.set(c.command, c), () => commands.delete(c.command)) }, conferences);
  const cli = async (line: string): Promise<string> => {
    const cmd = [...commands.values()].find((c) => line.startsWith(c.command));
    assert.ok(cmd, line);
    return cmd.handler({ args: line.slice(cmd.command.length).trim().split(/\s+/).filter((w) => w.length > 0), line });
  };
  const enter = (num: string, bp = "", up = "", prep: (ch: ConfChannel) => void = () => {}) => {
    const ch = new ConfChannel(num);
    ch.vars.set("BP", bp);
    ch.vars.set("UP", up);
    prep(ch);
    const done = exec.run(ch, "conf", "100");
    return { ch, done };
  };
  return { events, media, conferences, enter, cli, log };
}

test("ConfBridge: members join the room at the profile's settings, events carry Asterisk's fields, the console lists and kicks", async () => {
  const s = setup("[wide]\ntype=bridge\ninternal_sample_rate=16000\nmixing_interval=40\n[boss]\ntype=user\nadmin=yes\nmarked=yes\n");
  const a = s.enter("1001", "wide", "boss");
  await tick();
  const b = s.enter("1002", "wide");
  await tick();
  assert.deepEqual(s.media.log, ["join rtp-1001 16000/40", "join rtp-1002 16000/40"]);
  assert.ok(a.ch.answered && b.ch.answered);
  assert.ok(a.ch.calls.includes("playback(conf-onlyperson)"), "the first one hears it is alone");
  assert.ok(!b.ch.calls.includes("playback(conf-onlyperson)"));
  const start = s.events.find((e) => e.name === "ConfbridgeStart");
  assert.equal(start?.p.Conference, "100");
  assert.equal(start?.p.BridgeTechnology, "softmix");
  const joins = s.events.filter((e) => e.name === "ConfbridgeJoin");
  assert.deepEqual(joins.map((e) => [e.p.Channel, e.p.Admin, e.p.Muted, e.p.BridgeNumChannels]), [
    [a.ch.name, "Yes", "No", 1],
    [b.ch.name, "No", "No", 2],
  ]);
  assert.match(conferencesText(s.conferences.list()), /^100 {30} {5}2 {6}1 No {5}No$/m);
  const members = participantsText(s.conferences.get("100")!);
  assert.match(members, /^PJSIP\/1001-00000001 {12}AM {5}boss {13}wide {30}1001$/m);
  assert.match(await s.cli("confbridge mute 100 PJSIP/1002-00000002"), /Muting PJSIP\/1002-00000002 from confbridge 100/);
  assert.deepEqual(s.media.log.at(-1), "mute rtp-1002");
  assert.match(participantsText(s.conferences.get("100")!), /^PJSIP\/1002-00000002\s+m\s+default_user/m);
  assert.equal(s.events.filter((e) => e.name === "ConfbridgeMute").length, 1);
  await assert.rejects(s.cli("confbridge kick 100 PJSIP/9999-1"), /No participant named/);
  assert.match(await s.cli("confbridge kick 100 PJSIP/1002-00000002"), /Kicked 'PJSIP\/1002-00000002' out of conference '100'/);
  await b.done;
  assert.equal(b.ch.vars.get("AFTER"), "KICKED");
  assert.ok(b.ch.calls.includes("playback(conf-kicked)"));
  await a.ch.hangup();
  await a.done;
  assert.equal(a.ch.vars.get("CONFBRIDGE_RESULT"), "HANGUP");
  assert.deepEqual(s.events.filter((e) => e.name.startsWith("Confbridge")).map((e) => e.name), ["ConfbridgeStart", "ConfbridgeJoin", "ConfbridgeJoin", "ConfbridgeMute", "ConfbridgeLeave", "ConfbridgeLeave", "ConfbridgeEnd"]);
  assert.equal(s.conferences.list().length, 0);
  assert.deepEqual(s.media.log.slice(-2), ["leave rtp-1002", "leave rtp-1001"]);
});

test("ConfBridge: a PIN is asked; a wrong one three times fails (hangup), the right one joins", async () => {
  const s = setup("[locked]\ntype=user\npin=42\n");
  const wrong = s.enter("1001", "", "locked", (ch) => ch.typed.push("1", "#", "2", "#", "9", "9", "#"));
  await wrong.done;
  assert.equal(wrong.ch.vars.get("AFTER"), undefined, "the dialplan ended there");
  assert.equal(wrong.ch.vars.get("CONFBRIDGE_RESULT"), "FAILED");
  assert.equal(wrong.ch.calls.filter((c) => c === "play(conf-getpin)").length, 3);
  assert.equal(wrong.ch.calls.filter((c) => c === "playback(conf-invalidpin)").length, 3);
  assert.deepEqual(s.media.log, []);
  const right = s.enter("1002", "", "locked", (ch) => ch.typed.push("4", "2", "#"));
  await tick();
  assert.deepEqual(s.media.log, ["join rtp-1002 auto/20"]);
  await right.ch.hangup();
  await right.done;
});

test("ConfBridge: max_members refuses a non-admin with sound_locked; an admin still gets in", async () => {
  const s = setup("[small]\ntype=bridge\nmax_members=1\n[boss]\ntype=user\nadmin=yes\n");
  const a = s.enter("1001", "small");
  await tick();
  const b = s.enter("1002", "small");
  await b.done;
  assert.equal(b.ch.vars.get("AFTER"), undefined, "the dialplan ended there");
  assert.equal(b.ch.vars.get("CONFBRIDGE_RESULT"), "FAILED");
  assert.ok(b.ch.calls.includes("playback(conf-locked)"));
  const c = s.enter("1003", "small", "boss");
  await tick();
  assert.equal(s.conferences.get("100")?.participants.length, 2);
  for (const x of [a, c]) await x.ch.hangup();
  await Promise.all([a.done, c.done]);
});

test("ConfBridge: wait_marked waits out of the mix until the marked one joins; end_marked leaves with it (ENDMARKED)", async () => {
  const s = setup("[staff]\ntype=user\nwait_marked=yes\nend_marked=yes\n[chair]\ntype=user\nmarked=yes\n[guest]\ntype=user\nwait_marked=yes\n");
  const staff = s.enter("1001", "", "staff");
  const guest = s.enter("1002", "", "guest");
  await tick();
  assert.deepEqual(s.media.log, [], "nobody is mixed before the marked participant");
  assert.ok(staff.ch.calls.includes("playback(conf-waitforleader)"));
  assert.match(participantsText(s.conferences.get("100")!), /^PJSIP\/1001-00000001\s+WEw\s+staff\s+default_bridge\s+1001$/m);
  const chair = s.enter("1003", "", "chair");
  await tick();
  assert.deepEqual(s.media.log.slice().sort(), ["join rtp-1001 auto/20", "join rtp-1002 auto/20", "join rtp-1003 auto/20"]);
  await chair.ch.hangup();
  await chair.done;
  await staff.done;
  assert.equal(staff.ch.vars.get("AFTER"), "ENDMARKED");
  assert.ok(staff.ch.calls.includes("playback(conf-leaderhasleft)"));
  // The guest (wait_marked, not end_marked) waits again, out of the mix.
  assert.equal(s.conferences.get("100")?.participants[0]?.waiting, true);
  assert.match(s.media.log.join("\n"), /leave rtp-1002/);
  await guest.ch.hangup();
  await guest.done;
  assert.equal(s.conferences.list().length, 0);
});

test("ConfBridge: an unknown profile fails; startmuted joins muted; a timeout ends the stay with TIMEOUT", async () => {
  const s = setup("[quick]\ntype=user\ntimeout=1\nstartmuted=yes\nquiet=yes\n");
  const bad = s.enter("1001", "nosuch");
  await bad.done;
  assert.equal(bad.ch.vars.get("AFTER"), undefined, "the dialplan ended there");
  assert.equal(bad.ch.vars.get("CONFBRIDGE_RESULT"), "FAILED");
  assert.match(s.log.records.map((r) => r.msg).join("\n"), /Conference bridge profile nosuch does not exist/);
  const q = s.enter("1002", "", "quick");
  await tick();
  assert.deepEqual(s.media.log, ["join rtp-1002 auto/20 muted"]);
  assert.ok(!q.ch.calls.some((c) => c.startsWith("playback(")), "quiet: no announcements");
  await q.done;
  assert.equal(q.ch.vars.get("AFTER"), "TIMEOUT");
  assert.equal(s.events.find((e) => e.name === "ConfbridgeJoin")?.p.Muted, "Yes");
});
