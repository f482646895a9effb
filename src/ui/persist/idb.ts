/** A tiny IndexedDB wrapper: one database, a store of projects by id and a store of settings. */
const DB_NAME = 'tinytrain-studio';
const DB_VERSION = 1;
const PROJECTS = 'projects';
const META = 'meta';

let dbPromise: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  dbPromise ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(PROJECTS)) db.createObjectStore(PROJECTS, { keyPath: 'id' });
      if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB is not available'));
  });
  return dbPromise;
}

function run<T>(store: string, mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  return open().then((db) => new Promise<T>((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const req = op(tx.objectStore(store));
    tx.oncomplete = () => resolve(req.result as T);
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  }));
}

export const idb = {
  getAll: <T>() => run<T[]>(PROJECTS, 'readonly', (s) => s.getAll()),
  get: <T>(id: string) => run<T | undefined>(PROJECTS, 'readonly', (s) => s.get(id)),
  put: <T>(value: T) => run<IDBValidKey>(PROJECTS, 'readwrite', (s) => s.put(value)),
  delete: (id: string) => run<undefined>(PROJECTS, 'readwrite', (s) => s.delete(id)),
  getMeta: <T>(key: string) => run<T | undefined>(META, 'readonly', (s) => s.get(key)),
  putMeta: (key: string, value: unknown) => run<IDBValidKey>(META, 'readwrite', (s) => s.put(value, key)),
};
