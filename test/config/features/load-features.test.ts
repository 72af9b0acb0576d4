/** features.conf: pickupexten (Asterisk's default *8), the feature codes and timers read; the attended transfer by DTMF and application maps declared not implemented. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { buildFeaturesConfig } from "../../../src/config/features/load-features.js";

test("features.conf: without the file pickupexten is *8, blind transfer # and disconnect * (Asterisk's built-in codes), the rest off", () => {
  const c = buildFeaturesConfig(undefined).config;
  assert.equal(c.general.pickupexten, "*8");
  assert.deepEqual({ ...c.featuremap }, { blindxfer: "#", disconnect: "*", automon: "", atxfer: "", parkcall: "", automixmon: "" });
  assert.equal(c.general.featuredigittimeout, 1000);
  assert.equal(c.general.transferdigittimeout, 3);
});

test("features.conf: pickupexten and the codes are read; atxferswap and an application map are named as not implemented", () => {
  const parsed = parseConfigText("[general]\npickupexten = *88\ntransferdigittimeout = 5\natxferabort = *9\natxferswap = *5\n\n[featuremap]\nblindxfer = #9\ndisconnect =\natxfer = *2\n\n[applicationmap]\nfoo => *9,self,Playback(beep)\n", "features.conf");
  const r = buildFeaturesConfig(parsed);
  assert.equal(r.config.general.pickupexten, "*88");
  assert.equal(r.config.general.transferdigittimeout, 5);
  assert.equal(r.config.featuremap.blindxfer, "#9");
  assert.equal(r.config.featuremap.disconnect, "", "an empty code switches the feature off");
  const texts = r.diagnostics.map((d) => d.message);
  assert.ok(!texts.some((t) => /blindxfer/.test(t)), texts.join("\n"));
  assert.equal(r.config.featuremap.atxfer, "*2");
  assert.equal(r.config.general.atxferabort, "*9");
  assert.ok(!texts.some((t) => /option 'atxfer(abort)?'/.test(t)), texts.join("\n"));
  assert.ok(texts.some((t) => /atxferswap/.test(t) && /not implemented/.test(t)), texts.join("\n"));
  assert.ok(texts.some((t) => /\[applicationmap\] is not implemented/.test(t)), texts.join("\n"));
});
