// English strings of mail on messages: forwarded mail, the full original, notes and returned
// replies (the `mail` namespace). Merged over the base messages by mail.ts; the Russian file
// has the same keys.
const en = {
  mail: {
    showOriginal: 'Show the full original',
    hideOriginal: 'Hide the full original',
    original: 'The whole mail as received, with the quoted text and the signature',
    forwarded: 'Forwarded mail',
    from: 'From',
    subject: 'Subject',
    date: 'Date',
    noSubject: '(no subject)',
    notes: {
      signed: 'Signed mail (S/MIME or PGP); Otklik shows the content but does not check the signature.',
      encrypted: 'Encrypted mail; Otklik does not decrypt it. The encrypted original is attached.',
      over_limit: 'This mail is too large or too deeply nested to show. It is attached whole as original.eml.',
      truncated: 'The text of this mail is too long: here is its beginning, and the whole mail is attached as original.eml.',
    },
    notDelivered: 'Not delivered: {reason}',
    notDeliveredHint: 'The recipient’s mail server returned this reply.',
    automatic: {
      bounce: 'A reply was not delivered ({sender}): {reason}',
      automatic: 'Automatic mail from {sender} ({reason}), not answered: {subject}',
    },
  },
}

export default en
