import { test } from "node:test";
import assert from "node:assert/strict";
import { PhoneAssets } from "../../../src/api/phone/phone-assets.js";

test("phone page: index.html and phone.css as they are; phone.js bundled with JsSIP for the browser, once", async () => {
  const assets = new PhoneAssets();
  const html = await assets.get("index.html");
  assert.match(html?.type ?? "", /^text\/html/);
  assert.match(html?.body.toString() ?? "", /<script src="phone.js"><\/script>/);
  assert.match((await assets.get("phone.css"))?.type ?? "", /^text\/css/);
  const started = performance.now();
  const js = await assets.get("phone.js");
  const ms = performance.now() - started;
  assert.match(js?.type ?? "", /^text\/javascript/);
  const text = js?.body.toString() ?? "";
  assert.ok(!/\bimport\s*[{"']|require\(["']jssip/.test(text), "no import or require left: one script for the browser");
  assert.match(text, /switchboardPhone/);
  assert.match(text, /WebSocketInterface|Sec-WebSocket|sip/i);
  assert.ok(text.length > 50_000, `JsSIP is in it (${text.length} bytes)`);
  assert.equal(await assets.get("phone.js"), js, "built once");
  assert.ok(ms < 10_000, `${ms.toFixed(0)} ms`);
  assert.equal(await assets.get("../package.json"), undefined);
  assert.equal(await assets.get("phone.ts"), undefined);
});
