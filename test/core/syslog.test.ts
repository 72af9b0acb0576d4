/**
 * syslog.<facility> channels through logger(1) to a real Unix datagram socket (a python3
 * receiver standing in for the syslog daemon): the priority carries the facility and the
 * level's severity, the tag is `asterisk`; with no socket the channel reports once and counts drops.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SyslogChannel } from "../../src/core/log/syslog.js";
import { SYSLOG_CUT, SYSLOG_MAX_LINE, syslogLine, type LogRecord } from "../../src/core/log/line-format.js";
import { waitUntil } from "../helpers/processes.js";

const RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
with open(sys.argv[2], "ab") as out:
    while True:
        data = s.recv(65536)
        out.write(data + b"\\n")
        out.flush()
`;

test("syslog: a NOTICE on syslog.local0 arrives with priority <133> (local0, notice), tagged asterisk[pid]; long lines are cut short, never continued", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sw-syslog-"));
  const sock = join(dir, "log.sock");
  const out = join(dir, "received");
  const py = spawn("python3", ["-c", RECEIVER, sock, out], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    await new Promise<void>((r) => py.stdout.once("data", () => r()));
    const ch = new SyslogChannel("local0", { socket: sock });
    ch.write("NOTICE", "NOTICE[1]: res_pjsip/pjsip_distributor.c: Request 'REGISTER' failed");
    ch.write("ERROR", "ERROR[1]: core: two\nERROR[1]: core: lines");
    ch.write("FAX", "FAX[1]: res_fax.c: x");
    // A line longer than logger(1)'s 1024 bytes, from the network: cut short by us, never
    // continued in a record that would begin with the attacker's text.
    const rec: LogRecord = { level: "NOTICE", verbose: 0, time: 0, file: "res_pjsip/pjsip_distributor.c", callid: undefined, message: "é".repeat(1100) + "NOTICE[1]: forged", contextText: "", context: {} };
    const long = syslogLine(rec, { stamp: "", pid: 1 });
    assert.ok(!long.includes("\n") && Buffer.byteLength(long) <= SYSLOG_MAX_LINE && long.endsWith(SYSLOG_CUT), long);
    ch.write("NOTICE", long);
    const count = 5;
    await waitUntil(() => existsSync(out) && readFileSync(out, "latin1").split("\n").filter(Boolean).length >= count, 5000, `${count} syslog records`);
    await new Promise((r) => setTimeout(r, 200));
    ch.close();
    const got = readFileSync(out, "utf8").split("\n").filter(Boolean);
    assert.equal(got.length, count, got.join("\n"));
    assert.match(got[0] ?? "", new RegExp(`^<133>.* asterisk\\[${process.pid}\\]: NOTICE\\[1\\]: res_pjsip/pjsip_distributor\\.c: Request 'REGISTER' failed$`), "tagged asterisk[pid]");
    assert.match(got[3] ?? "", /^<133>.*: FAX\[1\]: res_fax\.c: x$/, "FAX goes as notice, as Asterisk's run-time levels do");
    assert.match(got[4] ?? "", /^<133>.*: NOTICE\[1\]: res_pjsip\/pjsip_distributor\.c: é+ \[cut\]$/, "one record, cut short");
    assert.match(got[1] ?? "", /^<131>.*: ERROR\[1\]: core: two$/, "local0 error");
    assert.match(got[2] ?? "", /^<131>.*: ERROR\[1\]: core: lines$/, "each line of a text is a record with its priority");
  } finally {
    py.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("syslog: without a syslog socket the channel says so once and counts its lines as dropped", async () => {
  const troubles: string[] = [];
  const ch = new SyslogChannel("user", { socket: "/nonexistent/switchboard-test.sock", onTrouble: (t) => troubles.push(t) });
  ch.write("NOTICE", "one");
  await waitUntil(() => troubles.length > 0, 5000, "the trouble report");
  ch.write("NOTICE", "two");
  ch.write("NOTICE", "three");
  ch.close();
  assert.equal(troubles.length, 1);
  assert.match(troubles[0] ?? "", /syslog\.user: cannot write to \/nonexistent\/switchboard-test\.sock/);
  assert.equal(ch.dropped, 2);
  assert.equal(ch.isFailing, true);
});
