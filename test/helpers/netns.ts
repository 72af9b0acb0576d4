/**
 * Network namespaces for tests that need more than loopback: the NAT topology of PEERS.md §6
 * (lan → nat → pbx) and the sealed sandbox of §8 (a default route that leads nowhere).
 * Names carry this process's PID and a counter, so parallel runs never collide, and every
 * namespace is deleted in cleanup (and by the process safety net if a test dies).
 */
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { onCleanup, trackProcess } from "./processes.js";

let counter = 0;

/**
 * Undefined when namespaces can be used, else why not. Tests never skip for it: they call
 * requireNetns(), which fails with this reason (npm test runs as root with iproute2 installed).
 */
export function netnsProblem(): string | undefined {
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "network namespaces need root";
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "pipe" });
  } catch (err) {
    return `'ip netns' is unavailable: ${String(err)}`;
  }
  return undefined;
}

/** Throws, failing the calling test with the reason, when network namespaces cannot be used. */
export function requireNetns(): void {
  const reason = netnsProblem();
  if (reason !== undefined) throw new Error(`this test needs network namespaces: ${reason} (run npm test as root on Linux with iproute2)`);
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command inside `ns` to completion. */
export function nsExec(ns: string, cmd: string, args: readonly string[] = [], input?: string, timeoutMs = 15000): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile("ip", ["netns", "exec", ns, cmd, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1;
      resolve({ code, stdout, stderr });
    });
    trackProcess(child, `netns:${cmd}`);
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Starts a long-running command inside `ns` (tracked; stop it by PID). */
export function nsSpawn(ns: string, cmd: string, args: readonly string[] = [], opts: SpawnOptions = {}): ChildProcess {
  const child = spawn("ip", ["netns", "exec", ns, cmd, ...args], { stdio: ["ignore", "pipe", "pipe"], ...opts });
  trackProcess(child, `netns:${cmd}`);
  return child;
}

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: "pipe" });
}

function nsSysctl(ns: string, setting: string): void {
  execFileSync("ip", ["netns", "exec", ns, "sysctl", "-qw", setting], { stdio: "pipe" });
}

/** Namespaces created by this process and not yet deleted. */
const live = new Set<string>();

/** Lists namespaces created by this process that still exist (for leak checks). */
export function listOwnNamespaces(): string[] {
  const out = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  const prefix = `sw${process.pid}-`;
  return out.split("\n").map((l) => l.split(" ")[0] ?? "").filter((n) => n.startsWith(prefix));
}

/** Creates a namespace named `sw<pid>-<n>-<role>` with `lo` up. */
export function createNamespace(role: string): string {
  const name = `sw${process.pid}-${++counter}-${role}`;
  ip("netns", "add", name);
  live.add(name);
  ip("-n", name, "link", "set", "lo", "up");
  return name;
}

/** Deletes a namespace (idempotent). Processes inside must have been stopped first. */
export function deleteNamespace(name: string): void {
  if (!live.has(name)) return;
  live.delete(name);
  try {
    ip("netns", "del", name);
  } catch {
    // Already gone.
  }
}

onCleanup(() => {
  for (const name of [...live]) deleteNamespace(name);
});

export interface Sandbox {
  /** Where tools run; its default route leads into `void`, which never forwards. */
  readonly ns: string;
  readonly voidNs: string;
  readonly address: string;
  teardown(): void;
}

/** PEERS.md §8: a namespace that believes it has a network, from which nothing can leave. */
export function createSandbox(): Sandbox {
  const ns = createNamespace("sb");
  const voidNs = createNamespace("void");
  try {
    ip("link", "add", "sb0", "netns", ns, "type", "veth", "peer", "name", "sbv0", "netns", voidNs);
    ip("-n", ns, "addr", "add", "10.253.0.1/30", "dev", "sb0");
    ip("-n", voidNs, "addr", "add", "10.253.0.2/30", "dev", "sbv0");
    ip("-n", ns, "link", "set", "sb0", "up");
    ip("-n", voidNs, "link", "set", "sbv0", "up");
    ip("-n", ns, "route", "add", "default", "via", "10.253.0.2");
    nsSysctl(voidNs, "net.ipv4.ip_forward=0");
  } catch (err) {
    deleteNamespace(ns);
    deleteNamespace(voidNs);
    throw err;
  }
  return {
    ns, voidNs, address: "10.253.0.1",
    teardown() {
      deleteNamespace(ns);
      deleteNamespace(voidNs);
    },
  };
}

export interface NatTopologyOptions {
  /** "masquerade" keeps source ports when it can (cone-like); "random"/"fully-random" rewrite them. */
  readonly mode?: "masquerade" | "random" | "fully-random";
  /** nf_conntrack_udp_timeout in the NAT (binding lifetime); default 30. */
  readonly udpTimeout?: number;
  readonly udpStreamTimeout?: number;
}

export interface NatTopology {
  readonly pbx: string;
  readonly nat: string;
  readonly lan: string;
  readonly pbxIp: "203.0.113.10";
  readonly natWanIp: "203.0.113.1";
  readonly natLanIp: "192.168.77.1";
  readonly lanIp: "192.168.77.10";
  teardown(): void;
}

/** PEERS.md §6: [lan] 192.168.77.10 → [nat] 192.168.77.1 / 203.0.113.1 → [pbx] 203.0.113.10. */
export function createNatTopology(o: NatTopologyOptions = {}): NatTopology {
  const pbx = createNamespace("pbx");
  const nat = createNamespace("nat");
  const lan = createNamespace("lan");
  const teardown = (): void => {
    deleteNamespace(lan);
    deleteNamespace(nat);
    deleteNamespace(pbx);
  };
  try {
    ip("link", "add", "nat-wan", "netns", nat, "type", "veth", "peer", "name", "pbx-wan", "netns", pbx);
    ip("link", "add", "nat-lan", "netns", nat, "type", "veth", "peer", "name", "lan0", "netns", lan);
    ip("-n", pbx, "addr", "add", "203.0.113.10/24", "dev", "pbx-wan");
    ip("-n", nat, "addr", "add", "203.0.113.1/24", "dev", "nat-wan");
    ip("-n", nat, "addr", "add", "192.168.77.1/24", "dev", "nat-lan");
    ip("-n", lan, "addr", "add", "192.168.77.10/24", "dev", "lan0");
    ip("-n", pbx, "link", "set", "pbx-wan", "up");
    ip("-n", nat, "link", "set", "nat-wan", "up");
    ip("-n", nat, "link", "set", "nat-lan", "up");
    ip("-n", lan, "link", "set", "lan0", "up");
    ip("-n", lan, "route", "add", "default", "via", "192.168.77.1");
    nsSysctl(nat, "net.ipv4.ip_forward=1");
    // conntrack sysctls exist only once the module is loaded; the ruleset below loads it.
    const masq = o.mode === undefined || o.mode === "masquerade" ? "masquerade" : `masquerade ${o.mode}`;
    execFileSync("ip", ["netns", "exec", nat, "nft", "-f", "-"], {
      stdio: "pipe",
      input: `table ip natsim {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "nat-wan" ${masq}
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "nat-lan" oifname "nat-wan" accept
  }
}
`,
    });
    try {
      nsSysctl(nat, `net.netfilter.nf_conntrack_udp_timeout=${o.udpTimeout ?? 30}`);
      nsSysctl(nat, `net.netfilter.nf_conntrack_udp_timeout_stream=${o.udpStreamTimeout ?? 120}`);
    } catch {
      // Older kernels keep these sysctls global only; the defaults then apply.
    }
  } catch (err) {
    teardown();
    throw err;
  }
  return { pbx, nat, lan, pbxIp: "203.0.113.10", natWanIp: "203.0.113.1", natLanIp: "192.168.77.1", lanIp: "192.168.77.10", teardown };
}
