import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalIp } from "../../src/core/ip.js";

const CASES: Array<[string, string | undefined]> = [
  ["192.0.2.1", "192.0.2.1"],
  ["[192.0.2.1]", "192.0.2.1"],
  [" 192.0.2.1 ", "192.0.2.1"],
  ["::1", "::1"],
  ["0:0:0:0:0:0:0:1", "::1"],
  ["[::1]", "::1"],
  ["[0000:0000:0000:0000:0000:0000:0000:0001]", "::1"],
  ["::", "::"],
  ["0:0:0:0:0:0:0:0", "::"],
  ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
  ["2001:0db8::0001", "2001:db8::1"],
  ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // RFC 5952 §4.2.3: the first of equal runs
  ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // §4.2.2: "::" not for a single 0 field
  ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // §4.2.3: the longest run
  ["2001:db8::", "2001:db8::"],
  ["FE80::ABCD", "fe80::abcd"],
  ["::ffff:192.0.2.1", "192.0.2.1"],
  ["[::FFFF:c000:0201]", "192.0.2.1"],
  ["0:0:0:0:0:ffff:192.0.2.1", "192.0.2.1"],
  ["fe80::1%eth0", "fe80::1%eth0"],
  ["nonsense", undefined],
  ["192.0.2", undefined],
  ["2001:db8::1/64", undefined],
  ["[::1", undefined],
  ["", undefined],
];

test("canonicalIp: brackets stripped, IPv4-mapped to IPv4, IPv6 in RFC 5952 form, junk undefined", () => {
  for (const [input, want] of CASES) assert.equal(canonicalIp(input), want, `canonicalIp(${JSON.stringify(input)})`);
});

test("canonicalIp: the form equals what Node reports for an IPv6 socket address", async () => {
  const { createSocket } = await import("node:dgram");
  const socket = createSocket({ type: "udp6", ipv6Only: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, "0:0:0:0:0:0:0:1", () => resolve());
    });
    assert.equal(canonicalIp("0:0:0:0:0:0:0:1"), socket.address().address);
  } catch (err) {
    // Hosts without IPv6 loopback cannot bind ::1; the table above still covers the form.
    if ((err as NodeJS.ErrnoException).code !== "EADDRNOTAVAIL") throw err;
  } finally {
    socket.close();
  }
});
