import { onBeforeUnmount, onMounted, type Ref } from 'vue'

/** Close a popover on a click outside `root` or on Escape. */
export function useDismiss(root: Ref<HTMLElement | null>, isOpen: () => boolean, close: () => void): void {
  function onPointer(ev: Event): void {
    if (!isOpen()) return
    const el = root.value
    if (el && ev.target instanceof Node && !el.contains(ev.target)) close()
  }
  function onKey(ev: KeyboardEvent): void {
    if (isOpen() && ev.key === 'Escape') {
      ev.stopPropagation()
      close()
    }
  }
  onMounted(() => {
    document.addEventListener('pointerdown', onPointer, true)
    document.addEventListener('keydown', onKey, true)
  })
  onBeforeUnmount(() => {
    document.removeEventListener('pointerdown', onPointer, true)
    document.removeEventListener('keydown', onKey, true)
  })
}
