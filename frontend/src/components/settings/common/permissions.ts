// Who may create and change scoped items (canned answers, macros): the client-side mirror of
// src/otklik/scripts/scopes.py, used to show only the buttons and scopes that will work.
import type { Scope } from '@/api/settings-types'
import type { Agent, Role } from '@/api/types'

export const SCOPES: readonly Scope[] = ['personal', 'team', 'global']

/** personal for everyone, team for supervisors and admins, global for admins. */
export function scopesFor(role: Role | undefined): Scope[] {
  if (role === 'admin') return ['personal', 'team', 'global']
  if (role === 'supervisor') return ['personal', 'team']
  return ['personal']
}

export function canEdit(me: Agent | null, item: { scope: Scope; owner_id: number | null }): boolean {
  if (!me) return false
  if (item.scope === 'global') return me.role === 'admin'
  if (item.scope === 'team') return me.role === 'admin' || me.role === 'supervisor'
  return item.owner_id === me.id
}
