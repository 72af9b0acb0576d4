/**
 * The Confbridge* AMI actions over a running conference (no media): list rooms and participants
 * with Asterisk's fields, kick and mute by channel or `all`, and the errors for a missing or
 * unknown conference or channel.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { confbridgeActions } from "../../../src/api/ami/actions/confbridge-actions.js";
import type { AmiAction, AmiCaller, AmiFields } from "../../../src/api/ami/ami-action.js";
import { AmiMessage } from "../../../src/api/ami/ami-message.js";
import { buildConfbridgeConfig } from "../../../src/config/confbridge/load-confbridge.js";
import { parseConfigText } from "../../../src/config/index.js";
import { Conferences, type LeaveReason } from "../../../src/pbx/confbridge/conference.js";
import { createPbxEventBus, type ChannelView } from "../../../src/pbx/events.js";

function setup() {
  const cfg = buildConfbridgeConfig(parseConfigText("[boss]\ntype=user\nadmin=yes\nmarked=yes\n", "confbridge.conf")).config;
  const muted: string[] = [];
  const media = { joinConference: () => {}, leaveConference: () => {}, muteInConference: (leg: string, m: boolean) => void muted.push(`${leg} ${m}`) };
  const conferences = new Conferences({ media: () => media, events: createPbxEventBus(), now: () => 1000 });
  const conf = conferences.open("100", cfg.bridges.get("default_bridge")!, "default_bridge");
  const out: Array<[string, LeaveReason]> = [];
  const view = (n: string) => (): ChannelView => ({ name: `PJSIP/${n}-1`, state: "Up", callerIdNum: n, callerIdName: "", context: "c", exten: "100", priority: 1, uniqueid: `u${n}`, linkedid: `u${n}` });
  for (const [n, profile] of [["1001", "boss"], ["1002", "default_user"]] as const) {
    conf.join({ name: `PJSIP/${n}-1`, mediaLegId: `rtp-${n}`, view: view(n), user: cfg.users.get(profile)!, userProfile: profile, bridgeProfile: "default_bridge", menu: "", sendOut: (r) => void out.push([n, r]) });
  }
  const actions = confbridgeActions({ conferences: () => conferences, now: () => 5000 });
  const send = async (name: string, fields: Record<string, string> = {}) => {
    const a = actions.find((x) => x.name === name) as AmiAction;
    return a.handle(new AmiMessage(Object.entries(fields)), {} as AmiCaller);
  };
  return { send, out, muted, actions };
}

const field = (f: AmiFields, k: string) => f.find(([x]) => x === k)?.[1];

test("ami ConfbridgeListRooms and ConfbridgeList: the rooms and the participants with Asterisk's fields", async () => {
  const s = setup();
  const rooms = await s.send("ConfbridgeListRooms");
  assert.equal(rooms.response, "Success");
  assert.equal(field(rooms.fields, "EventList"), "start");
  assert.deepEqual(rooms.events?.[0], [["Event", "ConfbridgeListRooms"], ["Conference", "100"], ["Parties", 2], ["Marked", 1], ["Locked", "No"], ["Muted", "No"]]);
  assert.equal(field(rooms.events?.[1] ?? [], "Event"), "ConfbridgeListRoomsComplete");
  const list = await s.send("ConfbridgeList", { Conference: "100" });
  assert.equal(list.events?.length, 3);
  const first = list.events?.[0] ?? [];
  assert.equal(field(first, "Channel"), "PJSIP/1001-1");
  assert.equal(field(first, "Admin"), "Yes");
  assert.equal(field(first, "MarkedUser"), "Yes");
  assert.equal(field(first, "AnsweredTime"), 4);
  assert.equal(field(list.events?.[2] ?? [], "ListItems"), 2);
  assert.equal(field((await s.send("ConfbridgeList")).fields, "Message"), "No Conference name provided.");
  assert.equal(field((await s.send("ConfbridgeList", { Conference: "9" })).fields, "Message"), "No Conference by that name found.");
});

test("ami ConfbridgeKick / ConfbridgeMute / ConfbridgeUnmute: by channel, participants or all; class call", async () => {
  const s = setup();
  for (const n of ["ConfbridgeKick", "ConfbridgeMute", "ConfbridgeUnmute"]) assert.deepEqual(s.actions.find((a) => a.name === n)?.privilege, ["call"]);
  assert.equal(field((await s.send("ConfbridgeMute", { Conference: "100", Channel: "PJSIP/1002-1" })).fields, "Message"), "User muted");
  assert.deepEqual(s.muted, ["rtp-1002 true"]);
  assert.equal(field((await s.send("ConfbridgeUnmute", { Conference: "100", Channel: "all" })).fields, "Message"), "User unmuted");
  assert.deepEqual(s.muted, ["rtp-1002 true", "rtp-1002 false"], "1001 was not muted, so unmuting it changes nothing");
  assert.equal(field((await s.send("ConfbridgeKick", { Conference: "100", Channel: "PJSIP/9-9" })).fields, "Message"), "No Channel by that name found in Conference.");
  assert.equal(field((await s.send("ConfbridgeKick", { Conference: "100", Channel: "participants" })).fields, "Message"), "User kicked");
  assert.deepEqual(s.out, [["1002", "KICKED"]], "participants: the admin stays");
});
