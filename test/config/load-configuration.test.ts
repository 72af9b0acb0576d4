import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkTraps } from "../../src/config/check/traps.js";
import { runCheck } from "../../src/config/check/run-check.js";
import { formatDiagnostic } from "../../src/config/diagnostic.js";
import { loadConfiguration } from "../../src/config/load-configuration.js";
import { loadPjsipConfig } from "../../src/config/pjsip/load-pjsip.js";
import { loadRtpConfig } from "../../src/config/rtp/load-rtp.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "config");

test("loadConfiguration: Asterisk's canonical deployment (reference §1.12) loads with no errors", () => {
  const cfg = loadConfiguration({ kind: "dir", dir: join(FIXTURES, "asterisk-minimal") });
  const errors = cfg.diagnostics.filter((d) => d.severity === "error");
  assert.deepEqual(errors.map(formatDiagnostic), []);
  assert.deepEqual([...cfg.pjsip.endpoints.keys()], ["6001", "mytrunk"]);
  assert.deepEqual([...cfg.pjsip.auths.keys()], ["6001", "mytrunk_auth"]);
  assert.equal(cfg.pjsip.auths.get("6001")?.authType, "digest");
  assert.equal(cfg.pjsip.aors.get("6001")?.maxContacts, 1);
  assert.deepEqual(cfg.pjsip.aors.get("mytrunk")?.contact, ["sip:198.51.100.1:5060"]);
  assert.equal(cfg.pjsip.identifies[0]?.endpoint, "mytrunk");
  assert.equal(cfg.pjsip.transports[0]?.externalMediaAddress, "203.0.113.1");
  assert.deepEqual([cfg.rtp.rtpstart, cfg.rtp.rtpend], [10000, 20000]);
  assert.ok(cfg.extensions, "extensions.conf is passed through");
  assert.ok(cfg.extensions.categories.some((c) => c.name === "from-internal"));
  assert.equal(cfg.pjsip.registrations.get("mytrunk")?.serverUri, "sip:sip.example.com", "the registration section is loaded");
  assert.deepEqual(cfg.diagnostics.filter((d) => d.severity === "error"), []);
  // The one trap that depends on the machine: Alice's email with no sendmail installed here.
  const traps = checkTraps(cfg);
  assert.deepEqual(traps.filter((d) => !/mailcmd=\/usr\/sbin\/sendmail -t does not exist here/.test(d.message)), []);
  assert.equal(traps.length, existsSync("/usr/sbin/sendmail") ? 0 : 1);
  assert.equal(cfg.voicemail.mailboxes.get("6001@default")?.fullName, "Alice");
  assert.deepEqual(cfg.files.map((f) => f.slice(f.lastIndexOf("/") + 1)), ["pjsip.conf", "rtp.conf", "voicemail.conf", "extensions.conf"]);
});

test("loadConfiguration: includes and tryinclude globs resolve inside the configuration directory", () => {
  const cfg = loadConfiguration({ kind: "dir", dir: join(FIXTURES, "includes") });
  assert.deepEqual(cfg.diagnostics.map(formatDiagnostic), []);
  assert.deepEqual([...cfg.pjsip.endpoints.keys()], ["2001", "2002"]);
  assert.equal(cfg.pjsip.endpoints.get("2002")?.file, "pjsip.d/phone-2002.conf");
  assert.equal(cfg.pjsip.aors.get("2001")?.maxContacts, 1);
  assert.deepEqual(checkTraps(cfg), []);
});

test("loadPjsipConfig/loadRtpConfig: read a directory directly", () => {
  const pjsip = loadPjsipConfig(join(FIXTURES, "includes"));
  assert.equal(pjsip.endpoints.size, 2);
  const rtp = loadRtpConfig(join(FIXTURES, "includes"));
  assert.equal(rtp.config.rtpstart, 5000, "no rtp.conf: defaults");
});

test("loadConfiguration: a directory without pjsip.conf is an error, rtp.conf is optional", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-config-"));
  try {
    const cfg = loadConfiguration({ kind: "dir", dir });
    assert.equal(cfg.diagnostics.length, 1);
    assert.equal(cfg.diagnostics[0]?.severity, "error");
    assert.match(cfg.diagnostics[0]?.message ?? "", /pjsip\.conf not found in /);
    assert.equal(cfg.rtp.rtpend, 31000);
    assert.equal(cfg.extensions, undefined);
    assert.equal(runCheck({ kind: "dir", dir }).errors, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("loadConfiguration: embedded files resolve #include inside the map", () => {
  const cfg = loadConfiguration({
    kind: "embedded",
    files: { "pjsip.conf": "#include extra/phones.conf\n", "extra/phones.conf": "[9]\ntype=endpoint\n" },
  });
  assert.deepEqual([...cfg.pjsip.endpoints.keys()], ["9"]);
  assert.deepEqual(cfg.files, ["pjsip.conf", "extra/phones.conf"]);
});
