/**
 * Reads the paper's model files (tiny-training *.pkl): a zip holding `<dir>/data.pkl`, a protocol-2
 * pickle of dicts, lists, tuples, numbers, strings and numpy arrays. Nothing in the file is executed;
 * any problem is reported as a ModelFileError.
 */
import { show } from '../limits.ts';
import { ModelFileError } from './errors.ts';
import { numpyHooks } from './numpy.ts';
import { unpickle, type PyValue } from './pickle.ts';
import { DEFAULT_MAX_ENTRY_BYTES, listZipEntries, readZipEntry, type ZipEntry } from './zip.ts';

export { ModelFileError } from './errors.ts';
export { isNdArray, type NdArray, type NdDType } from './numpy.ts';
export type { PyValue } from './pickle.ts';

export interface ReadOptions {
  /** Cap on the pickle size and, separately, on the bytes of arrays and strings it produces. Default 64 MB. */
  maxBytes?: number;
}

/** Decodes a model file. Dicts are null-prototype objects, tuples and lists are arrays, int keys are stringified. */
export function readTorchPickleZip(bytes: Uint8Array, options: ReadOptions = {}): PyValue {
  if (!(bytes instanceof Uint8Array)) throw new ModelFileError('model file: expected the file contents as a Uint8Array');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  try {
    const entry = findDataPkl(listZipEntries(bytes));
    const pickle = readZipEntry(bytes, entry, maxBytes);
    return unpickle(pickle, numpyHooks, { source: entry.name, maxOutputBytes: maxBytes });
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    // Should not happen; if it does, still report it as a bad model file rather than crash the caller.
    throw new ModelFileError(`model file: unexpected error while reading: ${(e as Error)?.message ?? e}`, undefined, { cause: e });
  }
}

/** torch.save names the folder after the file, so accept `archive/data.pkl` or any single `<dir>/data.pkl`. */
function findDataPkl(entries: ZipEntry[]): ZipEntry {
  const exact = entries.find((e) => e.name === 'archive/data.pkl');
  if (exact) return exact;
  const found = entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (found.length === 1) return found[0];
  if (found.length > 1) throw new ModelFileError(`zip: several data.pkl entries (${found.map((e) => e.name).join(', ')}), cannot tell which to read`);
  const names = entries.slice(0, 10).map((e) => show(e.name)).join(', ');
  throw new ModelFileError(`zip: no <dir>/data.pkl entry in the archive (entries: ${names || 'none'}${entries.length > 10 ? ', ...' : ''})`);
}
