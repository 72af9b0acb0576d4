import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecurityEventStream } from "../../src/security/events.js";
import { SecurityLog, encodeAddress, eventTv, formatSecurityEvent } from "../../src/security/security-log.js";
import { securityEvent } from "./helpers.js";

const T = new Date(2026, 10, 26, 8, 0, 1, 123).getTime(); // local time, as the log writes it

function offset(): string {
  const off = -new Date(T).getTimezoneOffset();
  const abs = Math.abs(off);
  return `${off >= 0 ? "+" : "-"}${String(Math.floor(abs / 60)).padStart(2, "0")}${String(abs % 60).padStart(2, "0")}`;
}

test("security log: ChallengeResponseFailed is written in Asterisk's exact SecurityEvent layout", () => {
  const ev = securityEvent("ChallengeResponseFailed", "10.253.0.1", "2001", T, { sessionId: "abc@10.253.0.1", challenge: "n1", response: "r1", expectedResponse: "" });
  assert.equal(
    formatSecurityEvent(ev, 4583),
    `[2026-11-26 08:00:01] SECURITY[4583] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="2026-11-26T08:00:01.123${offset()}",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="2001",SessionID="abc@10.253.0.1",LocalAddress="IPV4/UDP/192.0.2.1/5060",RemoteAddress="IPV4/UDP/10.253.0.1/5060",Challenge="n1",Response="r1",ExpectedResponse=""`,
  );
});

test("security log: severities and extra fields per event type", () => {
  const line = (type: Parameters<typeof securityEvent>[0]) => formatSecurityEvent(securityEvent(type, "10.253.0.1", "2001", T), 1);
  assert.match(line("ChallengeSent"), /Severity="Info",.*,Challenge=""$/);
  assert.match(line("SuccessfulAuth"), /Severity="Info",.*,UsingPassword="1"$/);
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

test("security log: the file gets one line per event and none when disabled", async () => {
  const dir = mkdtempSync(join(tmpdir(), "seclog-"));
  try {
    const events = new SecurityEventStream();
    let on = true;
    const log = new SecurityLog({ path: join(dir, "security.log"), events, enabled: () => on });
    events.publish(securityEvent("ChallengeSent", "10.253.0.1", "2001", T));
    events.publish(securityEvent("ChallengeResponseFailed", "10.253.0.1", "2001", T));
    on = false;
    events.publish(securityEvent("ChallengeResponseFailed", "10.253.0.1", "2001", T));
    log.close();
    await new Promise((r) => setTimeout(r, 50));
    const lines = readFileSync(join(dir, "security.log"), "utf8").trim().split("\n");
    assert.equal(lines.length, 2);
    assert.match(lines[1] ?? "", /SecurityEvent="ChallengeResponseFailed"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const FILTER = "/etc/fail2ban/filter.d/asterisk.conf";
const haveFail2ban = existsSync("/usr/bin/fail2ban-regex") && existsSync(FILTER);

test("security log: fail2ban's stock asterisk filter matches exactly the Error events, with the right host", { skip: haveFail2ban ? false : "fail2ban-regex not installed" }, () => {
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
