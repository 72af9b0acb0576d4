/** features.conf: pickupexten read (Asterisk's default *8), DTMF features declared not implemented. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { buildFeaturesConfig } from "../../../src/config/features/load-features.js";

test("features.conf: without the file pickupexten is *8", () => {
  assert.equal(buildFeaturesConfig(undefined).config.general.pickupexten, "*8");
});

test("features.conf: pickupexten is read; a DTMF feature code and an application map are named as not implemented", () => {
  const parsed = parseConfigText("[general]\npickupexten = *88\n\n[featuremap]\nblindxfer = #9\n\n[applicationmap]\nfoo => *9,self,Playback(beep)\n", "features.conf");
  const r = buildFeaturesConfig(parsed);
  assert.equal(r.config.general.pickupexten, "*88");
  const texts = r.diagnostics.map((d) => d.message);
  assert.ok(texts.some((t) => /blindxfer/.test(t) && /not implemented/.test(t)), texts.join("\n"));
  assert.ok(texts.some((t) => /\[applicationmap\] is not implemented/.test(t)), texts.join("\n"));
});
