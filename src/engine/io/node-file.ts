/**
 * Node-only: the user's files and folders, read and written with the checks every path from outside
 * needs. A file is opened first (non-blocking, so a FIFO cannot hang the open) and then checked on
 * its descriptor (fstat: a regular file, not a device, FIFO, socket or folder; its size within the
 * cap), so what is checked is what is read; reading stops past the cap whatever the size claimed
 * (files under /proc claim 0 bytes). Errors are InputErrors, one sentence naming the file and what
 * is wrong, never an errno text. The browser reads files through File objects instead.
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, statSync, writeSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../input-error.ts';
import { formatLimit } from '../limits.ts';

const ERRNO: Record<string, string> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of its path is not a folder',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'its path has too many symbolic links (a loop?)',
  EEXIST: 'it already exists',
  EIO: 'the disk reported an input/output error',
  ENXIO: 'it is a FIFO or device with nothing at the other end',
  EMFILE: 'too many files are open',
  ENFILE: 'too many files are open',
  EBUSY: 'it is busy',
  ETXTBSY: 'it is a program being run',
  EFBIG: 'the file would be too large',
  EINVAL: 'the operation is not valid for it',
};

/** An error from node:fs as one sentence: "cannot read model file x.pkl: permission denied". */
export function fsError(e: unknown, action: string, path: string): InputError {
  if (e instanceof InputError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code ?? '';
  const why = code === 'ENOENT' && action.startsWith('create') ? 'its parent folder does not allow it'
    : ERRNO[code] ?? `the system refused it${code ? ` (${code})` : ''}`;
  return new InputError(`cannot ${action} ${path}: ${why}`, { cause: e });
}

/** What a non-regular file is, for messages. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export interface ReadOptions {
  /** What the file is, for messages: "model file", "scheme file". */
  what: string;
  maxBytes: number;
}

/** Reads a whole regular file of at most maxBytes; refuses anything else in one sentence. */
export function readUserFile(path: string, { what, maxBytes }: ReadOptions): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw fsError(e, `read ${what}`, path);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(`${what} ${path} is ${kindOf(st)}, not a regular file`);
    if (st.size > maxBytes) throw new InputError(`${what} ${path} is ${formatLimit(st.size)}, more than the ${formatLimit(maxBytes)} a ${what} may have`);
    // Read up to one byte past the cap, whatever the size said (a file may grow, /proc files claim 0).
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(Math.min(Math.max(st.size - total, 64 * 1024), maxBytes + 1 - total));
      if (chunk.length === 0) break;
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
    }
    if (total > maxBytes) throw new InputError(`${what} ${path} is more than the ${formatLimit(maxBytes)} a ${what} may have`);
    if (chunks.length === 1 && chunks[0].byteOffset === 0 && chunks[0].length === chunks[0].buffer.byteLength) return chunks[0];
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  } catch (e) {
    throw fsError(e, `read ${what}`, path);
  } finally {
    closeSync(fd);
  }
}

/** Reads a regular text file (UTF-8; a byte-order mark is dropped). */
export function readUserText(path: string, opts: ReadOptions): string {
  const bytes = readUserFile(path, opts);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${opts.what} ${path} is not UTF-8 text`);
  }
  return text.replace(/^\ufeff/, '');
}

/** The type of what is at `path` without following a final symlink's target into a hang: null when nothing is there. */
function statOrNull(path: string, action: string): Stats | null {
  try {
    return statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fsError(e, action, path);
  }
}

/**
 * Makes sure `dir` is a folder, creating it and its missing parents one at a time (Node's recursive
 * mkdir loops forever on paths such as /proc/x, where mkdir keeps saying ENOENT).
 */
export function ensureFolder(dir: string, what: string): void {
  const st = statOrNull(dir, `use ${what}`);
  if (st) {
    if (!st.isDirectory()) throw new InputError(`${what} ${dir} is ${kindOf(st)}, not a folder`);
    return;
  }
  const parent = dirname(dir);
  if (parent !== dir) ensureFolder(parent, what);
  try {
    mkdirSync(dir);
  } catch (e) {
    throw fsError(e, `create ${what}`, dir);
  }
}

/**
 * Writes a whole regular file (created or replaced). Something other than a regular file at the
 * path (a folder, a device, a FIFO) is refused before anything is written.
 */
export function writeUserFile(path: string, data: Uint8Array | string, what: string): void {
  const st = statOrNull(path, `write ${what}`);
  if (st && !st.isFile()) throw new InputError(`${what} ${path} is ${kindOf(st)}, not a regular file to write`);
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NONBLOCK, 0o644);
  } catch (e) {
    throw fsError(e, `write ${what}`, path);
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw new InputError(`${what} ${path} is ${kindOf(opened)}, not a regular file to write`);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
  } catch (e) {
    throw fsError(e, `write ${what}`, path);
  } finally {
    closeSync(fd);
  }
}
