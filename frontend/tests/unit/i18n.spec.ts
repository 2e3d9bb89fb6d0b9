import { describe, expect, it } from 'vitest'
import en from '@/i18n/en'
import ru from '@/i18n/ru'
import { i18n, russianPlural } from '@/i18n'

type Tree = { [k: string]: string | Tree }

function keys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [prefix + k] : keys(v, `${prefix}${k}.`)))
}

// every source file as text, through Vite (no Node APIs needed in the browser-typed tests)
const SOURCES = import.meta.glob<string>('/src/**/*.{vue,ts}', { query: '?raw', import: 'default', eager: true })
const files = () => Object.keys(SOURCES)
const read = (file: string) => SOURCES[file] ?? ''

describe('i18n', () => {
  it('Russian and English have the same keys', () => {
    expect(keys(ru as unknown as Tree).sort()).toEqual(keys(en as unknown as Tree).sort())
    // with every file merged in (src/i18n/*.en.ts / *.ru.ts)
    const merged = (l: 'en' | 'ru') => keys(i18n.global.getLocaleMessage(l) as unknown as Tree).sort()
    expect(merged('ru')).toEqual(merged('en'))
  })

  it('every key used in the code exists (dynamic keys by their static prefix)', () => {
    expect(files().length).toBeGreaterThan(40)
    const all = new Set(keys(i18n.global.getLocaleMessage('en') as unknown as Tree))
    const missing: string[] = []
    for (const file of files()) {
      const text = read(file)
      for (const m of text.matchAll(/\bt\((['`])([^'`]+)\1/g)) {
        const key = m[2]!
        if (key.includes('${')) {
          const prefix = key.slice(0, key.indexOf('${'))
          if (![...all].some((k) => k.startsWith(prefix))) missing.push(`${file}: ${key}`)
        } else if (!all.has(key)) missing.push(`${file}: ${key}`)
      }
    }
    expect(missing).toEqual([])
  })

  it('no component renders user text as HTML', () => {
    const offenders = files().filter((f) => f.endsWith('.vue') && read(f).includes('v-html'))
    expect(offenders).toEqual([])
  })

  it('templates have no bare text outside of vue-i18n', () => {
    const offenders: string[] = []
    for (const file of files().filter((f) => f.endsWith('.vue'))) {
      const template = read(file).match(/<template>([\s\S]*)<\/template>/)?.[1] ?? ''
      const text = template
        .replace(/<!--[\s\S]*?-->/g, '')
        .replace(/\{\{[\s\S]*?\}\}/g, '')
        .replace(/<(?:[^>"']|"[^"]*"|'[^']*')*>/g, '\n')
      for (const line of text.split('\n')) {
        const s = line.trim()
        // keyboard keys and symbols are not words
        if (s && /\p{L}{2,}/u.test(s) && !/^(Enter|Shift|Esc)$/.test(s)) offenders.push(`${file}: ${s}`)
      }
    }
    expect(offenders).toEqual([])
  })

  it('Russian plural forms', () => {
    const forms = (n: number) => russianPlural(n, 4)
    expect([0, 1, 2, 5, 11, 21, 22, 25, 111].map(forms)).toEqual([0, 1, 2, 3, 3, 1, 2, 3, 3])
    i18n.global.locale.value = 'ru'
    expect(i18n.global.t('list.unread', 3)).toBe('3 непрочитанных сообщения')
    expect(i18n.global.t('list.unread', 21)).toBe('21 непрочитанное сообщение')
    i18n.global.locale.value = 'en'
    expect(i18n.global.t('list.unread', 1)).toBe('1 unread message')
  })
})
