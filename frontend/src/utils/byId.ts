/** Put `item` in `list` in place of the one with its id, or add it at the end. */
export function upsertById<T extends { id: number }>(list: T[], item: T): void {
  const idx = list.findIndex((x) => x.id === item.id)
  if (idx >= 0) list[idx] = item
  else list.push(item)
}

/** Take the item with this id out of `list` (nothing when it is not there). */
export function removeById<T extends { id: number }>(list: T[], id: number): void {
  const idx = list.findIndex((x) => x.id === id)
  if (idx >= 0) list.splice(idx, 1)
}
