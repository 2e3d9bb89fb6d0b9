// The settings sections and who may open them. Admins see everything; supervisors and
// operators manage their canned answers and macros (team items: supervisors) and their own
// sign-in security.

export const SECTIONS = [
  { name: 'agents', adminOnly: true },
  { name: 'teams', adminOnly: true },
  { name: 'inboxes', adminOnly: true },
  { name: 'webhooks', adminOnly: true },
  { name: 'canned', adminOnly: false },
  { name: 'macros', adminOnly: false },
  { name: 'kb', adminOnly: false },
  { name: 'rules', adminOnly: true },
  { name: 'attributes', adminOnly: true },
  { name: 'sla', adminOnly: true },
  { name: 'surveys', adminOnly: true },
  { name: 'tokens', adminOnly: true },
  { name: 'security', adminOnly: false },
] as const

export type SectionName = (typeof SECTIONS)[number]['name']

/** For the route path: `/settings/:section(agents|teams|…)?`. */
export const SECTION_PATTERN = SECTIONS.map((s) => s.name).join('|')

export function sectionsFor(isAdmin: boolean): SectionName[] {
  return SECTIONS.filter((s) => isAdmin || !s.adminOnly).map((s) => s.name)
}

/** May a non-admin open this section (none given means the admin-only default)? */
export function openToEveryone(section: unknown): boolean {
  return SECTIONS.some((s) => s.name === section && !s.adminOnly)
}

export function sectionOf(param: unknown, isAdmin: boolean): SectionName {
  const allowed = sectionsFor(isAdmin)
  return allowed.find((s) => s === param) ?? allowed[0]!
}
