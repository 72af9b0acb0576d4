import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../../src/config/diagnostic.js";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { buildRtpConfig, type RtpConfigResult } from "../../../src/config/rtp/load-rtp.js";

function load(text: string): RtpConfigResult {
  return buildRtpConfig(parseConfigText(text, "rtp.conf"));
}

test("rtp.conf: a missing file gives Asterisk's code defaults", () => {
  const { config, diagnostics } = buildRtpConfig(undefined);
  assert.deepEqual(
    [config.rtpstart, config.rtpend, config.rtpchecksums, config.dtmftimeout, config.rtcpinterval, config.strictrtp, config.probation, config.icesupport, config.srtpreplayprotection, config.dtlsMtu, config.stunaddr],
    [5000, 31000, false, 1200, 5000, "yes", 4, true, true, 1200, ""],
  );
  assert.deepEqual(diagnostics, []);
});

test("rtp.conf: [general] values are read", () => {
  const { config, diagnostics } = load("[general]\nrtpstart=10000\nrtpend=20000\nstrictrtp=seqno\nicesupport=false\nstunaddr=stun.example.com:3478\n");
  assert.deepEqual([config.rtpstart, config.rtpend, config.strictrtp, config.icesupport, config.stunaddr], [10000, 20000, "seqno", false, "stun.example.com:3478"]);
  // icesupport is ICE's global switch (docs/ice.md): read, and nothing to warn about.
  assert.deepEqual(diagnostics.map(formatDiagnostic), []);
});

test("rtp.conf: strictrtp accepts any yes/no word", () => {
  assert.equal(load("[general]\nstrictrtp=off\n").config.strictrtp, "no");
});

test("rtp.conf: ports are clamped to 1024-65535", () => {
  const { config, diagnostics } = load("[general]\nrtpstart=80\nrtpend=70000\n");
  assert.deepEqual([config.rtpstart, config.rtpend], [1024, 65535]);
  assert.equal(diagnostics.length, 2);
});

test("rtp.conf: rtpstart >= rtpend resets to 5000-31000 with Asterisk's warning", () => {
  const { config, diagnostics } = load("[general]\nrtpstart=20000\nrtpend=10000\n");
  assert.deepEqual([config.rtpstart, config.rtpend], [5000, 31000]);
  assert.match(formatDiagnostic(diagnostics[0]!), /^rtp\.conf:1: warning: Unreasonable values for RTP start\/end port in rtp\.conf/);
});

test("rtp.conf: a bad value keeps that option's default and the rest loads", () => {
  const { config, diagnostics } = load("[general]\nrtpstart=abc\nrtpend=20000\n");
  assert.deepEqual([config.rtpstart, config.rtpend], [5000, 20000]);
  assert.deepEqual(diagnostics.map(formatDiagnostic), [
    "rtp.conf:2: error: [general] general: rtpstart=abc is not valid; write a whole number of at least 0; keeping rtpstart=5000",
  ]);
});

test("rtp.conf: an unknown option is a warning with a suggestion", () => {
  const { diagnostics } = load("[general]\nrtp_start=10000\n");
  assert.equal(diagnostics[0]?.severity, "warning");
  assert.match(diagnostics[0]?.message ?? "", /Could not find option 'rtp_start' .* did you mean 'rtpstart'\?; ignored/);
});
