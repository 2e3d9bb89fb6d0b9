// The variables of canned answers (src/otklik/scripts/templates.py): `{{ contact.name }}`,
// with an optional fallback `{{ contact.name | "клиент" }}` (or `| default: "клиент"`).
// The server fills them in; the workspace reads templates to warn an author about variables
// without a fallback, and follows the gaps an empty variable left in a reply being written.

export interface TemplateTag {
  /** where the `{{` starts and after the `}}` ends */
  start: number
  end: number
  path: string
  /** the fallback text, or null when the tag has none */
  fallback: string | null
}

const TAG = /\{\{([\s\S]*?)\}\}/g
const INNER = /^\s*([a-z_]+(?:\.[a-z0-9_]+)+)\s*(?:\|\s*(?:default\s*:\s*)?(?:"([^"]*)"|'([^']*)')\s*)?$/

/** The variable tags of a template; a tag the server would refuse is left out. */
export function parseTemplate(template: string): TemplateTag[] {
  const tags: TemplateTag[] = []
  for (const match of template.matchAll(TAG)) {
    const inner = INNER.exec(match[1] ?? '')
    if (!inner) continue
    const fallback = inner[2] ?? inner[3] ?? null
    tags.push({ start: match.index, end: match.index + match[0].length, path: inner[1]!, fallback })
  }
  return tags
}

/** Variables used without a fallback: a customer with no such value gets a gap. */
export function withoutFallback(template: string): string[] {
  return [...new Set(parseTemplate(template).filter((t) => t.fallback === null).map((t) => t.path))]
}

/** A gap an empty variable left in a reply: the text around it, to find it while it is edited. */
export interface TextGap {
  variable: string
  before: string
  after: string
}

const CONTEXT = 16

/** The gap at `at` (UTF-16 offset, as the server reports it) in `text`. */
export function gapAt(text: string, variable: string, at: number): TextGap {
  return { variable, before: text.slice(Math.max(0, at - CONTEXT), at), after: text.slice(at, at + CONTEXT) }
}

/**
 * Where the gap is in `text` now, or -1 once the operator filled it (or deleted the words
 * around it): the words before and after it still touch each other.
 */
export function findGap(text: string, gap: TextGap): number {
  if (!gap.before && !gap.after) return -1
  const at = text.indexOf(gap.before + gap.after)
  return at < 0 ? -1 : at + gap.before.length
}
