import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_SCANNER_USER_AGENTS } from "../../../src/config/guard/guard-schema.js";
import { ScannerSignatureDetector, compileSignatures } from "../../../src/security/detectors/scanner-signature.js";

const d = new ScannerSignatureDetector(() => compileSignatures(DEFAULT_SCANNER_USER_AGENTS, ["^\\d{8,}$"]));

test("scanner-signature detector: known scanner User-Agents match case-insensitively", () => {
  for (const ua of ["friendly-scanner", "SIPVicious 0.3.3", "sipcli/v1.8", "pplsip", "VaxSIPUserAgent/3.1"]) {
    assert.equal(d.check({ ip: "192.0.2.9", userAgent: ua })?.kind, "scanner", ua);
  }
});

test("scanner-signature detector: ordinary phones and admin tools do not match", () => {
  for (const ua of ["Yealink SIP-T46S 66.85.0.5", "baresip v1.0.0 (x86_64/linux)", "sipsak 0.9.8", "SIPp", "Linphone/5.1", ""]) {
    assert.equal(d.check({ ip: "192.0.2.9", userAgent: ua }), undefined, ua);
  }
});

test("scanner-signature detector: From/To user patterns match, and the shown text is cleaned", () => {
  const f = d.check({ ip: "192.0.2.9", userAgent: "x", toUser: "0097250000001" });
  assert.equal(f?.evidence.field, "To");
  const g = new ScannerSignatureDetector(() => compileSignatures(["evil"], [])).check({ ip: "192.0.2.9", userAgent: `EVIL'\n"x` });
  assert.equal(g?.summary, "scanner User-Agent 'EVIL???x'");
});
