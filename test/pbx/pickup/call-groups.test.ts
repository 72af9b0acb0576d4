/** Call and pickup groups: numbered ranges 0-63 and named groups; who may pick up whom. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mayPickUp, parseNamedGroups, parseNumberedGroups } from "../../../src/pbx/pickup/call-groups.js";

test("call-groups: numbered groups with ranges, out of range and junk left out", () => {
  assert.deepEqual([...parseNumberedGroups("1,3-5")], [1, 3, 4, 5]);
  assert.deepEqual([...parseNumberedGroups(" 7 , 5-4 ")], [7, 4, 5]);
  assert.deepEqual([...parseNumberedGroups("62-70,x,,-1")], [62, 63]);
  assert.deepEqual([...parseNumberedGroups("")], []);
  assert.deepEqual([...parseNamedGroups("sales, support,,")], ["sales", "support"]);
});

test("call-groups: a pickup group must meet a call group (numbered or named)", () => {
  const ep = (o: Partial<Record<"callGroup" | "pickupGroup" | "namedCallGroup" | "namedPickupGroup", string>>) => ({ callGroup: "", pickupGroup: "", namedCallGroup: "", namedPickupGroup: "", ...o });
  assert.equal(mayPickUp(ep({ pickupGroup: "1-3" }), ep({ callGroup: "2" })), true);
  assert.equal(mayPickUp(ep({ pickupGroup: "1-3" }), ep({ callGroup: "4" })), false);
  assert.equal(mayPickUp(ep({ namedPickupGroup: "sales" }), ep({ namedCallGroup: "support,sales" })), true);
  assert.equal(mayPickUp(ep({ pickupGroup: "1" }), ep({ namedCallGroup: "1" })), false, "numbered and named groups are apart");
  assert.equal(mayPickUp(ep({}), ep({ callGroup: "1" })), false, "no pickup group: nothing to pick up");
});
