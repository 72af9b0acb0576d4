/**
 * messages.log and security.log compared line for line with what Asterisk 22.10.1 wrote for the
 * same four REGISTERs (recorded in test/fixtures/asterisk/logs-*.txt, copies of
 * shared/reference/asterisk-cli/): from 127.0.0.7 over UDP, endpoint 2001 with a wrong password
 * (REGISTER, 401, REGISTER with credentials, 401), then the unknown user 2999 the same way.
 * Asterisk's logger.conf was `messages.log => notice,warning,error,verbose` and
 * `security.log => security` with the default dateformat.
 *
 * Only what differs from run to run is masked, each by a pattern of its exact shape (a timestamp
 * in another layout is not masked and so fails the comparison): dates, pids, ports, Call-IDs,
 * nonces and digest responses. Then Debian's fail2ban-regex with the stock `asterisk` filter must
 * match as many lines of ours as of Asterisk's.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { SipClient, token } from "../helpers/sip-client.js";
import { buildAuthorization, parseChallenge } from "../helpers/digest.js";
import { scratchDir, waitUntil } from "../helpers/processes.js";
import { fail2banRegex } from "../helpers/guard-harness.js";

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "asterisk");
const SERVER_IP = "127.0.0.1";
const CLIENT_IP = "127.0.0.7";
/** Lines the stock filter matched in each of Asterisk's two recorded files. */
const ASTERISK_FAIL2BAN_MATCHES = 4;

const readOr = (path: string): string => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
};

/** A Call-ID shaped like the recorded client's: 16 lower-case alphanumerics @ its address. */
function callId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(16)].map((b) => alphabet[b % alphabet.length]).join("") + `@${CLIENT_IP}`;
}

/**
 * Masks what varies between runs. Call-IDs become `<callid-N>` in order of first appearance, so
 * the comparison still checks that each line names the right one of the two dialogs.
 */
function mask(text: string): string {
  const ids = new Map<string, string>();
  const id = (v: string): string => {
    if (!ids.has(v)) ids.set(v, `<callid-${ids.size + 1}>`);
    return ids.get(v) ?? v;
  };
  return text
    .split("\n")
    .map((line) =>
      line
        .replace(/^\[[A-Z][a-z]{2} [ 123]\d \d\d:\d\d:\d\d\] /, "[<date>] ")
        .replace(/^(\[<date>\] [A-Z]+)\[\d+\] /, "$1[<pid>] ")
        .replace(/EventTV="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}"/g, 'EventTV="<tv>"')
        .replace(/\(callid: ([^)]+)\)/g, (_, v: string) => `(callid: ${id(v)})`)
        .replace(/SessionID="([^"]+)"/g, (_, v: string) => `SessionID="${id(v)}"`)
        .replace(/'(127\.0\.0\.\d+):\d+'/g, "'$1:<port>'")
        .replace(/(IPV4\/UDP\/127\.0\.0\.\d+)\/\d+"/g, '$1/<port>"')
        .replace(/,Challenge="[^"]+"/g, ',Challenge="<nonce>"')
        .replace(/,Response="[0-9a-f]{32}"/g, ',Response="<md5>"'),
    )
    .join("\n");
}

/** The lines of `text` from byte `from` up to (not including) the first line matching `end`. */
function window(text: string, from: number, end: RegExp): string[] {
  const lines = text.slice(from).split("\n");
  const stop = lines.findIndex((l) => end.test(l));
  assert.ok(stop >= 0, `end marker ${end} not found in:\n${text.slice(from)}`);
  return lines.slice(0, stop);
}

describe("logs as Asterisk writes them (integration: a wrong password and an unknown user, compared with Asterisk 22.10.1)", () => {
  let pbx: Pbx;
  let messages: string[];
  let security: string[];
  const scratch = scratchDir("asterisk-logs");

  before(async () => {
    const port = await freePort(SERVER_IP);
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints: [{ id: "2001", password: randomPassword() }] }),
        "guard.conf": "[general]\nsecurity_log=yes\n",
        // The recording's logger.conf, word for word.
        "logger.conf": "[logfiles]\nmessages.log => notice,warning,error,verbose\nsecurity.log => security\n",
      },
    });
    const messagesPath = join(pbx.dataDir, "messages.log");
    const securityPath = join(pbx.dataDir, "security.log");
    const messagesFrom = readOr(messagesPath).length;
    const securityFrom = readOr(securityPath).length;
    const client = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: CLIENT_IP });
    // The recorded client's From and To carry no port, so neither does ours: the NOTICE prints
    // the From URI as the peer sent it.
    const register = (user: string, id: string, cseq: number, headers: string[] = []): string =>
      [
        `REGISTER sip:${SERVER_IP}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${CLIENT_IP}:${client.localPort};branch=z9hG4bK${token()};rport`,
        `Max-Forwards: 70`,
        `From: <sip:${user}@${SERVER_IP}>;tag=${token(4)}`,
        `To: <sip:${user}@${SERVER_IP}>`,
        `Call-ID: ${id}`,
        `CSeq: ${cseq} REGISTER`,
        `Contact: <sip:${user}@${CLIENT_IP}:${client.localPort}>`,
        `Expires: 60`,
        ...headers,
        `Content-Length: 0`,
        ``,
        ``,
      ].join("\r\n");
    const attempt = async (user: string): Promise<void> => {
      const id = callId();
      const first = await client.request(register(user, id, 1));
      assert.equal(first.status, 401, first.raw);
      const challenge = parseChallenge(first.header("www-authenticate") ?? "");
      assert.ok(challenge, first.raw);
      const auth = buildAuthorization(challenge, { username: user, password: "wrong-password", method: "REGISTER", uri: `sip:${SERVER_IP}:${port}` });
      const second = await client.request(register(user, id, 2, [`Authorization: ${auth}`]));
      assert.equal(second.status, 401, second.raw);
    };
    try {
      await attempt("2001");
      await attempt("2999");
      // A marker after the four REGISTERs: requests are handled and logged in order, so every
      // line before the marker's is what the attempts produced, and nothing that came late is missed.
      await client.request(register("2998", callId(), 1));
    } finally {
      client.close();
    }
    await waitUntil(() => /sip:2998@/.test(readOr(messagesPath).slice(messagesFrom)), 10000, "the marker's NOTICE in messages.log");
    await waitUntil(() => /AccountID="2998"/.test(readOr(securityPath).slice(securityFrom)), 10000, "the marker's event in security.log");
    messages = window(readOr(messagesPath), messagesFrom, /sip:2998@/);
    security = window(readOr(securityPath), securityFrom, /AccountID="2998"/);
  });
  after(async () => {
    await pbx?.stop();
  });

  const recorded = (name: string): string[] => readFileSync(join(FIXTURES, name), "utf8").replace(/\n$/, "").split("\n");

  it("messages.log: the same NOTICE lines as Asterisk's, byte for byte after masking", () => {
    assert.deepEqual(mask(messages.join("\n")).split("\n"), mask(recorded("logs-messages.txt").join("\n")).split("\n"), `ours:\n${messages.join("\n")}`);
  });

  it("security.log: the same SecurityEvent lines as Asterisk's, byte for byte after masking", () => {
    assert.deepEqual(mask(security.join("\n")).split("\n"), mask(recorded("logs-security.txt").join("\n")).split("\n"), `ours:\n${security.join("\n")}`);
  });

  for (const [name, ours] of [
    ["logs-messages.txt", () => messages],
    ["logs-security.txt", () => security],
  ] as const) {
    it(`${name.replace("logs-", "").replace(".txt", ".log")}: fail2ban's stock asterisk filter matches ${ASTERISK_FAIL2BAN_MATCHES} lines, as many as of Asterisk's, all for ${CLIENT_IP}`, async () => {
      const file = join(scratch, name);
      writeFileSync(file, ours().join("\n") + "\n");
      const theirs = await fail2banRegex(join(FIXTURES, name));
      assert.equal(theirs.matched, ASTERISK_FAIL2BAN_MATCHES, `the recording itself: ${theirs.output.slice(-2000)}`);
      const r = await fail2banRegex(file);
      assert.equal(r.matched, theirs.matched, r.output.slice(-3000));
      assert.deepEqual([...new Set(r.hosts)], [CLIENT_IP]);
    });
  }
});

/**
 * The two events the recording does not hold, a successful authentication and an endpoint ACL
 * refusal, checked field by field against Asterisk's layout (res_security_log: SecurityEvent,
 * the required fields in Asterisk's order, then the event's own: UsingPassword for
 * SuccessfulAuth, ACLName for FailedACL; the distributor's NOTICE for the refusal).
 */
describe("security events of a good password and an ACL refusal (integration: Asterisk's field order)", () => {
  let pbx: Pbx;
  let port: number;
  const good = { id: "2001", password: randomPassword() };
  const fenced = { id: "2002", password: randomPassword(), endpointOptions: { deny: "0.0.0.0/0.0.0.0", permit: "127.0.0.99/255.255.255.255" } };

  before(async () => {
    port = await freePort(SERVER_IP);
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints: [good, fenced] }),
        "logger.conf": "[logfiles]\nmessages.log => notice,warning,error\nsecurity.log => security\n",
      },
    });
  });
  after(async () => {
    await pbx?.stop();
  });

  it("SuccessfulAuth and FailedACL lines carry Asterisk's fields in Asterisk's order; the refusal is 403 with the 'Not match Endpoint ACL' NOTICE, which fail2ban matches", async () => {
    const securityPath = join(pbx.dataDir, "security.log");
    const from = readOr(securityPath).length;
    const client = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: CLIENT_IP });
    try {
      const ok = (await client.register({ user: good.id, password: good.password })).final;
      assert.equal(ok.status, 200, ok.raw);
      const refused = (await client.register({ user: fenced.id, password: fenced.password })).final;
      assert.equal(refused.status, 403, refused.raw);
    } finally {
      client.close();
    }
    await waitUntil(() => /FailedACL/.test(readOr(securityPath).slice(from)), 10000, "the FailedACL line");
    const lines = readOr(securityPath).slice(from).trimEnd().split("\n");
    const common = (type: string, severity: string, account: string): string =>
      `^\\[[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d\\] SECURITY\\[\\d+\\] res_security_log\\.c: SecurityEvent="${type}",EventTV="\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4}",Severity="${severity}",Service="PJSIP",EventVersion="1",AccountID="${account}",SessionID="[^"]+",LocalAddress="IPV4/UDP/127\\.0\\.0\\.1/${port}",RemoteAddress="IPV4/UDP/127\\.0\\.0\\.7/\\d+"`;
    assert.deepEqual(lines.map((l) => /SecurityEvent="(\w+)"/.exec(l)?.[1]), ["ChallengeSent", "SuccessfulAuth", "FailedACL"], lines.join("\n"));
    assert.match(lines[1] ?? "", new RegExp(common("SuccessfulAuth", "Informational", good.id) + ',UsingPassword="1"$'));
    assert.match(lines[2] ?? "", new RegExp(common("FailedACL", "Error", fenced.id) + ',ACLName="not_match_endpoint_acl"$'));
    const notice = await pbx.waitForLog(/Not match Endpoint ACL$/m, 5000);
    assert.match(notice, new RegExp(`NOTICE\\[\\d+\\] res_pjsip/pjsip_distributor\\.c: Request 'REGISTER' from '<sip:2002@[^']+>' failed for '127\\.0\\.0\\.7:\\d+' \\(callid: [^)]+\\) - Not match Endpoint ACL$`));
    const f2b = join(scratchDir("acl-f2b"), "messages.log");
    writeFileSync(f2b, notice.trim() + "\n");
    const r = await fail2banRegex(f2b);
    assert.equal(r.matched, 1, r.output.slice(-2000));
  });
});
