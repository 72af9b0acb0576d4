// A stand-in for bin/switchboard.js used only by the harness self-test
// (test/integration/harness-pbx.test.ts): it honours the same command-line contract
// (start --config --data, -rx CMD --data) with a deliberately tiny registrar, so the harness,
// the SIPp scenarios and the registrar test logic can be checked before the real server exists.
// It is not a reference implementation of anything.
import { createSocket } from "node:dgram";
import { createServer, connect } from "node:net";
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const argv = process.argv.slice(2);
const opt = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const dataDir = opt("--data");
const ctl = join(dataDir, "switchboard.ctl");

if (argv[0] === "-rx") {
  const sock = connect(ctl);
  let out = "";
  sock.on("error", (e) => { process.stderr.write(`cannot connect: ${e.message}\n`); process.exit(1); });
  sock.on("data", (d) => (out += d));
  sock.on("end", () => { const r = JSON.parse(out); process.stdout.write(r.output); process.exit(r.code); });
  sock.end(argv[1]);
} else if (argv[0] === "start") {
  start();
} else process.exit(2);

function start() {
  const conf = readFileSync(join(opt("--config"), "pjsip.conf"), "utf8");
  const sections = [];
  const templates = new Map();
  for (const block of conf.split(/^\[/m).slice(1)) {
    const name = block.slice(0, block.indexOf("]"));
    const inherit = (/^[^\]]*\]\(([^)]*)\)/.exec(block)?.[1] ?? "").split(",").map((t) => t.trim());
    const own = Object.fromEntries(block.split("\n").slice(1).map((l) => l.split("=")).filter((p) => p.length === 2).map(([k, v]) => [k.trim(), v.trim()]));
    const kv = Object.assign({}, ...inherit.map((t) => templates.get(t) ?? {}), own);
    if (inherit.includes("!")) templates.set(name, kv);
    else sections.push({ name, ...kv });
  }
  const bind = sections.find((s) => s.type === "transport").bind.split(":");
  const auths = new Map(sections.filter((s) => s.type === "auth").map((s) => [s.username, s.password]));
  const aors = new Map(sections.filter((s) => s.type === "aor").map((s) => [s.name, s]));
  const store = join(dataDir, "contacts.json");
  let contacts = existsSync(store) ? JSON.parse(readFileSync(store, "utf8")) : [];
  const save = () => writeFileSync(store, JSON.stringify(contacts));
  const log = (line) => appendFileSync(join(dataDir, "messages.log"), `[${new Date().toISOString()}] NOTICE[${process.pid}] ${line}\n`);
  const md5 = (s) => createHash("md5").update(s).digest("hex");
  const nonce = randomBytes(8).toString("hex");
  const udp = createSocket("udp4");
  const sent = new Map();
  setInterval(() => { const n = Date.now(); const before = contacts.length; contacts = contacts.filter((c) => c.expires > n); if (before !== contacts.length) save(); }, 200);
  udp.on("message", (buf, rinfo) => {
    const raw = buf.toString("latin1");
    const key = raw;
    if (sent.has(key)) { udp.send(sent.get(key), rinfo.port, rinfo.address); return; }
    const [head] = raw.split("\r\n\r\n");
    const lines = head.split("\r\n");
    const m = /^(\w+) (\S+) SIP\/2\.0$/.exec(lines[0] ?? "");
    if (!m) return;
    const h = (n) => lines.find((l) => l.toLowerCase().startsWith(n + ":"))?.slice(n.length + 1).trim();
    if (!h("via") || !h("call-id") || !h("cseq")) return;
    const reply = (code, reason, extra = []) => {
      const to = /;tag=/.test(h("to")) ? h("to") : `${h("to")};tag=${nonce.slice(0, 6)}`;
      const text = [`SIP/2.0 ${code} ${reason}`, `Via: ${h("via")}`, `From: ${h("from")}`, `To: ${to}`, `Call-ID: ${h("call-id")}`, `CSeq: ${h("cseq")}`, ...extra, "Server: fake-pbx", "Content-Length: 0", "", ""].join("\r\n");
      sent.set(key, text);
      udp.send(text, rinfo.port, rinfo.address);
    };
    if (m[1] === "OPTIONS") return reply(200, "OK", ["Allow: OPTIONS, REGISTER"]);
    if (m[1] !== "REGISTER") return reply(501, "Not Implemented");
    const user = /sip:([^@>]+)@/.exec(h("to") ?? "")?.[1] ?? "";
    const auth = h("authorization");
    const challenge = `WWW-Authenticate: Digest realm="asterisk",nonce="${randomBytes(8).toString("hex")}",opaque="0",algorithm=MD5,qop="auth"`;
    if (!auth) return reply(401, "Unauthorized", [challenge]);
    const p = Object.fromEntries([...auth.matchAll(/(\w+)="?([^",]*)"?/g)].map((x) => [x[1], x[2]]));
    const pw = auths.get(p.username);
    const ok = pw !== undefined && p.username === user &&
      md5(`${md5(`${p.username}:asterisk:${pw}`)}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${md5(`REGISTER:${p.uri}`)}`) === p.response;
    if (!ok) {
      log(`Request 'REGISTER' from '${h("from")}' failed for '${rinfo.address}:${rinfo.port}' (callid: ${h("call-id")}) - Failed to authenticate`);
      return reply(401, "Unauthorized", [challenge]);
    }
    const aor = aors.get(user);
    const contact = h("contact");
    const exp = Number(h("expires") ?? aor.default_expiration ?? 3600);
    const mine = () => contacts.filter((c) => c.aor === user);
    const list = () => mine().map((c) => `Contact: <${c.uri}>;expires=${Math.round((c.expires - Date.now()) / 1000)}`);
    if (contact === undefined) return reply(200, "OK", list());
    if (contact === "*") { contacts = contacts.filter((c) => c.aor !== user); save(); return reply(200, "OK"); }
    const uri = /<([^>]+)>/.exec(contact)[1];
    if (exp === 0) { contacts = contacts.filter((c) => !(c.aor === user && c.uri === uri)); save(); return reply(200, "OK"); }
    const min = Number(aor.minimum_expiration ?? 60);
    if (exp < min) return reply(423, "Interval Too Brief", [`Min-Expires: ${min}`]);
    if (!mine().some((c) => c.uri === uri) && mine().length >= Number(aor.max_contacts ?? 0)) return reply(403, "Forbidden");
    contacts = contacts.filter((c) => !(c.aor === user && c.uri === uri));
    contacts.push({ aor: user, uri, expires: Date.now() + exp * 1000 });
    save();
    return reply(200, "OK", list());
  });
  udp.bind(Number(bind[1]), bind[0]);
  if (existsSync(ctl)) rmSync(ctl);
  createServer((c) => {
    let cmd = "";
    c.on("data", (d) => (cmd += d));
    c.on("end", () => {
      let r = { code: 1, output: `No such command '${cmd}'\n` };
      if (cmd === "core show version") r = { code: 0, output: "Switchboard fake-pbx\n" };
      if (cmd === "pjsip show contacts") {
        const rows = contacts.map((x) => `  Contact:  ${`${x.aor}/${x.uri}`.padEnd(46)} ${md5(x.uri).slice(0, 10)} Unknown         nan\n`);
        r = { code: 0, output: rows.length === 0 ? "No objects found.\n" : `\n  Contact:  <Aor/ContactUri..............................> <Hash....> <Status> <RTT(ms)..>\n${"=".repeat(90)}\n\n${rows.join("")}\nObjects found: ${rows.length}\n` };
      }
      c.end(JSON.stringify(r));
    });
  }).listen(ctl);
  process.on("SIGTERM", () => process.exit(0));
}
