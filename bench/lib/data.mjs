// Benchmark data: cached random files, trees of small files, big folders, and on-disk verification.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

const CHUNK = 16 << 20;

/** sha256 of a file, streamed. */
export async function sha256File(file) {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      h.update(n === CHUNK ? buf : buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/**
 * A file of `size` random bytes in `dir`, written once and reused by later runs
 * (with its sha256 in a side file). Returns { file, size, sha256 }.
 */
export async function cachedRandomFile(dir, name, size, log) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${size}.bin`);
  const meta = `${file}.sha256`;
  try {
    const st = fs.statSync(file);
    const [sum, mtime] = fs.readFileSync(meta, 'utf8').trim().split(' ');
    if (st.size === size && String(Math.floor(st.mtimeMs)) === mtime && /^[0-9a-f]{64}$/.test(sum)) return { file, size, sha256: sum };
  } catch { /* make it */ }
  log(`creating ${file} (${(size / 2 ** 20).toFixed(0)} MiB of random data, once)`);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  const h = crypto.createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  try {
    for (let left = size; left > 0;) {
      const n = Math.min(CHUNK, left);
      const part = buf.subarray(0, n);
      crypto.randomFillSync(part);
      h.update(part);
      fs.writeSync(fd, part);
      left -= n;
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const sum = h.digest('hex');
  fs.writeFileSync(meta, `${sum} ${Math.floor(fs.statSync(file).mtimeMs)}\n`);
  return { file, size, sha256: sum };
}

/** Puts `from` at `to`: a hard link when possible (same file system), else a copy. */
export function placeFile(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.rmSync(to, { force: true });
  try {
    fs.linkSync(from, to);
    return 'link';
  } catch {
    fs.copyFileSync(from, to);
    fs.chmodSync(to, 0o644);
    return 'copy';
  }
}

/**
 * A tree of `files` random files of `fileSize` bytes: 10 folders, each with 10
 * subfolders, the files spread evenly over the 100 leaves (d03/e07/f0012.bin).
 * Returns the manifest: sorted [relativePath, size] of files, and the folders.
 */
export function makeTree(root, files, fileSize) {
  fs.rmSync(root, { recursive: true, force: true });
  const manifest = { files: [], dirs: [] };
  const leaves = [];
  for (let d = 0; d < 10; d++) {
    for (let e = 0; e < 10; e++) leaves.push(`d${String(d).padStart(2, '0')}/e${String(e).padStart(2, '0')}`);
  }
  const used = new Set();
  for (let i = 0; i < files; i++) {
    const leaf = leaves[i % leaves.length];
    const rel = `${leaf}/f${String(i).padStart(4, '0')}.bin`;
    const dir = path.join(root, leaf);
    if (!used.has(leaf)) {
      fs.mkdirSync(dir, { recursive: true });
      used.add(leaf);
    }
    fs.writeFileSync(path.join(root, rel), crypto.randomBytes(fileSize), { mode: 0o644 });
    manifest.files.push([rel, fileSize]);
  }
  for (const leaf of used) {
    manifest.dirs.push(leaf.split('/')[0], leaf);
  }
  manifest.dirs = [...new Set(manifest.dirs)].sort();
  manifest.files.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return manifest;
}

/** Walks a folder on disk: { files: [[rel, size]], dirs: [rel] }, sorted. */
export function walk(root) {
  const out = { files: [], dirs: [] };
  const rec = (rel) => {
    for (const ent of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) {
        out.dirs.push(r);
        rec(r);
      } else {
        out.files.push([r, fs.lstatSync(path.join(root, r)).size]);
      }
    }
  };
  rec('');
  out.files.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  out.dirs.sort();
  return out;
}

/** Compares a copied tree on disk with the source manifest (names and sizes). */
export function verifyTree(root, manifest) {
  if (!fs.existsSync(root)) return { ok: false, detail: `${root} does not exist` };
  const got = walk(root);
  const want = new Map(manifest.files);
  const have = new Map(got.files);
  const missing = [...want.keys()].filter((k) => !have.has(k));
  const extra = [...have.keys()].filter((k) => !want.has(k));
  const wrong = [...want.entries()].filter(([k, s]) => have.has(k) && have.get(k) !== s).map(([k]) => k);
  const missingDirs = manifest.dirs.filter((d) => !got.dirs.includes(d));
  if (missing.length || extra.length || wrong.length || missingDirs.length) {
    const show = (l) => `${l.length}${l.length ? ` (${l.slice(0, 3).join(', ')}${l.length > 3 ? ', ...' : ''})` : ''}`;
    return { ok: false, detail: `missing ${show(missing)}, extra ${show(extra)}, wrong size ${show(wrong)}, missing folders ${show(missingDirs)}` };
  }
  return { ok: true, detail: `${got.files.length} files, sizes match, ${got.dirs.length} folders` };
}

/** Size and sha256 of a copied file against the source's. */
export async function verifyFile(file, size, sha256, { hash = true } = {}) {
  let st;
  try { st = fs.statSync(file); } catch { return { ok: false, detail: `${file} does not exist` }; }
  if (st.size !== size) return { ok: false, detail: `size ${st.size}, expected ${size}` };
  if (!hash) return { ok: true, detail: `size ${size}` };
  const sum = await sha256File(file);
  if (sum !== sha256) return { ok: false, detail: `sha256 ${sum.slice(0, 12)}..., expected ${sha256.slice(0, 12)}...` };
  return { ok: true, detail: `size and sha256 match (${sum.slice(0, 12)}...)` };
}

/** Free bytes on the file system holding `dir`. */
export function freeBytes(dir) {
  const st = fs.statfsSync(dir);
  return st.bavail * st.bsize;
}

/**
 * A tree of `files` x `fileSize` random files in `cacheDir`, made once (see makeTree)
 * and reused while its manifest file is there. Returns { root, manifest }.
 */
export function cachedTree(cacheDir, files, fileSize, log) {
  const root = path.join(cacheDir, `tree-${files}x${fileSize}`);
  const mf = `${root}.manifest.json`;
  try {
    const manifest = JSON.parse(fs.readFileSync(mf, 'utf8'));
    if (manifest.files.length === files && manifest.files.every(([rel, s]) => fs.statSync(path.join(root, rel)).size === s)) return { root, manifest };
  } catch { /* make it */ }
  log(`creating ${root} (${files} random files of ${fileSize} bytes, once)`);
  fs.rmSync(mf, { force: true });
  const manifest = makeTree(root, files, fileSize);
  fs.writeFileSync(mf, JSON.stringify(manifest));
  return { root, manifest };
}

/** Puts a cached tree at `to` (hard links, else copies), owned by uid:gid. */
export function placeTree(fromRoot, manifest, to, uid, gid) {
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(to, { recursive: true, mode: 0o755 });
  fs.chownSync(to, uid, gid);
  for (const d of manifest.dirs) {
    fs.mkdirSync(path.join(to, d), { recursive: true, mode: 0o755 });
    fs.chownSync(path.join(to, d), uid, gid);
  }
  for (const [rel] of manifest.files) {
    placeFile(path.join(fromRoot, rel), path.join(to, rel));
    fs.chownSync(path.join(to, rel), uid, gid);
  }
}
