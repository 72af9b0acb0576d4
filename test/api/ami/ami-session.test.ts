/**
 * AmiSession over a real loopback socket: order of replies, Permission denied before login and
 * for a missing write class, the Follows form of Command, a flood of bytes without a line end
 * closes the connection, and an unread session is cut off after writetimeout.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Server } from "node:net";
import { nullLogger } from "../../../src/core/logger.js";
import { AmiActionRegistry, type AmiAction } from "../../../src/api/ami/ami-action.js";
import { AmiSession } from "../../../src/api/ami/ami-session.js";
import { loadConfiguration } from "../../../src/config/load-configuration.js";
import { RawAmi } from "../../helpers/ami-raw.js";

const users = loadConfiguration({ kind: "embedded", files: { "pjsip.conf": "", "manager.conf": "[u]\nsecret=s\nread=all\nwrite=call\nwritetimeout=100\n" } }).manager.users;

async function serve(actions: AmiAction[]): Promise<{ server: Server; port: number; sessions: AmiSession[] }> {
  const registry = new AmiActionRegistry();
  for (const a of actions) registry.register(a);
  const sessions: AmiSession[] = [];
  const server = createServer((socket) => {
    sessions.push(new AmiSession({ socket, id: sessions.length + 1, actions: registry, log: nullLogger, authTimeoutMs: 5000, tls: false, onClose: () => {}, onLogin: () => {} }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as AddressInfo).port, sessions };
}

const login: AmiAction = {
  name: "Login",
  privilege: [],
  synopsis: "",
  handle(_req, caller) {
    (caller as AmiSession).loggedIn(users.get("u")!);
    return { response: "Success", fields: [["Message", "Authentication accepted"]] };
  },
};

test("replies come in request order, slow or not; actions need the write class and a login", async () => {
  const slow: AmiAction = { name: "Slow", privilege: ["call"], synopsis: "", handle: async () => { await new Promise((r) => setTimeout(r, 150)); return { response: "Success", fields: [["Which", "slow"]] }; } };
  const fast: AmiAction = { name: "Fast", privilege: [], synopsis: "", handle: () => ({ response: "Success", fields: [["Which", "fast"]] }) };
  const sys: AmiAction = { name: "Sys", privilege: ["system"], synopsis: "", handle: () => ({ response: "Success", fields: [] }) };
  const { server, port } = await serve([login, slow, fast, sys]);
  const c = await RawAmi.open(port);
  try {
    assert.equal((await c.action({ Action: "Fast" })).get("Message"), "Permission denied", "nothing before login");
    await c.action({ Action: "Login" });
    c.send({ Action: "Slow", ActionID: "1" });
    c.send({ Action: "fast", ActionID: "2" });
    const first = await c.next((m) => m.get("Response") !== undefined);
    const second = await c.next((m) => m.get("Response") !== undefined);
    assert.deepEqual([first.get("Which"), second.get("Which")], ["slow", "fast"]);
    assert.equal((await c.action({ Action: "Sys" })).get("Message"), "Permission denied", "write=call has no system");
    assert.match((await c.action({ Action: "Nope" })).get("Message") ?? "", /^Invalid\/unknown command: Nope\. Use Action: ListCommands/);
  } finally {
    c.close();
    server.close();
  }
});

test("Response: Follows writes the text as it is and --END COMMAND--", async () => {
  const cmd: AmiAction = { name: "Command", privilege: [], synopsis: "", handle: () => ({ response: "Follows", fields: [["Privilege", "Command"]], follows: "line one\nline two\n" }) };
  const { server, port } = await serve([login, cmd]);
  const c = await RawAmi.open(port);
  try {
    await c.action({ Action: "Login" });
    const r = await c.action({ Action: "Command" });
    assert.match(r.text, /^Response: Follows\r\nActionID: t\w+\r\nPrivilege: Command\r\nline one\nline two\n--END COMMAND--$/);
  } finally {
    c.close();
    server.close();
  }
});

test("a line that never ends closes the connection", async () => {
  const { server, port } = await serve([login]);
  const c = await RawAmi.open(port);
  try {
    c.socket.write("Action: " + "A".repeat(20000));
    await c.whenClosed(3000);
  } finally {
    c.close();
    server.close();
  }
});

test("a logged-in client that stops reading is disconnected after writetimeout", async () => {
  const { server, port, sessions } = await serve([login]);
  const c = await RawAmi.open(port);
  try {
    await c.action({ Action: "Login" });
    c.socket.pause();
    const s = sessions[0]!;
    const big = "Event: Flood\r\nData: " + "x".repeat(60000) + "\r\n\r\n";
    for (let i = 0; i < 400 && !s.isClosed; i++) s.deliver(big);
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(s.isClosed, "the session closed itself");
  } finally {
    c.close();
    server.close();
  }
});
