// English strings of the operator's conversation tools (canned answers, routing, tags,
// priority, macros, merge, attributes, bulk actions). Deep-merged over en.ts by
// conversation-tools.ts; the Russian file has exactly the same keys (a unit test checks it).
const en = {
  tools: {
    cancel: 'Cancel',
    canned: {
      label: 'Canned answers',
      none: 'No canned answers yet.',
      noMatch: 'No canned answer matches “{query}”.',
      loadError: 'Could not load the canned answers.',
      keys: '↑ ↓ to choose, Enter or Tab to insert, Esc to close',
      useFailed: 'Could not insert the canned answer: {message}',
    },
    escalate: {
      open: 'Escalate',
      title: 'Escalate to another line',
      team: 'Team',
      nextLine: 'Next line (chosen automatically)',
      reason: 'Reason',
      reasonHint: 'What the next line should know — only colleagues see it',
      reasonRequired: 'Say why you escalate.',
      handBack: 'Return it to me after the 2nd line answers',
      submit: 'Escalate',
      done: 'The conversation is escalated.',
    },
    handBack: {
      open: 'Hand back',
      title: 'Hand back',
      lead: 'The conversation goes back to {name} with your note.',
      nobody: 'the first line',
      reason: 'Escalated because: {reason}',
      note: 'Note for your colleague',
      noteRequired: 'Write a note for your colleague.',
      submit: 'Hand back',
      done: 'Handed back to {name}.',
    },
    transfer: {
      open: 'Transfer',
      title: 'Transfer the conversation',
      target: 'To',
      pick: 'Choose an operator or a team',
      targetRequired: 'Choose whom to transfer to.',
      note: 'Note (optional, only colleagues see it)',
      submit: 'Transfer',
      done: 'The conversation is transferred.',
    },
    routing: {
      teamTitle: 'Team: {name}',
      queued: 'In queue',
      queuedSince: 'Waiting in the team’s queue since {time}',
    },
    priority: {
      label: 'Priority',
      low: 'Low',
      normal: 'Normal',
      high: 'High',
      urgent: 'Urgent',
    },
    tags: {
      label: 'Tags',
      placeholder: 'Add a tag…',
      add: 'Add tag',
      remove: 'Remove the tag “{tag}”',
    },
    macros: {
      open: 'Macros',
      empty: 'No macros yet.',
      loadError: 'Could not load the macros.',
      running: 'running…',
      steps: 'no steps | {n} step | {n} steps',
      done: 'Macro “{name}” applied.',
      failedOne: 'No. {id}: {message}',
    },
    merge: {
      open: 'Merge into this one',
      question: 'Move the messages of No. {from} into No. {into} and close No. {from}? This cannot be undone.',
      confirm: 'Merge',
      done: 'No. {from} is merged into No. {into}.',
      movedTo: 'No. {from} was merged into No. {into}.',
    },
    attributes: {
      conversation: 'Conversation attributes',
      unset: '—',
      notANumber: 'Enter a number.',
    },
    bulk: {
      label: 'Bulk actions',
      selectOne: 'Select the conversation with {name}',
      selected: 'nothing selected | {n} selected | {n} selected',
      selectAll: 'Select all',
      clear: 'Clear',
      assign: 'Assign…',
      assignMe: 'To me',
      tag: 'Tag to add',
      addTag: 'Add tag',
      done: 'nothing changed | {n} conversation updated | {n} conversations updated',
      failed: 'Nothing was changed: {message}',
    },
    list: {
      botPrefix: 'Bot:',
      moreTags: '+{n}',
    },
    message: {
      system: 'System',
      systemNote: 'System note',
      automatic: 'Automatic',
    },
  },
  // additions to namespaces of en.ts
  shortcuts: {
    select: 'Select the conversation for bulk actions',
    slash: 'Canned answers: open the list in the reply box',
  },
  contact: {
    attributes: 'Customer attributes',
  },
  reply: {
    keysHint: 'Enter to send, Shift+Enter for a new line, / for canned answers',
  },
}

export default en
