import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useDraftsStore } from '@/stores/drafts'

describe('drafts', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })

  it('keeps text and mode per conversation', () => {
    const drafts = useDraftsStore()
    drafts.load(1)
    drafts.setText(10, 'hello')
    drafts.setText(11, 'other')
    drafts.setMode(11, 'note')
    expect(drafts.get(10)).toEqual({ text: 'hello', mode: 'reply' })
    expect(drafts.get(11)).toEqual({ text: 'other', mode: 'note' })
    expect(drafts.get(12)).toEqual({ text: '', mode: 'reply' })
  })

  it('survives a reload', () => {
    const drafts = useDraftsStore()
    drafts.load(1)
    drafts.setText(10, 'unsent')
    setActivePinia(createPinia())
    const again = useDraftsStore()
    again.load(1)
    expect(again.get(10).text).toBe('unsent')
  })

  it('clearText keeps note mode and drops empty reply drafts', () => {
    const drafts = useDraftsStore()
    drafts.load(1)
    drafts.setMode(10, 'note')
    drafts.setText(10, 'x')
    drafts.clearText(10)
    expect(drafts.get(10)).toEqual({ text: '', mode: 'note' })
    drafts.setText(11, 'y')
    drafts.clearText(11)
    expect(Object.keys(drafts.drafts)).toEqual(['10'])
  })

  it('does not mix operators', () => {
    const drafts = useDraftsStore()
    drafts.load(1)
    drafts.setText(10, 'mine')
    drafts.load(2)
    expect(drafts.get(10).text).toBe('')
  })
})
