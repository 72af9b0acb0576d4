/**
 * Optional kernel enforcement: mirrors address bans into nftables sets, so banned packets are
 * dropped before they reach user space. Switchboard owns one table (`table inet <nft_table>`)
 * with an IPv4 set, an IPv6 set and an input chain dropping sources in them; nothing else of the
 * host's ruleset is touched. Elements carry the remaining ban time as their nftables timeout, so
 * the kernel forgets a ban when it expires even if we are not running.
 *
 * The `nft` command is run with execFile/spawn and an argument vector (never a shell string), and
 * every address passes `canonicalIp` first (so `0:0:0:0:0:0:0:1` and `::1` are one element, and an
 * IPv4-mapped address goes into the IPv4 set). Where nft is missing or not permitted (containers without
 * CAP_NET_ADMIN), the mirror warns once and switches itself off: the in-process ban list keeps
 * enforcing, and the PBX never fails because of it.
 */
import { spawn } from "node:child_process";
import { isIP } from "node:net";
import { canonicalIp } from "../core/ip.js";
import type { Logger } from "../core/logger.js";
import type { Ban } from "./ban-list.js";

/** Runs `nft` with `args`, feeding `input` on stdin; resolves with an error text on failure. */
export type NftExecutor = (args: readonly string[], input?: string) => Promise<{ ok: true } | { ok: false; error: string }>;

/**
 * An executor running `command ...prefix ...args` (e.g. `ip netns exec NS nft …` in tests);
 * `execNft` is the plain `nft` from PATH.
 */
export function commandExecutor(command: string, prefix: readonly string[] = []): NftExecutor {
  return (args, input) => new Promise((resolve) => {
    let stderr = "";
    let settled = false;
    const done = (r: { ok: true } | { ok: false; error: string }) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    let child;
    try {
      child = spawn(command, [...prefix, ...args], { stdio: ["pipe", "ignore", "pipe"] });
    } catch (err) {
      done({ ok: false, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    child.stderr.on("data", (d: Buffer) => {
      if (stderr.length < 2000) stderr += d.toString("utf8");
    });
    child.on("error", (err: NodeJS.ErrnoException) => done({ ok: false, error: err.code === "ENOENT" ? `the ${command} command is not installed` : err.message }));
    child.on("close", (code) => done(code === 0 ? { ok: true } : { ok: false, error: stderr.trim().split("\n")[0] || `nft exited with code ${code}` }));
    child.stdin.on("error", () => {
      // The process may exit before reading stdin (e.g. not found); the close/error event reports it.
    });
    child.stdin.end(input ?? "");
  });
}

/** The real executor: spawns the `nft` binary from PATH. */
export const execNft: NftExecutor = commandExecutor("nft");

export interface NftSettings {
  nftables: boolean;
  nftTable: string;
  nftSet: string;
}

export interface NftMirrorOptions {
  settings: () => NftSettings;
  log: Logger;
  exec?: NftExecutor;
}

/** Seconds left of a ban, for the element timeout; undefined for permanent bans. */
function timeoutOf(ban: Ban, now: number): number | undefined {
  return Number.isFinite(ban.expiresAt) ? Math.max(1, Math.ceil((ban.expiresAt - now) / 1000)) : undefined;
}

/** The set element for `ip`: canonical, without a zone (nftables has no syntax for one); undefined if not an address. */
function nftAddress(ip: string): { address: string; family: 4 | 6 } | undefined {
  const c = canonicalIp(ip)?.split("%")[0];
  const family = c === undefined ? 0 : isIP(c);
  return c !== undefined && family !== 0 ? { address: c, family: family === 4 ? 4 : 6 } : undefined;
}

function element(ip: string, timeout: number | undefined): string {
  return timeout === undefined ? ip : `${ip} timeout ${timeout}s`;
}

export class NftMirror {
  private readonly exec: NftExecutor;
  /** The table and set names currently installed; undefined when the mirror is off. */
  private installed: { table: string; set: string } | undefined;
  /** Set after a failure: no more attempts until the configuration changes. */
  private failedFor: string | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: NftMirrorOptions) {
    this.exec = opts.exec ?? execNft;
  }

  get active(): boolean {
    return this.installed !== undefined;
  }

  /**
   * Brings the kernel side in line with the settings: installs the table with the current bans
   * when enabled, removes it when disabled. Resolves once done; never rejects.
   */
  sync(bans: readonly Ban[], now: number): Promise<void> {
    return this.enqueue(async () => {
      const s = this.opts.settings();
      const want = s.nftables ? { table: s.nftTable, set: s.nftSet } : undefined;
      const wantKey = want ? `${want.table}/${want.set}` : "";
      if (this.installed && (!want || this.installed.table !== want.table || this.installed.set !== want.set)) {
        await this.run(["delete", "table", "inet", this.installed.table], undefined, "remove the nftables table");
        this.installed = undefined;
      }
      if (!want || this.installed || this.failedFor === wantKey) return;
      const addressBans = bans.flatMap((b) => {
        const a = b.scope === "ip" ? nftAddress(b.ip) : undefined;
        return a ? [{ ...a, ban: b }] : [];
      });
      const v4 = addressBans.filter((b) => b.family === 4);
      const v6 = addressBans.filter((b) => b.family === 6);
      const elements = (list: typeof addressBans) => (list.length ? ` elements = { ${[...new Set(list.map((b) => element(b.address, timeoutOf(b.ban, now))))].join(", ")} }` : "");
      const script = [
        // add+delete makes the delete succeed whether or not the table exists, then one fresh definition.
        `add table inet ${want.table}`,
        `delete table inet ${want.table}`,
        `table inet ${want.table} {`,
        `  set ${want.set} { type ipv4_addr; flags timeout;${elements(v4)} }`,
        `  set ${want.set}6 { type ipv6_addr; flags timeout;${elements(v6)} }`,
        `  chain input { type filter hook input priority -1; policy accept; ip saddr @${want.set} drop; ip6 saddr @${want.set}6 drop; }`,
        `}`,
        "",
      ].join("\n");
      const r = await this.exec(["-f", "-"], script);
      if (!r.ok) {
        this.failedFor = wantKey;
        this.opts.log.warn(
          { table: want.table, error: r.error },
          `nftables mirror disabled: 'nft -f -' creating table inet ${want.table} failed (${r.error}); bans are enforced in-process only`,
        );
        return;
      }
      this.failedFor = undefined;
      this.installed = want;
      this.opts.log.notice({ table: want.table, set: want.set, bans: v4.length + v6.length }, `nftables mirror active: table inet ${want.table}, sets ${want.set} and ${want.set}6`);
    });
  }

  /** Mirrors an address ban (username bans stay in-process: nftables cannot see SIP usernames). */
  add(ban: Ban, now: number): void {
    const a = ban.scope === "ip" ? nftAddress(ban.ip) : undefined;
    if (!a) return;
    void this.enqueue(async () => {
      if (!this.installed) return;
      const set = a.family === 6 ? `${this.installed.set}6` : this.installed.set;
      await this.run(["add", "element", "inet", this.installed.table, set, `{ ${element(a.address, timeoutOf(ban, now))} }`], undefined, `add ${a.address}`);
    });
  }

  remove(ip: string): void {
    const a = nftAddress(ip);
    if (!a) return;
    void this.enqueue(async () => {
      if (!this.installed) return;
      const set = a.family === 6 ? `${this.installed.set}6` : this.installed.set;
      // Deleting an element that already timed out fails; that is fine.
      await this.exec(["delete", "element", "inet", this.installed.table, set, `{ ${a.address} }`]);
    });
  }

  /** Removes our table; resolves when done. */
  close(): Promise<void> {
    return this.enqueue(async () => {
      if (!this.installed) return;
      await this.run(["delete", "table", "inet", this.installed.table], undefined, "remove the nftables table");
      this.installed = undefined;
    });
  }

  /** Waits for queued nft commands (tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  private async run(args: string[], input: string | undefined, what: string): Promise<boolean> {
    const r = await this.exec(args, input);
    if (!r.ok) this.opts.log.warn({ error: r.error }, `nftables mirror: could not ${what} (${r.error})`);
    return r.ok;
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.queue.then(fn).catch((err: unknown) => {
      this.opts.log.warn({ err: err instanceof Error ? err.message : String(err) }, "nftables mirror: unexpected error");
    });
    this.queue = next;
    return next;
  }
}
