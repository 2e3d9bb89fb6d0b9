/**
 * localStorage with a namespace per inbox and an in-memory fallback when storage is
 * blocked (Safari private mode, third-party storage disabled). Values are JSON.
 */
export interface KV {
  get<T>(key: string): T | null;
  set(key: string, value: unknown): void;
  remove(key: string): void;
}

export function memoryKV(): KV & { dump(): Record<string, string> } {
  const data = new Map<string, string>();
  return {
    get<T>(key: string): T | null {
      const raw = data.get(key);
      return raw === undefined ? null : (JSON.parse(raw) as T);
    },
    set(key, value) {
      data.set(key, JSON.stringify(value));
    },
    remove(key) {
      data.delete(key);
    },
    dump: () => Object.fromEntries(data),
  };
}

export function createKV(namespace: string, backing?: Storage | null): KV {
  let storage: Storage | null = null;
  try {
    storage = backing === undefined ? globalThis.localStorage : backing;
    if (storage) {
      const probe = `${namespace}:probe`;
      storage.setItem(probe, '1');
      storage.removeItem(probe);
    }
  } catch {
    storage = null;
  }
  const fallback = memoryKV();
  if (!storage) return fallback;
  const s = storage;
  const full = (key: string): string => `${namespace}:${key}`;
  return {
    get<T>(key: string): T | null {
      try {
        const raw = s.getItem(full(key));
        return raw === null ? null : (JSON.parse(raw) as T);
      } catch {
        return fallback.get<T>(key);
      }
    },
    set(key, value) {
      try {
        s.setItem(full(key), JSON.stringify(value));
      } catch {
        fallback.set(key, value); // quota exceeded: keep it for this page at least
      }
    },
    remove(key) {
      try {
        s.removeItem(full(key));
      } catch {
        /* ignore */
      }
      fallback.remove(key);
    },
  };
}
