// tmpfs.mjs - a small tmpfs as a world's data directory, to test a full
// disk for real: mount (root or CAP_SYS_ADMIN) where it is allowed, a filler
// file that leaves a few bytes free, and freeing that space again.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const sh = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8' });

/**
 * Moves w's (stopped) data directory onto a new tmpfs of its size plus
 * `extra` bytes, mounted at the same path. Returns null, or the reason it
 * could not (then the directory is as it was).
 */
export function moveOntoTmpfs(w, extra = 6 << 20) {
  const used = Number(sh('du', ['-sb', w.dir]).stdout.split(/\s/)[0]);
  const keep = w.dir + '.keep';
  fs.renameSync(w.dir, keep);
  fs.mkdirSync(w.dir);
  const size = Math.ceil((used + extra) / 4096) * 4096;
  const m = sh('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', w.dir]);
  if (m.status !== 0) {
    fs.rmdirSync(w.dir);
    fs.renameSync(keep, w.dir);
    return `cannot mount a tmpfs here (${(m.stderr || m.error || 'mount failed').toString().trim()}): run as root to test a full disk`;
  }
  const c = sh('cp', ['-a', keep + '/.', w.dir]);
  fs.rmSync(keep, { recursive: true, force: true });
  if (c.status !== 0) throw new Error(`cp onto the tmpfs: ${c.stderr}`);
  w.tmpfs = true;
  return null;
}

/** Unmounts w's tmpfs (after its server stopped). */
export function unmountTmpfs(w) {
  if (w?.tmpfs) sh('umount', ['-l', w.dir]);
  if (w) w.tmpfs = false;
}

/** Fills w's tmpfs with a file leaving about `left` bytes free. */
export function fill(w, left = 0) {
  const st = fs.statfsSync(w.dir);
  const n = Math.max(0, Number(st.bavail) * Number(st.bsize) - left);
  const fd = fs.openSync(path.join(w.dir, 'filler'), 'w');
  const chunk = Buffer.alloc(1 << 20, 1);
  let done = 0;
  try {
    while (done < n) done += fs.writeSync(fd, chunk, 0, Math.min(chunk.length, n - done));
  } catch (e) {
    if (e.code !== 'ENOSPC') throw e;
  }
  fs.closeSync(fd);
}

/** Removes the filler: space is free again. */
export function free(w) {
  fs.rmSync(path.join(w.dir, 'filler'), { force: true });
}
