/**
 * Channel groups: the table (one group per category, counts over categories, regular
 * expressions), the dialplan functions as a dialplan uses them (a call limit with
 * GROUP_COUNT(), categories, GROUP_LIST(), clearing), leaving the groups when the channel is
 * gone, and `group show channels` in Asterisk's layout.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CaptureLogger } from "../../../src/core/logger.js";
import { FakeClock } from "../../../src/core/clock.js";
import { createCoreAppRegistry } from "../../../src/pbx/apps/index.js";
import { createCoreFuncRegistry } from "../../../src/pbx/funcs/index.js";
import { DialplanExecutor } from "../../../src/pbx/dialplan/executor.js";
import { GroupTable, splitGroup } from "../../../src/pbx/groups/group-table.js";
import { groupFunctions } from "../../../src/pbx/groups/group-functions.js";
import { groupShowChannelsCommand, showGroupChannels } from "../../../src/pbx/groups/group-commands.js";
import { FakeChannel, dialplanFrom } from "../dialplan/fake-channel.js";

/** An executor whose function registry has the core functions and the group functions over `table`. */
function executor(text: string, table: GroupTable) {
  const funcs = createCoreFuncRegistry();
  for (const f of groupFunctions(table)) funcs.register(f);
  const log = new CaptureLogger();
  const exec = new DialplanExecutor({ dialplan: () => dialplanFrom(text), log, apps: createCoreAppRegistry(), funcs, clock: new FakeClock(1_700_000_000_000) });
  return { exec, log };
}

const LIMIT = `[limit]
exten => 500,1,Set(GROUP()=\${EXTEN})
 same => n,GotoIf($[\${GROUP_COUNT()} > 1]?busy)
 same => n,Answer()
 same => n,Hangup()
 same => n(busy),Busy()
`;

describe("group table", () => {
  it("a channel has one group per category; setting again moves it, an empty group takes it out", () => {
    const t = new GroupTable();
    t.set("PJSIP/a-1", "sales");
    t.set("PJSIP/a-1", "out", "trunk");
    t.set("PJSIP/a-1", "support");
    assert.equal(t.groupOf("PJSIP/a-1"), "support");
    assert.equal(t.groupOf("PJSIP/a-1", "TRUNK"), "out", "categories compare case-insensitively");
    assert.equal(t.count("sales"), 0);
    assert.equal(t.count("support"), 1);
    t.set("PJSIP/a-1", "", "trunk");
    assert.equal(t.groupOf("PJSIP/a-1", "trunk"), "");
    assert.deepEqual(t.of("PJSIP/a-1"), [{ channel: "PJSIP/a-1", group: "support", category: "" }]);
  });

  it("counts: group names case-insensitive; no category counts every category, a category only its own", () => {
    const t = new GroupTable();
    t.set("PJSIP/a-1", "out", "trunk");
    t.set("PJSIP/b-2", "OUT", "trunk");
    t.set("PJSIP/c-3", "out");
    t.set("PJSIP/d-4", "out", "other");
    assert.equal(t.count("out"), 4);
    assert.equal(t.count("out", "trunk"), 2);
    assert.equal(t.count("out", "nothing"), 0);
    assert.equal(t.count(""), 0);
  });

  it("match counts: the group pattern is a regular expression searched in the name; a category pattern skips the default category", () => {
    const t = new GroupTable();
    t.set("PJSIP/a-1", "sales-east");
    t.set("PJSIP/b-2", "sales-west", "region");
    t.set("PJSIP/c-3", "support", "region");
    t.set("PJSIP/d-4", "presales");
    assert.equal(t.matchCount(/^sales-/), 2);
    assert.equal(t.matchCount(/sales/), 3);
    assert.equal(t.matchCount(/sales/, /^reg/), 1);
    assert.equal(t.matchCount(/./, /region/), 2);
    assert.equal(t.matchCount(/SALES/), 0, "regexec is case-sensitive");
  });

  it("discard: a gone channel leaves every group it was in, and only it", () => {
    const t = new GroupTable();
    t.set("PJSIP/a-1", "x");
    t.set("PJSIP/a-1", "y", "cat");
    t.set("PJSIP/b-2", "x");
    t.discard("PJSIP/a-1");
    assert.equal(t.count("x"), 1);
    assert.equal(t.count("y"), 0);
    assert.deepEqual(t.list(), [{ channel: "PJSIP/b-2", group: "x", category: "" }]);
  });

  it("splitGroup: group@category at the first @", () => {
    assert.deepEqual(splitGroup("out@trunk"), { group: "out", category: "trunk" });
    assert.deepEqual(splitGroup("out"), { group: "out", category: "" });
    assert.deepEqual(splitGroup("@trunk"), { group: "", category: "trunk" });
  });
});

describe("group functions in the dialplan", () => {
  it("a limit of one call per group: the second concurrent call is Busy, a call after the first is gone gets through", async () => {
    const t = new GroupTable();
    const { exec } = executor(LIMIT, t);
    const first = new FakeChannel("PJSIP/1001-00000001");
    await exec.run(first, "limit", "500");
    assert.deepEqual(first.calls, ["answer()", "hangup(16)"]);
    // The first channel is still up (nobody discarded it): a second call finds the group full.
    const second = new FakeChannel("PJSIP/1002-00000002");
    await exec.run(second, "limit", "500");
    assert.deepEqual(second.calls, ["busy()", "hangup(17)"]);
    assert.equal(t.count("500"), 2, "the busy call was in the group too while it ran");
    t.discard(second.name);
    t.discard(first.name);
    const third = new FakeChannel("PJSIP/1003-00000003");
    await exec.run(third, "limit", "500");
    assert.deepEqual(third.calls, ["answer()", "hangup(16)"]);
  });

  it("GROUP(category) reads and writes by category; GROUP()=grp@cat is the same as GROUP(cat)=grp; GROUP_LIST() lists them", async () => {
    const t = new GroupTable();
    const { exec } = executor(
      `[c]
exten => s,1,Set(GROUP()=sales)
 same => n,Set(GROUP(trunk)=out)
 same => n,Set(GROUP()=east@region)
 same => n,Set(A=\${GROUP()})
 same => n,Set(B=\${GROUP(trunk)})
 same => n,Set(C=\${GROUP(REGION)})
 same => n,Set(L=\${GROUP_LIST()})
 same => n,Set(GROUP(trunk)=)
 same => n,Set(M=\${GROUP_LIST()})
 same => n,Set(N=\${GROUP(nothing)})
`,
      t,
    );
    const ch = new FakeChannel();
    await exec.run(ch, "c", "s");
    assert.equal(ch.vars.get("A"), "sales");
    assert.equal(ch.vars.get("B"), "out");
    assert.equal(ch.vars.get("C"), "east");
    assert.equal(ch.vars.get("L"), "sales out@trunk east@region");
    assert.equal(ch.vars.get("M"), "sales east@region");
    assert.equal(ch.vars.get("N") ?? "", "");
  });

  it("GROUP_COUNT: of a named group, of group@category, of the channel's own group, 0 without a group", async () => {
    const t = new GroupTable();
    t.set("PJSIP/9-1", "out", "trunk");
    t.set("PJSIP/9-2", "out", "trunk");
    t.set("PJSIP/9-3", "out");
    const { exec } = executor(
      `[c]
exten => s,1,Set(Z=\${GROUP_COUNT()})
 same => n,Set(GROUP(trunk)=out)
 same => n,Set(A=\${GROUP_COUNT()})
 same => n,Set(B=\${GROUP_COUNT(out@trunk)})
 same => n,Set(C=\${GROUP_COUNT(OUT)})
 same => n,Set(D=\${GROUP_COUNT(@trunk)})
 same => n,Set(E=\${GROUP_COUNT(none)})
`,
      t,
    );
    const ch = new FakeChannel();
    await exec.run(ch, "c", "s");
    assert.equal(ch.vars.get("Z"), "0");
    assert.equal(ch.vars.get("A"), "3", "its own group out@trunk: the two others and itself");
    assert.equal(ch.vars.get("B"), "3");
    assert.equal(ch.vars.get("C"), "4", "no category: every category");
    assert.equal(ch.vars.get("D"), "3");
    assert.equal(ch.vars.get("E"), "0");
  });

  it("GROUP_MATCH_COUNT: regular expressions on group and category; a pattern that does not compile counts 0 and logs an error", async () => {
    const t = new GroupTable();
    t.set("PJSIP/9-1", "sales-east", "dept");
    t.set("PJSIP/9-2", "sales-west");
    t.set("PJSIP/9-3", "support", "dept");
    const { exec, log } = executor(
      `[c]
exten => s,1,Set(A=\${GROUP_MATCH_COUNT(^sales-.*)})
 same => n,Set(B=\${GROUP_MATCH_COUNT(^s.*@^de)})
 same => n,Set(C=\${GROUP_MATCH_COUNT(west$)})
 same => n,Set(D=\${GROUP_MATCH_COUNT(sales[)})
`,
      t,
    );
    const ch = new FakeChannel();
    await exec.run(ch, "c", "s");
    assert.equal(ch.vars.get("A"), "2");
    assert.equal(ch.vars.get("B"), "2");
    assert.equal(ch.vars.get("C"), "1");
    assert.equal(ch.vars.get("D"), "0");
    assert.ok(log.records.some((r) => r.level === "error" && r.msg.includes("GROUP_MATCH_COUNT")), "an error names the function");
  });
});

describe("group show channels", () => {
  it("Asterisk's layout: 25/20/20 columns two spaces apart, (default) for the unnamed category, a count line", () => {
    const out = showGroupChannels([
      { channel: "PJSIP/1001-00000001", group: "500", category: "" },
      { channel: "PJSIP/1002-00000002", group: "out", category: "trunk" },
    ]);
    assert.equal(
      out,
      "Channel                    Group                 Category            \n" +
        "PJSIP/1001-00000001        500                   (default)           \n" +
        "PJSIP/1002-00000002        out                   trunk               \n" +
        "2 active channels\n",
    );
    assert.match(showGroupChannels([]), /\n0 active channels\n$/);
    assert.match(showGroupChannels([{ channel: "PJSIP/x-1", group: "g", category: "" }]), /\n1 active channel\n$/);
  });

  it("the optional pattern filters on group names; a pattern that does not compile is a usage error", async () => {
    const t = new GroupTable();
    t.set("PJSIP/a-1", "sales");
    t.set("PJSIP/b-2", "support", "x");
    const cmd = groupShowChannelsCommand(t);
    const out = await cmd.handler({ args: ["^sa"], line: "group show channels ^sa" });
    assert.match(out, /PJSIP\/a-1 +sales/);
    assert.doesNotMatch(out, /support/);
    assert.match(out, /1 active channel\n$/);
    assert.throws(() => cmd.handler({ args: ["("], line: "group show channels (" }), /usage/i);
  });
});
