import { ref } from 'vue'
import { changesDuringLoad } from '@/stores/duringLoad'

/**
 * What a page shows from a load it may ask again (on mount, after a save, when a filter or the
 * shown record changes), and the changes the page makes to it meanwhile:
 * - `loaded` turns true with the first answer: before it the page offers no list, no "nothing
 *   here" and no form adding to the list (a policy created before the answer came was dropped
 *   by it, seen on CI);
 * - only the newest load's answer is put: an older, slower one (filters changed twice quickly,
 *   another record chosen, a reload after a save overtaking the first load) is dropped, and so
 *   is its failure;
 * - `noted(change)` makes a change the server confirmed (a create, edit, delete) and makes it
 *   again on top of the answer of a load under way, which may predate it (``duringLoad.ts``);
 *   so a change must be harmless to repeat: replace by id or add, remove by id.
 * Errors are left to the caller (useSubmit's `run`, a toast, a quiet catch).
 */
export function useLoad() {
  const loaded = ref(false)
  const changes = changesDuringLoad()
  let asked = 0

  /** Fetch and `put` the answer, unless another load was asked meanwhile (then false). */
  async function load<T>(fetch: () => Promise<T>, put: (answer: T) => void): Promise<boolean> {
    const mine = ++asked
    return changes.during(async (replay) => {
      let answer: T
      try {
        answer = await fetch()
      } catch (err) {
        if (mine !== asked) return false
        throw err
      }
      if (mine !== asked) return false
      put(answer)
      replay()
      loaded.value = true
      return true
    })
  }

  /** Drop the answers of the loads under way (what they would show is no longer asked for). */
  function drop(): void {
    asked++
  }

  return { loaded, load, drop, noted: changes.noted }
}
