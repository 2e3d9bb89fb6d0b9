// @mentions in private notes, as the server reads them (src/otklik/conversations/mentions.py):
// `@` and an operator's full name, any case; not right after a letter or digit (an address);
// the name ends where a word ends; the longest name that fits wins.

export interface Person {
  id: number
  name: string
}

export type NoteSegment = { text: string } | { text: string; person: Person }

const WORD = /[\p{L}\p{N}]/u

/** The note cut into plain text and mentions (for showing mentions as links). */
export function mentionSegments(text: string, people: Person[]): NoteSegment[] {
  if (!text.includes('@')) return [{ text }]
  const named = people.filter((p) => p.name.trim()).sort((a, b) => b.name.length - a.name.length)
  const folded = text.toLocaleLowerCase()
  const out: NoteSegment[] = []
  let plainFrom = 0
  let at = folded.indexOf('@')
  while (at >= 0) {
    let next = at + 1
    if (at === 0 || !WORD.test(folded[at - 1]!)) {
      for (const person of named) {
        const name = person.name.toLocaleLowerCase()
        const end = at + 1 + name.length
        if (folded.startsWith(name, at + 1) && (end === folded.length || !WORD.test(folded[end]!))) {
          if (at > plainFrom) out.push({ text: text.slice(plainFrom, at) })
          out.push({ text: text.slice(at, end), person })
          plainFrom = end
          next = end
          break
        }
      }
    }
    at = folded.indexOf('@', next)
  }
  if (plainFrom < text.length) out.push({ text: text.slice(plainFrom) })
  return out
}

/** The people a note mentions, once each. */
export function mentionsIn(text: string, people: Person[]): Person[] {
  const found = new Map<number, Person>()
  for (const s of mentionSegments(text, people)) if ('person' in s) found.set(s.person.id, s.person)
  return [...found.values()]
}

// The same keys on the two layouts: "@Fyyf" typed with the wrong layout on means "@Анна".
const QWERTY = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
const JCUKEN = 'йцукенгшщзхъфывапролджэячсмитьбюё'
const TO_RU = new Map([...QWERTY].map((c, i) => [c, JCUKEN[i]!]))
const TO_EN = new Map([...JCUKEN].map((c, i) => [c, QWERTY[i]!]))

function swapLayout(query: string, map: Map<string, string>): string {
  return [...query].map((c) => map.get(c) ?? c).join('')
}

/**
 * Colleagues for the `@` being typed: any word of the name starts with the query (any case,
 * ё as е), also when the query was typed with the other keyboard layout on.
 */
export function matchPeople<T extends Person>(people: T[], query: string): T[] {
  const norm = (s: string) => s.toLocaleLowerCase().replaceAll('ё', 'е')
  const q = norm(query.trim())
  if (!q) return people
  const variants = [q, norm(swapLayout(q, TO_RU)), norm(swapLayout(q, TO_EN))]
  const starts = (p: T) => {
    const name = norm(p.name)
    const words = name.split(/\s+/)
    return variants.some((v) => name.startsWith(v) || words.some((w) => w.startsWith(v)))
  }
  return people.filter(starts)
}

/** The `@query` the caret is in: after the start or white space, letters and inner spaces. */
export interface AtToken {
  start: number
  end: number
  query: string
}

export function findAtToken(text: string, caret: number): AtToken | null {
  const before = text.slice(0, caret)
  const at = before.lastIndexOf('@')
  if (at < 0) return null
  if (at > 0 && !/\s|[(«"]/.test(before[at - 1]!)) return null
  const query = before.slice(at + 1)
  // a name of up to three words; a line break or punctuation ends it
  if (!/^[\p{L}\p{N}'’.-]*( [\p{L}\p{N}'’.-]*){0,2}$/u.test(query) || query.length > 60) return null
  let end = caret
  while (end < text.length && /[\p{L}\p{N}]/u.test(text[end]!)) end++
  return { start: at, end, query }
}
