/**
 * The Bridge over a fake media engine: what it asks the relay to join and unjoin, and the
 * BridgeEnter/BridgeLeave it reports (counts after each channel entered or left, as Asterisk).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Bridge, type BridgeMember } from "../../../src/pbx/bridge/bridge.js";
import { createPbxEventBus, type ChannelView } from "../../../src/pbx/events.js";

function fakeMedia() {
  const calls: string[] = [];
  return { calls, bridge: (a: string, b: string) => void calls.push(`bridge ${a} ${b}`), unbridge: (id: string) => void calls.push(`unbridge ${id}`) };
}

function member(name: string, leg: string): BridgeMember {
  const view: ChannelView = { name, state: "Up", callerIdNum: "1001", callerIdName: "", context: "default", exten: "2000", priority: 1, uniqueid: `u-${leg}`, linkedid: "u-a" };
  return { name, mediaLegId: leg, view: () => view };
}

function setup() {
  const media = fakeMedia();
  const bus = createPbxEventBus();
  const seen: string[] = [];
  bus.onAny((name, p) => {
    const f = p as { Channel: string; BridgeNumChannels: number; BridgeUniqueid: string };
    seen.push(`${name} ${f.Channel} ${f.BridgeNumChannels}`);
  });
  const bridge = new Bridge({ media, events: bus, now: () => 1000, creator: "Dial" });
  return { media, bus, seen, bridge, a: member("PJSIP/1001-00000001", "leg-a"), b: member("PJSIP/2000-00000002", "leg-b") };
}

test("bridge: join joins the two media legs and reports BridgeEnter for each with the count after entering", () => {
  const { media, seen, bridge, a, b } = setup();
  bridge.join(a, b);
  assert.deepEqual(media.calls, ["bridge leg-a leg-b"]);
  assert.deepEqual(seen, ["BridgeCreate undefined 0", "BridgeEnter PJSIP/1001-00000001 1", "BridgeEnter PJSIP/2000-00000002 2"]);
  assert.equal(bridge.state, "joined");
  assert.ok(bridge.has(a.name) && bridge.has(b.name));
});

test("bridge: close unjoins both legs and reports BridgeLeave for each; a second close does nothing", () => {
  const { media, seen, bridge, a, b } = setup();
  bridge.join(a, b);
  seen.length = 0;
  media.calls.length = 0;
  bridge.close();
  bridge.close();
  assert.deepEqual(media.calls, ["unbridge leg-a", "unbridge leg-b"]);
  assert.deepEqual(seen, ["BridgeLeave PJSIP/1001-00000001 1", "BridgeLeave PJSIP/2000-00000002 0", "BridgeDestroy undefined 0"]);
  assert.equal(bridge.state, "closed");
  assert.equal(bridge.has(a.name), false);
  bridge.join(a, b);
  assert.deepEqual(media.calls, ["unbridge leg-a", "unbridge leg-b"], "a closed bridge joins nothing again");
});

test("bridge: early media relays the pair without bridge events; the answer then reports BridgeEnter", () => {
  const { media, seen, bridge, a, b } = setup();
  const c = member("PJSIP/3000-00000003", "leg-c");
  bridge.earlyMedia(a, c);
  bridge.earlyMedia(a, b);
  assert.deepEqual(seen, []);
  assert.equal(bridge.has(a.name), false, "not bridged yet: the console shows no bridge id");
  bridge.join(a, b);
  assert.deepEqual(media.calls, ["bridge leg-a leg-c", "bridge leg-a leg-b", "bridge leg-a leg-b"]);
  assert.equal(seen.length, 3, "BridgeCreate and two BridgeEnter");
});

test("bridge: closing an early-media bridge unjoins the media and reports no BridgeLeave", () => {
  const { media, seen, bridge, a, b } = setup();
  bridge.earlyMedia(a, b);
  bridge.close();
  assert.deepEqual(media.calls, ["bridge leg-a leg-b", "unbridge leg-a", "unbridge leg-b"]);
  assert.deepEqual(seen, []);
});

test("bridge: the id is a UUID, the events carry it, and dump() shows state and channels", () => {
  const { bus, bridge, a, b } = setup();
  const ids: string[] = [];
  bus.on("BridgeEnter", (e) => ids.push(e.BridgeUniqueid));
  bridge.join(a, b);
  assert.match(bridge.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.deepEqual(ids, [bridge.id, bridge.id]);
  assert.deepEqual(bridge.dump(), { id: bridge.id, state: "joined", channels: [a.name, b.name], createdAt: 1000, joinedAt: 1000 });
  assert.notEqual(new Bridge({ media: fakeMedia(), events: bus, now: () => 0 }).id, bridge.id);
});

test("bridge: nobody listening, no payload is built", () => {
  const media = fakeMedia();
  let built = 0;
  const m = (n: string): BridgeMember => ({ name: n, mediaLegId: n, view: () => { built++; return member(n, n).view(); } });
  const bridge = new Bridge({ media, events: createPbxEventBus(), now: () => 0 });
  bridge.join(m("x"), m("y"));
  bridge.close();
  assert.equal(built, 0);
  assert.equal(media.calls.length, 3);
});
