// Lists of short words typed one by one or pasted with commas: skills, tags, list options.

export interface TagRules {
  /** Tags and skills are stored lower case by the server. */
  lower?: boolean
  max?: number
  maxLength?: number
}

/** Split what was typed at commas (and new lines) into clean words. */
export function splitTags(text: string, rules: TagRules = {}): string[] {
  return text
    .split(/[,\n;]/)
    .map((s) => s.trim())
    .map((s) => (rules.lower ? s.toLowerCase() : s))
    .filter((s) => s.length > 0)
    .map((s) => (rules.maxLength ? s.slice(0, rules.maxLength) : s))
}

/** The list with the typed words added at the end, without duplicates, up to `max`. */
export function addTags(list: readonly string[], text: string, rules: TagRules = {}): string[] {
  const next = [...list]
  for (const tag of splitTags(text, rules)) {
    if (next.includes(tag)) continue
    if (rules.max !== undefined && next.length >= rules.max) break
    next.push(tag)
  }
  return next
}

export function removeTag(list: readonly string[], tag: string): string[] {
  return list.filter((t) => t !== tag)
}
