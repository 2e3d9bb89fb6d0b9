import { ref } from 'vue'

function hasFiles(ev: DragEvent): boolean {
  return Array.from(ev.dataTransfer?.types ?? []).includes('Files')
}

/**
 * Files dropped on an element or pasted into it: `dragging` is true while files hover over
 * it (to show a drop hint); text that is dragged or pasted is left to the browser.
 */
export function useFileDrop(take: (files: File[]) => void) {
  const dragging = ref(false)
  let depth = 0 // dragenter/dragleave also fire for every child element

  function onDragenter(ev: DragEvent): void {
    if (!hasFiles(ev)) return
    ev.preventDefault()
    depth++
    dragging.value = true
  }

  function onDragover(ev: DragEvent): void {
    if (!hasFiles(ev)) return
    ev.preventDefault()
    if (ev.dataTransfer) ev.dataTransfer.dropEffect = 'copy'
  }

  function onDragleave(ev: DragEvent): void {
    if (!hasFiles(ev)) return
    depth = Math.max(0, depth - 1)
    if (depth === 0) dragging.value = false
  }

  function onDrop(ev: DragEvent): void {
    const files = Array.from(ev.dataTransfer?.files ?? [])
    depth = 0
    dragging.value = false
    if (!files.length) return
    ev.preventDefault()
    take(files)
  }

  /** A pasted screenshot or copied file; text in the clipboard is pasted as usual. */
  function onPaste(ev: ClipboardEvent): void {
    const data = ev.clipboardData
    const files = Array.from(data?.files ?? [])
    if (!files.length) return
    if (!data?.types.includes('text/plain')) ev.preventDefault()
    take(files)
  }

  return { dragging, onDragenter, onDragover, onDragleave, onDrop, onPaste }
}
