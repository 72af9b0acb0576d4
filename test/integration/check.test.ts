/**
 * `switchboard check --config DIR` as a user runs it, on fixtures with one trap per object
 * (test/fixtures/config/check-broken) and on a clean configuration (check-good); then the real
 * server started on the broken configuration: it must start anyway, load the good objects, and
 * log each error with its file:line. A broken extensions.conf (check-dialplan) is compiled against
 * the real application registry and its findings counted in the summary.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, startPbx, type Pbx } from "../helpers/pbx.js";
import { freePort } from "../helpers/ports.js";
import { SipClient } from "../helpers/sip-client.js";
import { parseContacts } from "../helpers/cli-output.js";
import { trackProcess } from "../helpers/processes.js";

const BIN = join(REPO_ROOT, "bin", "switchboard.js");
const FIXTURES = join(REPO_ROOT, "test", "fixtures", "config");
const BROKEN_DIR = join(FIXTURES, "check-broken");
const GOOD_DIR = join(FIXTURES, "check-good");
const DIALPLAN_DIR = join(FIXTURES, "check-dialplan");
const BROKEN = readFileSync(join(BROKEN_DIR, "pjsip.conf"), "utf8");

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function check(configDir: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, "check", "--config", configDir], {
      cwd: REPO_ROOT,
      env: { ...process.env, SWITCHBOARD_FROM_SOURCE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    trackProcess(child, "switchboard-check");
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** 1-based line of the first line equal to `text`, after line `from`. */
function lineOf(text: string, from = 0): number {
  const all = BROKEN.split("\n");
  const i = all.findIndex((l, n) => n >= from && l.trim() === text);
  assert.ok(i >= 0, `fixture has no line '${text}'`);
  return i + 1;
}

/** Header line of section [id] whose body (or template) makes it a `type`. */
function sectionLine(id: string, type: "endpoint" | "aor" | "auth"): number {
  const all = BROKEN.split("\n");
  for (let i = 0; i < all.length; i++) {
    const head = new RegExp(`^\\[${id}\\](\\((\\S+)\\))?\\s*$`).exec(all[i] ?? "");
    if (head === null) continue;
    const body: string[] = [];
    for (let k = i + 1; k < all.length && !(all[k] ?? "").startsWith("["); k++) body.push(all[k] ?? "");
    const declared = body.find((l) => l.startsWith("type="))?.slice(5) ?? (head[2] === "phone" ? "endpoint" : undefined);
    if (declared === type) return i + 1;
  }
  assert.fail(`fixture has no [${id}] of type ${type}`);
}

/** Line numbers after the option line, for lookups of the option lines inside [id]. */
const optionLine = (id: string, type: "endpoint" | "aor" | "auth", option: string): number => lineOf(option, sectionLine(id, type));

describe("switchboard check (integration: the CLI on fixture configurations)", () => {
  let broken: Run;
  before(async () => {
    broken = await check(BROKEN_DIR);
  });

  it("exits 1 on a configuration with errors", () => {
    assert.equal(broken.code, 1, `${broken.stdout}${broken.stderr}`);
  });

  /** Diagnostic lines `pjsip.conf:<line>: <severity>: <message>`. */
  const diagnostics = (): Array<{ line: number; severity: string; message: string }> =>
    [...broken.stdout.matchAll(/^pjsip\.conf:(\d+): (error|warning): (.*)$/gm)].map((m) => ({ line: Number(m[1]), severity: m[2] ?? "", message: m[3] ?? "" }));

  /** Asserts one diagnostic at one of `lines` with `severity`, matching every pattern. */
  function expectDiagnostic(lines: number[], severity: "error" | "warning", patterns: RegExp[], what: string): void {
    const found = diagnostics().find((d) => lines.includes(d.line) && d.severity === severity && patterns.every((p) => p.test(d.message)));
    assert.ok(found, `${what}: no '${severity}' at pjsip.conf:${lines.join(" or ")} matching ${patterns.join(" ")}\n--- output\n${broken.stdout}${broken.stderr}`);
  }

  it("media_encryption=yes: an error at its line saying 'use no, sdes or dtls'", () => {
    expectDiagnostic([optionLine("2001", "endpoint", "media_encryption=yes")], "error", [/media_encryption=yes/, /use no, sdes or dtls/], "media_encryption");
  });

  it("an unknown option: an error at its line naming it and suggesting the option it is a typo of", () => {
    expectDiagnostic([optionLine("2002", "endpoint", "rewrite_contacts=yes")], "error", [/'rewrite_contacts'/, /did you mean 'rewrite_contact'/], "unknown option");
  });

  it("max_contacts=0 on the AOR of an endpoint with auth: a warning that REGISTER gets 403, suggesting max_contacts=1", () => {
    const aor = sectionLine("2003", "aor");
    expectDiagnostic([aor, optionLine("2003", "aor", "max_contacts=0")], "warning", [/max_contacts=0/, /403/, /set max_contacts=1/], "max_contacts=0");
  });

  it("disallow=all without allow: a warning that every call fails, suggesting allow=", () => {
    expectDiagnostic([sectionLine("2004", "endpoint"), optionLine("2004", "endpoint", "disallow=all")], "warning", [/no codecs/, /allow=ulaw/], "no codecs");
  });

  it("an empty password: a warning at the auth saying authentication always fails", () => {
    expectDiagnostic([sectionLine("2005", "auth"), optionLine("2005", "auth", "password=")], "warning", [/auth 2005/, /empty password/], "empty password");
  });

  it("a NAT-hostile registering endpoint: a warning naming each bad setting and the NAT-safe value", () => {
    expectDiagnostic(
      [sectionLine("2006", "endpoint")],
      "warning",
      [/rtp_symmetric=yes/, /rewrite_contact=yes/, /force_rport=yes/, /direct_media=no/],
      "NAT",
    );
  });

  it("nothing is reported about the correct objects (2000) and the summary counts what was printed", () => {
    const lines2000 = new Set([sectionLine("2000", "endpoint"), sectionLine("2000", "auth"), sectionLine("2000", "aor")]);
    assert.deepEqual(diagnostics().filter((d) => lines2000.has(d.line) || / 2000\b/.test(d.message)), []);
    const errors = diagnostics().filter((d) => d.severity === "error").length;
    const warnings = diagnostics().filter((d) => d.severity === "warning").length;
    assert.match(broken.stdout, new RegExp(`^${errors} errors?, ${warnings} warnings? `, "m"), broken.stdout);
  });

  it("exits 0 on a correct configuration and reports 0 errors, 0 warnings", async () => {
    const good = await check(GOOD_DIR);
    assert.equal(good.code, 0, `${good.stdout}${good.stderr}`);
    assert.match(good.stdout, /^0 errors, 0 warnings\b/m);
    assert.doesNotMatch(good.stdout, /^pjsip\.conf:\d+:/m);
  });

  it("a missing configuration directory exits non-zero with a message naming it", async () => {
    const missing = join(FIXTURES, "no-such-directory");
    const r = await check(missing);
    assert.notEqual(r.code, 0, r.stdout);
    assert.ok((r.stdout + r.stderr).includes("no-such-directory"), r.stdout + r.stderr);
  });
});

describe("switchboard check on a broken extensions.conf (integration)", () => {
  const EXTENSIONS = readFileSync(join(DIALPLAN_DIR, "extensions.conf"), "utf8").split("\n");
  let run: Run;
  before(async () => {
    run = await check(DIALPLAN_DIR);
  });

  /** 1-based line of the dialplan line starting with `prefix`. */
  const extLine = (prefix: string): number => {
    const i = EXTENSIONS.findIndex((l) => l.startsWith(prefix));
    assert.ok(i >= 0, `fixture has no line starting '${prefix}'`);
    return i + 1;
  };
  const found = (): Array<{ line: number; severity: string; message: string }> =>
    [...run.stdout.matchAll(/^extensions\.conf:(\d+): (error|warning): (.*)$/gm)].map((m) => ({ line: Number(m[1]), severity: m[2] ?? "", message: m[3] ?? "" }));
  function expectAt(prefix: string, severity: "error" | "warning", pattern: RegExp): void {
    const line = extLine(prefix);
    const hit = found().find((d) => d.line === line && d.severity === severity && pattern.test(d.message));
    assert.ok(hit, `no '${severity}' at extensions.conf:${line} matching ${pattern}\n--- output\n${run.stdout}${run.stderr}`);
  }

  it("an unclosed parenthesis: a warning at its line about the trailing parenthesis", () => {
    expectAt("exten => 900,1,Answer(", "warning", /trailing parenthesis for Answer/);
  });

  it("an unknown application: a warning at its line naming it (checked against the real registry)", () => {
    expectAt("exten => 902,1,Frobnicate(1)", "warning", /'Frobnicate'.*does not exist/);
  });

  it("an extension whose first line is 'n': a warning at that line that it has no priority 1", () => {
    expectAt("exten => 905,n,NoOp()", "warning", /'905'.*no priority 1/);
  });

  it("an invalid priority: an error at its line, and the exit code is 1", () => {
    expectAt("exten => 906,x,NoOp()", "error", /Invalid priority/);
    assert.equal(run.code, 1, run.stdout + run.stderr);
  });

  it("the correct extensions and pjsip.conf are not reported, and the summary counts the dialplan findings", () => {
    const good = new Set([extLine("exten => 901,"), extLine("exten => 903,"), extLine(" same => n,Hangup()"), extLine(" same => n,Echo()")]);
    assert.deepEqual(found().filter((d) => good.has(d.line)), []);
    assert.doesNotMatch(run.stdout, /^pjsip\.conf:\d+:/m);
    const errors = found().filter((d) => d.severity === "error").length;
    const warnings = found().filter((d) => d.severity === "warning").length;
    assert.deepEqual([errors, warnings], [1, 3], run.stdout);
    assert.match(run.stdout, /^1 error, 3 warnings in 2 files /m);
  });
});

describe("server started on the broken configuration (integration)", () => {
  let pbx: Pbx;
  let port: number;

  before(async () => {
    port = await freePort("127.0.0.1");
    pbx = await startPbx({ configFiles: { "pjsip.conf": BROKEN.replace("bind=127.0.0.1:5060", `bind=127.0.0.1:${port}`) } });
  });
  after(async () => {
    await pbx?.stop();
  });

  it("starts, loads every object without an error (not 2001, 2002), and the good endpoint 2000 registers", async () => {
    const r = await pbx.rx("pjsip list endpoints");
    assert.equal(r.code, 0, r.stderr);
    const ids = [...r.stdout.matchAll(/^ Endpoint: {2}(\S+)/gm)].map((m) => m[1]).filter((id) => id !== "<Endpoint/CID.....................................>");
    assert.deepEqual(ids.sort(), ["2000", "2003", "2004", "2005", "2006"], r.stdout);
    const client = await SipClient.udp({ server: { ip: "127.0.0.1", port }, localIp: "127.0.0.2" });
    try {
      const reg = await client.register({ user: "2000", password: "GoodPassword2000xyz", expires: 600 });
      assert.equal(reg.final.status, 200, reg.final.raw);
    } finally {
      client.close();
    }
    assert.ok(parseContacts((await pbx.rx("pjsip show contacts")).stdout).some((c) => c.aor === "2000"));
  });

  it("logs each error in messages.log with pjsip.conf:<line> at level ERROR", async () => {
    const media = await pbx.waitForLog(new RegExp(`pjsip\\.conf:${optionLine("2001", "endpoint", "media_encryption=yes")}:.*media_encryption=yes`));
    assert.match(media, /ERROR/);
    const unknown = await pbx.waitForLog(new RegExp(`pjsip\\.conf:${optionLine("2002", "endpoint", "rewrite_contacts=yes")}:.*rewrite_contacts`));
    assert.match(unknown, /ERROR/);
  });
});

describe("switchboard check on trunk traps (integration: test/fixtures/config/check-trunks)", () => {
  const DIR = join(FIXTURES, "check-trunks");
  const PJSIP = readFileSync(join(DIR, "pjsip.conf"), "utf8").split("\n");
  let run: Run;
  before(async () => {
    run = await check(DIR);
  });
  /** 1-based line of the section header `[id]` whose body says `type=<type>`. */
  const header = (id: string, type: string): number => {
    const i = PJSIP.findIndex((l, n) => l === `[${id}]` && PJSIP.slice(n + 1).find((x) => x.startsWith("type=")) === `type=${type}`);
    assert.ok(i >= 0, `fixture has no [${id}] type=${type}`);
    return i + 1;
  };
  const at = (line: number, pattern: RegExp): void => {
    assert.match(run.stdout, new RegExp(`^pjsip\\.conf:${line}: warning: ${pattern.source}`, "m"), run.stdout + run.stderr);
  };

  it("outbound_proxy without \\;lr: a warning naming the fix; written with \\;lr it passes", () => {
    at(header("provider", "endpoint"), /endpoint provider has outbound_proxy=sip:proxy\.example\.com without ;lr.*write outbound_proxy=sip:proxy\.example\.com\\;lr/);
    assert.doesNotMatch(run.stdout, /endpoint provider2 has outbound_proxy/);
  });

  it("a trunk with no identify: a warning; the trunk with one is not reported", () => {
    at(header("provider", "endpoint"), /endpoint provider is a trunk \(outbound_auth=\) but no identify section matches it/);
    assert.doesNotMatch(run.stdout, /endpoint provider2 is a trunk/);
  });

  it("the anonymous endpoint whose context reaches a trunk through an include: a warning naming the Dial line; no aors= noise for it", () => {
    at(header("anonymous", "endpoint"), /endpoint anonymous takes calls without authentication \(no auth=, no identify\) and its context 'public' can dial trunk 'provider' \(through include => outgoing\) at extensions\.conf:8: anyone could call out at your expense/);
    assert.doesNotMatch(run.stdout, /endpoint anonymous has no aors=/);
    assert.match(run.stdout, /^0 errors, 3 warnings in 2 files /m);
    assert.equal(run.code, 0);
  });
});
