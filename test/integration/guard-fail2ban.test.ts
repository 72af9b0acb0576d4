/**
 * Compatibility with fail2ban: the security log (Asterisk's SecurityEvent lines) and the NOTICE
 * lines in messages.log must be matched, unchanged, by the `asterisk` filter of Debian's fail2ban
 * package, checked with its own tool, `fail2ban-regex`. The attacker (127.0.0.80) stays below
 * every ban threshold so that all its attempts are answered and logged; a legitimate phone
 * (127.0.0.81) registers successfully and must not be matched.
 *
 * The expected lines are those real Asterisk 22 writes for the same exchange (recorded in
 * ../shared/reference/asterisk-cli/logs-*.txt): one attempt is a REGISTER, its 401 challenge, the
 * REGISTER with credentials and the final 401.
 *   wrong password  messages.log: Failed to authenticate                        (1 line, matched)
 *                   security.log: ChallengeSent, ChallengeResponseFailed        (2 lines, 1 matched)
 *   unknown user    messages.log: No matching endpoint found ×2, Failed to authenticate
 *                                                                               (3 lines, matched)
 *                   security.log: InvalidAccountID, ChallengeSent, InvalidAccountID,
 *                                 ChallengeResponseFailed                       (4 lines, 3 matched)
 *   the phone       security.log: ChallengeSent, SuccessfulAuth                 (2 lines, none matched)
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { SipClient } from "../helpers/sip-client.js";
import { waitUntil } from "../helpers/processes.js";
import { fail2banRegex, fail2banUnavailableReason, guardConf } from "../helpers/guard-harness.js";

const SERVER_IP = "127.0.0.1";
const ATTACKER = "127.0.0.80";
const PHONE = "127.0.0.81";
const WRONG_PASSWORDS = 4;
const UNKNOWN_USERS = ["7771", "7772", "7773"];

/** security.log events, in order, as Asterisk writes them for this test's exchanges. */
const SECURITY_EVENTS: ReadonlyArray<readonly [string, string]> = [
  ...Array.from({ length: WRONG_PASSWORDS }, () => [["ChallengeSent", ATTACKER], ["ChallengeResponseFailed", ATTACKER]] as const).flat(),
  ...UNKNOWN_USERS.flatMap(() => [["InvalidAccountID", ATTACKER], ["ChallengeSent", ATTACKER], ["InvalidAccountID", ATTACKER], ["ChallengeResponseFailed", ATTACKER]] as const),
  ["ChallengeSent", PHONE],
  ["SuccessfulAuth", PHONE],
];
/** The events the stock filter counts (its SecurityEvent failregex). */
const FAIL2BAN_EVENTS = new Set(["FailedACL", "InvalidAccountID", "ChallengeResponseFailed", "InvalidPassword"]);
const SECURITY_MATCHED = SECURITY_EVENTS.filter(([e]) => FAIL2BAN_EVENTS.has(e)).length; // 4×1 + 3×3 = 13

/** messages.log "Request … failed for" reasons, in order (user, reason). */
const NOTICES: ReadonlyArray<readonly [string, string]> = [
  ...Array.from({ length: WRONG_PASSWORDS }, () => ["2001", "Failed to authenticate"] as const),
  ...UNKNOWN_USERS.flatMap((u) => [[u, "No matching endpoint found"], [u, "No matching endpoint found"], [u, "Failed to authenticate"]] as const),
];
const NOTICES_MATCHED = NOTICES.length; // 4×1 + 3×3 = 13: every one of them is a failregex line

const readOr = (path: string): string => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
};

/** SecurityEvent name and remote IP of every security.log line. */
function securityEvents(text: string): Array<[string, string]> {
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => [/SecurityEvent="([^"]*)"/.exec(l)?.[1] ?? `unparsed: ${l}`, /RemoteAddress="IPV4\/UDP\/([^/"]+)\//.exec(l)?.[1] ?? "?"]);
}

/** (From user, reason) of every "Request 'REGISTER' … failed for" NOTICE in messages.log. */
function failureNotices(text: string): Array<[string, string]> {
  return [...text.matchAll(/NOTICE\[\d+\] \S+: Request 'REGISTER' from '[^']*<sip:([^@>]+)@[^']*' failed for '([^']+)' \(callid: [^)]*\) - (.*)$/gm)].map((m) => [m[1] ?? "", m[3] ?? ""]);
}

describe("guard logs for fail2ban (integration: Debian's fail2ban-regex with the stock asterisk filter)", () => {
  let pbx: Pbx;
  let port: number;
  const phone = { id: "2001", password: randomPassword() };

  before(async () => {
    // The test command installs fail2ban; without it this test fails rather than skips.
    const missing = await fail2banUnavailableReason();
    assert.equal(missing, undefined, `fail2ban is required: ${missing}`);
    port = await freePort(SERVER_IP);
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints: [phone] }),
        // Thresholds far above what the test sends: every attempt must be answered and logged.
        "guard.conf": guardConf({ security_log: "yes", maxretry: 100, max_users_per_ip: 100, max_unknown: 100, decoys: "9000" }),
      },
    });
    const attacker = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: ATTACKER });
    const legit = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: PHONE });
    try {
      for (let i = 0; i < WRONG_PASSWORDS; i++) {
        const r = await attacker.register({ user: phone.id, password: `wrong-${i}`, expires: 60 });
        assert.notEqual(r.final.status, 200);
      }
      for (const user of UNKNOWN_USERS) {
        const r = await attacker.register({ user, password: "guess", expires: 60 });
        assert.notEqual(r.final.status, 200);
      }
      assert.equal((await legit.register({ user: phone.id, password: phone.password, expires: 60 })).final.status, 200);
    } finally {
      attacker.close();
      legit.close();
    }
    // Both logs are written asynchronously; wait (generously) until every expected line is there.
    // A log that never gets them fails the run here, with what it did get.
    const securityPath = join(pbx.dataDir, "security.log");
    await waitUntil(() => securityEvents(readOr(securityPath)).length >= SECURITY_EVENTS.length, 20000, `${SECURITY_EVENTS.length} security.log lines`).catch((err: Error) =>
      assert.fail(`${err.message}; security.log has:\n${readOr(securityPath).slice(-4000)}`));
    await waitUntil(() => failureNotices(pbx.messagesLog()).length >= NOTICES.length, 20000, `${NOTICES.length} 'Request … failed for' NOTICE lines`).catch((err: Error) =>
      assert.fail(`${err.message}\n${pbx.diagnostics()}`));
  });
  after(async () => {
    await pbx?.stop();
  });

  it(`security.log: Asterisk's ${SECURITY_EVENTS.length} lines; fail2ban-regex matches exactly the ${SECURITY_MATCHED} failures, all with host ${ATTACKER}`, async () => {
    const path = join(pbx.dataDir, "security.log");
    const text = readOr(path);
    assert.deepEqual(securityEvents(text), SECURITY_EVENTS.map(([e, ip]) => [e, ip]), `security.log events differ from Asterisk's for the same exchanges:\n${text.slice(-6000)}`);
    const r = await fail2banRegex(path);
    assert.equal(r.lines, SECURITY_EVENTS.length, `lines fail2ban-regex read:\n${r.output.slice(-4000)}`);
    assert.equal(r.matched, SECURITY_MATCHED, `matched lines:\n${r.output.slice(-4000)}`);
    assert.equal(r.missed, SECURITY_EVENTS.length - SECURITY_MATCHED, `missed lines (ChallengeSent, SuccessfulAuth):\n${r.output.slice(-4000)}`);
    assert.deepEqual(r.hosts, Array.from({ length: SECURITY_MATCHED }, () => ATTACKER), `matched hosts: ${r.hosts.join(", ")}`);
  });

  it(`messages.log: fail2ban-regex matches exactly the ${NOTICES_MATCHED} 'Request … failed for' NOTICE lines, all with host ${ATTACKER}`, async () => {
    const path = join(pbx.dataDir, "messages.log");
    const log = pbx.messagesLog();
    assert.deepEqual(failureNotices(log), NOTICES.map(([u, why]) => [u, why]), `'Request … failed for' lines differ from Asterisk's for the same exchanges:\n${log.slice(-6000)}`);
    assert.match(log, new RegExp(`Request 'REGISTER' from '[^']*' failed for '127\\.0\\.0\\.80:\\d+' \\(callid: [^)]*\\) - Failed to authenticate`));
    const r = await fail2banRegex(path);
    assert.equal(r.matched, NOTICES_MATCHED, `matched lines:\n${r.output.slice(-4000)}`);
    assert.deepEqual(r.hosts, Array.from({ length: NOTICES_MATCHED }, () => ATTACKER), `matched hosts: ${r.hosts.join(", ")}`);
  });
});
