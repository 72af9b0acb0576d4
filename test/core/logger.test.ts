import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, makeRecord } from "../../src/core/logger.js";
import { DateFormat } from "../../src/core/log/date-format.js";
import { parseLevelList } from "../../src/core/log/levels.js";
import { LogFile } from "../../src/core/log/log-file.js";
import { LogRouter, type LogChannelSpec, type LogSettings, DEFAULT_LOG_SETTINGS } from "../../src/core/log/log-router.js";

function tempDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "sw-logger-"));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const channel = (name: string, levels: string, formatter: LogChannelSpec["formatter"] = "default"): LogChannelSpec => ({ name, formatter, levels: parseLevelList(levels).levels });
const settings = (channels: LogChannelSpec[], over: Partial<LogSettings> = {}): LogSettings => ({ ...DEFAULT_LOG_SETTINGS, channels, ...over });
const AT = new Date(2026, 11, 1, 23, 2, 48, 987).getTime();

test("dateformat: Asterisk's default `%b %e %T`, the sample's `%F %T.%3q`, %q truncated, unknown conversions kept", () => {
  assert.equal(new DateFormat().format(AT), "Dec  1 23:02:48");
  assert.equal(new DateFormat("%F %T.%3q").format(AT), "2026-12-01 23:02:48.987");
  assert.equal(new DateFormat("%T.%1q|%q|%6q").format(AT), "23:02:48.9|987|987000");
  assert.equal(new DateFormat("%Y%m%d %H%M%S %j %a %% %Q").format(AT), "20261201 230248 335 Tue % %Q");
  // The per-second cache must not leak one second's text into the next.
  const f = new DateFormat("%T.%3q");
  assert.equal(f.format(AT), "23:02:48.987");
  assert.equal(f.format(AT + 20), "23:02:49.007");
});

test("levels: lists, verbose(n), * and unknown words", () => {
  const a = parseLevelList("notice, WARNING,error,verbose(3),security");
  assert.equal(a.levels.verbose, 3);
  assert.deepEqual(a.unknown, []);
  const b = parseLevelList("notice,bogus,verbose");
  assert.equal(b.levels.verbose, undefined);
  assert.deepEqual(b.unknown, ["bogus"]);
  assert.ok(parseLevelList("*").levels.mask > a.levels.mask);
});

test("router: messages.log => notice,warning,error gets Asterisk's file lines and no verbose ones; nothing is formatted for nobody", async () => {
  const { dir, done } = tempDir();
  try {
    const handle = createLogger({ dir });
    handle.router.apply(settings([channel("messages.log", "notice,warning,error")]));
    const log = handle.logger.child({ category: "pbx.auth" });
    log.notice({ peer: "1.2.3.4" }, "one");
    log.child({ callid: "C-0000000a" }).warn({}, "two");
    log.verbose(3, {}, "not written");
    log.info({}, "not written either");
    assert.equal(log.wants("verbose", 1), false, "no channel takes verbose lines");
    assert.equal(log.wants("notice"), true);
    handle.close();
    const lines = readFileSync(join(dir, "messages.log"), "utf8").trimEnd().split("\n");
    assert.equal(lines.length, 2, lines.join("\n"));
    assert.match(lines[0] ?? "", new RegExp(`^\\[[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d\\] NOTICE\\[${process.pid}\\] pbx\\.auth: one \\(peer=1\\.2\\.3\\.4\\)$`));
    assert.match(lines[1] ?? "", new RegExp(`\\] WARNING\\[${process.pid}\\]\\[C-0000000a\\] pbx\\.auth: two$`));
  } finally {
    done();
  }
});

test("router: verbose(n) caps a file at n; a plain `verbose` follows the system verbosity; use_callids=no drops the call id", () => {
  const { dir, done } = tempDir();
  try {
    const router = new LogRouter({ dir, fileDelayMs: 1 });
    router.apply(settings([channel("v2.log", "verbose(2)"), channel("v.log", "verbose")], { useCallids: false }));
    for (const level of [1, 2, 3]) router.write(makeRecord("VERBOSE", level, { category: "x", callid: "C-00000001" }, {}, `level ${level}`, router.current().useCallids, AT));
    router.setSystemVerbosity(3);
    router.write(makeRecord("VERBOSE", 3, { category: "x" }, {}, "after core set verbose 3", false, AT));
    router.close();
    assert.deepEqual(readFileSync(join(dir, "v2.log"), "utf8").trimEnd().split("\n").map((l) => l.replace(/^.*\] /, "")), ["x: level 1", "x: level 2"]);
    assert.deepEqual(readFileSync(join(dir, "v.log"), "utf8").trimEnd().split("\n").map((l) => l.replace(/^.*\] /, "")), ["x: after core set verbose 3"]);
    assert.doesNotMatch(readFileSync(join(dir, "v2.log"), "utf8"), /C-00000001/);
  } finally {
    done();
  }
});

test("router: [json] writes Asterisk's json keys plus our context; two channels naming one file share it in order", () => {
  const { dir, done } = tempDir();
  try {
    const router = new LogRouter({ dir });
    router.apply(settings([channel("full.json", "*", "json"), channel("both.log", "notice"), channel("both.log", "warning")]));
    router.write(makeRecord("NOTICE", 0, { category: "pbx.auth", callid: "C-00000002", sip: { userAgent: "x" } }, { peer: "1.2.3.4" }, "hello", true, AT));
    router.write(makeRecord("WARNING", 0, { category: "c" }, {}, "second", true, AT));
    router.write(makeRecord("NOTICE", 0, { category: "c" }, {}, "nel \u0085 ls \u2028 end", true, AT));
    router.close();
    const json = readFileSync(join(dir, "full.json"), "utf8");
    assert.ok(json.includes("nel \\u0085 ls \\u2028 end") && !/[\u0085\u2028]/.test(json), "C1 and U+2028 escaped in json lines");
    assert.equal((JSON.parse(json.trimEnd().split("\n")[2] ?? "") as { logmsg: { message: string } }).logmsg.message, "nel \u0085 ls \u2028 end\n", "the same JSON value");
    const rec = JSON.parse(json.split("\n")[0] ?? "") as Record<string, unknown>;
    assert.deepEqual(Object.keys(rec), ["hostname", "timestamp", "identifiers", "logmsg", "context"]);
    assert.deepEqual(rec.identifiers, { lwp: process.pid, callid: "[C-00000002]" });
    assert.deepEqual(rec.logmsg, { location: { filename: "pbx.auth", function: "", line: 0 }, level: "NOTICE", message: "hello\n" });
    assert.deepEqual(rec.context, { category: "pbx.auth", callid: "C-00000002", sip: { userAgent: "x" }, peer: "1.2.3.4" });
    const both = readFileSync(join(dir, "both.log"), "utf8").trimEnd().split("\n");
    assert.equal(both.length, 3);
    assert.match(both[0] ?? "", /NOTICE.*hello/);
    assert.match(both[1] ?? "", /WARNING.*second/);
    // Both channels take an ERROR? No: each names its own levels. Two that both take NOTICE write it once.
    router.apply(settings([channel("twice.log", "notice"), channel(join(dir, "twice.log"), "notice,warning")]));
    router.write(makeRecord("NOTICE", 0, { category: "c" }, {}, "once", true, AT));
    router.close();
    assert.equal(readFileSync(join(dir, "twice.log"), "utf8").split("\n").filter(Boolean).length, 1, "one file, one line per record");
  } finally {
    done();
  }
});

test("router: consoles show lines only with a console channel, verbose ones up to their own verbosity, with Asterisk's prefixes", () => {
  const router = new LogRouter({ dir: undefined });
  const seen: string[] = [];
  const c = { verbosity: 3, write: (l: string) => void seen.push(l) };
  router.attach(c);
  router.apply(settings([channel("console", "error")]));
  const rec = (level: "NOTICE" | "ERROR" | "VERBOSE", v: number, msg: string) => router.write(makeRecord(level, v, { category: "core", callid: "C-00000003" }, {}, msg, true, AT));
  rec("NOTICE", 0, "notice not on this console");
  rec("ERROR", 0, "an error");
  rec("VERBOSE", 3, "level three");
  rec("VERBOSE", 4, "level four");
  c.verbosity = 0;
  router.refresh();
  rec("VERBOSE", 1, "hidden at verbosity 0");
  rec("VERBOSE", 0, "level zero always");
  router.apply(settings([channel("messages.log", "*")]));
  rec("ERROR", 0, "no console channel: not shown");
  assert.deepEqual(seen, [`[Dec  1 23:02:48] ERROR[${process.pid}][C-00000003]: core: an error`, "    -- level three", "level zero always"]);
});

test("router: DEBUG lines are written only after core set debug, as Asterisk's ast_debug", () => {
  const { dir, done } = tempDir();
  try {
    const handle = createLogger({ dir });
    handle.router.apply(settings([channel("debug.log", "debug")]));
    handle.logger.debug({}, "before");
    assert.equal(handle.logger.wants("debug"), false);
    handle.router.setDebugLevel(1);
    handle.logger.debug({}, "after");
    handle.close();
    assert.deepEqual(readFileSync(join(dir, "debug.log"), "utf8").trimEnd().split("\n").map((l) => l.replace(/^.*\] /, "")), ["core: after"]);
  } finally {
    done();
  }
});

test("log file: rotation never loses a line; sequential, rotate (keeping .gz slots), timestamp and none rename as Asterisk's do", () => {
  const { dir, done } = tempDir();
  try {
    const path = join(dir, "messages.log");
    const file = new LogFile(path, { now: () => 1764630000 });
    for (let i = 0; i < 100; i++) {
      file.write(`line ${i}\n`);
      if (i === 30) assert.equal(file.rotate("sequential"), `${path}.0`);
      if (i === 60) assert.equal(file.rotate("sequential"), `${path}.1`);
    }
    file.close();
    const all = [`${path}.0`, `${path}.1`, path].flatMap((p) => readFileSync(p, "utf8").trimEnd().split("\n"));
    assert.deepEqual(all, Array.from({ length: 100 }, (_, i) => `line ${i}`));

    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(`${path}.0.gz`, "compressed by exec_after_rotate");
    const q = new LogFile(path);
    q.write("after the archive\n");
    assert.equal(q.rotate("sequential"), `${path}.1`, "sequential skips the slot a .gz archive holds");
    q.close();

    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(`${path}.0.gz`, "oldest archive");
    writeFileSync(`${path}.1`, "older");
    const r = new LogFile(path);
    r.write("newest\n");
    assert.equal(r.rotate("rotate"), `${path}.0`);
    r.close();
    assert.deepEqual(readdirSync(dir).sort(), ["messages.log.0", "messages.log.1.gz", "messages.log.2"]);
    assert.equal(readFileSync(`${path}.0`, "utf8"), "newest\n");
    assert.equal(readFileSync(`${path}.1.gz`, "utf8"), "oldest archive");

    const t = new LogFile(path, { now: () => 1764630000 });
    t.write("x\n");
    assert.equal(t.rotate("timestamp"), `${path}.1764630000`);
    t.write("x2\n");
    assert.equal(t.rotate("timestamp"), `${path}.1764630000.1`, "a second rotation in the same second keeps the first archive");
    assert.equal(readFileSync(`${path}.1764630000`, "utf8"), "x\n");
    t.write("y\n");
    assert.equal(t.rotate("none"), undefined);
    t.close();
    assert.equal(readFileSync(path, "utf8"), "y\n");
  } finally {
    done();
  }
});

test("log file: a failing disk is reported once, its lines are counted as dropped, and writing resumes when it works again", () => {
  const { dir, done } = tempDir();
  try {
    // /dev/full answers every write with ENOSPC, as a full disk does.
    const events: string[] = [];
    const full = new LogFile("/dev/full", { onTrouble: (e) => void events.push(e.kind) });
    for (let i = 0; i < 5; i++) {
      full.write(`line ${i}\n`);
      full.flush();
    }
    full.close();
    assert.deepEqual(events, ["failing"]);
    assert.equal(full.dropped, 5);

    const gone = join(dir, "gone");
    const seen: Array<{ kind: string; dropped?: number }> = [];
    const f = new LogFile(join(gone, "messages.log"), { onTrouble: (e) => void seen.push(e.kind === "recovered" ? { kind: e.kind, dropped: e.dropped } : { kind: e.kind }) });
    f.write("lost 1\n");
    f.flush();
    f.write("lost 2\n");
    f.flush();
    mkdirSync(gone);
    f.write("kept\n");
    f.close();
    assert.deepEqual(seen, [{ kind: "failing" }, { kind: "recovered", dropped: 2 }]);
    assert.equal(readFileSync(join(gone, "messages.log"), "utf8"), "kept\n");
  } finally {
    done();
  }
});

test("log file: a write cut by the size limit (EFBIG) rotates and writes the cut line whole; without rotation the next batch starts on a new line", () => {
  const { dir, done } = tempDir();
  try {
    // A child with a 4 KiB file size limit (ulimit -f, in 1024-byte blocks): Node ignores
    // SIGXFSZ, so a write past the limit is cut short and the next one fails with EFBIG.
    const script = (rotate: boolean): string => `
      const { LogFile } = await import(${JSON.stringify(new URL("../../src/core/log/log-file.ts", import.meta.url).href)});
      const path = ${JSON.stringify(join(dir, "m.log"))} + (${rotate} ? ".r" : ".n");
      let n = 0;
      const f = new LogFile(path, { onTooLarge: () => ${rotate} && f.rotate("sequential") !== undefined });
      for (let i = 0; i < 100; i++) { f.write("line " + String(i).padStart(3, "0") + " " + "x".repeat(50) + "\\n"); if (i % 10 === 9) f.flush(); }
      f.close();
      console.log(f.dropped);`;
    const run = (rotate: boolean): number =>
      Number(execFileSync("bash", ["-c", 'ulimit -f 4; exec node --import tsx --input-type=module -e "$1"', "bash", script(rotate)], { encoding: "utf8", cwd: new URL("../..", import.meta.url).pathname }).trim());
    const lineRe = /^line \d{3} x{50}$/;

    assert.equal(run(true), 0, "rotated: no line lost");
    const archive = readFileSync(join(dir, "m.log.r.0"), "utf8");
    const fresh = readFileSync(join(dir, "m.log.r"), "utf8");
    assert.ok(fresh.split("\n").filter(Boolean).every((l) => lineRe.test(l)), "the new file has whole lines only");
    const whole = [...archive.split("\n").slice(0, -1), ...fresh.split("\n").filter(Boolean)].filter((l) => lineRe.test(l));
    assert.deepEqual(whole.map((l) => Number(l.slice(5, 8))), Array.from({ length: 100 }, (_, i) => i), "every line once, in order");

    const dropped = run(false);
    const kept = readFileSync(join(dir, "m.log.n"), "utf8");
    assert.ok(dropped > 0 && kept.length <= 4096, `${dropped} dropped`);
    const lines = kept.split("\n").filter(Boolean);
    assert.ok(lines.slice(0, -1).every((l) => lineRe.test(l)), "no line spliced onto another");
    assert.equal(lines.filter((l) => lineRe.test(l)).length + dropped, 100, "whole lines plus dropped ones are all of them");
  } finally {
    done();
  }
});

test("router: appendhostname puts the host name after the file name", () => {
  const { dir, done } = tempDir();
  try {
    const router = new LogRouter({ dir });
    router.apply(settings([channel("messages.log", "notice")], { appendHostname: true }));
    router.write(makeRecord("NOTICE", 0, {}, {}, "x", true, AT));
    router.close();
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    assert.match(files[0] ?? "", /^messages\.log\..+/);
    assert.ok(!existsSync(join(dir, "messages.log")));
  } finally {
    done();
  }
});

test("layouts: text from the network cannot forge a line: control characters escaped, each line of a trace under its own head", () => {
  const { dir, done } = tempDir();
  try {
    const router = new LogRouter({ dir });
    const seen: string[] = [];
    router.attach({ verbosity: 5, write: (l) => void seen.push(l) });
    router.apply(settings([channel("console", "notice"), channel("messages.log", "notice,verbose(5)"), channel("plain.log", "notice", "plain")]));
    const forged = "[Dec  1 23:02:48] NOTICE[1] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '<sip:x@y>' failed for '10.9.9.9:5060'";
    router.write(makeRecord("NOTICE", 0, { category: "sip" }, {}, `From 'evil\r\n${forged}' and \x1b[2Jescape`, true, AT));
    router.write(makeRecord("NOTICE", 0, { category: "sip" }, {}, `c1 \u0085 \u009b2J \u2028${forged}`, true, AT));
    router.write(makeRecord("VERBOSE", 0, { category: "sip" }, {}, "<--- Received SIP request --->\r\nINVITE sip:2002@pbx SIP/2.0\r\nVia: x\r\n", true, AT));
    router.close();
    const pid = process.pid;
    const lines = readFileSync(join(dir, "messages.log"), "utf8").trimEnd().split("\n");
    assert.deepEqual(lines, [
      `[Dec  1 23:02:48] NOTICE[${pid}] sip: From 'evil`,
      `[Dec  1 23:02:48] NOTICE[${pid}] sip: ${forged}' and \\x1b[2Jescape`,
      `[Dec  1 23:02:48] NOTICE[${pid}] sip: c1 \\x85 \\x9b2J \\u2028${forged}`,
      `[Dec  1 23:02:48] VERBOSE[${pid}] sip: <--- Received SIP request --->`,
      `[Dec  1 23:02:48] VERBOSE[${pid}] sip: INVITE sip:2002@pbx SIP/2.0`,
      `[Dec  1 23:02:48] VERBOSE[${pid}] sip: Via: x`,
    ]);
    for (const l of lines) assert.match(l, /^\[Dec {2}1 23:02:48\] (NOTICE|VERBOSE)\[\d+\] sip: /, "every line starts with our head");
    assert.equal(readFileSync(join(dir, "plain.log"), "utf8").split("\n")[0], `[Dec  1 23:02:48] NOTICE[${pid}]: sip: From 'evil`, "plain: a colon after the ids, as Asterisk's");
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    assert.ok(!/[\x1b\x85\x9b\u2028]/.test(seen.join("\n")), "the console gets no terminal escape, C0 or C1");
    assert.ok(seen.includes("<--- Received SIP request --->\nINVITE sip:2002@pbx SIP/2.0\nVia: x\n"), "the console keeps a trace readable");
  } finally {
    done();
  }
});

test("router: the console's formatter applies ([json], [plain]); without a console channel consoles raise no verbose work", () => {
  const router = new LogRouter({ dir: undefined });
  const seen: string[] = [];
  const c = { verbosity: 3, write: (l: string) => void seen.push(l) };
  router.attach(c);
  router.apply(settings([channel("console", "notice", "json")]));
  router.write(makeRecord("NOTICE", 0, { category: "core" }, {}, "as json", true, AT));
  router.apply(settings([channel("console", "notice", "plain")]));
  router.write(makeRecord("VERBOSE", 3, { category: "pbx.c" }, {}, "plain verbose", true, AT));
  assert.equal((JSON.parse(seen[0] ?? "{}") as { logmsg: { message: string } }).logmsg.message, "as json\n");
  assert.equal(seen[1], `[Dec  1 23:02:48] VERBOSE[${process.pid}]: pbx.c: plain verbose`);
  router.apply(settings([channel("syslog.local0", "notice")]));
  assert.equal(router.wants("VERBOSE", 1), false, "a -vvv console without a console channel costs nothing");
  router.close();
});

test("router: the guard's security.log is left out when logger.conf already writes that file under another spelling", () => {
  const { dir, done } = tempDir();
  try {
    const router = new LogRouter({ dir });
    router.apply(settings([channel(join(dir, "security.log"), "security,notice"), { ...channel("security.log", "security"), unlessPresent: true }]));
    assert.equal(router.status().length, 1, "the guard's channel is left out");
    router.write(makeRecord("SECURITY", 0, { category: "security" }, {}, "SecurityEvent=\"X\"", true, AT));
    router.apply(settings([channel("messages.log", "notice"), { ...channel("security.log", "security"), unlessPresent: true }]));
    assert.equal(router.status().length, 2, "kept when no channel of logger.conf writes security.log");
    router.close();
    assert.equal(readFileSync(join(dir, "security.log"), "utf8").split("\n").filter(Boolean).length, 1);
  } finally {
    done();
  }
});

test("router: syslog channels (a bare `syslog` too) get Asterisk's syslog text, no stamp: LEVEL[pid][C-…]: file: text", async () => {
  const { dir, done } = tempDir();
  const sock = join(dir, "log.sock");
  const out = join(dir, "received");
  const { spawn } = await import("node:child_process");
  const py = spawn("python3", ["-c", "import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint('ready',flush=True)\nf=open(sys.argv[2],'ab')\nwhile True:\n  f.write(s.recv(65536)+b'\\n'); f.flush()\n", sock, out], { stdio: ["ignore", "pipe", "inherit"] });
  const was = process.env.SWITCHBOARD_SYSLOG_SOCKET;
  try {
    await new Promise<void>((r) => py.stdout.once("data", () => r()));
    process.env.SWITCHBOARD_SYSLOG_SOCKET = sock;
    const router = new LogRouter({ dir });
    // A bare `syslog` is Asterisk's syslog channel on local0, not a file named syslog.
    router.apply(settings([channel("syslog", "notice")]));
    router.write(makeRecord("NOTICE", 0, { category: "res_pjsip/pjsip_distributor.c", callid: "C-00000004" }, {}, "Request 'INVITE' failed", true, AT));
    const end = Date.now() + 5000;
    while (!(existsSync(out) && readFileSync(out, "latin1").includes("failed"))) {
      if (Date.now() > end) throw new Error("no syslog record");
      await new Promise((r) => setTimeout(r, 20));
    }
    router.close();
    assert.ok(!existsSync(join(dir, "syslog")), "no file named syslog");
    assert.match(readFileSync(out, "latin1"), new RegExp(`^<133>.*asterisk.*: NOTICE\\[${process.pid}\\]\\[C-00000004\\]: res_pjsip/pjsip_distributor\\.c: Request 'INVITE' failed\\n`));
  } finally {
    if (was === undefined) delete process.env.SWITCHBOARD_SYSLOG_SOCKET;
    else process.env.SWITCHBOARD_SYSLOG_SOCKET = was;
    py.kill();
    done();
  }
});

test("createLogger: start-up lines held for logger.conf still reach messages.log when the start fails before it is applied", () => {
  const { dir, done } = tempDir();
  try {
    const handle = createLogger({ dir, holdUntilApplied: true });
    handle.logger.warn({}, "pjsip.conf: endpoint 6001 has no aor");
    handle.logger.verbose(3, {}, "a verbose start-up line");
    handle.close();
    const lines = readFileSync(join(dir, "messages.log"), "utf8").trimEnd().split("\n");
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? "", /WARNING\[\d+\] core: pjsip\.conf: endpoint 6001 has no aor$/);
  } finally {
    done();
  }
});

test("router: start-up lines beyond what is held are counted and reported in the files once logger.conf applies", () => {
  const { dir, done } = tempDir();
  try {
    const router = new LogRouter({ dir, holdUntilApplied: true });
    for (let i = 0; i < 5003; i++) router.write(makeRecord("NOTICE", 0, { category: "core" }, {}, `start-up ${i}`, true, AT));
    router.apply(settings([channel("messages.log", "notice,warning")]));
    router.close();
    const lines = readFileSync(join(dir, "messages.log"), "utf8").trimEnd().split("\n");
    assert.equal(lines.length, 5001);
    assert.match(lines[4999] ?? "", /start-up 4999$/);
    assert.match(lines[5000] ?? "", /WARNING\[\d+\] logger: 3 start-up lines were not kept for the log files/);
  } finally {
    done();
  }
});
