import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatDiagnostic } from "../../../src/config/diagnostic.js";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { buildGuardConfig, defaultGuardConfig } from "../../../src/config/guard/load-guard.js";
import { DEFAULT_DECOYS, guardSchema } from "../../../src/config/guard/guard-schema.js";
import { renderGuardSample } from "../../../src/config/guard/guard-sample.js";
import { loadConfiguration } from "../../../src/config/load-configuration.js";

const SAMPLE = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "configs", "samples", "guard.conf.sample"), "utf8");

const load = (text: string) => buildGuardConfig(parseConfigText(text, "guard.conf"));

test("guard.conf: no file means the guard is on with its documented defaults", () => {
  const c = defaultGuardConfig();
  assert.deepEqual(
    [c.enabled, c.bantime, c.findtime, c.maxretry, c.maxUsersPerIp, c.maxUnknown, c.rateLimit, c.rateBurst, c.packetRateLimit, c.packetBurst, c.bantimeFactor, c.bantimeMax, c.recidiveWindow, c.trustTime, c.banLocalNet, c.securityLog, c.nftables, c.nftTable, c.nftSet],
    [true, 3600, 600, 5, 3, 5, 50, 100, 500, 1000, 4, 604800, 604800, 3600, false, true, false, "switchboard", "banned"],
  );
  assert.deepEqual(c.decoys, [...DEFAULT_DECOYS]);
  assert.deepEqual(c.whitelist, []);
  const loaded = loadConfiguration({ kind: "embedded", files: { "pjsip.conf": "" } });
  assert.equal(loaded.guard.enabled, true);
});

test("guard.conf: [general] values are read; whitelist and scanner lists are repeatable", () => {
  const { config, diagnostics } = load("[general]\nbantime=60\nwhitelist=198.51.100.0/24\nwhitelist=192.0.2.10,2001:db8::/32\nscanner_user_agents=evil\nscanner_user_agents=worse\nscanner_uri_patterns=^\\d{2,3}$\ndecoys=admin, trap\nmethod_weights=INVITE:2,OPTIONS:0.5\nnftables=yes\n");
  assert.deepEqual(diagnostics.map(formatDiagnostic), []);
  assert.equal(config.bantime, 60);
  assert.deepEqual(config.whitelist.map((w) => `${w.address}/${w.prefixLength}`), ["198.51.100.0/24", "192.0.2.10/32", "2001:db8::/32"]);
  assert.deepEqual(config.scannerUserAgents, ["evil", "worse"]);
  assert.deepEqual(config.scannerUriPatterns, ["^\\d{2,3}$"], "a regular expression may contain commas");
  assert.deepEqual(config.decoys, ["admin", "trap"]);
  assert.deepEqual(config.methodWeights, ["INVITE:2", "OPTIONS:0.5"]);
  assert.equal(config.nftables, true);
});

test("guard.conf: decoys= with nothing switches decoys off", () => {
  assert.deepEqual(load("[general]\ndecoys=\n").config.decoys, []);
});

test("guard.conf: a bad value keeps that option's default and the guard stays on", () => {
  const { config, diagnostics } = load("[general]\nmaxretry=lots\nscanner_uri_patterns=([\nnft_table=my table\nwhitelist=not-an-ip\n");
  assert.equal(config.enabled, true);
  assert.equal(config.maxretry, 5);
  assert.deepEqual(config.scannerUriPatterns, []);
  assert.equal(config.nftTable, "switchboard");
  assert.deepEqual(config.whitelist, []);
  assert.equal(diagnostics.filter((d) => d.severity === "error").length, 4);
  assert.match(formatDiagnostic(diagnostics[0]!), /^guard\.conf:2: error: \[general\] general: maxretry=lots is not valid; write a whole number of at least 1; keeping maxretry=5$/);
});

test("guard.conf: bantime above bantime_max raises bantime_max with a warning", () => {
  const { config, diagnostics } = load("[general]\nbantime=100\nbantime_max=50\n");
  assert.equal(config.bantimeMax, 100);
  assert.equal(diagnostics[0]?.severity, "warning");
});

test("guard.conf: unknown options and sections are warnings with suggestions", () => {
  const { diagnostics } = load("[general]\nban_time=60\n[jail]\nx=1\n");
  assert.match(diagnostics[0]?.message ?? "", /did you mean 'bantime'\?; ignored/);
  assert.match(diagnostics[1]?.message ?? "", /\[jail\] is not a section of guard\.conf/);
});

test("docs sync: guard.conf.sample is what scripts/gen-samples.ts generates, lists every option and loads cleanly", () => {
  assert.equal(SAMPLE, renderGuardSample(), "run: node --import tsx scripts/gen-samples.ts");
  for (const o of guardSchema.options) assert.ok(SAMPLE.includes(`\n;${o.name}=${o.defaultText}`), `${o.name} in guard.conf.sample`);
  const { config, diagnostics } = load(SAMPLE);
  assert.deepEqual(diagnostics.map(formatDiagnostic), []);
  assert.equal(config.whitelist.length, 2);
});
