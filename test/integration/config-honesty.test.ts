/**
 * Honest configuration as a user meets it: options and codecs Switchboard does not implement are
 * named once when the real server loads the configuration (messages.log) and by the real
 * `switchboard check` on the same directory. Two phones share one template, so "once" is tested.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT, startPbx, type Pbx } from "../helpers/pbx.js";
import { freePort } from "../helpers/ports.js";
import { trackProcess } from "../helpers/processes.js";

const pjsip = (port: number): string => `[transport-udp]
type=transport
protocol=udp
bind=127.0.0.1:${port}

[phone](!)
type=endpoint
context=internal
disallow=all
allow=g729,ulaw,alaw,ilbc
send_aoc=yes
direct_media_glare_mitigation=outgoing
rtp_symmetric=yes
rewrite_contact=yes
direct_media=no

[6001](phone)
aors=6001

[6002](phone)
aors=6002

[6001]
type=aor
contact=sip:6001@127.0.0.1:5999

[6002]
type=aor
contact=sip:6002@127.0.0.1:5998
`;

const FINDINGS: ReadonlyArray<[string, RegExp]> = [
  ["codecs not available here", /endpoints 6001 and 6002: g729 and ilbc are not available here: .*never transcoded to another codec, played or recorded/],
  ["send_aoc", /option 'send_aoc' is accepted but not implemented yet; it has no effect/],
  ["direct_media_glare_mitigation", /option 'direct_media_glare_mitigation' is accepted but not implemented yet; it has no effect/],
];

function runCheckCli(configDir: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "bin", "switchboard.js"), "check", "--config", configDir], {
      cwd: REPO_ROOT,
      env: { ...process.env, SWITCHBOARD_FROM_SOURCE: "1" },
      stdio: ["ignore", "pipe", "ignore"],
    });
    trackProcess(child, "switchboard-check");
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

describe("honest configuration (integration: the real server and switchboard check)", () => {
  let pbx: Pbx;
  before(async () => {
    pbx = await startPbx({ configFiles: { "pjsip.conf": pjsip(await freePort("127.0.0.1")) } });
  });
  after(async () => {
    await pbx?.stop();
  });

  for (const [what, re] of FINDINGS) {
    it(`${what}: one WARNING line in messages.log at start-up`, async () => {
      await pbx.waitForLog(re);
      const lines = pbx.messagesLog().split("\n").filter((l) => re.test(l));
      assert.equal(lines.length, 1, `${pbx.messagesLog()}`);
      assert.match(lines[0] ?? "", /WARN/);
    });
  }

  it("switchboard check on the same directory names each of them once, as warnings, and exits 0", async () => {
    const r = await runCheckCli(pbx.configDir);
    assert.equal(r.code, 0, r.stdout);
    for (const [what, re] of FINDINGS) {
      const lines = r.stdout.split("\n").filter((l) => re.test(l));
      assert.equal(lines.length, 1, `${what} in:\n${r.stdout}`);
      assert.match(lines[0] ?? "", /^pjsip\.conf:\d+: warning: /);
    }
  });
});
