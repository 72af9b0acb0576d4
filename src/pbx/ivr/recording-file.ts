/**
 * Writes a recording so that a crash never leaves half a file under its name: the bytes go to a
 * temporary file beside it (`.<name>.tmp-<pid>`), are flushed to disk, and the file is renamed
 * into place (rename is atomic within a directory).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export function writeFileAtomic(path: string, data: Buffer | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const fd = openSync(tmp, "w", 0o640);
  try {
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Removes what a crash left of writeFileAtomic in `dir` (temporary files); returns how many. */
export function removeTempFiles(dir: string): number {
  let n = 0;
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (/^\..+\.tmp-\d+$/.test(name)) {
      rmSync(join(dir, name), { force: true });
      n++;
    }
  }
  return n;
}
