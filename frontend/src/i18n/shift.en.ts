// English strings of the `shift` namespace (empty variables, @mentions). Merged over the base
// messages by shift.ts; the Russian file has the same keys.
const en = {
  shift: {
    noFallback: 'Without a fallback, {variables} may come out empty for an anonymous visitor; the operator is warned before sending. A fallback: {example}',
    mentions: {
      title: 'Mentions',
      unread: 'Unread ({n})',
      all: 'All',
      readAll: 'Mark all read',
      none: 'Nobody has mentioned you in a note yet.',
      noneUnread: 'No unread mentions.',
      loadError: 'Could not load the mentions.',
      from: '{name} in conversation No. {id}',
      someone: 'A colleague',
      notify: '{name} mentioned you in a note',
      more: 'Older',
      pickerLabel: 'Colleagues to mention',
      pickerNone: 'No colleague named “{query}”.',
      pickerKeys: '↑ ↓ to choose, Enter or Tab to insert, Esc to close',
      linkTitle: 'Write to {name}',
    },
    gaps: {
      title: 'A variable of the canned answer is empty here: fill in the gap or rephrase.',
      held: 'Still empty: press Enter again to send as it is, or fill in the gap.',
      show: 'Show',
    },
  },
}

export default en
