/**
 * Call detail records from a running Switchboard: two baresip phones talk (tones heard both
 * ways), and the call is one line in cdr-csv/Master.csv (and the account's file) in Asterisk's
 * column order, a Cdr event that the npm asterisk-manager client receives unmodified, and a row
 * in master.db; `cdr show status` names the three backends. The h extension's
 * Set(CDR(userfield)=…) reaches the record. A record written survives kill -9.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { assertTone, checkTone, makeToneWav } from "../helpers/audio.js";
import { scratchDir, sleep, waitUntil } from "../helpers/processes.js";

const require = createRequire(import.meta.url);

interface ManagerLike {
  on(ev: string, fn: (e: Record<string, string>) => void): void;
  disconnect(): void;
  isConnected(): boolean;
}
const AsteriskManager = require("asterisk-manager") as new (port: number, host: string, user: string, secret: string, events: boolean) => ManagerLike;

const SERVER_IP = "127.0.0.1";
const ADMIN = { user: "billing", secret: randomPassword() };
const PHONES = { a: { id: "4101", password: randomPassword() }, b: { id: "4102", password: randomPassword() } };

/** Splits one Master.csv line: quoted fields with doubled quotes, bare numbers. */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === '"') {
      let v = "";
      i++;
      for (;;) {
        if (line[i] === '"' && line[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else v += line[i++];
      }
      out.push(v);
    } else {
      const end = line.indexOf(",", i);
      out.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length : end;
    }
    if (line[i] === ",") i++;
  }
  return out;
}

describe("CDR (integration: baresip call, Master.csv, asterisk-manager Cdr event, SQLite)", () => {
  let pbx: Pbx;
  let sipPort: number;
  let amiPort: number;
  const dir = scratchDir("cdr");
  const tone440 = makeToneWav(join(dir, "tone440.wav"), { frequency: 440, seconds: 30 });
  const tone1000 = makeToneWav(join(dir, "tone1000.wav"), { frequency: 1000, seconds: 30 });

  before(async () => {
    sipPort = await freePort(SERVER_IP);
    amiPort = await freePort(SERVER_IP);
    const endpoints = Object.values(PHONES).map((p) => ({
      id: p.id,
      password: p.password,
      context: "office",
      maxContacts: 1,
      removeExisting: true,
      endpointOptions: { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no", accountcode: p.id === PHONES.a.id ? "sales" : "support" },
    }));
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port: sipPort, endpoints }),
        "extensions.conf": "[office]\nexten => _41XX,1,Set(CDR(project)=apollo)\n same => n,Dial(PJSIP/${EXTEN},20)\n same => n,Hangup()\nexten => h,1,Set(CDR(userfield)=talked ${CDR(billsec)} s)\n",
        "rtp.conf": "[general]\nrtpstart=35000\nrtpend=35999\n",
        "cdr.conf": "[general]\nenable = yes\n[csv]\nloguniqueid = yes\nloguserfield = yes\n",
        "cdr_manager.conf": "[general]\nenabled = yes\n",
        "cdr_sqlite3_custom.conf": "[master]\ntable = cdr\ncolumns = calldate, src, dst, dstchannel, billsec, disposition, accountcode, userfield, project\nvalues = '${CDR(start)}','${CDR(src)}','${CDR(dst)}','${CDR(dstchannel)}','${CDR(billsec)}','${CDR(disposition)}','${CDR(accountcode)}','${CDR(userfield)}','${CDR(project)}'\n",
        "manager.conf": `[general]\nenabled = yes\nport = ${amiPort}\nbindaddr = 127.0.0.1\n\n[${ADMIN.user}]\nsecret = ${ADMIN.secret}\nread = cdr\nwrite = reporting\n`,
      },
    });
  });
  after(async () => {
    await pbx?.stop();
  });

  async function phone(p: keyof typeof PHONES, ip: string, rtp: string, answer: boolean, source: string): Promise<Baresip> {
    const ep = PHONES[p];
    const b = await startBaresip({
      ip,
      rtpPorts: rtp,
      audioSource: source,
      accounts: [`"Phone ${ep.id}" <sip:${ep.id}@${SERVER_IP}:${sipPort};transport=udp>;auth_pass=${ep.password};audio_codecs=PCMU;regint=600${answer ? ";answermode=auto" : ""}`],
      maxSeconds: 90,
    });
    await waitUntil(async () => /OK/.test(await b.reginfo()), 10000, `${ep.id} registered`);
    return b;
  }

  it("cdr show status names the csv, cdr_manager and sqlite3_custom backends", async () => {
    const r = await pbx.rx("cdr show status");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Logging:\s+Enabled/);
    assert.match(r.stdout, /\* Registered Backends\n {2}-+\n {4}csv\n {4}cdr_manager\n {4}sqlite3_custom\n/);
  });

  it("an answered call, heard both ways, is one Master.csv line, one Cdr event and one SQLite row; the line survives kill -9", async () => {
    const events: Array<Record<string, string>> = [];
    const ami = new AsteriskManager(amiPort, SERVER_IP, ADMIN.user, ADMIN.secret, true);
    ami.on("managerevent", (e) => events.push(e));
    const a = await phone("a", "127.0.0.2", "23600-23699", false, tone440);
    const b = await phone("b", "127.0.0.3", "23700-23799", true, tone1000);
    try {
      await waitUntil(() => ami.isConnected(), 5000, "asterisk-manager connected");
      await a.command(`dial sip:${PHONES.b.id}@${SERVER_IP}:${sipPort}`);
      await a.waitEvent("CALL_ESTABLISHED", 10000);
      await sleep(4000);
      await a.command("hangup");
      await a.waitEvent("CALL_CLOSED", 10000);
      await b.waitEvent("CALL_CLOSED", 10000);
      await sleep(500);
      const heardByA = a.recordings().find((f) => f.endsWith("-dec.wav"));
      const heardByB = b.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heardByA && heardByB, "both phones recorded what they heard");
      assertTone(checkTone(heardByA, 1000, { minSeconds: 2 }), "the caller", 1000);
      assertTone(checkTone(heardByB, 440, { minSeconds: 2 }), "the callee", 440);

      const master = join(pbx.dataDir, "cdr-csv", "Master.csv");
      await waitUntil(() => existsSync(master) && readFileSync(master, "utf8").trim() !== "", 5000, "Master.csv written");
      const lines = readFileSync(master, "utf8").trimEnd().split("\n");
      assert.equal(lines.length, 1, `one line for the call:\n${lines.join("\n")}`);
      const f = parseCsvLine(lines[0] ?? "");
      assert.equal(f.length, 18, `16 columns + uniqueid + userfield: ${lines[0]}`);
      const [accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, disposition, amaflags, uniqueid, userfield] = f as [string, ...string[]];
      assert.equal(accountcode, "sales", "the caller's endpoint accountcode");
      assert.equal(src, PHONES.a.id);
      assert.equal(dst, PHONES.b.id);
      assert.equal(dcontext, "office");
      assert.equal(clid, `"Phone ${PHONES.a.id}" <${PHONES.a.id}>`);
      assert.match(channel ?? "", new RegExp(`^PJSIP/${PHONES.a.id}-[0-9a-f]{8}$`));
      assert.match(dstchannel ?? "", new RegExp(`^PJSIP/${PHONES.b.id}-[0-9a-f]{8}$`));
      assert.equal(lastapp, "Dial");
      assert.equal(lastdata, `PJSIP/${PHONES.b.id},20`);
      for (const t of [start, answer, end]) assert.match(t ?? "", /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.ok(Number(billsec) >= 3 && Number(billsec) <= 8, `billsec ${billsec}`);
      assert.ok(Number(duration) >= Number(billsec), `duration ${duration} ≥ billsec ${billsec}`);
      assert.equal(disposition, "ANSWERED");
      assert.equal(amaflags, "DOCUMENTATION");
      assert.match(uniqueid ?? "", /^\d+\.\d+$/);
      assert.equal(userfield, `talked ${billsec} s`, "the h extension's CDR(userfield) is in the record");
      assert.equal(readFileSync(join(pbx.dataDir, "cdr-csv", "sales.csv"), "utf8"), `${lines[0]}\n`, "accountlogs: the account's own file");

      await waitUntil(() => events.some((e) => e.event === "Cdr"), 5000, "Cdr event");
      const cdr = events.find((e) => e.event === "Cdr")!;
      assert.equal(cdr.destination, PHONES.b.id);
      assert.equal(cdr.disposition, "ANSWERED");
      assert.equal(cdr.billableseconds, billsec);
      assert.equal(cdr.uniqueid, uniqueid);
      assert.equal(cdr.destinationchannel, dstchannel);
      assert.equal(cdr.privilege, "cdr,all");

      const db = new BetterSqlite3(join(pbx.dataDir, "master.db"), { readonly: true, fileMustExist: true });
      try {
        const rows = db.prepare("SELECT * FROM cdr").all() as Array<Record<string, unknown>>;
        assert.equal(rows.length, 1);
        assert.deepEqual({ ...rows[0], AcctId: undefined, calldate: undefined }, { AcctId: undefined, calldate: undefined, src: PHONES.a.id, dst: PHONES.b.id, dstchannel, billsec, disposition: "ANSWERED", accountcode: "sales", userfield: `talked ${billsec} s`, project: "apollo" });
        assert.equal(rows[0]?.calldate, start);
      } finally {
        db.close();
      }

      // A finished record is on disk at once: kill -9 does not take it away.
      await pbx.kill("SIGKILL");
      pbx = await pbx.restart();
      assert.equal(readFileSync(master, "utf8").trimEnd().split("\n").length, 1, "the line is still there after kill -9 and a restart");
    } finally {
      ami.disconnect();
      await a.stop();
      await b.stop();
    }
  });
});
