// Run order of automation rules: by position, then id. Moving a rule renumbers the list in
// steps of ten, so equal positions (all rules start at 0) still move.

export interface Positioned {
  id: number
  position: number
}

export const TIME_TRIGGERS = ['no_operator_reply', 'no_customer_reply'] as const

export function isTimeTrigger(type: string): boolean {
  return (TIME_TRIGGERS as readonly string[]).includes(type)
}

export function sortRules<T extends Positioned>(rules: readonly T[]): T[] {
  return [...rules].sort((a, b) => a.position - b.position || a.id - b.id)
}

/** The position a new rule gets: after all others. */
export function nextPosition(rules: readonly Positioned[]): number {
  return rules.length ? Math.max(...rules.map((r) => r.position)) + 10 : 0
}

/** The position changes that move rule `index` (in run order) by `delta`; [] when it cannot move. */
export function moveRule(rules: readonly Positioned[], index: number, delta: number): Positioned[] {
  const sorted = sortRules(rules)
  const target = index + delta
  if (index < 0 || index >= sorted.length || target < 0 || target >= sorted.length) return []
  const [moved] = sorted.splice(index, 1)
  sorted.splice(target, 0, moved!)
  return sorted
    .map((r, i) => ({ id: r.id, position: i * 10 }))
    .filter((p) => rules.find((r) => r.id === p.id)?.position !== p.position)
}
