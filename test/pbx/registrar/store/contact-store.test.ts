import { test } from "node:test";
import assert from "node:assert/strict";
import { contactId } from "../../../../src/pbx/registrar/store/contact-store.js";

test("contactId: same AOR and URI give the same id; different URIs differ", () => {
  assert.equal(contactId("6001", "sip:6001@a"), contactId("6001", "sip:6001@a"));
  assert.notEqual(contactId("6001", "sip:6001@a"), contactId("6001", "sip:6001@b"));
  assert.match(contactId("6001", "sip:6001@a"), /^6001;@[0-9a-f]{32}$/);
});
