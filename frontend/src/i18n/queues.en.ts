// English strings of the queues (the `queues` namespace): team tabs, another team's queue,
// the list's order, escalation alerts. Merged over the base messages by queues.ts; the Russian
// file has the same keys.
const en = {
  queues: {
    teamTab: 'Queue of the team {team}',
    otherTeam: 'Another team’s queue',
    pickTeam: 'Team…',
    newEscalations: 'no new escalations | {n} new escalation | {n} new escalations',
    sort: {
      label: 'Order',
      waiting: 'Waiting longest',
      newest: 'Newest first',
      priority: 'By priority',
      due: 'SLA due soonest',
    },
    escalated: {
      title: 'Escalated to {team}',
      body: '{name}: {reason}',
    },
  },
}

export default en
