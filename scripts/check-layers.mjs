#!/usr/bin/env node
// Checks that imports flow one way between layers (STYLE.md §1):
//   core ← config ← sip, media ← security ← pbx ← cli, api ← server/main
// and inside sip/: message ← parser ← transport ← transaction ← auth ← dialog ← session
// and that there are no import cycles between files. Exits 1 and lists each violation.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, dirname, relative, resolve } from "node:path";

const SRC = resolve(new URL("../src", import.meta.url).pathname);
const ALLOWED = {
  core: ["core"],
  config: ["core", "config"],
  sip: ["core", "config", "sip"],
  media: ["core", "config", "media"],
  security: ["core", "config", "sip", "media", "security"],
  pbx: ["core", "config", "sip", "media", "security", "pbx"],
  cli: ["core", "config", "sip", "media", "security", "pbx", "cli"],
  api: ["core", "config", "sip", "media", "security", "pbx", "cli", "api"],
  ".": ["core", "config", "sip", "media", "security", "pbx", "cli", "api", "."],
};

// Inside sip/ the protocol floors are ordered too (RFC 3261's own layering): a folder may import
// only folders at or below it, so the transaction layer never reaches up into dialogs or sessions.
const SIP_FLOORS = ["message", "parser", "transport", "transaction", "auth", "dialog", "session"];

function sipFloorOf(file) {
  const rel = relative(SRC, file).split("/");
  return rel[0] === "sip" && rel.length > 2 ? SIP_FLOORS.indexOf(rel[1]) : -2;
}

function files(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out;
}

const layerOf = (file) => {
  const rel = relative(SRC, file);
  return rel.includes("/") ? rel.split("/")[0] : ".";
};

const problems = [];
const graph = new Map();
for (const file of files(SRC)) {
  const text = readFileSync(file, "utf8");
  const deps = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gms)) {
    const spec = m[1];
    const target = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
    deps.push(target);
    const from = layerOf(file);
    const to = layerOf(target);
    if (!(ALLOWED[from] ?? []).includes(to)) {
      problems.push(`${relative(SRC, file)}: layer '${from}' must not import '${to}' (${spec})`);
    }
    const fromFloor = sipFloorOf(file);
    const toFloor = sipFloorOf(target);
    if (from === "sip" && to === "sip" && fromFloor !== -2 && toFloor !== -2) {
      if (fromFloor === -1 || toFloor === -1) problems.push(`${relative(SRC, file)}: sip/ folder not in the floor list of scripts/check-layers.mjs (${spec})`);
      else if (toFloor > fromFloor) problems.push(`${relative(SRC, file)}: sip/${SIP_FLOORS[fromFloor]} must not import sip/${SIP_FLOORS[toFloor]} (${spec})`);
    }
  }
  for (const m of text.matchAll(/import\(\s*"(\.[^"]+)"\s*\)/g)) {
    const target = resolve(dirname(file), m[1].replace(/\.js$/, ".ts"));
    const from = layerOf(file);
    const to = layerOf(target);
    if (!(ALLOWED[from] ?? []).includes(to)) problems.push(`${relative(SRC, file)}: layer '${from}' must not import '${to}' (${m[1]})`);
  }
  graph.set(file, deps);
}

// Cycle detection (type-only imports included: they still couple the files).
const state = new Map();
const stack = [];
function visit(f) {
  state.set(f, 1);
  stack.push(f);
  for (const d of graph.get(f) ?? []) {
    if (!graph.has(d)) continue;
    if (state.get(d) === 1) {
      const cycle = stack.slice(stack.indexOf(d)).concat(d).map((x) => relative(SRC, x));
      problems.push(`import cycle: ${cycle.join(" → ")}`);
    } else if (!state.has(d)) visit(d);
  }
  stack.pop();
  state.set(f, 2);
}
for (const f of graph.keys()) if (!state.has(f)) visit(f);

if (problems.length) {
  console.error(problems.join("\n"));
  console.error(`\n${problems.length} layering problem(s)`);
  process.exit(1);
}
console.log(`layers ok: ${graph.size} files, imports flow core ← config ← sip, media ← security ← pbx ← cli, api ← server`);
