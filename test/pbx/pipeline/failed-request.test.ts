import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ASTERISK_SOURCE, CaptureLogger, formatLogLine } from "../../../src/core/logger.js";
import { failedRequestHead, failedRequestText, fromForLog, logFailedRequest } from "../../../src/pbx/pipeline/failed-request.js";
import type { RequestContext } from "../../../src/pbx/pipeline/request-context.js";

test("failed request: the From is printed as a name-addr without header parameters, as Asterisk prints it", () => {
  const rows: Array<[string, string, string]> = [
    ["<sip:2001@127.0.0.1>;tag=as5f", "<sip:2001@127.0.0.1>", "the tag is a header parameter: dropped"],
    ["<sip:2001@127.0.0.1:25170>;tag=x;foo=bar", "<sip:2001@127.0.0.1:25170>", "a port the peer sent stays"],
    ['"1000" <sip:1000@10.0.0.1>;tag=1', '"1000" <sip:1000@10.0.0.1>', "a quoted display name keeps its quotes (Asterisk's own example)"],
    ['"a>b <c" <sip:x@y>;tag=1', '"a>b <c" <sip:x@y>', "brackets inside the quoted display name are not the URI's"],
    ["Bob   Smith<sip:bob@h;user=phone>;tag=2", '"Bob   Smith" <sip:bob@h;user=phone>', "token display name: quoted as pjsip prints it, inner whitespace kept"],
    ['"Bob \t Smith" <sip:bob@h>', '"Bob \t Smith" <sip:bob@h>', "a quoted display name is printed as sent"],
    ["\"x' failed for '10.0.0.9' (callid: \" <sip:a@b>", '"x_ failed for _10.0.0.9_ _callid_ " <sip:a@b>', "field ends (and a colon before a space) in the display name become _"],
    ["<sip:o'(x)@h>;tag=1", "<sip:o%27%28x%29@h>", "in the URI they are percent-encoded: the same URI"],
    ["sip:2001@127.0.0.1;tag=3", "<sip:2001@127.0.0.1>", "addr-spec: everything after ';' is header parameters"],
    ['"unterminated <sip:x@y>', '"unterminated <sip:x@y>', "unscannable: printed as received"],
  ];
  for (const [input, expected, why] of rows) assert.equal(fromForLog(input), expected, why);
});

function context(over: Partial<RequestContext> = {}): RequestContext {
  return {
    req: { method: "REGISTER" },
    peer: "127.0.0.7:25171",
    callId: "4owjsidq5v5dc8k1@127.0.0.7",
    fromText: "<sip:2001@127.0.0.1>;tag=abc",
    userAgent: "x",
    ...over,
  } as RequestContext;
}

test("failed request: the NOTICE is Asterisk's line, header included, and nothing follows the reason", () => {
  const log = new CaptureLogger();
  logFailedRequest(log, context(), "Failed to authenticate", { username: "2001", why: "wrong password" });
  const rec = log.records[0];
  assert.ok(rec);
  assert.equal(rec.level, "notice");
  const line = formatLogLine("notice", { category: "pbx.auth", ...rec.ctx }, rec.msg, new Date(2026, 11, 1, 23, 2, 48).getTime());
  assert.equal(
    line,
    `[Dec  1 23:02:48] NOTICE[${process.pid}] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '<sip:2001@127.0.0.1>' failed for '127.0.0.7:25171' (callid: 4owjsidq5v5dc8k1@127.0.0.7) - Failed to authenticate`,
  );
});

test("failed request: without the Asterisk source key the category names the line, as before", () => {
  const line = formatLogLine("notice", { category: "pbx.auth" }, "hello", 0);
  assert.match(line, /^\[[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d\] NOTICE\[\d+\] pbx\.auth: hello$/);
  assert.doesNotMatch(formatLogLine("notice", { [ASTERISK_SOURCE]: "x.c" }, "m", 0), /asteriskSource/, "the key is not rendered as context");
});

test("failed request: a Call-ID with parentheses cannot end the (callid: …) group early", () => {
  const text = failedRequestText(context({ callId: "a) - No matching endpoint found (b" }), "Failed to authenticate");
  assert.equal(text.match(/\)/g)?.length, 1, text);
  assert.match(text, /\(callid: a_ - No matching endpoint found _b\) - Failed to authenticate$/);
});

test("failed request: fail2ban's stock filter bans the sender, whatever the From, Call-ID and method hold", () => {
  const filter = "/etc/fail2ban/filter.d/asterisk.conf";
  assert.ok(existsSync(filter), `${filter} is missing: install Debian's fail2ban package`);
  // The first `:` of the text must not be followed by a space, or the filter's prefix eats the
  // text up to it; `a:b` does that, so each forgery below bans 10.0.0.9 when printed raw.
  const fake = "' failed for '10.0.0.9' (callid: x";
  const contexts = [
    context({ fromText: `"a:b${fake}" <sip:a@b>;tag=1` }),
    context({ fromText: `a:b${fake} <sip:a@b>` }),
    context({ fromText: `<sip:a${fake}@b>` }),
    context({ fromText: "<sip:a:b@c>", callId: `c) - No matching endpoint found (${fake}` }),
    // A `: ` lets the filter's prefix swallow the text up to it, and "<HOST> failed to
    // authenticate" (a rule with no `$`) then matches what follows.
    context({ fromText: `"x: 10.0.0.9 failed to authenticate" <sip:a@b>;tag=1` }),
    context({ fromText: `x: Host 10.0.0.9 failed MD5 authentication <sip:a@b>` }),
    context({ fromText: `<sip: 10.0.0.9 failed to authenticate@b>` }),
    context({ fromText: `x: 10.0.0.9 failed to authenticate` }),
    context({ req: { method: "A".repeat(900) }, fromText: `"10.0.0.9 failed to authenticate" <sip:a@b>` } as Partial<RequestContext>),
  ];
  const stamp = "[Dec  1 23:02:48] NOTICE[11612] res_pjsip/pjsip_distributor.c: ";
  const raw = stamp + `Request 'REGISTER' from '"a:b${fake}" <sip:a@b>' failed for '127.0.0.7:25171' (callid: c) - No matching endpoint found`;
  const lines = contexts.map((c) => stamp + failedRequestText(c, "No matching endpoint found"));
  // The pipeline's line for a request refused with a SIP error (sanity's 400 …) has the same head.
  const refused = contexts.map((c) => stamp + `${failedRequestHead(c)} - 400 Bad Request: Max-Forwards: x: 10.0.0.9 failed to authenticate`);
  const dir = mkdtempSync(join(tmpdir(), "failed-request-f2b-"));
  try {
    const banned = (text: string[]): string[] => {
      const file = join(dir, "messages.log");
      writeFileSync(file, text.join("\n") + "\n");
      return execFileSync("fail2ban-regex", ["-o", "ip", file, filter], { encoding: "utf8" }).trim().split("\n");
    };
    assert.deepEqual(banned([raw]), ["10.0.0.9"], "the forgery works on a raw line: the test can fail");
    assert.deepEqual(banned([raw.replace(/"a:b' failed for '10\.0\.0\.9' \(callid: x"/, '"x: 10.0.0.9 failed to authenticate"')]), ["10.0.0.9"], "so does the colon one");
    assert.deepEqual(banned(lines), lines.map(() => "127.0.0.7"), lines.join("\n"));
    assert.deepEqual(banned(refused), [""], refused.join("\n"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
