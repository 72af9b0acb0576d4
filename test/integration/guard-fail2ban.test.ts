/**
 * Compatibility with fail2ban: the security log (Asterisk's SecurityEvent lines) and the NOTICE
 * lines in messages.log must be matched, unchanged, by the `asterisk` filter of Debian's fail2ban
 * package, checked with its own tool, `fail2ban-regex`. The attacker (127.0.0.80) stays below
 * every ban threshold so that all its attempts are answered and logged; a legitimate phone
 * (127.0.0.81) registers successfully and must not be matched.
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
const FAILURES = WRONG_PASSWORDS + UNKNOWN_USERS.length;

const skip = await fail2banUnavailableReason();

const readOr = (path: string): string => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
};

describe("guard logs for fail2ban (integration: Debian's fail2ban-regex with the stock asterisk filter)", { skip }, () => {
  let pbx: Pbx;
  let port: number;
  const phone = { id: "2001", password: randomPassword() };

  before(async () => {
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
    // Both logs are written asynchronously; wait until the attacker's lines are all there.
    await waitUntil(() => (readOr(join(pbx.dataDir, "security.log")).match(/RemoteAddress="IPV4\/UDP\/127\.0\.0\.80\//g)?.length ?? 0) >= FAILURES, 5000, "security.log lines").catch(() => undefined);
    await waitUntil(() => (pbx.messagesLog().match(/failed for '127\.0\.0\.80:/g)?.length ?? 0) >= FAILURES, 5000, "messages.log lines").catch(() => undefined);
  });
  after(async () => {
    await pbx?.stop();
  });

  it(`security.log: fail2ban-regex matches at least the ${FAILURES} failures, all with host ${ATTACKER}`, async () => {
    const path = join(pbx.dataDir, "security.log");
    const text = readOr(path);
    assert.match(text, /SecurityEvent="ChallengeResponseFailed"/, `no ChallengeResponseFailed in security.log:\n${text.slice(-2000)}`);
    assert.match(text, /SecurityEvent="InvalidAccountID"/, `no InvalidAccountID in security.log:\n${text.slice(-2000)}`);
    const r = await fail2banRegex(path);
    console.log(`fail2ban-regex security.log: ${r.lines} lines, ${r.matched} matched, ${r.missed} missed`);
    assert.ok(r.matched >= FAILURES, `only ${r.matched} of ${FAILURES} failures matched:\n${r.output.slice(-4000)}`);
    assert.deepEqual([...new Set(r.hosts)], [ATTACKER], `matched hosts: ${r.hosts.join(", ")}`);
  });

  it(`messages.log: fail2ban-regex matches the ${FAILURES} 'Request … failed for' NOTICE lines, all with host ${ATTACKER}`, async () => {
    const path = join(pbx.dataDir, "messages.log");
    const log = pbx.messagesLog();
    assert.match(log, new RegExp(`Request 'REGISTER' from '[^']*' failed for '127\\.0\\.0\\.80:\\d+' \\(callid: [^)]*\\) - Failed to authenticate`));
    assert.match(log, new RegExp(`Request 'REGISTER' from '[^']*sip:7771@[^']*' failed for '127\\.0\\.0\\.80:\\d+' \\(callid: [^)]*\\) - No matching endpoint found`));
    const r = await fail2banRegex(path);
    console.log(`fail2ban-regex messages.log: ${r.lines} lines, ${r.matched} matched, ${r.missed} missed`);
    assert.ok(r.matched >= FAILURES, `only ${r.matched} of ${FAILURES} failures matched:\n${r.output.slice(-4000)}`);
    assert.deepEqual([...new Set(r.hosts)], [ATTACKER], `matched hosts: ${r.hosts.join(", ")}`);
  });
});
