// Importing contacts or companies from CSV or XLSX and exporting them, for admins
// (src/otklik/contacts/transfer_api.py, docs/api.md).
import { API_PREFIX, request } from './http'

export type ImportState = 'queued' | 'running' | 'done' | 'failed'
/** What a file's rows are. */
export type ImportKind = 'contacts' | 'companies'

export interface RowError {
  /** 1 is the first row after the header. */
  row: number
  column: string | null
  message: string
}

export interface ContactImport {
  id: number
  state: ImportState
  kind: ImportKind
  dry_run: boolean
  filename: string | null
  mapping: Record<string, string>
  total: number
  done: number
  created: number
  updated: number
  unchanged: number
  failed: number
  errors: RowError[]
  created_at: string
  finished_at: string | null
}

/** The fields a column may be mapped to (besides `attribute:<key>`). */
export const IMPORT_FIELDS = [
  'name',
  'email',
  'emails',
  'phone',
  'phones',
  'tags',
  'language',
  'timezone',
  'company',
  'external_id',
] as const

/** The fields a company file's column may be mapped to (besides `attribute:<key>`). */
export const COMPANY_FIELDS = ['name', 'domains', 'external_id'] as const

/** The fields of a kind of import. */
export function importFields(kind: ImportKind): readonly string[] {
  return kind === 'companies' ? COMPANY_FIELDS : IMPORT_FIELDS
}

/** An XLSX workbook (its header row is read by the server), not a CSV text. */
export function isWorkbook(file: File): boolean {
  return file.name.toLowerCase().endsWith('.xlsx')
}

export const contactImports = {
  start: (file: File, mapping: Record<string, string>, dryRun: boolean, kind: ImportKind = 'contacts') => {
    const form = new FormData()
    form.append('file', file, file.name)
    form.append('mapping', JSON.stringify(mapping))
    form.append('dry_run', dryRun ? 'true' : 'false')
    form.append('kind', kind)
    return request<ContactImport>('POST', '/contacts/imports', { form })
  },
  /** The columns of a file's header row (an XLSX file's first sheet). */
  columns: (file: File) => {
    const form = new FormData()
    form.append('file', file, file.name)
    return request<{ columns: string[] }>('POST', '/contacts/imports/columns', { form })
  },
  get: (id: number) => request<ContactImport>('GET', `/contacts/imports/${id}`),
}

/** A plain link to an export (the session cookie authorises it). */
export function exportUrl(what: 'contacts' | 'companies', format: 'csv' | 'xlsx'): string {
  return `${API_PREFIX}/${what}/export?format=${format}`
}

/** The columns of a CSV file's header row (comma, semicolon or tab separated). */
export function headerColumns(firstLine: string): string[] {
  const line = firstLine.replace(/^\ufeff/, '').replace(/\r$/, '')
  const separator = [';', '\t', ','].reduce((best, s) =>
    line.split(s).length > line.split(best).length ? s : best,
  )
  return line
    .split(separator)
    .map((c) => c.trim().replace(/^"(.*)"$/, '$1'))
    .filter((c) => c !== '')
}

/** A first guess of a column's field from its name ('' = not imported). */
export function guessField(column: string, kind: ImportKind = 'contacts'): string {
  const key = column.toLowerCase().replace(/[^a-z_]/g, '')
  const aliases: Record<string, string> = {
    mail: 'email',
    tel: 'phone',
    telephone: 'phone',
    id: 'external_id',
    ...(kind === 'companies' ? { company: 'name', domain: 'domains', website: 'domains', site: 'domains' } : {}),
  }
  const field = aliases[key] ?? key
  return importFields(kind).includes(field) ? field : ''
}
