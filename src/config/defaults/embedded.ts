/**
 * The embedded default configuration: a small office PBX that works out of the box — UDP and
 * TCP on port 5060 (IPv4 and IPv6), SIP over secure WebSocket at wss://<host>:8089/ws (HTTPS
 * with a self-signed certificate from the data directory) and the browser phone's page, five
 * phones 1001-1005 with NAT-safe settings, five browser phone extensions 1101-1105 (WebRTC), and
 * a dialplan
 * where the phones call each other, pick up each other's ringing calls with *8, transfer with
 * their transfer keys, 600 is an echo test and 610 plays the music on hold. It is written as .conf text and
 * loaded through the same parser as user files, so it doubles as a worked example.
 */
import { readdirSync } from "node:fs";
import { PbxError } from "../../core/errors.js";
import { EMBEDDED_LOGGER_CONF } from "../logger/logger-sample.js";

/** The desk phones' extensions (endpoint, auth, AOR and mailbox ids) the embedded configuration defines. */
export const EMBEDDED_EXTENSIONS = ["1001", "1002", "1003", "1004", "1005"] as const;

/** The browser phone's extensions (webrtc=yes, no mailbox): https://<this host>:8089/phone/. */
export const EMBEDDED_BROWSER_EXTENSIONS = ["1101", "1102", "1103", "1104", "1105"] as const;

/** Every extension with a generated password. */
export const EMBEDDED_ACCOUNTS: readonly string[] = [...EMBEDDED_EXTENSIONS, ...EMBEDDED_BROWSER_EXTENSIONS];

/** A `;` in a value starts a comment unless written `\;`. */
function escapeValue(value: string): string {
  return value.replace(/;/g, "\\;");
}

/** The HTTPS listener's certificate and key (PEM files), for SIP over WSS. */
export interface EmbeddedHttps {
  readonly certFile: string;
  readonly keyFile: string;
}

function pjsipConf(passwords: Readonly<Record<string, string>>, https: EmbeddedHttps | undefined): string {
  const lines: string[] = [
    "; Switchboard embedded default: pjsip.conf",
    "",
    "[transport-udp]",
    "type=transport",
    "protocol=udp",
    "bind=0.0.0.0:5060",
    "",
    "[transport-tcp]",
    "type=transport",
    "protocol=tcp",
    "bind=0.0.0.0:5060",
    "",
    "[transport-udp6]",
    "type=transport",
    "protocol=udp",
    "bind=[::]:5060",
    "",
    "[transport-tcp6]",
    "type=transport",
    "protocol=tcp",
    "bind=[::]:5060",
    "",
    ...(https === undefined
      ? []
      : ["; SIP over secure WebSocket (browser phones): served by the HTTPS server of http.conf at /ws.", "[transport-wss]", "type=transport", "protocol=wss", "bind=0.0.0.0", ""]),
    "; Settings shared by every desk phone: NAT-safe media and signalling.",
    "[office-phone](!)",
    "type=endpoint",
    "context=internal",
    "disallow=all",
    "allow=ulaw,alaw",
    "direct_media=no",
    "rtp_symmetric=yes",
    "force_rport=yes",
    "rewrite_contact=yes",
    "identify_by=username",
    "; One pickup group for the office: any phone picks up another's ringing call with *8.",
    "call_group=1",
    "pickup_group=1",
    "",
    "[office-aor](!)",
    "type=aor",
    "max_contacts=3",
    "remove_existing=yes",
    "qualify_frequency=60",
    "",
  ];
  const browser = new Set<string>(EMBEDDED_BROWSER_EXTENSIONS);
  lines.push(
    "; The browser phone's extensions (https://<this host>:8089/phone/): WebRTC media, Opus first.",
    "[browser-phone](!)",
    "type=endpoint",
    "context=internal",
    "webrtc=yes",
    "disallow=all",
    "allow=opus,ulaw,alaw",
    "direct_media=no",
    "rtp_symmetric=yes",
    "force_rport=yes",
    "rewrite_contact=yes",
    "identify_by=username",
    "call_group=1",
    "pickup_group=1",
    "",
  );
  for (const ext of EMBEDDED_ACCOUNTS) {
    const password = passwords[ext];
    if (password === undefined || password.length === 0) {
      throw new PbxError("INVALID_ARGUMENT", `embeddedDefaultFiles: no password given for extension ${ext}`);
    }
    const phone = browser.has(ext) ? [`[${ext}](browser-phone)`, `callerid="Browser ${ext}" <${ext}>`] : [`[${ext}](office-phone)`, `callerid="Extension ${ext}" <${ext}>`, `mailboxes=${ext}@default`];
    lines.push(
      ...phone,
      `auth=${ext}`,
      `aors=${ext}`,
      "",
      `[${ext}]`,
      "type=auth",
      "auth_type=digest",
      `username=${ext}`,
      `password=${escapeValue(password)}`,
      "",
      `[${ext}](office-aor)`,
      "",
    );
  }
  return lines.join("\n");
}

const RTP_CONF = ["; Switchboard embedded default: rtp.conf", "[general]", "rtpstart=10000", "rtpend=20000", ""].join("\n");

const EXTENSIONS_CONF = [
  "; Switchboard embedded default: extensions.conf",
  "[internal]",
  "; Park a call by transferring it to 700; pick it up by dialling its space (701-720).",
  "include => parkedcalls",
  "",
  "; Ring the phone for 20 s; then its voicemail (busy greeting when it was busy).",
  "exten => _10XX,1,Dial(PJSIP/${EXTEN},20)",
  ' same => n,GotoIf($["${DIALSTATUS}" = "BUSY"]?busy)',
  " same => n,VoiceMail(${EXTEN}@default,u)",
  " same => n,Hangup()",
  " same => n(busy),VoiceMail(${EXTEN}@default,b)",
  " same => n,Hangup()",
  "",
  "; Check your own voicemail (the PIN: pjsip show default-passwords).",
  "exten => *97,1,VoiceMailMain(${CALLERID(num)}@default)",
  " same => n,Hangup()",
  "",
  "; The browser phones ring for 30 s.",
  "exten => _11XX,1,Dial(PJSIP/${EXTEN},30)",
  " same => n,Hangup()",
  "",
  "exten => 600,1,Answer()",
  " same => n,Echo()",
  "",
  "; Listen to the music on hold (what a caller hears while you hold the call).",
  "exten => 610,1,Answer()",
  " same => n,MusicOnHold()",
  "",
  "; Busy lamps: a phone's BLF key for an extension subscribes to its hint (docs/blf.md).",
  ...EMBEDDED_ACCOUNTS.map((ext) => `exten => ${ext},hint,PJSIP/${ext}`),
  "",
].join("\n");

/** Where Debian's asterisk-moh-opsound-* packages install their music on hold. */
export const DEBIAN_MOH_DIR = "/usr/share/asterisk/moh";

/**
 * musiconhold.conf: Debian's music on hold files, in random order, when the package is installed;
 * else none, so the built-in [default] class plays Switchboard's generated music.
 */
function musicOnHoldConf(debianMoh: boolean): string | undefined {
  if (!debianMoh) return undefined;
  return ["; Switchboard embedded default: musiconhold.conf (Debian's asterisk-moh-opsound files are installed)", "[default]", "mode=files", `directory=${DEBIAN_MOH_DIR}`, "sort=random", ""].join("\n");
}

function hasSoundFiles(dir: string): boolean {
  try {
    return readdirSync(dir).some((f) => /\.(wav|ulaw|alaw|sln|sln16|g722)$/.test(f));
  } catch {
    return false;
  }
}

function voicemailConf(pins: Readonly<Record<string, string>>): string {
  const lines = ["; Switchboard embedded default: voicemail.conf", "[general]", "format=wav", "maxsecs=180", "maxlogins=3", "", "[default]"];
  for (const ext of EMBEDDED_EXTENSIONS) {
    const pin = pins[ext];
    if (pin === undefined || pin.length === 0) throw new PbxError("INVALID_ARGUMENT", `embeddedDefaultFiles: no voicemail PIN given for extension ${ext}`);
    lines.push(`${ext} => ${pin},Extension ${ext}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * The embedded configuration as in-memory files, ready for
 * `loadConfiguration({ kind: "embedded", files })`. `passwords` maps each of
 * {@link EMBEDDED_ACCOUNTS} to its SIP password and `pins` each of {@link EMBEDDED_EXTENSIONS} to its voicemail PIN; a missing one
 * is a programming error.
 */
export function embeddedDefaultFiles(passwords: Readonly<Record<string, string>>, pins: Readonly<Record<string, string>>, debianMoh = hasSoundFiles(DEBIAN_MOH_DIR), https?: EmbeddedHttps): Record<string, string> {
  const moh = musicOnHoldConf(debianMoh);
  return { "pjsip.conf": pjsipConf(passwords, https), ...(https !== undefined ? { "http.conf": httpConf(https) } : {}), "rtp.conf": RTP_CONF, "extensions.conf": EXTENSIONS_CONF, "logger.conf": EMBEDDED_LOGGER_CONF, "voicemail.conf": voicemailConf(pins), "cdr.conf": CDR_CONF, ...(moh !== undefined ? { "musiconhold.conf": moh } : {}) };
}

/** Call detail records in the data directory's cdr-csv/Master.csv, as Asterisk's sample config writes them. */
const CDR_CONF = ["; Switchboard embedded default: cdr.conf", "[general]", "enable=yes", "", "[csv]", "loguniqueid=yes", "loguserfield=yes", ""].join("\n");

/**
 * http.conf: HTTPS only, on every address at Asterisk's port 8089, for SIP over WSS at /ws.
 * No plain HTTP listener (no bindaddr): nothing is served in clear text.
 */
function httpConf(https: EmbeddedHttps): string {
  return [
    "; Switchboard embedded default: http.conf",
    "[general]",
    "enabled=yes",
    "; No bindaddr: no plain HTTP. HTTPS serves SIP over WebSocket (wss://<this host>:8089/ws).",
    "tlsenable=yes",
    "tlsbindaddr=0.0.0.0:8089",
    `tlscertfile=${escapeValue(https.certFile)}`,
    `tlsprivatekey=${escapeValue(https.keyFile)}`,
    "",
  ].join("\n");
}
