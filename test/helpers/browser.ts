/**
 * Debian's Chromium driven by playwright-core (npm-deps.md §10), as a user's browser: a fake
 * microphone playing a WAV, microphone permission granted, audio allowed to play without a
 * click, and the PBX's self-signed certificate accepted. Started inside a network namespace the
 * test made, its WebRTC candidates are that namespace's address (Chromium leaves loopback out),
 * so its media stays within the test's own network.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { onCleanup, scratchDir } from "./processes.js";

export const CHROMIUM = "/usr/bin/chromium";

export interface BrowserOptions {
  /** A WAV file the fake microphone plays (looped). */
  readonly microphone: string;
  /** Run Chromium inside this network namespace. */
  readonly netns?: string;
}

export async function launchBrowser(o: BrowserOptions): Promise<BrowserContext> {
  const dir = scratchDir("chromium");
  let executablePath = CHROMIUM;
  if (o.netns !== undefined) {
    executablePath = join(dir, "chromium-in-netns");
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${o.netns} ${CHROMIUM} "$@"\n`);
    chmodSync(executablePath, 0o755);
  }
  const profile = join(dir, "profile");
  mkdirSync(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    // Chromium's audio (PulseAudio's client) and its own temporary files go to the scratch directory, not /tmp.
    env: { ...process.env, TMPDIR: dir, XDG_RUNTIME_DIR: dir, PULSE_RUNTIME_PATH: join(dir, "pulse") },
    ignoreHTTPSErrors: true,
    args: [
      "--no-sandbox",
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-audio-capture=${o.microphone}`,
      "--autoplay-policy=no-user-gesture-required",
      // Real host candidates, not mDNS names the PBX cannot resolve.
      "--disable-features=WebRtcHideLocalIpsWithMdns",
    ],
  });
  const forget = onCleanup(() => void context.close().catch(() => undefined));
  context.on("close", forget);
  return context;
}
