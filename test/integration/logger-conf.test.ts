/**
 * logger.conf on a real server: the check (only `error` to the console and
 * `notice,warning,error,security` to messages.log: a call writes no console line and no VERBOSE
 * line, a failed authentication still writes its NOTICE and its SECURITY lines), then
 * `logger show channels`, `logger rotate` (sequential: no line lost), SIGHUP after an outside
 * rename (logrotate), a remote console at `-rvvv`-style verbosity hearing the call's dialplan
 * steps with Asterisk's prefixes, and `logger reload` switching messages.log to verbose(3).
 *
 * Calls: a SIPp UAC (1001, digest auth, 127.0.0.2) dials 205 (Answer, Wait, Hangup) and hangs up during the Wait;
 * scenario test/fixtures/sipp/dialplan-uac.xml.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ControlClient } from "../../src/cli/control-client.js";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { describeSipp, runSipp } from "../helpers/sipp.js";
import { waitUntil } from "../helpers/processes.js";

const SERVER_IP = "127.0.0.1";
const CALLER_IP = "127.0.0.2";
const CALLER = { id: "1001", password: randomPassword() };
const QUIET_LOGGER_CONF = "[general]\nrotatestrategy=sequential\n[logfiles]\nconsole => error\nmessages.log => notice,warning,error,security\n";
const EXTENSIONS = "[apps]\nexten => 205,1,Answer()\n same => n,Wait(0.3)\n same => n,Hangup()\n";

const readOr = (path: string): string => (existsSync(path) ? readFileSync(path, "utf8") : "");

describe("logger.conf on a real server (integration: SIPp calls and REGISTERs, console, rotation)", { timeout: 120_000 }, () => {
  let pbx: Pbx;
  let port: number;
  let messagesPath: string;
  let stderrPath: string;

  before(async () => {
    port = await freePort(SERVER_IP);
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints: [{ ...CALLER, context: "apps", endpointOptions: { direct_media: "no" } }] }),
        "extensions.conf": EXTENSIONS,
        "logger.conf": QUIET_LOGGER_CONF,
        "guard.conf": "[general]\nwhitelist=127.0.0.0/8\n",
      },
    });
    messagesPath = join(pbx.dataDir, "messages.log");
    stderrPath = join(pbx.runDir, "stderr.0.log");
  });
  after(async () => {
    await pbx?.stop();
  });

  async function call(): Promise<void> {
    const sipp = await runSipp({
      scenario: "dialplan-uac.xml",
      target: `${SERVER_IP}:${port}`,
      localIp: CALLER_IP,
      args: ["-s", "205", "-key", "caller", CALLER.id, "-au", CALLER.id, "-ap", CALLER.password, "-m", "1", "-key", "rtpip", CALLER_IP, "-key", "rtpport", "40990", "-d", "200"],
      timeoutMs: 20000,
      recvTimeoutMs: 6000,
    });
    assert.equal(sipp.code, 0, describeSipp(sipp));
  }

  async function wrongPassword(): Promise<void> {
    const sipp = await runSipp({ scenario: "register-auth-refused.xml", target: `${SERVER_IP}:${port}`, localIp: CALLER_IP, args: ["-s", CALLER.id, "-au", CALLER.id, "-ap", "not-the-password", "-key", "expires", "60", "-m", "1"] });
    assert.equal(sipp.code, 0, describeSipp(sipp));
  }

  it("console => error and messages.log => notice,warning,error,security: a call writes no console line and no VERBOSE line; a wrong password still writes its NOTICE and SECURITY lines", async () => {
    const stderrBefore = readOr(stderrPath).length;
    const messagesBefore = readOr(messagesPath).length;
    await call();
    await wrongPassword();
    const notice = await pbx.waitForLog(/NOTICE\[\d+\] res_pjsip\/pjsip_distributor\.c: Request 'REGISTER' from '<sip:1001@[^']+>' failed for '127\.0\.0\.2:\d+' \(callid: [^)]+\) - Failed to authenticate$/m, 10000);
    assert.ok(notice);
    await waitUntil(() => /SecurityEvent="ChallengeResponseFailed"/.test(readOr(messagesPath).slice(messagesBefore)), 5000, "the SECURITY line in messages.log");
    const added = readOr(messagesPath).slice(messagesBefore);
    assert.doesNotMatch(added, /VERBOSE/, added);
    assert.match(added, /SECURITY\[\d+\] res_security_log\.c: SecurityEvent="SuccessfulAuth",.*AccountID="1001".*,UsingPassword="1"$/m, "the call's authentication is a SECURITY line");
    assert.equal(readOr(stderrPath).slice(stderrBefore), "", "nothing reached the console");
  });

  it("logger show channels lists the newest channel first in Asterisk's layout: guard.conf's security.log, messages.log, the console", async () => {
    const r = await pbx.rx("logger show channels");
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.equal(lines[0], "Logger queue limit: 1000");
    assert.equal(lines[2], "Channel                             Type     Formatter  Status    Configuration");
    const col = (path: string): string => path.padEnd(35).slice(0, 35);
    assert.equal(lines[4], `${col(join(pbx.dataDir, "security.log"))} File     default    Enabled    - SECURITY `);
    assert.equal(lines[5], `${col(messagesPath)} File     default    Enabled    - NOTICE WARNING ERROR SECURITY `);
    assert.equal(lines[6], `${col("")} Console  default    Enabled    - ERROR VERBOSE `);
  });

  it("a remote console at verbosity 3 sees the call's dialplan steps as Asterisk's console shows them", async () => {
    const client = await ControlClient.connect(join(pbx.dataDir, "switchboard.ctl"));
    const heard: string[] = [];
    client.on("log", (l: string) => heard.push(l));
    client.subscribeLog(3);
    await client.exec("core show uptime");
    await call();
    // SIPp hangs up during the Wait, so Wait is the last step.
    await waitUntil(() => heard.some((l) => l.startsWith("    -- Executing [205@apps:2] Wait(")), 5000, `the Wait step on the console: ${heard.join("\n")}`);
    client.close();
    assert.ok(heard.some((l) => /^ {4}-- Executing \[205@apps:1\] Answer\("PJSIP\/1001-[0-9a-f]{8}", ""\) in new stack$/.test(l)), heard.join("\n"));
    assert.ok(!heard.some((l) => l.startsWith("[")), `no NOTICE/WARNING lines were expected on a console with console => error:\n${heard.join("\n")}`);
  });

  it("logger rotate (sequential) moves messages.log to messages.log.0 and the next line starts a new file; nothing is lost", async () => {
    const before = readOr(messagesPath);
    assert.notEqual(before, "");
    const r = await pbx.rx("logger rotate");
    assert.deepEqual([r.code, r.stdout], [0, ""]);
    assert.equal(readOr(`${messagesPath}.0`), before);
    await wrongPassword();
    await waitUntil(() => /Failed to authenticate/.test(readOr(messagesPath)), 5000, "a new messages.log");
    assert.equal(readOr(`${messagesPath}.0`), before, "the archive is untouched");
  });

  it("after an outside rename (logrotate), SIGHUP reopens messages.log by name", async () => {
    renameSync(messagesPath, `${messagesPath}.moved`);
    process.kill(pbx.pid, "SIGHUP");
    await new Promise((r) => setTimeout(r, 300));
    await wrongPassword();
    await waitUntil(() => /Failed to authenticate/.test(readOr(messagesPath)), 5000, "messages.log created again after SIGHUP");
  });

  it("logger reload applies a changed logger.conf: messages.log => verbose(3) now gets the call's Executing lines with its call id", async () => {
    writeFileSync(join(pbx.configDir, "logger.conf"), "[logfiles]\nconsole => error\nmessages.log => notice,warning,error,verbose(3)\n");
    const r = await pbx.rx("logger reload");
    assert.deepEqual([r.code, r.stdout], [0, ""]);
    const from = readOr(messagesPath).length;
    await call();
    await waitUntil(() => /Executing \[205@apps:2\]/.test(readOr(messagesPath).slice(from)), 5000, "Executing lines in messages.log");
    const added = readOr(messagesPath).slice(from);
    assert.match(added, /^\[[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d\] VERBOSE\[\d+\]\[C-[0-9a-f]{8}\] pbx\.c: Executing \[205@apps:1\] Answer\("PJSIP\/1001-[0-9a-f]{8}", ""\) in new stack$/m, added);
    assert.doesNotMatch(added, /SECURITY/, "security is no longer listed");
  });
});
