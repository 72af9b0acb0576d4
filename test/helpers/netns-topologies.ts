/**
 * Routed namespace topologies beyond the NAT of netns.ts, built from its namespaces (names with
 * this process's PID, deleted in cleanup):
 *
 * - `createOfficeSite()`: the PBX on an office LAN behind a port-forwarding router, the case
 *   `external_signaling_address` and `local_net` exist for (a phone on the LAN, one outside).
 * - `createStar()`: one hub (the server) and spokes on their own links, each with its own source
 *   address, for tests that ban one address and keep serving another.
 *
 * Addresses come from RFC 1918 and RFC 5737 and exist only inside these namespaces.
 */
import { execFileSync } from "node:child_process";
import { createNamespace, deleteNamespace } from "./netns.js";

/**
 * Throws, naming what is missing, unless this process can create network namespaces and run
 * `nft` in them. These tests have no skip: on the root Debian machine the suite targets, a
 * missing tool is a failure to fix (apt-get install iproute2 nftables), not a reason to pass.
 */
export function requireNetns(opts: { nft?: boolean } = {}): void {
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new Error("network namespaces need root: run the integration tests as root (as CI does)");
  }
  const tools: Array<[string, string[], string]> = [["ip", ["netns", "list"], "iproute2"]];
  if (opts.nft === true) tools.push(["nft", ["--version"], "nftables"]);
  for (const [cmd, args, pkg] of tools) {
    try {
      execFileSync(cmd, args, { stdio: "pipe" });
    } catch (err) {
      throw new Error(`'${cmd} ${args.join(" ")}' failed (Debian package ${pkg}): ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: "pipe" });
}

function nft(ns: string, script: string): void {
  execFileSync("ip", ["netns", "exec", ns, "nft", "-f", "-"], { stdio: "pipe", input: script });
}

/** Runs `fn`; on failure deletes `namespaces` and rethrows. */
function buildOrDelete<T>(namespaces: readonly string[], fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    for (const n of [...namespaces].reverse()) deleteNamespace(n);
    throw err;
  }
}

/**
 * ```
 *  [lan] 192.168.78.10 ── 192.168.78.1 ┐
 *                                     [router] 203.0.113.50, .51 ── 203.0.113.20 [wan]
 *  [pbx] 192.168.77.2  ── 192.168.77.1 ┘
 * ```
 * The router routes between the two LAN subnets without NAT, forwards the public
 * 203.0.113.50:5070 (UDP and TCP) to the PBX's 192.168.77.2:5060, and rewrites what the PBX sends
 * from port 5060 to the outside as 203.0.113.50:5070. The `wan` host has no route into
 * 192.168.0.0/16: a private address leaking into a header is unreachable from there.
 */
export interface OfficeSite {
  readonly pbx: string;
  readonly router: string;
  readonly lan: string;
  readonly wan: string;
  readonly pbxIp: "192.168.77.2";
  readonly pbxPort: 5060;
  readonly lanPhoneIp: "192.168.78.10";
  readonly wanPhoneIp: "203.0.113.20";
  /** The router's public address and port forwarded to the PBX's SIP port. */
  readonly publicIp: "203.0.113.50";
  readonly publicPort: 5070;
  /** A second public address of the router, for `external_media_address`. */
  readonly publicMediaIp: "203.0.113.51";
  /** Both LAN subnets. */
  readonly localNet: "192.168.0.0/16";
  teardown(): void;
}

export function createOfficeSite(): OfficeSite {
  const pbx = createNamespace("pbx");
  const router = createNamespace("rtr");
  const lan = createNamespace("lan");
  const wan = createNamespace("wan");
  const all = [pbx, router, lan, wan];
  return buildOrDelete(all, () => {
    ip("link", "add", "r-pbx", "netns", router, "type", "veth", "peer", "name", "pbx0", "netns", pbx);
    ip("link", "add", "r-lan", "netns", router, "type", "veth", "peer", "name", "lan0", "netns", lan);
    ip("link", "add", "r-wan", "netns", router, "type", "veth", "peer", "name", "wan0", "netns", wan);
    ip("-n", router, "addr", "add", "192.168.77.1/24", "dev", "r-pbx");
    ip("-n", router, "addr", "add", "192.168.78.1/24", "dev", "r-lan");
    ip("-n", router, "addr", "add", "203.0.113.50/24", "dev", "r-wan");
    ip("-n", router, "addr", "add", "203.0.113.51/24", "dev", "r-wan");
    ip("-n", pbx, "addr", "add", "192.168.77.2/24", "dev", "pbx0");
    ip("-n", lan, "addr", "add", "192.168.78.10/24", "dev", "lan0");
    ip("-n", wan, "addr", "add", "203.0.113.20/24", "dev", "wan0");
    for (const [ns, dev] of [[router, "r-pbx"], [router, "r-lan"], [router, "r-wan"], [pbx, "pbx0"], [lan, "lan0"], [wan, "wan0"]] as const) {
      ip("-n", ns, "link", "set", dev, "up");
    }
    ip("-n", pbx, "route", "add", "default", "via", "192.168.77.1");
    ip("-n", lan, "route", "add", "default", "via", "192.168.78.1");
    execFileSync("ip", ["netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1"], { stdio: "pipe" });
    nft(
      router,
      `table ip portfwd {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "r-wan" ip daddr 203.0.113.50 udp dport 5070 dnat to 192.168.77.2:5060
    iifname "r-wan" ip daddr 203.0.113.50 tcp dport 5070 dnat to 192.168.77.2:5060
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "r-wan" ip saddr 192.168.77.2 udp sport 5060 snat to 203.0.113.50:5070
    oifname "r-wan" ip saddr 192.168.77.2 tcp sport 5060 snat to 203.0.113.50:5070
    oifname "r-wan" masquerade
  }
}
`,
    );
    return {
      pbx, router, lan, wan,
      pbxIp: "192.168.77.2", pbxPort: 5060, lanPhoneIp: "192.168.78.10", wanPhoneIp: "203.0.113.20",
      publicIp: "203.0.113.50", publicPort: 5070, publicMediaIp: "203.0.113.51", localNet: "192.168.0.0/16",
      teardown() {
        for (const n of [...all].reverse()) deleteNamespace(n);
      },
    } as const;
  });
}

export interface Star {
  readonly hub: string;
  /** The hub's service address (on its `lo`), reachable from every spoke. */
  readonly hubIp: string;
  /** Spoke namespaces with their addresses, in the order of the roles given. */
  readonly spokes: ReadonlyArray<{ readonly role: string; readonly ns: string; readonly ip: string }>;
  teardown(): void;
}

/**
 * A hub with the service address 10.77.0.1 (on its loopback) and one veth link per spoke:
 * spoke i is 10.77.i.2 on 10.77.i.0/30, hub side 10.77.i.1.
 */
export function createStar(hubRole: string, spokeRoles: readonly string[]): Star {
  const hub = createNamespace(hubRole);
  const created = [hub];
  return buildOrDelete(created, () => {
    const hubIp = "10.77.0.1";
    ip("-n", hub, "addr", "add", `${hubIp}/32`, "dev", "lo");
    const spokes = spokeRoles.map((role, i) => {
      const ns = createNamespace(role);
      created.push(ns);
      const n = i + 1;
      ip("link", "add", `hub${n}`, "netns", hub, "type", "veth", "peer", "name", "up0", "netns", ns);
      ip("-n", hub, "addr", "add", `10.77.${n}.1/30`, "dev", `hub${n}`);
      ip("-n", ns, "addr", "add", `10.77.${n}.2/30`, "dev", "up0");
      ip("-n", hub, "link", "set", `hub${n}`, "up");
      ip("-n", ns, "link", "set", "up0", "up");
      ip("-n", ns, "route", "add", `${hubIp}/32`, "via", `10.77.${n}.1`);
      return { role, ns, ip: `10.77.${n}.2` };
    });
    return {
      hub, hubIp, spokes,
      teardown() {
        for (const n of [...created].reverse()) deleteNamespace(n);
      },
    };
  });
}
