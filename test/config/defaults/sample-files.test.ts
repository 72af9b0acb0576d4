import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderPjsipSample, renderRtpSample } from "../../../src/config/defaults/sample-files.js";
import { renderAsteriskSample, renderVoicemailSample } from "../../../src/config/voicemail/voicemail-sample.js";
import { voicemailGeneralSchema } from "../../../src/config/voicemail/voicemail-schema.js";
import { formatDiagnostic } from "../../../src/config/diagnostic.js";
import { loadConfiguration } from "../../../src/config/load-configuration.js";
import { PJSIP_SCHEMAS } from "../../../src/config/pjsip/object-types.js";
import { rtpSchema } from "../../../src/config/rtp/rtp-schema.js";
import { checkTraps } from "../../../src/config/check/traps.js";

const SAMPLES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "configs", "samples");
const pjsipSample = readFileSync(join(SAMPLES, "pjsip.conf.sample"), "utf8");
const rtpSample = readFileSync(join(SAMPLES, "rtp.conf.sample"), "utf8");

test("docs sync: the sample files are what scripts/gen-samples.ts generates from the schemas", () => {
  assert.equal(pjsipSample, renderPjsipSample(), "run: node --import tsx scripts/gen-samples.ts");
  assert.equal(rtpSample, renderRtpSample(), "run: node --import tsx scripts/gen-samples.ts");
});

test("docs sync: voicemail.conf and asterisk.conf samples are generated, list every option, and load without errors", () => {
  const vm = readFileSync(join(SAMPLES, "voicemail.conf.sample"), "utf8");
  const ast = readFileSync(join(SAMPLES, "asterisk.conf.sample"), "utf8");
  assert.equal(vm, renderVoicemailSample(), "run: node --import tsx scripts/gen-samples.ts");
  assert.equal(ast, renderAsteriskSample(), "run: node --import tsx scripts/gen-samples.ts");
  for (const o of voicemailGeneralSchema.options) assert.ok(vm.includes(`\n;${o.name}=${o.defaultText}`), `voicemail ${o.name}`);
  const cfg = loadConfiguration({ kind: "embedded", files: { "pjsip.conf": "", "voicemail.conf": vm, "asterisk.conf": ast } });
  assert.deepEqual(cfg.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic), []);
  assert.equal(cfg.voicemail.mailboxes.get("1001@default")?.email, "alice@example.com");
  assert.deepEqual(cfg.asterisk.soundRoots, ["/usr/share/asterisk/sounds"]);
});

test("docs sync: every schema option appears in its sample with its default", () => {
  for (const schema of PJSIP_SCHEMAS) {
    for (const o of schema.options) assert.ok(pjsipSample.includes(`\n;${o.name}=${o.defaultText}`), `${schema.type}.${o.name} in pjsip.conf.sample`);
  }
  for (const o of rtpSchema.options) assert.ok(rtpSample.includes(`\n;${o.name}=${o.defaultText}`), `rtp ${o.name} in rtp.conf.sample`);
});

test("docs sync: the samples load with no errors and their scenarios trip no traps", () => {
  const cfg = loadConfiguration({ kind: "embedded", files: { "pjsip.conf": pjsipSample, "rtp.conf": rtpSample } });
  assert.deepEqual(cfg.diagnostics.map(formatDiagnostic), []);
  assert.deepEqual(checkTraps(cfg).map(formatDiagnostic), []);
  assert.deepEqual([...cfg.pjsip.endpoints.keys()], ["1001", "mytrunk", "1101"]);
  assert.deepEqual(cfg.pjsip.transports.map((t) => t.protocol), ["udp", "wss"]);
  assert.equal(cfg.rtp.rtpstart, 10000);
});
