// IndexedDB, in a few lines of our own: settings, households, forms, the outbox of visits and their photos.
const DB_NAME = "gocua";
const STORES = ["kv", "households", "forms", "outbox", "photos"];
let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => { for (const name of STORES) request.result.createObjectStore(name); };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opening;
}

function run(storeName, mode, work) {
  return open().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    const store = tx.objectStore(storeName);
    let result;
    const request = work(store);
    if (request) request.onsuccess = () => { result = request.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  }));
}

export const get = (store, key) => run(store, "readonly", (s) => s.get(key));
export const put = (store, key, value) => run(store, "readwrite", (s) => s.put(value, key));
export const del = (store, key) => run(store, "readwrite", (s) => s.delete(key));
export const all = (store) => run(store, "readonly", (s) => s.getAll());
export const clear = (store) => run(store, "readwrite", (s) => s.clear());

/** Write many entries in one transaction (a page of synced households). */
export function putMany(storeName, entries) {
  return run(storeName, "readwrite", (s) => { for (const [key, value] of entries) s.put(value, key); return null; });
}

export function deleteMany(storeName, keys) {
  return run(storeName, "readwrite", (s) => { for (const key of keys) s.delete(key); return null; });
}
