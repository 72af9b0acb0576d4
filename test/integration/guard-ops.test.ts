/**
 * Operating the guard on the real server (loopback only; each scenario has its own source
 * address in 127.0.0.0/8): manual ban and unban from the console, bans surviving a restart, the
 * whitelist, (IP, user) bans for an office behind NAT versus a whole-IP ban for an address where
 * several users fail, decoy accounts and scanner User-Agents.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword, type EndpointSpec } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { SipClient } from "../helpers/sip-client.js";
import { bansOf, guardConf, parseBans, parseStats, type BanRow } from "../helpers/guard-harness.js";

const SERVER_IP = "127.0.0.1";
const MAXRETRY = 5;
const MAX_USERS_PER_IP = 3;
const WHITELISTED = "127.0.0.70";

const endpoints = Object.fromEntries(
  ["2001", "2002", "2003", "2004", "2005", "2006"].map((id) => [id, { id, password: randomPassword(), maxContacts: 5 } satisfies EndpointSpec]),
) as Record<string, EndpointSpec>;
const pw = (id: string): string => endpoints[id]?.password ?? "";

const re = (ip: string): string => ip.replace(/\./g, "\\.");

describe("guard operations (integration: real server on loopback)", () => {
  let pbx: Pbx;
  let port: number;
  const server = (): { ip: string; port: number } => ({ ip: SERVER_IP, port });

  before(async () => {
    port = await freePort(SERVER_IP);
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, protocols: ["udp", "tcp"], endpoints: Object.values(endpoints) }),
        "guard.conf": guardConf({ maxretry: MAXRETRY, max_users_per_ip: MAX_USERS_PER_IP, whitelist: `${WHITELISTED}/32` }),
      },
    });
  });
  after(async () => {
    await pbx?.stop();
  });

  async function rx(command: string): Promise<string> {
    const r = await pbx.rx(command);
    assert.equal(r.code, 0, `'${command}' failed (${r.code}): ${r.stderr}\n${pbx.diagnostics()}`);
    return r.stdout;
  }
  const bans = async (ip: string): Promise<BanRow[]> => bansOf(await rx("security show bans"), ip);

  /** Runs `fn` with a UDP client bound to `ip`, closing it afterwards. */
  async function withClient<T>(ip: string, fn: (c: SipClient) => Promise<T>): Promise<T> {
    const c = await SipClient.udp({ server: server(), localIp: ip });
    try {
      return await fn(c);
    } finally {
      c.close();
    }
  }

  /** Final status of one REGISTER + digest, or null when either transaction goes unanswered. */
  async function register(ip: string, user: string, password: string, timeoutMs = 1000): Promise<number | null> {
    return withClient(ip, async (c) => {
      try {
        return (await c.register({ user, password, expires: 300, timeoutMs })).final.status;
      } catch {
        return null;
      }
    });
  }

  async function options(ip: string, timeoutMs = 1000, headers: readonly string[] = []): Promise<number | null> {
    return withClient(ip, async (c) => {
      try {
        const raw = c.buildRequest({ method: "OPTIONS", fromUser: "probe", toUser: "", uri: `sip:${SERVER_IP}:${port}`, headers });
        return (await c.request(raw, timeoutMs)).status;
      } catch {
        return null;
      }
    });
  }

  /** Resolves "closed" when the server closes a TCP connection from `ip` without answering, "open" otherwise. */
  function tcpFate(ip: string, waitMs = 1500): Promise<"closed" | "open"> {
    return new Promise((resolve) => {
      const sock = connect({ host: SERVER_IP, port, localAddress: ip });
      let data = "";
      const timer = setTimeout(() => {
        sock.destroy();
        resolve("open");
      }, waitMs);
      sock.on("data", (d) => (data += d.toString("latin1")));
      sock.on("error", () => undefined);
      sock.on("close", () => {
        clearTimeout(timer);
        resolve(data === "" ? "closed" : "open");
      });
    });
  }

  /** Sends wrong-password REGISTERs until one goes unanswered; returns how many were answered. */
  async function failUntilSilent(ip: string, user: string, limit: number): Promise<number> {
    let answered = 0;
    for (let i = 0; i < limit; i++) {
      const status = await register(ip, user, "wrong-" + pw(user));
      if (status === null) return answered;
      assert.notEqual(status, 200, "a wrong password was accepted");
      answered++;
    }
    return answered;
  }

  it("security ban <ip> 60 bans by hand: UDP from it goes unanswered, TCP from it is closed at accept, others are answered", async () => {
    const ip = "127.0.0.100";
    assert.equal(await options(ip), 200);
    const out = await rx(`security ban ${ip} 60`);
    assert.match(out, new RegExp(`Banned ${re(ip)} for 60 s`), out);
    const row = (await bans(ip))[0];
    assert.ok(row !== undefined && row.scope === "ip", JSON.stringify(row));
    assert.ok(typeof row.expires === "number" && row.expires > 50 && row.expires <= 60, `expires ${row.expires}`);
    assert.match(await rx(`security show ban ${ip}`), new RegExp(re(ip)));
    await pbx.waitForLog(new RegExp(`NOTICE.*Banned ${re(ip)}\\b`));
    assert.equal(await options(ip), null, "a banned address was answered over UDP");
    assert.equal(await tcpFate(ip), "closed", "a banned address kept its TCP connection");
    assert.equal(await options("127.0.0.101"), 200, "an innocent address was not answered");
    assert.equal(await tcpFate("127.0.0.101", 500), "open");
  });

  it("security unban <ip> restores access: REGISTER from it is answered 200 again; a second unban finds no ban", async () => {
    const ip = "127.0.0.102";
    await rx(`security ban ${ip}`);
    assert.equal(await register(ip, "2006", pw("2006")), null);
    const out = await rx(`security unban ${ip}`);
    assert.match(out, new RegExp(`Unbanned ${re(ip)}`), out);
    await pbx.waitForLog(new RegExp(`NOTICE.*Unbanned ${re(ip)}\\b`));
    assert.deepEqual(await bans(ip), []);
    assert.equal(await register(ip, "2006", pw("2006")), 200);
    assert.match(await rx(`security unban ${ip}`), new RegExp(`No ban for ${re(ip)}`));
  });

  it(`${MAXRETRY} wrong passwords from a fresh address ban it, and the ban survives a restart with the same data directory`, async () => {
    const ip = "127.0.0.103";
    const answered = await failUntilSilent(ip, "2005", MAXRETRY + 3);
    assert.ok(answered >= MAXRETRY - 1 && answered <= MAXRETRY + 1, `cut off after ${answered} answered failures (maxretry=${MAXRETRY})`);
    const before = await bans(ip);
    assert.ok(before.length > 0, await rx("security show bans"));
    const line = await pbx.waitForLog(new RegExp(`Banned ${re(ip)}\\b`));
    assert.match(line, /2005/, `the ban line lacks the evidence (username): ${line}`);
    pbx = await pbx.restart();
    const afterRestart = await bans(ip);
    assert.deepEqual(afterRestart.map((b) => [b.scope, b.user]), before.map((b) => [b.scope, b.user]));
    assert.equal(await register(ip, "2005", pw("2005")), null, "the restored ban is not enforced");
    assert.equal(await register("127.0.0.104", "2005", pw("2005")), 200, "the account itself got locked");
  });

  it(`the whitelisted ${WHITELISTED}/32 is never banned: failures, unknown users, a decoy and a scanner User-Agent are all still answered`, async () => {
    for (let i = 0; i < MAXRETRY * 2; i++) assert.notEqual(await register(WHITELISTED, "2004", "wrong"), null, `failure ${i + 1} went unanswered`);
    for (const user of ["7001", "7002", "7003", "7004", "7005", "7006", "admin"]) assert.notEqual(await register(WHITELISTED, user, "x"), null, user);
    assert.equal(await options(WHITELISTED, 1000, ["User-Agent: friendly-scanner"]), 200);
    assert.deepEqual(await bans(WHITELISTED), []);
    assert.equal(await register(WHITELISTED, "2004", pw("2004")), 200);
    assert.match(await rx("security show whitelist"), new RegExp(`${re(WHITELISTED)}/32`));
  });

  it("an office behind NAT (trusted after a success): one phone with a wrong password gets a 'user 2001' ban, its colleagues keep registering, the IP is never banned", async () => {
    const office = "127.0.0.110";
    // 2002 registers first: the office address is now trusted for trust_time.
    assert.equal(await register(office, "2002", pw("2002")), 200);
    const answered = await failUntilSilent(office, "2001", MAXRETRY + 3);
    assert.ok(answered >= MAXRETRY - 1 && answered <= MAXRETRY + 1, `cut off after ${answered} answered failures`);
    const rows = await bans(office);
    assert.deepEqual(rows.map((b) => [b.scope, b.user]), [["user", "2001"]], JSON.stringify(rows));
    assert.equal(await register(office, "2001", pw("2001")), null, "the banned (IP, user) pair was answered");
    assert.equal(await register(office, "2002", pw("2002")), 200, "the colleague was locked out");
    // Further users failing below maxretry: a trusted address stays unbanned as a whole.
    for (const user of ["2003", "2004", "2005"]) assert.notEqual(await register(office, user, "wrong"), null, user);
    assert.ok(!(await bans(office)).some((b) => b.scope === "ip"), JSON.stringify(await bans(office)));
    assert.equal(await register(office, "2003", pw("2003")), 200);
  });

  it(`an untrusted address where ${MAX_USERS_PER_IP} different users fail is banned as a whole`, async () => {
    const ip = "127.0.0.111";
    const users = ["2001", "2002", "2003", "2004", "2005"];
    let bannedAfter: number | undefined;
    for (const [i, user] of users.entries()) {
      const status = await register(ip, user, "wrong");
      if (status === null) {
        bannedAfter = i;
        break;
      }
    }
    assert.ok(bannedAfter !== undefined, `never banned: ${JSON.stringify(parseBans(await rx("security show bans")))}`);
    assert.ok(bannedAfter >= MAX_USERS_PER_IP && bannedAfter <= MAX_USERS_PER_IP + 1, `banned after ${bannedAfter} failing users (max_users_per_ip=${MAX_USERS_PER_IP})`);
    assert.ok((await bans(ip)).some((b) => b.scope === "ip"), JSON.stringify(await bans(ip)));
    assert.equal(await options(ip), null);
  });

  it("the first request for a decoy account (admin) from a fresh address bans that address", async () => {
    const ip = "127.0.0.120";
    await register(ip, "admin", "admin", 500);
    const rows = await bans(ip);
    assert.ok(rows.some((b) => b.scope === "ip"), JSON.stringify(parseBans(await rx("security show bans"))));
    assert.equal(await options(ip), null);
    const line = await pbx.waitForLog(new RegExp(`Banned ${re(ip)}\\b`));
    assert.match(line, /admin|decoy/i, line);
  });

  it("the first request with User-Agent: friendly-scanner bans its address", async () => {
    const ip = "127.0.0.121";
    await options(ip, 500, ["User-Agent: friendly-scanner"]);
    assert.ok((await bans(ip)).some((b) => b.scope === "ip"), JSON.stringify(parseBans(await rx("security show bans"))));
    assert.equal(await options(ip), null);
    const line = await pbx.waitForLog(new RegExp(`Banned ${re(ip)}\\b`));
    assert.match(line, /friendly-scanner|scanner|user.?agent/i, line);
  });

  it("security show bans lists every ban in the documented layout, and security show stats counts the same bans and what the tests above did", async () => {
    // A ban may expire between two console commands (the first test's lasts 60 s); read the bans
    // on both sides of the stats and use a round in which the set of bans did not change.
    const banSet = (text: string): string => parseBans(text).map((b) => `${b.ip} ${b.scope} ${b.user ?? ""}`).sort().join("\n");
    let out = "";
    let stats = "";
    let stable = false;
    for (let attempt = 0; attempt < 3 && !stable; attempt++) {
      out = await rx("security show bans");
      stats = await rx("security show stats");
      stable = banSet(await rx("security show bans")) === banSet(out);
    }
    assert.ok(stable, "the set of bans kept changing");
    assert.match(out, /IP Address\s+Scope\s+Expires \(s\)\s+Level\s+Reason/);
    const rows = parseBans(out);
    assert.ok(rows.length >= 4, out);
    assert.match(out, new RegExp(`Objects found: ${rows.length}`));
    for (const r of rows) assert.ok(r.expires === "permanent" || (Number.isFinite(r.expires) && r.expires > 0), JSON.stringify(r));

    // The two views agree on the active bans, split by scope.
    const active = /^Bans active: (\d+) \(addresses: (\d+), usernames: (\d+)\)$/m.exec(stats);
    assert.ok(active !== null, `no 'Bans active' line in security show stats:\n${stats}`);
    const ipRows = rows.filter((r) => r.scope === "ip").length;
    assert.deepEqual([Number(active[1]), Number(active[2]), Number(active[3])], [rows.length, ipRows, rows.length - ipRows], `security show stats vs security show bans:\n${stats}\n${out}`);

    // Since the restart above (counters start at zero with the process), the tests made an
    // (address, username) ban for the office, a whole-address ban for many failing users, a
    // decoy ban and a scanner ban, each from its own finding; the banned addresses' later
    // probes were dropped unanswered, before parsing (address bans) or in the flood stage
    // (the office's username ban).
    const counters = parseStats(stats);
    const count = (key: string): number => counters.get(key) ?? 0;
    for (const kind of ["auth-failures-user", "auth-failures-ip", "decoy", "scanner"]) {
      assert.ok(count(kind) >= 1, `finding ${kind} not counted:\n${stats}`);
    }
    assert.ok(Number(/^Bans since start: (\d+)$/m.exec(stats)?.[1] ?? 0) >= 4, `bans since start:\n${stats}`);
    assert.ok(Number(/^Packets dropped: (\d+)$/m.exec(stats)?.[1] ?? 0) >= 3, `packets dropped:\n${stats}`);
    assert.ok(Number(/^Requests dropped: (\d+)$/m.exec(stats)?.[1] ?? 0) >= 1, `requests dropped:\n${stats}`);
    assert.ok(count("successfulauth") >= 1 && count("challengeresponsefailed") >= MAXRETRY, `events by type:\n${stats}`);
    // The address where several users failed is among the top offenders, with the users it tried.
    assert.match(stats, /^127\.0\.0\.111\s+\d+\s+.*2001/m, `top offenders:\n${stats}`);
  });
});
