import { test } from "node:test";
import assert from "node:assert/strict";
import type { CliCommand, CommandRegistrar } from "../../../src/core/commands.js";
import { registerDialplanCommands } from "../../../src/pbx/dialplan/dialplan-commands.js";
import { dialplanFrom } from "./fake-channel.js";
import type { Dialplan } from "../../../src/pbx/dialplan/types.js";

const TEXT = [
  "[from-internal]", // line 1
  "include => parkedcalls",
  "exten => 6001,hint,PJSIP/6001",
  "exten => 6001,1,Dial(PJSIP/6001,30)",
  " same => n(vm),VoiceMail(6001@default,u)",
  "exten => _6XXX,1,Dial(PJSIP/${EXTEN},20)",
  "[parkedcalls]",
  "exten => 700,1,NoOp()",
].join("\n");

function setup(dp: Dialplan) {
  const commands = new Map<string, CliCommand>();
  const registrar: CommandRegistrar = {
    register(cmd) {
      commands.set(cmd.command, cmd);
      return () => commands.delete(cmd.command);
    },
  };
  let reloads = 0;
  const unregister = registerDialplanCommands(registrar, {
    dialplan: () => dp,
    reload: () => {
      reloads++;
      return Promise.resolve("Dialplan reloaded.");
    },
  });
  const runCmd = async (name: string, args: string[] = []) => String(await commands.get(name)?.handler({ args, line: [name, ...args].join(" ") }));
  return { commands, unregister, runCmd, reloads: () => reloads };
}

test("dialplan show: Asterisk's layout with hint, labels, includes and the footer", async () => {
  const { runCmd } = setup(dialplanFrom(TEXT));
  const out = await runCmd("dialplan show");
  assert.equal(
    out,
    [
      "[ Context 'from-internal' created by 'pbx_config' ]",
      "  '6001' =>         hint: PJSIP/6001                              [extensions.conf:3]",
      "                    1. Dial(PJSIP/6001,30)                        [extensions.conf:4]",
      "     [vm]           2. VoiceMail(6001@default,u)                  [extensions.conf:5]",
      "  '_6XXX' =>        1. Dial(PJSIP/${EXTEN},20)                    [extensions.conf:6]",
      "  Include =>        'parkedcalls'                                 [pbx_config]",
      "",
      "[ Context 'parkedcalls' created by 'pbx_config' ]",
      "  '700' =>          1. NoOp()                                     [extensions.conf:8]",
      "",
      "-= 3 extensions (5 priorities) in 2 contexts. =-",
      "",
    ].join("\n"),
  );
});

test("dialplan show <context>: that context, then its includes as included contexts", async () => {
  const { runCmd } = setup(dialplanFrom(TEXT));
  const out = await runCmd("dialplan show", ["from-internal"]);
  assert.match(out, /^\[ Context 'from-internal' created by 'pbx_config' \]/);
  assert.match(out, /\[ Included context 'parkedcalls' created by 'pbx_config' \]/);
  assert.match(out, /-= 3 extensions \(5 priorities\) in 2 contexts\. =-\n$/);
});

test("dialplan show exten@context: only the matching extensions, patterns included", async () => {
  const { runCmd } = setup(dialplanFrom(TEXT));
  const out = await runCmd("dialplan show", ["6002@from-internal"]);
  assert.match(out, /'_6XXX' =>/);
  assert.doesNotMatch(out, /'6001'/);
  assert.match(out, /-= 1 extension \(1 priority\) in 1 context\. =-/);
});

test("dialplan show: errors for an unknown context or extension", async () => {
  const { runCmd } = setup(dialplanFrom(TEXT));
  assert.equal(await runCmd("dialplan show", ["nowhere"]), "There is no existence of 'nowhere' context\n");
  assert.equal(await runCmd("dialplan show", ["9@from-internal"]), "There is no existence of 9@from-internal extension\n");
});

test("dialplan show: completes context names, also after exten@", async () => {
  const { commands } = setup(dialplanFrom(TEXT));
  const show = commands.get("dialplan show");
  assert.deepEqual(await show?.complete?.({ args: [], word: "park" }), ["parkedcalls"]);
  assert.deepEqual(await show?.complete?.({ args: [], word: "600@from" }), ["600@from-internal"]);
});

test("dialplan reload: calls the reload hook and prints its text; unregister removes both commands", async () => {
  const s = setup(dialplanFrom(TEXT));
  assert.equal(await s.runCmd("dialplan reload"), "Dialplan reloaded.\n");
  assert.equal(s.reloads(), 1);
  s.unregister();
  assert.equal(s.commands.size, 0);
});
