// English strings of email subjects and the customer card's visitor details (the `card`
// namespace). Merged over the base messages by card.ts; the Russian file has the same keys.
const en = {
  card: {
    subject: 'Subject',
    subjectHint: 'The reply goes with this subject; changing it renames the conversation.',
    verified: 'Verified',
    verifiedHint: 'Your site vouched for this user (a signed user id) since {date}.',
    visitor: {
      title: 'Visitor',
      page: 'On the page',
      history: 'Pages before',
      browser: 'Browser',
      os: 'System',
      device: 'Device',
      language: 'Language',
      localTime: 'Local time',
      timezone: '{time} ({zone})',
      city: 'City',
      phone: 'Phone',
      none: 'The widget has not reported anything yet.',
    },
    other: {
      title: 'Other conversations',
      none: 'No other conversations.',
      channel: {
        widget: 'Site chat',
        email: 'Email',
        telegram: 'Telegram',
        api: 'API',
      },
    },
  },
}

export default en
