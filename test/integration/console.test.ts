/**
 * The console of the real server, driven the way an administrator does (`switchboard -rx`,
 * `switchboard -r` with piped stdin): Asterisk's `pjsip show …` layouts (reference/asterisk.md
 * §2.3), the SIP packet logger and history, the core commands, and `core reload` keeping
 * registrations while it picks up new and changed objects.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, rxCommand, startPbx, type Pbx, type RxResult } from "../helpers/pbx.js";
import { randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { SipClient, token } from "../helpers/sip-client.js";
import { objectsFound, parameters, parseContacts } from "../helpers/cli-output.js";
import { trackProcess, waitUntil } from "../helpers/processes.js";

const IP = "127.0.0.1";
const RULE = "=".repeat(90);
const PW_1001 = randomPassword();

/** Header block of `pjsip show endpoints`, literally as Asterisk prints it (reference §2.3). */
const ENDPOINTS_HEADER = [
  " Endpoint:  <Endpoint/CID.....................................>  <State.....>  <Channels.>",
  "    I/OAuth:  <AuthId/UserName...........................................................>",
  "        Aor:  <Aor............................................>  <MaxContact>",
  "      Contact:  <Aor/ContactUri..........................> <Hash....> <Status> <RTT(ms)..>",
  "  Transport:  <TransportId........>  <Type>  <cos>  <tos>  <BindAddress..................>",
  "   Identify:  <Identify/Endpoint.........................................................>",
  "        Match:  <criteria.........................>",
  "    Channel:  <ChannelId......................................>  <State.....>  <Time.....>",
  "        Exten: <DialedExten...........>  CLCID: <ConnectedLineCID.......>",
  RULE,
];

/** Rows in Asterisk's column layout: `%*s:  %-51.51s  %-12.12s  %d of %.0f` and friends. */
const row = {
  endpoint: (id: string, state: string): string => ` Endpoint:  ${id.padEnd(51)}  ${state.padEnd(12)}  0 of inf`,
  inAuth: (auth: string, user: string): string => `     InAuth:  ${auth}/${user}`,
  aor: (id: string, max: number): string => `        Aor:  ${id.padEnd(49)}  ${max}`,
  transport: (indent: string, id: string, type: string, bind: string): string =>
    `${indent}Transport:  ${id.padEnd(21)}  ${type.padStart(6)}  ${"0".padStart(5)}  ${"0".padStart(5)}  ${bind}`,
};

function pjsipConf(port: number, extra = ""): string {
  return `
[transport-udp]
type=transport
protocol=udp
bind=${IP}:${port}

[transport-tcp]
type=transport
protocol=tcp
bind=${IP}:${port}

[1001]
type=endpoint
transport=transport-udp
context=from-internal
disallow=all
allow=ulaw
auth=1001
aors=1001
rewrite_contact=yes
rtp_symmetric=yes
direct_media=no

[1001]
type=auth
auth_type=digest
username=1001
password=${PW_1001}

[1001]
type=aor
max_contacts=2

; no auth: calls from 127.0.0.9 are identified by address
[1002]
type=endpoint
context=from-internal
disallow=all
allow=ulaw
aors=1002

[1002]
type=aor
max_contacts=1

[1002-identify]
type=identify
endpoint=1002
match=127.0.0.9
${extra}`;
}

/** Lines without trailing blanks, so a test does not depend on whether padding is trimmed. */
const lines = (text: string): string[] => text.split("\n").map((l) => l.trimEnd());

function assertOk(r: RxResult, what: string): string {
  assert.equal(r.code, 0, `${what} exited ${r.code}: ${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** Asserts `expected` appear in `text` as consecutive lines, with a readable diff on failure. */
function assertBlock(text: string, expected: string[], what: string): void {
  const got = lines(text);
  const want = expected.map((l) => l.trimEnd());
  for (let i = 0; i + want.length <= got.length; i++) {
    if (want.every((w, k) => got[i + k] === w)) return;
  }
  assert.fail(`${what}: block not found.\n--- expected\n${want.join("\n")}\n--- got\n${got.join("\n")}`);
}

/** Log records of messages.log, each starting with `[Mon DD HH:MM:SS] LEVEL[pid] …`. */
function logRecords(log: string): string[] {
  return log.replace(/\r/g, "").split(/\n(?=\[\w{3} +\d+ [\d:]+\] )/);
}

describe("console (integration: real server, -rx and -r)", () => {
  let pbx: Pbx;
  let port: number;
  let registered: SipClient;

  before(async () => {
    port = await freePort(IP);
    pbx = await startPbx({ configFiles: { "pjsip.conf": pjsipConf(port) } });
    registered = await SipClient.udp({ server: { ip: IP, port }, localIp: "127.0.0.2" });
    const reg = await registered.register({ user: "1001", password: PW_1001, expires: 600 });
    assert.equal(reg.final.status, 200, reg.final.raw);
  });
  after(async () => {
    registered?.close();
    await pbx?.stop();
  });

  const rx = async (cmd: string): Promise<string> => assertOk(await pbx.rx(cmd), cmd);

  it("pjsip show endpoints: Asterisk's header block, 90-char rule, endpoint/auth/aor/contact/transport/identify rows, object count", async () => {
    const out = await rx("pjsip show endpoints");
    const got = lines(out);
    assert.equal(got[0], "", "output starts with an empty line");
    assert.deepEqual(got.slice(1, 1 + ENDPOINTS_HEADER.length), ENDPOINTS_HEADER, out);
    const contact = parseContacts(out).find((c) => c.aor === "1001");
    assert.ok(contact, out);
    assert.equal(contact.uri, `sip:1001@127.0.0.2:${registered.localPort}`);
    assert.match(contact.hash, /^[0-9a-f]{10}$/);
    assert.equal(contact.status, "NonQual");
    assert.equal(contact.rtt, "nan");
    const contactRow = `      Contact:  ${`1001/${contact.uri}`.padEnd(42)} ${contact.hash} ${"NonQual".padEnd(8)}${"nan".padStart(11)}`;
    assertBlock(
      out,
      [
        "",
        row.endpoint("1001", "Not in use"),
        row.inAuth("1001", "1001"),
        row.aor("1001", 2),
        contactRow,
        row.transport("  ", "transport-udp", "udp", `${IP}:${port}`),
        "",
      ],
      "registered endpoint 1001",
    );
    assertBlock(
      out,
      ["", row.endpoint("1002", "Unavailable"), row.aor("1002", 1), "   Identify:  1002-identify/1002", "        Match:  127.0.0.9/32", ""],
      "unregistered endpoint 1002 with identify",
    );
    assert.equal(objectsFound(out), 2);
    assert.match(out, /\n\n\nObjects found: 2\n\n$/, "the last block's blank line, a blank line, the footer, a blank line");
  });

  it("pjsip list endpoints: first header line, rule, one row per endpoint", async () => {
    const out = await rx("pjsip list endpoints");
    assert.equal(out, ["", ENDPOINTS_HEADER[0] ?? "", RULE, "", row.endpoint("1001", "Not in use"), row.endpoint("1002", "Unavailable"), "", "Objects found: 2", "", ""].join("\n"));
  });

  it("pjsip show endpoint 1001: the endpoint block, then a ParameterName table sized to its longest name and value", async () => {
    const out = await rx("pjsip show endpoint 1001");
    assertBlock(out, [row.endpoint("1001", "Not in use"), row.inAuth("1001", "1001")], "endpoint block");
    // The longest endpoint option name is mwi_subscribe_replaces_unsolicited (34), the longest
    // value a codec_prefs_* default (62): the rule spans 34 + 3 + 62.
    assertBlock(out, ["", "", ` ${"ParameterName".padEnd(34)} : ParameterValue`, " " + "=".repeat(99)], "parameter header");
    const param = (name: string): string | undefined => parameters(out).get(name);
    assert.equal(param("context"), "from-internal");
    assert.equal(param("rewrite_contact"), "true");
    assert.equal(param("direct_media"), "false");
    assert.equal(param("send_connected_line"), "yes");
    assert.equal(param("dtls_auto_generate_cert"), "No");
    assert.equal(param("aors"), "1001");
    assert.equal(param("auth"), "1001");
    assert.equal(param("transport"), "transport-udp");
    assert.equal(param("allow"), "(ulaw)");
    assert.equal(param("disallow"), undefined, "Asterisk does not list disallow");
    assert.ok(out.endsWith(" webrtc                             : no\n\n"), `the table ends with webrtc and a blank line:\n${out.slice(-200)}`);
    assert.ok(!out.includes(PW_1001), "the auth's password leaks into pjsip show endpoint");
  });

  it("pjsip show aors / aor 1001: aor rows with max contacts, nested contact, and the aor's options", async () => {
    const all = await rx("pjsip show aors");
    assertBlock(
      all,
      [
        "",
        "      Aor:  <Aor..............................................>  <MaxContact>",
        "    Contact:  <Aor/ContactUri............................> <Hash....> <Status> <RTT(ms)..>",
        RULE,
      ],
      "aors header",
    );
    assert.ok(lines(all).includes(`      Aor:  ${"1001".padEnd(51)}  2`), all);
    assert.ok(lines(all).includes(`      Aor:  ${"1002".padEnd(51)}  1`), all);
    assert.equal(objectsFound(all), 2);
    const one = await rx("pjsip show aor 1001");
    const [contact] = parseContacts(one);
    assert.ok(contact, one);
    // The longest aor option name is authenticate_qualify (20).
    assertBlock(one, [` ${"ParameterName".padEnd(20)} : ParameterValue`], "parameter header");
    const params = parameters(one);
    assert.equal(params.get("contact"), contact.uri, `the registered contact is the aor's contact:\n${one}`);
    assert.equal(params.get("max_contacts"), "2");
    assert.equal(params.get("remove_existing"), "false");
    assert.equal(params.get("qualify_timeout"), "3.000000");
  });

  it("pjsip show auths / auth 1001: the password is never printed, the detail shows it as <hidden>", async () => {
    const [all, one, list] = await Promise.all([rx("pjsip show auths"), rx("pjsip show auth 1001"), rx("pjsip list auths")]);
    assert.equal(all, ["", "  I/OAuth:  <AuthId/UserName.............................................................>", RULE, "", "     Auth:  1001/1001", "", "Objects found: 1", "", ""].join("\n"));
    const params = parameters(one);
    assert.equal(params.get("password"), "<hidden>");
    assert.equal(params.get("username"), "1001");
    assert.equal(params.get("auth_type"), "digest");
    for (const text of [all, one, list]) assert.ok(!text.includes(PW_1001), `password printed:\n${text}`);
  });

  it("pjsip show transports: one row per transport sorted by id (tcp before udp, though udp is declared first)", async () => {
    const out = await rx("pjsip show transports");
    assert.equal(
      out,
      [
        "",
        "Transport:  <TransportId........>  <Type>  <cos>  <tos>  <BindAddress....................>",
        RULE,
        "",
        row.transport("", "transport-tcp", "tcp", `${IP}:${port}`),
        row.transport("", "transport-udp", "udp", `${IP}:${port}`),
        "",
        "Objects found: 2",
        "",
        "",
      ].join("\n"),
    );
  });

  it("pjsip show identifies: identify/endpoint row and its Match row (a bare address becomes /32)", async () => {
    const out = await rx("pjsip show identifies");
    assertBlock(out, [" Identify:  1002-identify/1002", "      Match:  127.0.0.9/32"], "identify rows");
    assert.equal(objectsFound(out), 1);
    const one = await rx("pjsip show identify 1002-identify");
    assert.equal(parameters(one).get("endpoint"), "1002");
  });

  it("pjsip show contacts like <regex>: filters by aor/uri; no match prints 'No objects found.'", async () => {
    const [hit, miss] = await Promise.all([rx("pjsip show contacts like ^1001/"), rx("pjsip show contacts like ^nobody")]);
    assert.equal(parseContacts(hit).length, 1, hit);
    assert.equal(objectsFound(hit), 1);
    assert.equal(parseContacts(miss).length, 0);
    assert.equal(miss, "No objects found.\n\n");
  });

  it("an unknown object prints 'Unable to find object'; an unknown command exits 1", async () => {
    const cmds = ["pjsip show endpoint 9999", "pjsip show aor 9999", "pjsip show auth 9999"];
    const [bad, outs] = await Promise.all([pbx.rx("pjsip frobnicate everything"), Promise.all(cmds.map(rx))]);
    outs.forEach((out, i) => assert.match(out, /Unable to find object 9999/, cmds[i]));
    assert.equal(bad.code, 1, `${bad.stdout}${bad.stderr}`);
    assert.match(bad.stdout + bad.stderr, /No such command 'pjsip frobnicate everything'/);
  });

  it("a command used wrongly (missing id, bad verb, 'like' without a pattern) exits 1 and prints its usage (docs/cli.md)", async () => {
    const cases: Array<[string, RegExp]> = [
      ["pjsip show endpoint", /^Usage: pjsip show endpoint /m],
      ["pjsip set logger bogus", /^Usage: pjsip set logger /m],
      ["pjsip show contacts like", /^Usage: pjsip show contacts/m],
      ["core show uptime now", /^Usage: core show uptime/m],
    ];
    const results = await Promise.all(cases.map(([cmd]) => pbx.rx(cmd)));
    const wrong: string[] = [];
    results.forEach((r, i) => {
      const [cmd, usage] = cases[i] ?? ["", /$/];
      if (r.code !== 1 || !usage.test(r.stdout + r.stderr)) wrong.push(`'${cmd}' → exit ${r.code}, output ${JSON.stringify(r.stdout + r.stderr)}`);
    });
    assert.deepEqual(wrong, [], `usage errors not answered with the usage text (a handler's CliUsageError was reported as a failure):\n${wrong.join("\n")}`);
  });

  it("help <full command> prints its usage; core show uptime seconds prints bare numbers", async () => {
    const [usage, seconds] = await Promise.all([rx("help pjsip show endpoints"), rx("core show uptime seconds")]);
    assert.match(usage, /^Usage: pjsip show endpoints/m);
    assert.match(seconds, /^System uptime: \d+\nLast reload: \d+\n$/);
  });

  it("-rx against a data directory where no PBX runs exits 2 with 'Unable to connect to remote Switchboard'", async () => {
    const r = await rxCommand(join(pbx.runDir, "nowhere"), "core show version");
    assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /Unable to connect to remote Switchboard \(does .*nowhere\/switchboard\.ctl exist\?\)/);
  });

  it("help lists the pjsip and core commands with their summaries", async () => {
    const out = await rx("help");
    for (const cmd of ["pjsip show endpoints", "pjsip show contacts", "pjsip set logger", "pjsip show history", "core show version", "core reload"]) {
      assert.match(out, new RegExp(`^${cmd} +-- \\S`, "m"), `help lacks '${cmd}':\n${out}`);
    }
  });

  it("core show version / uptime / settings / memory answer with their fields", async () => {
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
    const [shown, uptime, settings, memory] = await Promise.all([rx("core show version"), rx("core show uptime"), rx("core show settings"), rx("core show memory")]);
    // Asterisk's shape: "Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-12-01 21:42:55 UTC".
    assert.match(shown, new RegExp(`^Switchboard ${version.replace(/\./g, "\\.")} built by \\S+ @ \\S+ on a \\S+ running \\S+ on \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\n$`));
    assert.ok(settings.includes(`  ${"Node.js:".padEnd(29)}${process.version}\n`), `core show settings names the Node.js version:\n${settings}`);
    assert.match(uptime, /^System uptime: .*\d+ seconds?$/m);
    assert.match(uptime, /^Last reload: /m);
    assert.match(settings, /PBX Core settings/);
    assert.ok(settings.includes(pbx.configDir), settings);
    assert.ok(settings.includes(pbx.dataDir), settings);
    assert.match(settings, new RegExp(`transport-udp \\(udp ${IP}:${port}\\)`));
    assert.match(memory, /RSS: +\d+ KiB/);
    assert.match(memory, /Heap used: +\d+ KiB/);
  });

  describe("pjsip set logger", () => {
    /**
     * Logger records in messages.log that carry this Call-ID. Each line of a trace is written
     * under the record's own head (docs/logging.md: a packet from the network cannot forge a log
     * line); the heads of the lines after the first are taken off to get the packet back.
     */
    const traced = (callId: string): string[] => {
      const joined = pbx
        .messagesLog()
        .split("\n")
        .map((l) => l.replace(/^\[\w{3} +\d+ [\d:]+\] VERBOSE\[\d+\] res_pjsip_logger\.c: (?!<--- )/, ""))
        .join("\n");
      return logRecords(joined).filter((r) => r.includes("<--- ") && r.includes(`Call-ID: ${callId}`));
    };

    async function sendFrom(ip: string, method: "REGISTER" | "OPTIONS"): Promise<{ callId: string; sent: string; reply: string; localPort: number }> {
      const c = await SipClient.udp({ server: { ip: IP, port }, localIp: ip });
      try {
        const callId = token(12);
        const sent =
          method === "REGISTER"
            ? c.buildRequest({ method, fromUser: "1001", callId, contact: `<sip:1001@${ip}:${c.localPort}>`, expires: 60 })
            : c.buildRequest({ method, fromUser: "probe", toUser: "", callId, uri: `sip:${IP}:${port}` });
        const reply = await c.request(sent);
        return { callId, sent, reply: reply.raw, localPort: c.localPort };
      } finally {
        c.close();
      }
    }

    it("on: a REGISTER and its 401 are written to messages.log with Asterisk's Received/Transmitting headers and byte counts", async () => {
      assert.match(await rx("pjsip set logger on"), /PJSIP Logging enabled/);
      const m = await sendFrom("127.0.0.3", "REGISTER");
      const records = await waitUntil(() => (traced(m.callId).length >= 2 ? traced(m.callId) : undefined), 3000, `logger records for ${m.callId}\n${pbx.diagnostics()}`);
      const rxHead = `<--- Received SIP request (${Buffer.byteLength(m.sent, "latin1")} bytes) from UDP:127.0.0.3:${m.localPort} --->\nREGISTER sip:${IP}:${port} SIP/2.0\n`;
      assert.ok(records.some((r) => r.includes(rxHead)), `no record with\n${rxHead}\nin\n${records.join("\n")}`);
      const txHead = `<--- Transmitting SIP response (${Buffer.byteLength(m.reply, "latin1")} bytes) to UDP:127.0.0.3:${m.localPort} --->\nSIP/2.0 401 Unauthorized\n`;
      assert.ok(records.some((r) => r.includes(txHead)), `no record with\n${txHead}\nin\n${records.join("\n")}`);
      // The whole request is logged, not only its first line, each line under the record's head.
      assert.ok(records.some((r) => r.includes("User-Agent: switchboard-test")));
      assert.match(pbx.messagesLog(), /^\[\w{3} +\d+ [\d:]+\] VERBOSE\[\d+\] res_pjsip_logger\.c: User-Agent: switchboard-test$/m);
    });

    it("host 127.0.0.77: only packets of that host are logged; method OPTIONS: only OPTIONS of that host; off: nothing", async () => {
      assert.match(await rx("pjsip set logger host 127.0.0.77"), /PJSIP Logging Enabled for host: 127\.0\.0\.77/);
      const other = await sendFrom("127.0.0.78", "REGISTER");
      const chosen = await sendFrom("127.0.0.77", "REGISTER");
      await waitUntil(() => traced(chosen.callId).length >= 2, 3000, "the chosen host's packets in messages.log");
      assert.deepEqual(traced(other.callId), [], "a packet of another host was logged");

      assert.match(await rx("pjsip set logger method OPTIONS"), /PJSIP Logging Enabled for SIP Methods: OPTIONS/);
      const register = await sendFrom("127.0.0.77", "REGISTER");
      const otherOptions = await sendFrom("127.0.0.78", "OPTIONS");
      const options = await sendFrom("127.0.0.77", "OPTIONS");
      const records = await waitUntil(() => (traced(options.callId).length >= 2 ? traced(options.callId) : undefined), 3000, "OPTIONS in messages.log");
      assert.ok(records.some((r) => /<--- Received SIP request \(\d+ bytes\) from UDP:127\.0\.0\.77:\d+ --->\nOPTIONS /.test(r)));
      assert.ok(records.some((r) => /<--- Transmitting SIP response \(\d+ bytes\) to UDP:127\.0\.0\.77:\d+ --->\nSIP\/2\.0 200 OK/.test(r)));
      assert.deepEqual(traced(register.callId), [], "REGISTER logged despite method filter OPTIONS");
      assert.deepEqual(traced(otherOptions.callId), [], "host filter lost after 'method'");

      assert.match(await rx("pjsip set logger off"), /PJSIP Logging disabled/);
      const silent = await sendFrom("127.0.0.77", "OPTIONS");
      // A later, logged-by-nothing packet: give the server the time it needed above, then look.
      await sendFrom("127.0.0.77", "OPTIONS");
      assert.deepEqual(traced(silent.callId), []);
    });
  });

  describe("pjsip set history / show history", () => {
    it("records packets in both directions, lists them in Asterisk's table, shows one entry, reports a missing one, clears", async () => {
      assert.match(await rx("pjsip set history on"), /PJSIP History enabled/);
      assert.match(await rx("pjsip set history clear"), /PJSIP History cleared/);
      const c = await SipClient.udp({ server: { ip: IP, port }, localIp: "127.0.0.4" });
      let callId: string;
      try {
        callId = (await c.register({ user: "1001", password: PW_1001, expires: 60 })).callId;
      } finally {
        c.close();
      }
      const peer = `127.0.0.4:${c.localPort}`;
      const list = await rx("pjsip show history");
      const got = lines(list);
      assert.match(got[0] ?? "", /^No\. {3}Timestamp {2}\(Dir\) Address {18}SIP Message$/);
      assert.equal(got[1], "===== ========== ============================== ===================================");
      const rows = got.slice(2).filter((l) => l !== "");
      const now = Math.floor(Date.now() / 1000);
      const rowRe = /^(\d{5}) (\d{10}) \* (<==|==>) (\S+) +(.*)$/;
      const parsed = rows.map((l) => rowRe.exec(l)).filter((m) => m !== null);
      assert.equal(parsed.length, rows.length, `rows not in the history layout:\n${list}`);
      const ours = parsed.filter((m) => m[4] === peer);
      assert.deepEqual(
        ours.map((m) => `${m[3]} ${m[5]}`),
        [`<== REGISTER sip:${IP}:${port} SIP/2.0`, "==> SIP/2.0 401 Unauthorized", `<== REGISTER sip:${IP}:${port} SIP/2.0`, "==> SIP/2.0 200 OK"],
        list,
      );
      assert.equal(parsed[0]?.[1], "00000", "numbering starts at 0 after clear");
      for (const m of ours) assert.ok(Math.abs(Number(m[2]) - now) < 30, `timestamp ${m[2]} is not epoch seconds`);

      const n = Number(ours[0]?.[1]);
      const [entry, sentEntry, missing, invalid] = await Promise.all([
        rx(`pjsip show history entry ${n}`),
        rx(`pjsip show history entry ${Number(ours[1]?.[1])}`),
        rx("pjsip show history entry 999"),
        rx("pjsip show history entry abc"),
      ]);
      assert.match(entry, new RegExp(`^<--- History Entry ${n} Received from ${peer.replace(/\./g, "\\.")} at \\d{10} --->\\r?\\nREGISTER sip:`));
      assert.ok(entry.includes(`Call-ID: ${callId}`), entry);
      assert.match(sentEntry, /^<--- History Entry \d+ Sent to .* at \d{10} --->\r?\nSIP\/2\.0 401 Unauthorized/);

      assert.match(missing, /Entry '999' does not exist/);
      assert.match(invalid, /'abc' is not a valid entry number/);
      assert.match(await rx("pjsip set history clear"), /PJSIP History cleared/);
      assert.match(await rx("pjsip set history off"), /PJSIP History disabled/);
      const cleared = lines(await rx("pjsip show history")).slice(2).filter((l) => l !== "");
      assert.deepEqual(cleared, []);
    });
  });

  it("-r with piped stdin runs each line, prints every result, and appends the lines to <data>/.cli_history", async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "bin", "switchboard.js"), "-r", "--data", pbx.dataDir], {
      cwd: REPO_ROOT,
      env: { ...process.env, SWITCHBOARD_FROM_SOURCE: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    trackProcess(child, "switchboard-r");
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdin.end("core show version\npjsip show contacts\npjsip show contacts\n");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    clearTimeout(timer);
    assert.equal(code, 0, `-r exited ${code}\n${stdout}\n${stderr}`);
    assert.match(stdout, /Switchboard \d+\.\d+\.\d+ /);
    assert.ok(parseContacts(stdout).some((c) => c.aor === "1001" && c.uri.includes(`127.0.0.2:${registered.localPort}`)), stdout);
    const historyPath = join(pbx.dataDir, ".cli_history");
    const history = lines(readFileSync(historyPath, "utf8"));
    assert.ok(history.includes("core show version") && history.includes("pjsip show contacts"), history.join("\n"));
    // docs/cli.md: repeating the previous line does not add it again.
    assert.equal(history.filter((l) => l === "pjsip show contacts").length, 1, history.join("\n"));
    assert.equal(statSync(historyPath).mode & 0o077, 0, "the console history is readable by others");
  });
});

describe("core reload (integration)", () => {
  let pbx: Pbx;
  let port: number;

  before(async () => {
    port = await freePort(IP);
    pbx = await startPbx({ configFiles: { "pjsip.conf": pjsipConf(port) } });
  });
  after(async () => {
    await pbx?.stop();
  });

  const rx = async (cmd: string): Promise<string> => assertOk(await pbx.rx(cmd), cmd);

  it("keeps 1001's contact, applies a changed option, adds endpoint 1003 which can then register", async () => {
    const phone = await SipClient.udp({ server: { ip: IP, port }, localIp: "127.0.0.5" });
    const pw1003 = randomPassword();
    try {
      assert.equal((await phone.register({ user: "1001", password: PW_1001, expires: 600 })).final.status, 200);
      const extra = `
[1003]
type=endpoint
context=from-internal
disallow=all
allow=ulaw
auth=1003
aors=1003

[1003]
type=auth
auth_type=digest
username=1003
password=${pw1003}

[1003]
type=aor
max_contacts=1
`;
      const newPw1001 = randomPassword();
      writeFileSync(
        join(pbx.configDir, "pjsip.conf"),
        pjsipConf(port, extra).replace("context=from-internal", "context=changed-context").replace(`password=${PW_1001}`, `password=${newPw1001}`),
      );
      const out = await rx("core reload");
      assert.match(out, /0 errors/, out);
      const endpoints = await rx("pjsip show endpoints");
      assert.equal(objectsFound(endpoints), 3, endpoints);
      assert.ok(lines(endpoints).includes(row.endpoint("1003", "Unavailable")), endpoints);
      assert.ok(parseContacts(endpoints).some((c) => c.aor === "1001" && c.uri.includes(`127.0.0.5:${phone.localPort}`)), `1001's contact lost on reload\n${endpoints}`);
      assert.equal(parameters(await rx("pjsip show endpoint 1001")).get("context"), "changed-context");

      const other = await SipClient.udp({ server: { ip: IP, port }, localIp: "127.0.0.6" });
      try {
        const reg = await other.register({ user: "1003", password: pw1003, expires: 600 });
        assert.equal(reg.final.status, 200, reg.final.raw);
      } finally {
        other.close();
      }
      assert.ok(parseContacts(await rx("pjsip show contacts")).some((c) => c.aor === "1003"));
      // The changed password is in force: the old one is refused, the new one accepted.
      const stale = await phone.register({ user: "1001", password: PW_1001, expires: 600 });
      assert.notEqual(stale.final.status, 200, `the pre-reload password still works:\n${stale.final.raw}`);
      assert.equal((await phone.register({ user: "1001", password: newPw1001, expires: 600 })).final.status, 200);
    } finally {
      phone.close();
    }
  });

  it("a broken option in one object keeps the other objects loaded and reports the errors with file:line", async () => {
    const broken = `
[1004]
type=endpoint
context=from-internal
media_encryption=bogus
aors=1004

[1004]
type=aor
max_contacts=1
`;
    const text = pjsipConf(port, broken);
    writeFileSync(join(pbx.configDir, "pjsip.conf"), text);
    const badLine = text.split("\n").indexOf("media_encryption=bogus") + 1;
    const out = await rx("core reload");
    assert.match(out, /[1-9]\d* errors?/, `reload does not report the error:\n${out}`);
    const endpoints = await rx("pjsip list endpoints");
    assert.ok(lines(endpoints).some((l) => l.startsWith(" Endpoint:  1001 ")), endpoints);
    assert.ok(lines(endpoints).some((l) => l.startsWith(" Endpoint:  1002 ")), endpoints);
    assert.ok(!lines(endpoints).some((l) => l.startsWith(" Endpoint:  1004 ")), `the broken endpoint was loaded:\n${endpoints}`);
    // The AOR of the broken section's neighbour is valid and stays.
    assert.ok(lines(await rx("pjsip list aors")).some((l) => l.startsWith("      Aor:  1004 ")));
    const logged = await pbx.waitForLog(new RegExp(`pjsip\\.conf:${badLine}:.*media_encryption=bogus`));
    assert.match(logged, /ERROR/);
  });
});
