import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startPbx } from "/work/main/test/helpers/pbx.js";
import { freePort } from "/work/main/test/helpers/ports.js";

const port = await freePort("127.0.0.1");
const conf = `[t]\ntype=transport\nprotocol=udp\nbind=127.0.0.1:${port}\n\n[2001]\ntype=endpoint\nauth=2001\naors=2001\n[2001]\ntype=auth\nusername=2001\npassword=pw\n[2001]\ntype=aor\nmax_contacts=1\n`;
const pbx = await startPbx({ configFiles: { "pjsip.conf": conf } });
async function send(from: string, ua: string, user: string): Promise<string | undefined> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, from, () => r()));
  const lp = s.address().port;
  const msg = [`REGISTER sip:127.0.0.1 SIP/2.0`, `Via: SIP/2.0/UDP ${from}:${lp};rport;branch=z9hG4bK${Math.random()}`, "Max-Forwards: 70", `From: <sip:${user}@127.0.0.1>;tag=1`, `To: <sip:${user}@127.0.0.1>`, `Call-ID: ${Math.random()}@x`, "CSeq: 1 REGISTER", `Contact: <sip:${user}@${from}:${lp}>`, `User-Agent: ${ua}`, "Content-Length: 0", "", ""].join("\r\n");
  const reply = new Promise<string | undefined>((r) => { s.on("message", (m) => r(m.toString().split("\r\n")[0])); setTimeout(() => r(undefined), 500); });
  s.send(msg, port, "127.0.0.1");
  const out = await reply; s.close(); return out;
}
console.log("legit:", await send("127.0.0.21", "Phone", "2001"));
console.log("scanner:", await send("127.0.0.22", "friendly-scanner", "2001"));
console.log("scanner again:", await send("127.0.0.22", "Phone", "2001"));
for (let i = 0; i < 6; i++) console.log("unknown", i, await send("127.0.0.23", "Phone", String(300 + i)));
console.log("decoy:", await send("127.0.0.24", "Phone", "admin"));
console.log((await pbx.rx("security show bans")).stdout);
console.log((await pbx.rx("security show stats")).stdout);
console.log((await pbx.rx("security show ban 127.0.0.22")).stdout);
const restarted = await (pbx as unknown as { restart?: () => Promise<typeof pbx> }).restart?.();
console.log("restart helper:", restarted ? "yes" : "no");
console.log(readFileSync(join(pbx.dataDir, "security.log"), "utf8").split("\n").slice(0, 3).join("\n"));
console.log(readFileSync(join(pbx.dataDir, "messages.log"), "utf8").split("\n").filter((l) => /Banned|Unbanned|restored/.test(l)).join("\n"));
await (restarted ?? pbx).stop();
