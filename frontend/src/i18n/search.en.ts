// English strings of the workspace search (the `search` namespace). Merged over the base
// messages by search.ts; the Russian file has the same keys.
const en = {
  search: {
    open: 'Search',
    openHint: 'Search conversations, contacts and canned answers (/ or Ctrl+K)',
    title: 'Search',
    placeholder: 'Words, "an exact phrase", an order number or an email',
    label: 'Search for',
    hint: 'Word forms are found too: “заказов” finds “заказ”, “refunds” finds “refund”.',
    searching: 'Searching…',
    nothing: 'Nothing found.',
    failed: 'Search failed: {message}',
    more: 'More matches: refine the query or the filters.',
    note: 'note',
    kinds: {
      messages: 'Messages',
      contacts: 'Contacts',
      canned: 'Canned answers',
      articles: 'Knowledge base',
    },
    filters: {
      toggle: 'Filters',
      hint: 'Filters apply to conversations: contacts and canned answers are then not searched.',
      status: 'Status',
      inbox: 'Inbox',
      team: 'Team',
      assignee: 'Assignee',
      tag: 'Tag',
      channel: 'Channel',
      from: 'From',
      to: 'To',
      any: 'Any',
      clear: 'Clear filters',
    },
    channels: {
      widget: 'Site chat',
      email: 'Email',
      telegram: 'Telegram',
      api: 'API',
    },
    conversation: 'Conversation #{id}',
    openContact: 'Open the latest conversation',
    openArticle: 'Open the article in the knowledge base',
    noConversation: 'This contact has no conversation you can see.',
  },
}

export default en
