// What the phone keeps: its device id and secret, and its two non-extractable keys. IndexedDB stores a CryptoKey
// as the browser's own object, so the private halves never exist as bytes this script could read or send.

const DB = 'latchkey';
const STORE = 'device';
const KEY = 'this-phone';

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

/** { deviceId, deviceSecret, protection, signingKey: CryptoKey, sealingKey: CryptoKey } or undefined. */
export const loadDevice = () => run('readonly', (store) => store.get(KEY));
export const saveDevice = (device) => run('readwrite', (store) => store.put(device, KEY));
export const forgetDevice = () => run('readwrite', (store) => store.delete(KEY));
