/**
 * The guard's console commands. Their output layouts are parsed by the integration tests, so
 * they are kept stable:
 *   security show bans | security show ban <ip> | security ban <ip> [seconds]
 *   security unban <ip> | security show stats | security show whitelist
 */
import type { Clock } from "../core/clock.js";
import { CliUsageError, completeFrom, type CommandRegistrar } from "../core/commands.js";
import { canonicalIp } from "../core/ip.js";
import type { Ban } from "./ban-list.js";
import type { Guard } from "./guard.js";

export interface GuardCommandDeps {
  guard: Guard;
  clock: Clock;
  /** guard.conf bantime, used by `security ban <ip>` without seconds. */
  bantime: () => number;
}

const EVENT_TYPES = ["ChallengeSent", "SuccessfulAuth", "ChallengeResponseFailed", "InvalidAccountID", "RequestBadFormat", "RequestNotAllowed", "FailedACL"];

function expiresIn(b: Ban, now: number): string {
  return Number.isFinite(b.expiresAt) ? String(Math.max(0, Math.ceil((b.expiresAt - now) / 1000))) : "permanent";
}

function scopeText(b: Ban): string {
  return b.scope === "user" ? `user ${b.user ?? ""}` : "ip";
}

/** The `security show bans` table. */
export function formatBanTable(bans: readonly Ban[], now: number): string {
  if (bans.length === 0) return "No objects found.\n";
  const lines = [
    "",
    `${"IP Address".padEnd(41)} ${"Scope".padEnd(12)} ${"Expires (s)".padEnd(12)} ${"Level".padEnd(6)} Reason`,
    `${"=".repeat(41)} ${"=".repeat(12)} ${"=".repeat(12)} ${"=".repeat(6)} ${"=".repeat(30)}`,
  ];
  for (const b of bans) {
    lines.push(`${b.ip.padEnd(41)} ${scopeText(b).padEnd(12)} ${expiresIn(b, now).padStart(12)} ${String(b.level).padStart(6)}  ${b.reason}`);
  }
  lines.push("", `Objects found: ${bans.length}`, "");
  return lines.join("\n");
}

function evidenceValue(v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => String(x)).join(", ");
  if (v !== null && typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** `security show ban <ip>`: every field and every piece of evidence, ` Key : value`. */
export function formatBanDetail(bans: readonly Ban[], now: number): string {
  const blocks: string[] = [];
  for (const b of bans) {
    const rows: Array<[string, string]> = [
      ["IP Address", b.ip],
      ["Scope", b.scope],
      ...(b.user !== undefined ? ([["Username", b.user]] as Array<[string, string]>) : []),
      ["Source", b.source],
      ["Level", String(b.level)],
      ["Created", new Date(b.createdAt).toISOString()],
      ["Expires", Number.isFinite(b.expiresAt) ? new Date(b.expiresAt).toISOString() : "permanent"],
      ["Expires (s)", expiresIn(b, now)],
      ["Reason", b.reason],
      ...Object.entries(b.evidence).map(([k, v]): [string, string] => [k, evidenceValue(v)]),
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    blocks.push(rows.map(([k, v]) => ` ${k.padEnd(width)} : ${v}`).join("\n"));
  }
  return "\n" + blocks.join("\n\n") + "\n";
}

/**
 * The address argument in the form the guard stores and sockets report (`[::1]`,
 * `0:0:0:0:0:0:0:1` and `::1` are one address), so replies name what was actually banned.
 */
function ipArg(args: string[]): string {
  const text = args[0];
  if (text === undefined) throw new CliUsageError("missing address");
  const ip = canonicalIp(text);
  if (ip === undefined) throw new CliUsageError(`'${text}' is not an IPv4 or IPv6 address`);
  return ip;
}

export function registerGuardCommands(registry: CommandRegistrar, deps: GuardCommandDeps): Array<() => void> {
  const { guard, clock } = deps;
  const banned = () => [...new Set(guard.bans().map((b) => b.ip))];
  return [
    registry.register({
      command: "security show bans",
      usage: "Usage: security show bans\n       Lists active bans: address, scope (ip or user <name>), seconds left, level, reason.",
      summary: "List banned addresses and (address, username) pairs",
      handler: () => formatBanTable(guard.bans(), clock.now()),
    }),
    registry.register({
      command: "security show ban",
      usage: "Usage: security show ban <ip>\n       Shows the bans of one address with all their evidence.",
      summary: "Show the bans of one address with their evidence",
      handler: ({ args }) => {
        const ip = ipArg(args);
        const bans = guard.bansFor(ip);
        return bans.length === 0 ? `No ban for ${ip}\n` : formatBanDetail(bans, clock.now());
      },
      complete: ({ args, word }) => (args.length === 0 ? completeFrom(banned(), word) : []),
    }),
    registry.register({
      command: "security ban",
      usage:
        "Usage: security ban <ip> [seconds]\n" +
        "       Bans an address. Without seconds the ban lasts guard.conf's bantime; 0 bans permanently.\n" +
        "       Whitelisted addresses cannot be banned.",
      summary: "Ban an address",
      handler: ({ args }) => {
        const ip = ipArg(args);
        const raw = args[1];
        if (raw !== undefined && !/^\d+$/.test(raw)) throw new CliUsageError(`'${raw}' is not a number of seconds`);
        if (guard.isWhitelisted(ip)) return `Not banning ${ip}: it is whitelisted in guard.conf; remove it from the whitelist first\n`;
        const seconds = raw === undefined ? deps.bantime() : Number(raw);
        const ban = guard.ban(ip, seconds === 0 ? undefined : seconds, "banned from the console", { source: "console" });
        return Number.isFinite(ban.expiresAt) ? `Banned ${ip} for ${seconds} s\n` : `Banned ${ip} permanently\n`;
      },
    }),
    registry.register({
      command: "security unban",
      usage: "Usage: security unban <ip>\n       Lifts the address ban and every (address, username) ban of <ip>.",
      summary: "Lift the bans of an address",
      handler: ({ args }) => {
        const ip = ipArg(args);
        const n = guard.unban(ip, "console");
        return n === 0 ? `No ban for ${ip}\n` : `Unbanned ${ip} (${n} ban(s) removed)\n`;
      },
      complete: ({ args, word }) => (args.length === 0 ? completeFrom(banned(), word) : []),
    }),
    registry.register({
      command: "security show stats",
      usage: "Usage: security show stats\n       Security events by type, findings, bans, drops and the top offenders since start.",
      summary: "Show security event counts and top offenders",
      handler: () => {
        const s = guard.stats();
        const lines = ["", "Events by type:"];
        const types = [...EVENT_TYPES, ...Object.keys(s.events).filter((t) => !EVENT_TYPES.includes(t))];
        for (const t of types) lines.push(`  ${t.padEnd(26)} ${String(s.events[t] ?? 0).padStart(8)}`);
        lines.push("", "Findings by kind:");
        const kinds = Object.entries(s.findings);
        if (kinds.length === 0) lines.push("  (none)");
        for (const [k, n] of kinds) lines.push(`  ${k.padEnd(26)} ${String(n).padStart(8)}`);
        lines.push(
          "",
          `Bans active: ${s.bansActive} (addresses: ${s.bansActiveIp}, usernames: ${s.bansActiveUser})`,
          `Bans since start: ${s.bansTotal}`,
          `Unbans since start: ${s.unbansTotal}`,
          `Packets dropped: ${s.packetsDropped}`,
          `Requests dropped: ${s.requestsDropped}`,
          "",
          "Top offenders:",
        );
        if (s.topOffenders.length === 0) lines.push("  (none)");
        else {
          lines.push(`${"IP Address".padEnd(41)} ${"Events".padEnd(8)} Users tried`, `${"=".repeat(41)} ${"=".repeat(8)} ${"=".repeat(30)}`);
          for (const o of s.topOffenders) lines.push(`${o.ip.padEnd(41)} ${String(o.events).padStart(8)} ${o.users.join(", ")}`.trimEnd());
        }
        lines.push("");
        return lines.join("\n");
      },
    }),
    registry.register({
      command: "security show whitelist",
      usage: "Usage: security show whitelist\n       Whitelisted networks, local networks (and whether they are protected), trusted addresses.",
      summary: "Show addresses the guard never bans or trusts",
      handler: () => {
        const c = guard.settings;
        const lines = ["", "Whitelist (never banned, never rate-limited):"];
        if (c.whitelist.length === 0) lines.push("  (none)");
        for (const n of c.whitelist) lines.push(`  ${n.text}`);
        lines.push(`Local networks (transports' local_net): ${c.banLocalNet ? "not protected (ban_local_net=yes)" : "never banned (ban_local_net=no)"}`);
        if (c.localNets.length === 0) lines.push("  (none)");
        for (const n of c.localNets) lines.push(`  ${n.text}`);
        lines.push("Trusted (authenticated within trust_time; banned per username only for auth failures):");
        const trusted = guard.trusted();
        if (trusted.length === 0) lines.push("  (none)");
        for (const t of trusted) lines.push(`  ${t.ip.padEnd(41)} ${String(Math.ceil(t.remainingMs / 1000)).padStart(8)} s`);
        lines.push("");
        return lines.join("\n");
      },
    }),
  ];
}
