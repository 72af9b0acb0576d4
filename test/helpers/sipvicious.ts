/**
 * Runs the attack tools of Debian's `sipvicious` 0.3.3 package (`svwar`, `svcrack`) inside a
 * sandbox namespace (PEERS.md §7–§8) and parses what they report.
 *
 * Both tools probe the network on their own (they guess their "own IP" and put addresses such as
 * `sip:123@1.1.1.1` in Contact), so they only ever run under `ip netns exec` in a namespace whose
 * default route leads nowhere. `HOME` points at a scratch directory because they keep session
 * files in `~/.sipvicious`. Every request they send carries `User-Agent: friendly-scanner`
 * (hard-coded in svhelper.makeRequest), which a guard with scanner detection bans at once.
 *
 * sipvicious 0.3.3 parses `-b` but never hands it to the scanner, which then binds the wildcard
 * address, so every tool would send from the namespace's 127.0.0.1. A `sitecustomize.py` written
 * into the tool's scratch HOME (on PYTHONPATH) makes a wildcard bind use `SV_BIND_IP` instead; the
 * tools themselves run unmodified. `-x` sets the same address in Via/Contact (and spares the tool
 * its own-IP lookup).
 *
 * Their results go to stdout as a box table:
 * ```
 * +-----------+----------------+
 * | Extension | Authentication |
 * +===========+================+
 * | 2001      | reqauth        |
 * +-----------+----------------+
 * ```
 * and their log lines (`WARNING:root:found nothing`, `ERROR:TakeASip:…`) go to stderr.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchDir, trackProcess } from "./processes.js";

export interface SipviciousTarget {
  readonly ip: string;
  readonly port: number;
}

export interface SipviciousBaseOptions {
  /** Namespace to run in (must be a sealed sandbox, never the root namespace). */
  readonly ns: string;
  readonly target: SipviciousTarget;
  /** Source address of every packet (e.g. 127.0.0.66 on the sandbox's own lo); see the bind shim above. */
  readonly bindIp: string;
  /** `-P`: local port; the tools start at 5060 and walk upwards when it is taken. */
  readonly localPort?: number;
  /** `--maximumtime`: seconds without any response before the tool gives up (default 4 here). */
  readonly maximumTime?: number;
  /** `-t`: delay between packets in seconds (throttle), e.g. 0.05. */
  readonly selectTime?: number;
  /** Hard limit for the whole run; the tool is killed after it. Default 60 s. */
  readonly timeoutMs?: number;
  /** Further arguments placed before the target. */
  readonly extraArgs?: readonly string[];
}

export interface SipviciousResult {
  readonly tool: "svwar" | "svcrack";
  readonly args: readonly string[];
  /** Exit code (sipvicious exits 0 even when it finds nothing); 137 when killed by the time limit. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
  /** Rows of the result table, header excluded, as [first column, second column]. */
  readonly rows: ReadonlyArray<readonly [string, string]>;
  /** The tool said "found nothing". */
  readonly foundNothing: boolean;
  /** The tool's very first request got no answer ("No server response", or "socket error: timed out"). */
  readonly noServerResponse: boolean;
  /** The tool stopped because nothing came back for `--maximumtime` seconds. */
  readonly stoppedForSilence: boolean;
  /** One paragraph for assertion messages. */
  describe(): string;
}

export interface SvwarOptions extends SipviciousBaseOptions {
  /** `-e`: e.g. "2001-2003,2990-2999". Ranges are scanned in the order given. */
  readonly extensions: string;
  /** `-m`: REGISTER (default), INVITE or OPTIONS. */
  readonly method?: "REGISTER" | "INVITE" | "OPTIONS";
  /**
   * `--force`: scan even when an unknown extension is answered with a challenge. Without it svwar
   * stops right after its first probe against a server that challenges everybody alike.
   */
  readonly force?: boolean;
}

export interface SvwarResult extends SipviciousResult {
  /** Extension → "reqauth" | "noauth" | "weird", as svwar classified it. */
  readonly extensions: ReadonlyMap<string, string>;
  /** svwar noticed that unknown extensions are challenged too and gave up (no --force). */
  readonly challengedUnknown: boolean;
}

export interface SvcrackOptions extends SipviciousBaseOptions {
  /** `-u`: the account attacked. */
  readonly username: string;
  /** Passwords tried in this order (written to a dictionary file for `-d`). */
  readonly passwords: readonly string[];
}

export interface SvcrackResult extends SipviciousResult {
  /** Username → password svcrack reports as found. */
  readonly cracked: ReadonlyMap<string, string>;
  /** Passwords svcrack says it tried (`-vvv` "trying X" lines), in order. */
  readonly tried: readonly string[];
}

/**
 * Rows of a sipvicious result table (`| a | b |` lines), without the header row.
 * Returns [] for "no results" or when no table is present.
 */
export function parseSipviciousTable(stdout: string): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  let headerSeen = false;
  for (const line of stdout.split("\n")) {
    const m = /^\|\s*(.*?)\s*\|\s*(.*?)\s*\|\s*$/.exec(line.trimEnd());
    if (m === null) continue;
    if (!headerSeen) {
      // The first row of every table is its header (Extension | Authentication / Password).
      headerSeen = true;
      continue;
    }
    rows.push([m[1] ?? "", m[2] ?? ""]);
  }
  return rows;
}

/** Lines such as `DEBUG:ASipOfRedWine:trying secret` → the passwords, in order. */
export function parseTriedPasswords(stderr: string): string[] {
  const out: string[] = [];
  for (const line of stderr.split("\n")) {
    const m = /^DEBUG:ASipOfRedWine:trying (.*)$/.exec(line.trimEnd());
    if (m?.[1] !== undefined) out.push(m[1]);
  }
  return out;
}

/** Makes a wildcard bind() use $SV_BIND_IP (the effect `-b` should have had). */
const SITECUSTOMIZE = `import os, socket
_ip = os.environ.get("SV_BIND_IP")
if _ip:
    _bind = socket.socket.bind
    def _bind_to_source(self, addr):
        if isinstance(addr, tuple) and len(addr) >= 2 and addr[0] in ("", "0.0.0.0"):
            addr = (_ip,) + tuple(addr[1:])
        return _bind(self, addr)
    socket.socket.bind = _bind_to_source
`;

function commonArgs(o: SipviciousBaseOptions): string[] {
  const args = ["-p", String(o.target.port), "-b", o.bindIp, "-x", o.bindIp, "--maximumtime", String(o.maximumTime ?? 4)];
  if (o.localPort !== undefined) args.push("-P", String(o.localPort));
  if (o.selectTime !== undefined) args.push("-t", String(o.selectTime));
  return args;
}

interface RawRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

function runTool(ns: string, tool: "svwar" | "svcrack", args: readonly string[], bindIp: string, home: string, timeoutMs: number): Promise<RawRun> {
  const shim = join(home, "pyshim");
  mkdirSync(shim, { recursive: true });
  writeFileSync(join(shim, "sitecustomize.py"), SITECUSTOMIZE);
  return new Promise((resolve) => {
    const started = performance.now();
    // PYTHONUNBUFFERED keeps stdout/stderr ordered and complete even when the tool is killed.
    const child = spawn("ip", ["netns", "exec", ns, tool, ...args], {
      cwd: home,
      env: { ...process.env, HOME: home, PYTHONUNBUFFERED: "1", LC_ALL: "C.UTF-8", PYTHONPATH: shim, SV_BIND_IP: bindIp },
      stdio: ["ignore", "pipe", "pipe"],
    });
    trackProcess(child, tool);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal !== null ? 137 : 1), stdout, stderr, elapsedMs: performance.now() - started });
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: stderr + String(err), elapsedMs: performance.now() - started });
    });
  });
}

function baseResult(tool: "svwar" | "svcrack", args: readonly string[], r: RawRun): SipviciousResult {
  const rows = parseSipviciousTable(r.stdout);
  return {
    tool, args, ...r, rows,
    foundNothing: /found nothing/.test(r.stderr),
    // svwar 0.3.3 on Python ≥ 3.10 reports its unanswered first probe as "socket error: timed out"
    // (socket.timeout became an alias of TimeoutError, an OSError, caught by the wrong handler).
    noServerResponse: /no server response|socket error: timed out/i.test(r.stderr),
    stoppedForSilence: /since we last received a response - stopping/.test(r.stderr),
    describe: () =>
      `${tool} ${args.join(" ")} → exit ${r.code} after ${(r.elapsedMs / 1000).toFixed(1)} s\n` +
      `stdout:\n${r.stdout.slice(-2000)}\nstderr:\n${r.stderr.split("\n").filter((l) => !l.startsWith("DEBUG:")).join("\n").slice(-2000)}`,
  };
}

/** Runs `svwar` (extension enumeration) inside `o.ns` and parses its table. */
export async function runSvwar(o: SvwarOptions): Promise<SvwarResult> {
  const home = scratchDir("svwar");
  const args = [...commonArgs(o), "-e", o.extensions, "-m", o.method ?? "REGISTER"];
  if (o.force === true) args.push("--force");
  args.push(...(o.extraArgs ?? []), o.target.ip);
  const r = await runTool(o.ns, "svwar", args, o.bindIp, home, o.timeoutMs ?? 60000);
  const base = baseResult("svwar", args, r);
  return {
    ...base,
    extensions: new Map(base.rows.map(([ext, auth]) => [ext, auth] as const)),
    challengedUnknown: /replied with an authentication request for an unknown extension/.test(r.stderr),
  };
}

/** Runs `svcrack` (dictionary attack on one account) inside `o.ns` with `-vvv` to list attempts. */
export async function runSvcrack(o: SvcrackOptions): Promise<SvcrackResult> {
  const home = scratchDir("svcrack");
  mkdirSync(join(home, ".sipvicious"), { recursive: true });
  const dict = join(home, "dict.txt");
  writeFileSync(dict, o.passwords.join("\n") + "\n");
  const args = [...commonArgs(o), "-u", o.username, "-d", dict, "-vvv", ...(o.extraArgs ?? []), o.target.ip];
  const r = await runTool(o.ns, "svcrack", args, o.bindIp, home, o.timeoutMs ?? 60000);
  const base = baseResult("svcrack", args, r);
  return {
    ...base,
    cracked: new Map(base.rows.map(([user, pw]) => [user, pw] as const)),
    tried: parseTriedPasswords(r.stderr),
  };
}

/** A dictionary of `size` wrong passwords with `right` placed at 1-based `position`. */
export function dictionaryWith(right: string, position: number, size: number): string[] {
  const words: string[] = [];
  for (let i = 1; i <= size; i++) words.push(i === position ? right : `wrong${i}x${Math.random().toString(36).slice(2, 8)}`);
  return words;
}
