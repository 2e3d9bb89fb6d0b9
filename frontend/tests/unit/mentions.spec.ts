import { describe, expect, it } from 'vitest'
import { findAtToken, matchPeople, mentionSegments, mentionsIn } from '@/utils/mentions'

const PEOPLE = [
  { id: 1, name: 'Анна' },
  { id: 2, name: 'Анна Петрова' },
  { id: 3, name: 'Boris Ivanov' },
  { id: 4, name: 'Ян' },
]

describe('mentions in notes', () => {
  it('reads mentions as the server does', () => {
    expect(mentionsIn('@Анна Петрова, посмотри', PEOPLE).map((p) => p.id)).toEqual([2])
    expect(mentionsIn('@анна и @boris ivanov!', PEOPLE).map((p) => p.id)).toEqual([1, 3])
    expect(mentionsIn('anna@Анна.ru', PEOPLE)).toEqual([])
    expect(mentionsIn('@Янина', PEOPLE)).toEqual([])
    expect(mentionsIn('(@Ян)', PEOPLE).map((p) => p.id)).toEqual([4])
  })

  it('cuts a note into text and links', () => {
    expect(mentionSegments('Hi @Ян, see', PEOPLE)).toEqual([
      { text: 'Hi ' },
      { text: '@Ян', person: PEOPLE[3] },
      { text: ', see' },
    ])
    expect(mentionSegments('no one', PEOPLE)).toEqual([{ text: 'no one' }])
  })

  it('offers colleagues by any word of the name, in either alphabet and keyboard layout', () => {
    const names = (q: string) => matchPeople(PEOPLE, q).map((p) => p.id)
    expect(names('ан')).toEqual([1, 2])
    expect(names('пет')).toEqual([2])
    expect(names('iva')).toEqual([3])
    expect(names('Fyy')).toEqual([1, 2]) // «Анн» typed with the English layout on
    expect(names('ищк')).toEqual([3]) // «bor» typed with the Russian layout on
    expect(names('')).toEqual([1, 2, 3, 4])
  })

  it('finds the @ being typed', () => {
    expect(findAtToken('привет @Ан', 10)).toEqual({ start: 7, end: 10, query: 'Ан' })
    expect(findAtToken('@Анна Пе', 8)).toEqual({ start: 0, end: 8, query: 'Анна Пе' })
    expect(findAtToken('mail a@b', 8)).toBeNull()
    expect(findAtToken('@Анна, привет', 13)).toBeNull()
    expect(findAtToken('no at', 5)).toBeNull()
  })
})
