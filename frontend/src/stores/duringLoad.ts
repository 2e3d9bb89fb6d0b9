type Change = () => void

/**
 * Changes (live frames, the user's own saves) that arrive while a list is loading: the load's
 * answer may predate them, so they are made again on top of it instead of being overwritten
 * by it. `during(load)` runs a load; `noted(change)` records a change made meanwhile (and
 * makes it now); the load calls `replay()` once it has put its answer in place.
 */
export function changesDuringLoad() {
  const open = new Set<Change[]>()

  async function during<R>(load: (replay: () => void) => Promise<R>): Promise<R> {
    const arrived: Change[] = []
    open.add(arrived)
    try {
      return await load(() => arrived.forEach((change) => change()))
    } finally {
      open.delete(arrived)
    }
  }

  function noted(change: Change): void {
    for (const arrived of open) arrived.push(change)
    change()
  }

  return { during, noted }
}
