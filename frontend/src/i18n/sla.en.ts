// English strings of SLA deadlines (the `sla` namespace). Merged over the base messages by
// sla.ts; the Russian file has the same keys.
const en = {
  sla: {
    chip: {
      left: '{time} left',
      overdue: 'Overdue by {time}',
      title: 'SLA: {target}',
    },
    target: {
      first_response: 'first response',
      next_response: 'next response',
      resolution: 'resolution',
      ola_response: '2nd line response (OLA)',
      ola_resolution: '2nd line resolution (OLA)',
    },
  },
}

export default en
