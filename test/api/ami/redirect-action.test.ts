/**
 * AMI Redirect's replies over a fake call manager: the messages Asterisk's manager.c gives for a
 * missing Channel, an unknown channel or ExtraChannel, a bad priority, a channel that cannot move,
 * and success (single and dual); the Extra* headers default to the first channel's place.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { channelActions } from "../../../src/api/ami/actions/channel-actions.js";
import type { AmiAction, AmiCaller } from "../../../src/api/ami/ami-action.js";
import { AmiMessage } from "../../../src/api/ami/ami-message.js";
import type { RedirectAccess, RedirectPlace } from "../../../src/api/ami/channel-access.js";

/** Two live channels: A can move, B is a callee still ringing (Redirect failed); label `menu` exists. */
function setup() {
  const moved: Array<{ name: string; to: RedirectPlace }> = [];
  const redirects: RedirectAccess = {
    exists: (name) => name === "PJSIP/A-1" || name === "PJSIP/B-2" || name === "PJSIP/C-3",
    check: (name, to) => (!/^\d+$/.test(to.priority) && to.priority !== "menu" ? "invalid-priority" : name === "PJSIP/B-2" ? "failed" : "ok"),
    redirect: (name, to) => {
      moved.push({ name, to });
      return true;
    },
  };
  const actions = channelActions({ channels: { list: () => [], find: () => undefined }, redirects, globals: () => undefined, now: () => 0 });
  const action = actions.find((a) => a.name === "Redirect") as AmiAction;
  const send = async (fields: Record<string, string>) => {
    const r = await action.handle(new AmiMessage(Object.entries(fields)), {} as AmiCaller);
    return { response: r.response, message: r.fields.find(([k]) => k === "Message")?.[1] };
  };
  return { action, send, moved };
}

test("ami Redirect: needs write class call", () => {
  assert.deepEqual(setup().action.privilege, ["call"]);
});

test("ami Redirect: Channel not specified; Channel does not exist: <name>; ExtraChannel does not exist: <name>", async () => {
  const { send, moved } = setup();
  assert.deepEqual(await send({ Context: "default", Exten: "600", Priority: "1" }), { response: "Error", message: "Channel not specified" });
  assert.deepEqual(await send({ Channel: "PJSIP/X-9", Context: "default", Exten: "600", Priority: "1" }), { response: "Error", message: "Channel does not exist: PJSIP/X-9" });
  assert.deepEqual(await send({ Channel: "PJSIP/A-1", ExtraChannel: "PJSIP/Y-8", Context: "default", Exten: "600", Priority: "1" }), { response: "Error", message: "ExtraChannel does not exist: PJSIP/Y-8" });
  assert.equal(moved.length, 0, "nothing moved");
});

test("ami Redirect: a priority that is neither a number nor a label is Invalid priority; a channel that cannot move is Redirect failed", async () => {
  const { send, moved } = setup();
  assert.deepEqual(await send({ Channel: "PJSIP/A-1", Context: "default", Exten: "600", Priority: "nolabel" }), { response: "Error", message: "Invalid priority" });
  assert.deepEqual(await send({ Channel: "PJSIP/A-1", Context: "default", Exten: "600" }), { response: "Error", message: "Invalid priority" });
  assert.deepEqual(await send({ Channel: "PJSIP/B-2", Context: "default", Exten: "600", Priority: "1" }), { response: "Error", message: "Redirect failed" });
  assert.deepEqual(await send({ Channel: "PJSIP/A-1", ExtraChannel: "PJSIP/B-2", Context: "default", Exten: "600", Priority: "1" }), { response: "Error", message: "Redirect failed" });
  assert.equal(moved.length, 0, "a dual redirect moves neither when one cannot move");
});

test("ami Redirect: Redirect successful; with ExtraChannel Dual Redirect successful, the Extra* headers defaulting to the first place", async () => {
  const { send, moved } = setup();
  assert.deepEqual(await send({ Channel: "PJSIP/A-1", Context: "default", Exten: "600", Priority: "menu" }), { response: "Success", message: "Redirect successful" });
  assert.deepEqual(moved.splice(0), [{ name: "PJSIP/A-1", to: { context: "default", exten: "600", priority: "menu" } }]);
  assert.deepEqual(await send({ Channel: "PJSIP/A-1", ExtraChannel: "PJSIP/C-3", Context: "default", Exten: "600", Priority: "1", ExtraExten: "700" }), { response: "Success", message: "Dual Redirect successful" });
  assert.deepEqual(moved, [
    { name: "PJSIP/A-1", to: { context: "default", exten: "600", priority: "1" } },
    { name: "PJSIP/C-3", to: { context: "default", exten: "700", priority: "1" } },
  ]);
});
