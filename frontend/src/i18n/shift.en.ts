// English strings of the `shift` namespace (empty variables, @mentions). Merged over the base
// messages by shift.ts; the Russian file has the same keys.
const en = {
  shift: {
    noFallback: 'Without a fallback, {variables} may come out empty for an anonymous visitor; the operator is warned before sending. A fallback: {example}',
    gaps: {
      title: 'A variable of the canned answer is empty here: fill in the gap or rephrase.',
      held: 'Still empty: press Enter again to send as it is, or fill in the gap.',
      show: 'Show',
    },
  },
}

export default en
