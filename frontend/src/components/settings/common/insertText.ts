/** Put `snippet` at the caret of a text field (or at the end) and return the new value. */
export function insertAt(el: HTMLTextAreaElement | HTMLInputElement | null, value: string, snippet: string): string {
  const start = el?.selectionStart ?? value.length
  const end = el?.selectionEnd ?? value.length
  const next = value.slice(0, start) + snippet + value.slice(end)
  if (el) {
    const caret = start + snippet.length
    requestAnimationFrame(() => {
      el.focus()
      el.setSelectionRange(caret, caret)
    })
  }
  return next
}
