/**
 * Passwords for the embedded default configuration: generated on first start (never fixed
 * defaults), kept in the data directory with owner-only permissions, and reused afterwards.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { PbxError } from "../../core/errors.js";

export const PASSWORDS_FILE = "default-passwords.json";

/** No 0/O, 1/l/I: passwords get read aloud and typed into phone keypads. */
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

/** 24 characters from a 56-letter alphabet: about 139 bits, drawn without modulo bias. */
export function strongPassword(length = 24): string {
  let out = "";
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      // 224 = 4 * 56: bytes at or above it would favour the first letters, so they are skipped.
      if (b < 224 && out.length < length) out += ALPHABET[b % ALPHABET.length];
    }
  }
  return out;
}

/** Voicemail PINs of the embedded mailboxes, kept like the passwords. */
export const PINS_FILE = "default-voicemail-pins.json";

/** Six digits, drawn without modulo bias: typed on a keypad, never a fixed default. */
export function strongPin(length = 6): string {
  let out = "";
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) if (b < 250 && out.length < length) out += String(b % 10);
  }
  return out;
}

export function loadOrCreatePasswords(dataDir: string, extensions: readonly string[]): { passwords: Record<string, string>; created: string[] } {
  return loadOrCreate(join(dataDir, PASSWORDS_FILE), extensions, () => strongPassword(), (p) => p.length >= 12);
}

export function loadOrCreatePins(dataDir: string, extensions: readonly string[]): { passwords: Record<string, string>; created: string[] } {
  return loadOrCreate(join(dataDir, PINS_FILE), extensions, () => strongPin(), (p) => /^\d{4,}$/.test(p));
}

function loadOrCreate(path: string, extensions: readonly string[], make: () => string, ok: (p: string) => boolean): { passwords: Record<string, string>; created: string[] } {
  let passwords: Record<string, string> = {};
  if (existsSync(path)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
      if (parsed && typeof parsed === "object") passwords = parsed as Record<string, string>;
    } catch (err) {
      throw new PbxError("STORE", `${path} is not valid JSON (${String(err)}); fix it or move it away to generate new passwords`);
    }
  }
  const created: string[] = [];
  for (const ext of extensions) {
    if (typeof passwords[ext] !== "string" || !ok(passwords[ext] ?? "")) {
      passwords[ext] = make();
      created.push(ext);
    }
  }
  if (created.length) {
    const tmp = path + ".tmp";
    writeFileSync(tmp, JSON.stringify(passwords, null, 2) + "\n", { mode: 0o600 });
    renameSync(tmp, path);
  }
  return { passwords, created };
}
