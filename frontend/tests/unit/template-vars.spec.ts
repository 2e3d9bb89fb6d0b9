import { describe, expect, it } from 'vitest'
import { ref } from 'vue'
import { useReplyGaps } from '@/composables/useReplyGaps'
import { findGap, gapAt, parseTemplate, withoutFallback } from '@/utils/templateVars'

describe('template variables with a fallback', () => {
  it('reads the short and the long fallback, in either quotes and any language', () => {
    const tags = parseTemplate(
      `Hello {{contact.name | "there"}}, {{ contact.first_name|'клиент' }} {{agent.name | default: "Анна"}} {{inbox.name}}`,
    )
    expect(tags.map((t) => [t.path, t.fallback])).toEqual([
      ['contact.name', 'there'],
      ['contact.first_name', 'клиент'],
      ['agent.name', 'Анна'],
      ['inbox.name', null],
    ])
    expect(tags[0]!.start).toBe(6)
    expect(tags[0]!.end).toBe('Hello {{contact.name | "there"}}'.length)
  })

  it('keeps an empty fallback apart from none, and leaves out what is not a variable', () => {
    expect(parseTemplate('{{contact.email | ""}}')[0]!.fallback).toBe('')
    expect(parseTemplate('{{ contact.name | upcase }} {{}} {{ name }} { x }')).toEqual([])
  })

  it('lists the variables without a fallback once', () => {
    expect(withoutFallback('{{contact.name}} {{contact.name}} {{contact.email | "—"}} {{agent.name}}')).toEqual([
      'contact.name',
      'agent.name',
    ])
  })

  it('finds a gap while the words around it are untouched, and loses it once filled', () => {
    const text = "Hello ! I'm Анна"
    const gap = gapAt(text, 'contact.name', 6)
    expect(gap).toEqual({ variable: 'contact.name', before: 'Hello ', after: "! I'm Анна" })
    expect(findGap(text, gap)).toBe(6)
    expect(findGap('Привет. ' + text, gap)).toBe(14)
    expect(findGap("Hello Ivan! I'm Анна", gap)).toBe(-1)
  })

  it('holds the first send while a gap is open, then lets it go', () => {
    const text = ref("Hello ! I'm Анна")
    const gaps = useReplyGaps(text)
    gaps.track(0, [{ variable: 'contact.name', at: 6 }])
    expect(gaps.open.value.map((g) => [g.variable, g.at])).toEqual([['contact.name', 6]])
    expect(gaps.mayBeSent()).toBe(false)
    expect(gaps.held.value).toBe(true)
    expect(gaps.mayBeSent()).toBe(true)
    text.value = "Hello Ivan! I'm Анна"
    expect(gaps.open.value).toEqual([])
  })
})
