import { ref } from 'vue'
import { defineStore } from 'pinia'

/** Live changes of the team calendar (`workforce.schedule_changed`,
 * `workforce.request_changed`): counters the calendar and the requests list watch, so they
 * refetch when a lead or a colleague changes something. */
export const useWorkforceStore = defineStore('workforce', () => {
  const scheduleVersion = ref(0)
  const requestsVersion = ref(0)

  function scheduleChanged(): void {
    scheduleVersion.value += 1
  }

  function requestChanged(): void {
    requestsVersion.value += 1
  }

  return { scheduleVersion, requestsVersion, scheduleChanged, requestChanged }
})
