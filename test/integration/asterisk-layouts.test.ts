/**
 * Console layouts compared byte for byte with real Asterisk 22.10.1. The recordings in
 * test/fixtures/asterisk/*.txt (from shared/reference/asterisk-cli/) each hold one
 * `asterisk -rx "…"` line and the exact output. This suite starts the real server with the
 * configuration they were recorded with — UDP and TCP transports on one port, endpoints 2001–2003
 * (context internal, ulaw only, NAT options, a caller ID, an auth and an aor each), 2001 and 2002
 * registered from 127.0.0.2 and 127.0.0.3 with `;transport=udp` contacts, extensions `_2XXX` and
 * `600` — runs each recorded command through `-rx` and compares.
 *
 * Only what varies between two runs is masked, on both sides alike and keeping column widths:
 * the ports, the contact hashes (a digest of the contact id), and the version line's product,
 * version, user, host, machine and build date. Lines that differ on purpose are listed in
 * DELIBERATE below with the reason.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, startPbx, type Pbx } from "../helpers/pbx.js";
import { randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { SipClient } from "../helpers/sip-client.js";

const FIXTURES = join(REPO_ROOT, "test", "fixtures", "asterisk");
const IP = "127.0.0.1";
/** The ports of the recording; ours are substituted by these (all are five digits wide). */
const RECORDED = { server: 25160, phone2001: 25162, phone2002: 25163 } as const;

/**
 * Lines Switchboard prints differently on purpose, masked on both sides:
 * - `sdp_session`: Switchboard names itself in the SDP s= line (docs/configuration.md).
 */
const DELIBERATE: ReadonlyArray<RegExp> = [/^( sdp_session +: ).*$/m];

interface Recording {
  readonly command: string;
  readonly output: string;
}

/** Splits a recording into its command (`$ asterisk -rx "…"`) and the output that follows. */
function readRecording(name: string): Recording {
  const text = readFileSync(join(FIXTURES, name), "utf8");
  const nl = text.indexOf("\n");
  const m = /^\$ asterisk -rx "(.*)"$/.exec(text.slice(0, nl));
  if (m?.[1] === undefined) throw new Error(`${name}: first line is not '$ asterisk -rx "…"'`);
  return { command: m[1], output: text.slice(nl + 1) };
}

/**
 * Masks what differs between runs. `ports` maps this run's ports to the recording's, so the
 * columns keep their widths; contact hashes become `HASH......`; the version line keeps only
 * its shape.
 */
function mask(text: string, ports: ReadonlyMap<number, number>): string {
  let out = text;
  for (const [ours, recorded] of ports) out = out.replace(new RegExp(`:${ours}\\b`, "g"), `:${recorded}`);
  out = out.replace(/^(\s*Contact: {2}\S+ +)[0-9a-f]{10}( )/gm, "$1HASH......$2");
  out = out.replace(
    /^\S+ \S+ built by \S+ @ \S+ on a \S+ running \S+ on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/m,
    "PRODUCT VERSION built by USER @ HOST on a MACHINE running OS on YYYY-MM-DD HH:MM:SS UTC",
  );
  for (const re of DELIBERATE) out = out.replace(re, "$1<masked>");
  return out;
}

function pjsipConf(port: number, passwords: Readonly<Record<string, string>>): string {
  const parts = [
    `[transport-udp]\ntype=transport\nprotocol=udp\nbind=${IP}:${port}\n`,
    `[transport-tcp]\ntype=transport\nprotocol=tcp\nbind=${IP}:${port}\n`,
  ];
  for (const id of ["2001", "2002", "2003"]) {
    parts.push(
      [
        `[${id}]`,
        "type=endpoint",
        "context=internal",
        "disallow=all",
        "allow=ulaw",
        "direct_media=no",
        "rtp_symmetric=yes",
        "force_rport=yes",
        "rewrite_contact=yes",
        `callerid="Bar ${id}" <${id}>`,
        `auth=${id}`,
        `aors=${id}`,
        "",
        `[${id}]`,
        "type=auth",
        "auth_type=userpass",
        `username=${id}`,
        `password=${passwords[id] ?? ""}`,
        "",
        `[${id}]`,
        "type=aor",
        "max_contacts=1",
        "remove_existing=yes",
        "",
      ].join("\n"),
    );
  }
  return parts.join("\n");
}

/**
 * The recording's dialplan, as the `[extensions.conf:N]` columns show it was written: the
 * pattern first, the literal second. Asterisk lists literals before patterns, so the input is
 * deliberately not in output order.
 */
const EXTENSIONS_CONF = [
  "[internal]",
  "exten => _2XXX,1,Dial(PJSIP/${EXTEN},20)",
  " same => n,Hangup()",
  "exten => 600,1,Answer()",
  " same => n,Echo()",
  " same => n,Hangup()",
  "",
].join("\n");

const RECORDINGS = [
  "pjsip-show-endpoints.txt",
  "pjsip-list-endpoints.txt",
  "pjsip-show-endpoint-2001.txt",
  "pjsip-show-aors.txt",
  "pjsip-show-aor-2001.txt",
  "pjsip-show-auths.txt",
  "pjsip-show-contacts.txt",
  "pjsip-list-contacts.txt",
  "pjsip-show-transports.txt",
  "pjsip-show-identifies.txt",
  "pjsip-show-history.txt",
  "core-show-channels.txt",
  "core-show-version.txt",
  "dialplan-show-internal.txt",
];

/** A line-numbered diff of the first differing lines, with `$` marking line ends (trailing blanks). */
function firstDifferences(want: string, got: string, max = 8): string {
  const w = want.split("\n");
  const g = got.split("\n");
  const out: string[] = [];
  for (let i = 0; i < Math.max(w.length, g.length) && out.length < max * 2; i++) {
    if (w[i] === g[i]) continue;
    out.push(`${String(i + 1).padStart(4)} want: ${w[i] === undefined ? "<none>" : `${w[i]}$`}`, `${String(i + 1).padStart(4)}  got: ${g[i] === undefined ? "<none>" : `${g[i]}$`}`);
  }
  return out.join("\n");
}

describe("console layouts byte for byte like Asterisk 22.10.1 (integration: real server, recorded config)", () => {
  let pbx: Pbx;
  const phones: SipClient[] = [];
  const ports = new Map<number, number>();

  before(async () => {
    const port = await freePort(IP);
    const passwords = { "2001": randomPassword(), "2002": randomPassword(), "2003": randomPassword() };
    pbx = await startPbx({ configFiles: { "pjsip.conf": pjsipConf(port, passwords), "extensions.conf": EXTENSIONS_CONF } });
    ports.set(port, RECORDED.server);
    for (const [id, ip, recorded] of [["2001", "127.0.0.2", RECORDED.phone2001], ["2002", "127.0.0.3", RECORDED.phone2002]] as const) {
      const phone = await SipClient.udp({ server: { ip: IP, port }, localIp: ip, localPort: await freePort(ip) });
      phones.push(phone);
      ports.set(phone.localPort, recorded);
      const reg = await phone.register({ user: id, password: passwords[id], expires: 3600, contact: `<sip:${id}@${ip}:${phone.localPort};transport=udp>` });
      assert.equal(reg.final.status, 200, reg.final.raw);
    }
  });
  after(async () => {
    for (const p of phones) p.close();
    await pbx?.stop();
  });

  for (const name of RECORDINGS) {
    const rec = readRecording(name);
    it(`${rec.command}: same bytes as ${name}`, async () => {
      const r = await pbx.rx(rec.command);
      assert.equal(r.code, 0, `${rec.command} exited ${r.code}: ${r.stderr}`);
      const got = mask(r.stdout, ports);
      const want = mask(rec.output, new Map());
      assert.equal(got, want, `${rec.command} differs from Asterisk 22.10.1:\n${firstDifferences(want, got)}`);
    });
  }
});
