#!/usr/bin/env node
// Runs the compiled build when present, otherwise the TypeScript sources through tsx,
// so a fresh clone works right after `npm install` without a build step.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "main.js");
if (existsSync(built) && process.env.SWITCHBOARD_FROM_SOURCE !== "1") {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(join(root, "src", "main.ts")).href);
}
