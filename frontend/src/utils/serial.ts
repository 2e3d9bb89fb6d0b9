/**
 * Run jobs one after another per key (e.g. per conversation): writes are sent in the order the
 * operator made them, and their answers, which carry the whole object, arrive in that order too.
 * A failed job does not stop the ones queued after it.
 */
export function serialQueue<K>() {
  const chains = new Map<K, Promise<unknown>>()
  return function run<T>(key: K, job: () => Promise<T>): Promise<T> {
    const next = (chains.get(key) ?? Promise.resolve()).catch(() => undefined).then(job)
    chains.set(key, next)
    const done = () => {
      if (chains.get(key) === next) chains.delete(key)
    }
    next.then(done, done)
    return next
  }
}
