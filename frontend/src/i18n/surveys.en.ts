// English strings of surveys (the `surveys` namespace). Merged over the base messages by
// surveys.ts; the Russian file has the same keys.
const en = {
  surveys: {
    settings: {
      title: 'Surveys',
      lead: 'What a customer is asked after a conversation is resolved, in the chat widget, by email or in Telegram.',
      inbox: 'Inbox',
      noInboxes: 'No widget, email or Telegram inbox yet.',
      csat: 'CSAT: rate the help from 1 to 5, with an optional comment',
      nps: 'NPS: how likely to recommend us, 0 to 10',
      npsInterval: 'Ask a customer at most once in (days)',
      ces: 'CES: how easy it was, 1 to 7',
      expires: 'A survey can be answered for (hours)',
      texts: 'Questions (leave empty for the default)',
      russian: 'Russian',
      english: 'English',
      save: 'Save',
      saved: 'Saved',
    },
    kind: { csat: 'CSAT', nps: 'NPS', ces: 'CES' },
    action: { kind: 'Which survey' },
    card: {
      title: 'Surveys',
      score: '{kind}: {score} of {top}',
      waiting: '{kind}: no answer yet',
      send: 'Send CSAT survey',
      sent: 'Survey sent',
    },
  },
}

export default en
