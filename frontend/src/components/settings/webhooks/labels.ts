// i18n keys of webhook events and delivery states (an event name has dots, a key path may not).

export function eventLabelKey(event: string): string {
  return `setup.webhooks.eventHelp.${event.replace(/\./g, '_')}`
}

export function stateLabelKey(state: string): string {
  return `setup.webhooks.states.${['pending', 'success', 'failed'].includes(state) ? state : 'pending'}`
}
