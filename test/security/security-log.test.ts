import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SecurityEventStream } from "../../src/security/events.js";
import { SecurityLog, encodeAddress, eventTv, formatSecurityEvent } from "../../src/security/security-log.js";
import { securityEvent } from "./helpers.js";
import { ASTERISK_SOURCE, CaptureLogger, nullLogger, type Logger } from "../../src/core/logger.js";

const T = new Date(2026, 10, 26, 8, 0, 1, 123).getTime(); // local time, as the log writes it

function offset(at: number): string {
  const off = -new Date(at).getTimezoneOffset();
  const abs = Math.abs(off);
  return `${off >= 0 ? "+" : "-"}${String(Math.floor(abs / 60)).padStart(2, "0")}${String(abs % 60).padStart(2, "0")}`;
}

test("security log: ChallengeResponseFailed is written in Asterisk's exact SecurityEvent layout", () => {
  const ev = securityEvent("ChallengeResponseFailed", "10.253.0.1", "2001", T, { sessionId: "abc@10.253.0.1", challenge: "n1", response: "r1", expectedResponse: "" });
  assert.equal(
    formatSecurityEvent(ev, 4583),
    `[Nov 26 08:00:01] SECURITY[4583] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="2026-11-26T08:00:01.123${offset(T)}",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="2001",SessionID="abc@10.253.0.1",LocalAddress="IPV4/UDP/192.0.2.1/5060",RemoteAddress="IPV4/UDP/10.253.0.1/5060",Challenge="n1",Response="r1",ExpectedResponse=""`,
  );
});

/** Asterisk 22.10.1's own security.log (test/fixtures/asterisk), recorded in UTC. */
const RECORDED = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "asterisk", "logs-security.txt"), "utf8").split("\n");

test("security log: Asterisk's recorded ChallengeSent and ChallengeResponseFailed lines, reproduced byte for byte from the same values", () => {
  // Dec 1 has a one-digit day: `%e` pads it with a space, `[Dec  1 23:02:48]`.
  const at = (ms: number) => new Date(2026, 11, 1, 23, 2, 48, ms).getTime();
  const same = {
    sessionId: "4owjsidq5v5dc8k1@127.0.0.7",
    local: { transport: "UDP", address: "127.0.0.1", port: 25170 },
    remote: { transport: "UDP", address: "127.0.0.7", port: 25171 },
  };
  const sent = securityEvent("ChallengeSent", "127.0.0.7", "2001", at(213), same);
  const failed = securityEvent("ChallengeResponseFailed", "127.0.0.7", "2001", at(214), {
    ...same,
    challenge: "1796166168/7ec064bd88a25d3183c3f346123e291e",
    response: "7801b0a42c3e54f88c707e37a2957c80",
  });
  // The recording's EventTV carries the recording machine's zone (+0000); ours carries ours.
  const local = (line: string | undefined) => (line ?? "").replace(/\+0000"/, `${offset(at(0))}"`);
  assert.equal(formatSecurityEvent(sent, 11633), local(RECORDED[0]));
  assert.equal(formatSecurityEvent(failed, 11633), local(RECORDED[1]));
});

test("security log: severities and extra fields per event type", () => {
  const line = (type: Parameters<typeof securityEvent>[0]) => formatSecurityEvent(securityEvent(type, "10.253.0.1", "2001", T), 1);
  assert.match(line("ChallengeSent"), /Severity="Informational",.*,Challenge=""$/);
  assert.match(line("SuccessfulAuth"), /Severity="Informational",.*,UsingPassword="1"$/);
  assert.match(line("InvalidAccountID"), /Severity="Error",.*RemoteAddress="IPV4\/UDP\/10\.253\.0\.1\/5060"$/);
  assert.match(line("FailedACL"), /SecurityEvent="FailedACL",.*Severity="Error"/);
});

test("security log: quotes, backslashes and control characters from the network are removed", () => {
  const ev = securityEvent("InvalidAccountID", "10.253.0.1", "x", T, { accountId: `evil",RemoteAddress="IPV4/UDP/1.2.3.4/5060\r\n[x]`, sessionId: "a\\b" });
  const out = formatSecurityEvent(ev, 1);
  assert.doesNotMatch(out, /[\r\n]/);
  assert.equal(out.match(/RemoteAddress="/g)?.length, 1, "no forged RemoteAddress field");
  assert.match(out, /AccountID="evil,RemoteAddress=IPV4\/UDP\/1\.2\.3\.4\/5060\[x\]"/);
});

test("security log: addresses are encoded IPV4|IPV6/transport/address/port", () => {
  assert.equal(encodeAddress({ transport: "tcp", address: "2001:db8::1", port: 5061 }), "IPV6/TCP/2001:db8::1/5061");
  assert.equal(encodeAddress({ transport: "UDP", address: "::ffff:192.0.2.5", port: 5060 }), "IPV4/UDP/192.0.2.5/5060");
  assert.match(eventTv(new Date(T)), /^2026-11-26T08:00:01\.123[+-]\d{4}$/);
});

test("security log: each event is one SECURITY line to the logger, built only when a channel takes it", () => {
  const events = new SecurityEventStream();
  const log = new CaptureLogger();
  const seclog = new SecurityLog({ events, log });
  events.publish(securityEvent("ChallengeSent", "10.253.0.1", "2001", T));
  events.publish(securityEvent("ChallengeResponseFailed", "10.253.0.1", "2001", T));
  seclog.close();
  events.publish(securityEvent("ChallengeResponseFailed", "10.253.0.1", "2001", T));
  assert.equal(log.records.length, 2);
  assert.ok(log.records.every((r) => r.security === true && r.ctx[ASTERISK_SOURCE] === "res_security_log.c"));
  assert.match(log.records[1]?.msg ?? "", /^SecurityEvent="ChallengeResponseFailed",EventTV="/);
  let built = 0;
  const quiet: Logger = { ...nullLogger, child: () => quiet, wants: () => false, security: () => void built++ };
  const off = new SecurityLog({ events, log: quiet });
  events.publish(securityEvent("ChallengeSent", "10.253.0.1", "2001", T));
  off.close();
  assert.equal(built, 0);
});

const FILTER = "/etc/fail2ban/filter.d/asterisk.conf";

test("security log: fail2ban's stock asterisk filter matches exactly the Error events, with the right host", () => {
  // npm test installs fail2ban (scripts/test.sh), so a missing one is a failure, not a skip.
  assert.ok(existsSync(FILTER), `${FILTER} is missing: install Debian's fail2ban package`);
  const dir = mkdtempSync(join(tmpdir(), "seclog-f2b-"));
  try {
    const now = Date.now();
    const lines = [
      formatSecurityEvent(securityEvent("ChallengeSent", "10.253.0.1", "2001", now)),
      formatSecurityEvent(securityEvent("ChallengeResponseFailed", "10.253.0.1", "2001", now, { response: "abc" })),
      formatSecurityEvent(securityEvent("InvalidAccountID", "10.253.0.2", "9999", now)),
      formatSecurityEvent(securityEvent("SuccessfulAuth", "10.253.0.3", "2002", now)),
      formatSecurityEvent(securityEvent("FailedACL", "10.253.0.4", "2002", now)),
    ];
    const file = join(dir, "security.log");
    execFileSync("sh", ["-c", 'cat > "$1"', "sh", file], { input: lines.join("\n") + "\n" });
    const out = execFileSync("fail2ban-regex", ["--print-all-matched", file, FILTER], { encoding: "utf8" });
    assert.match(out, /Lines: 5 lines, 0 ignored, 3 matched, 2 missed/);
    for (const host of ["10.253.0.1", "10.253.0.2", "10.253.0.4"]) assert.ok(out.includes(host), host);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
