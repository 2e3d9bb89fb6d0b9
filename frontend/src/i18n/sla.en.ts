// English strings of SLA deadlines (the `sla` namespace). Merged over the base messages by
// sla.ts; the Russian file has the same keys.
const en = {
  sla: {
    targets: {
      title: 'SLA targets',
      dueAt: 'due {time}',
      pausedLeft: '{time} left',
      metLate: 'late',
    },
    state: {
      running: 'running',
      paused: 'paused',
      breached: 'missed',
      met: 'met',
      stopped: 'stopped',
    },
    settings: {
      title: 'SLA',
      lead: 'Business calendars: working hours in a time zone, a country’s official holidays and transferred working days.',
      calendars: 'Calendars',
      noCalendars: 'No calendars yet: targets count round the clock (24/7).',
      officialOf: 'official calendar: {country}',
      name: 'Name',
      timezone: 'Time zone',
      country: 'Holidays',
      noCountry: 'None',
      russia: 'Russia (production calendar)',
      weekdays: 'Monday to Friday',
      create: 'Add calendar',
      yearTitle: 'Holidays and special days of',
      totals: '{days} working days, {hours} working hours',
      kind: {
        closed: 'Day off',
        working: 'Working day',
        shortened: 'Shortened day',
      },
    },
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
