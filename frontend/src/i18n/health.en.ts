// English strings of channel health (the `health` namespace): an inbox's state in the
// channel settings and the admins' banner. Merged over the base messages by health.ts.
const en = {
  health: {
    title: 'Channel state',
    state: {
      connected: 'Connected',
      failing: 'Failing',
      off: 'Off',
    },
    failingSince: 'Failing since {time}',
    lastError: 'Last error',
    lastErrorAt: 'Last error, {time}',
    recovers: 'The state follows the channel’s own attempts: once an attempt works again, it turns back to “connected” by itself.',
    banner: 'The channel “{name}” has been failing since {time}: {error}',
    open: 'Open its settings',
  },
}

export default en
