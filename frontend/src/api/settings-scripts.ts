// Endpoints behind the settings pages of issue 5 (docs/api.md, "Scripts" and the routing fields).
import { API_PREFIX, ApiError, NetworkError, csrfToken, request } from './http'
import type { Items } from './types'
import type {
  AgentRouting,
  AttributeDefinition,
  AttributeDefinitionInput,
  AttributeEntity,
  CannedAnswer,
  CannedAnswerInput,
  CannedQuery,
  ImportResult,
  InboxFull,
  InboxSettingsFull,
  Macro,
  MacroInput,
  MacroRunResult,
  OnConflict,
  Rule,
  RuleInput,
  RuleTestResult,
  Scope,
  TeamLine,
} from './settings-types'

export const routing = {
  updateAgent: (id: number, body: { max_concurrent?: number; skills?: string[] }) =>
    request<AgentRouting>('PATCH', `/agents/${id}`, { body }),
  updateTeam: (
    id: number,
    body: { name?: string; agent_ids?: number[]; line?: number; escalates_to_id?: number | null },
  ) => request<TeamLine>('PATCH', `/teams/${id}`, { body }),
  listInboxes: () => request<Items<InboxFull>>('GET', '/inboxes'),
  updateInbox: (id: number, body: { name?: string; team_id?: number | null; settings?: Partial<InboxSettingsFull> }) =>
    request<InboxFull>('PATCH', `/inboxes/${id}`, { body }),
}

export const canned = {
  list: (q: CannedQuery = {}) =>
    request<Items<CannedAnswer>>('GET', '/canned-answers', { query: { limit: 500, ...q } }),
  categories: () => request<Items<string>>('GET', '/canned-answers/categories'),
  create: (body: CannedAnswerInput) => request<CannedAnswer>('POST', '/canned-answers', { body }),
  update: (id: number, body: Partial<CannedAnswerInput>) =>
    request<CannedAnswer>('PATCH', `/canned-answers/${id}`, { body }),
  remove: (id: number) => request<void>('DELETE', `/canned-answers/${id}`),
  /** A plain link: the browser downloads the CSV with the session cookie. */
  exportUrl: (scope?: Scope | '') =>
    `${API_PREFIX}/canned-answers/export` + (scope ? `?scope=${encodeURIComponent(scope)}` : ''),
  /** The file's bytes as they are: the server reads UTF-8 (with or without BOM) or Windows-1251. */
  importCsv: (file: Blob, onConflict: OnConflict) =>
    postCsv<ImportResult>(`/canned-answers/import?on_conflict=${onConflict}`, file),
}

export const macros = {
  list: () => request<Items<Macro>>('GET', '/macros'),
  create: (body: MacroInput) => request<Macro>('POST', '/macros', { body }),
  update: (id: number, body: Partial<MacroInput>) => request<Macro>('PATCH', `/macros/${id}`, { body }),
  remove: (id: number) => request<void>('DELETE', `/macros/${id}`),
  run: (id: number, conversationIds: number[]) =>
    request<{ results: MacroRunResult[] }>('POST', `/macros/${id}/run`, {
      body: { conversation_ids: conversationIds },
    }),
}

export const rules = {
  list: () => request<Items<Rule>>('GET', '/automation-rules'),
  create: (body: RuleInput) => request<Rule>('POST', '/automation-rules', { body }),
  update: (id: number, body: Partial<RuleInput>) => request<Rule>('PATCH', `/automation-rules/${id}`, { body }),
  remove: (id: number) => request<void>('DELETE', `/automation-rules/${id}`),
  test: (id: number, conversationId: number) =>
    request<RuleTestResult>('POST', `/automation-rules/${id}/test`, { body: { conversation_id: conversationId } }),
}

export const attributeDefinitions = {
  list: (entity?: AttributeEntity) =>
    request<Items<AttributeDefinition>>('GET', '/attribute-definitions', { query: { entity } }),
  create: (body: AttributeDefinitionInput) => request<AttributeDefinition>('POST', '/attribute-definitions', { body }),
  update: (id: number, body: { label?: string; options?: string[] }) =>
    request<AttributeDefinition>('PATCH', `/attribute-definitions/${id}`, { body }),
  remove: (id: number) => request<void>('DELETE', `/attribute-definitions/${id}`),
}

/** POST a raw CSV body (request() in http.ts speaks JSON only). */
async function postCsv<T>(path: string, body: Blob): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'text/csv' }
  const token = csrfToken()
  if (token) headers['X-CSRF-Token'] = token
  let res: Response
  try {
    res = await fetch(API_PREFIX + path, { method: 'POST', headers, credentials: 'same-origin', body })
  } catch {
    throw new NetworkError()
  }
  const data: unknown = await res.json().catch(() => null)
  if (!res.ok) {
    const err = (data as { error?: { code?: unknown; message?: unknown } } | null)?.error
    throw new ApiError(
      res.status,
      typeof err?.code === 'string' ? err.code : `http_${res.status}`,
      typeof err?.message === 'string' ? err.message : res.statusText || `HTTP ${res.status}`,
    )
  }
  return data as T
}
