// Thin fetch wrapper: JSON in/out, the CSRF header for cookie-authenticated writes,
// one error type for API answers and one for "the network is not there".

export const API_PREFIX = '/api/v1'
export const CSRF_COOKIE = 'otklik_csrf'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export class NetworkError extends Error {
  constructor(message = 'network') {
    super(message)
    this.name = 'NetworkError'
  }
}

type Query = Record<string, string | number | null | undefined>

let csrfFallback: string | null = null
let onUnauthorized: (() => void) | null = null

/** Remember the CSRF token from the login answer in case the cookie is not readable. */
export function setCsrfFallback(token: string | null): void {
  csrfFallback = token
}

/** Called when an authenticated request answers 401 (session ended elsewhere). */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler
}

export function readCookie(name: string): string | null {
  if (typeof document === 'undefined') return null
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim())
  }
  return null
}

export function csrfToken(): string | null {
  return readCookie(CSRF_COOKIE) ?? csrfFallback
}

function buildUrl(path: string, query?: Query): string {
  let url = API_PREFIX + path
  if (query) {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(query)) {
      if (value !== null && value !== undefined && value !== '') params.set(key, String(value))
    }
    const qs = params.toString()
    if (qs) url += '?' + qs
  }
  return url
}

async function parseError(res: Response): Promise<ApiError> {
  let code = 'http_' + res.status
  let message = res.statusText || code
  try {
    const body: unknown = await res.json()
    if (body && typeof body === 'object' && 'error' in body) {
      const err = (body as { error: { code?: unknown; message?: unknown } }).error
      if (typeof err.code === 'string') code = err.code
      if (typeof err.message === 'string') message = err.message
    }
  } catch {
    // not JSON: keep the status text
  }
  return new ApiError(res.status, code, message)
}

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** a multipart body (file uploads); the browser sets its Content-Type with the boundary */
  form?: FormData
  signal?: AbortSignal
  /** do not call the global 401 handler (login, the first /auth/me) */
  quiet401?: boolean
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && method !== 'HEAD') {
    const token = csrfToken()
    if (token) headers['X-CSRF-Token'] = token
  }
  let res: Response
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.form ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
      signal: opts.signal,
    })
  } catch {
    throw new NetworkError()
  }
  if (!res.ok) {
    const err = await parseError(res)
    if (res.status === 401 && !opts.quiet401 && onUnauthorized) onUnauthorized()
    throw err
  }
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export function isNetworkError(err: unknown): err is NetworkError {
  return err instanceof NetworkError
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError || err instanceof NetworkError) return err.message
  if (err instanceof Error) return err.message
  return String(err)
}
