/**
 * The embedded default's HTTPS certificate: made in <data>/tls/ on the first start, kept on the
 * next, and half a pair means no HTTPS (and no WSS) with a warning that says what to do.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CaptureLogger } from "../../src/core/logger.js";
import { ensureEmbeddedHttps, existingEmbeddedHttps } from "../../src/pbx/embedded-https.js";

const dir = mkdtempSync(join(tmpdir(), "sw-embedded-https-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("embedded HTTPS: the first start makes cert.pem and privkey.pem in <data>/tls, later starts keep them", async () => {
  assert.equal(existingEmbeddedHttps(dir), undefined);
  const log = new CaptureLogger();
  const made = await ensureEmbeddedHttps(dir, log);
  assert.ok(made);
  assert.equal(made.certFile, join(dir, "tls", "cert.pem"));
  assert.match(readFileSync(made.certFile, "utf8"), /BEGIN CERTIFICATE/);
  assert.ok(log.find("Made a self-signed certificate"));
  const first = readFileSync(made.certFile, "utf8");
  assert.deepEqual(await ensureEmbeddedHttps(dir, new CaptureLogger()), made);
  assert.equal(readFileSync(made.certFile, "utf8"), first, "not made again");
  assert.deepEqual(existingEmbeddedHttps(dir), made);
});

test("embedded HTTPS: a certificate without its key leaves HTTPS off, with a warning naming switchboard cert --force", async () => {
  unlinkSync(join(dir, "tls", "privkey.pem"));
  const log = new CaptureLogger();
  assert.equal(await ensureEmbeddedHttps(dir, log), undefined);
  assert.match(log.records.find((r) => r.level === "warn")?.msg ?? "", /without its key.*switchboard cert --force/);
});
