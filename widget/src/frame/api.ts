/** HTTP client for the visitor endpoints of docs/api.md. The frame runs on the API's origin. */
import type { SiteIdentity } from '../shared/bridge';
import type { Lang } from '../shared/i18n';
import type { Attachment, Message, QueueInfo, Session, WidgetConfig } from './types';

/** The server answered with an error body `{"error": {"code", "message"}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** No answer at all: offline, DNS, timeout, connection reset. Always worth retrying. */
export class NetworkError extends Error {
  constructor(message = 'network error') {
    super(message);
    this.name = 'NetworkError';
  }
}

/** Errors after which the same request may succeed later (keep the message queued). */
export function isRetryable(err: unknown): boolean {
  if (err instanceof NetworkError) return true;
  if (err instanceof ApiError) return err.status >= 500 || err.status === 429 || err.status === 408;
  return false;
}

export interface SessionBody {
  inbox_key: string;
  name?: string;
  email?: string;
  visitor_token?: string;
  /** The language the widget UI uses; routing matches operators by it. */
  language?: Lang;
  /** The site's signed-in user (docs/channels.md). */
  identity?: SiteIdentity;
}

/** The offline form: contact + message, answered later by email. */
export interface OfflineBody {
  inbox_key: string;
  name?: string;
  email: string;
  text: string;
  client_msg_id: string;
  visitor_token?: string;
  language?: Lang;
  identity?: SiteIdentity;
}

export interface Api {
  config(inboxKey: string): Promise<WidgetConfig>;
  session(body: SessionBody): Promise<Session>;
  messages(token: string, after?: number): Promise<{ items: Message[] }>;
  send(token: string, body: SendBody): Promise<Message>;
  offline(body: OfflineBody): Promise<Session>;
  queue(token: string): Promise<QueueInfo>;
  /** Upload one file (multipart `file`); `progress` gets 0…1 while it goes. */
  upload(token: string, file: Blob, name: string, progress?: (done: number) => void): Promise<Attachment>;
  /** An attachment's bytes (the visitor authenticates with a header, so no plain `src`). */
  file(token: string, url: string): Promise<Blob>;
  /** Mail a one-time code to `email` (202 whether or not the address is known). */
  askCode(token: string, email: string, language: Lang): Promise<{ expires_at: string }>;
  /** The mailed code: the visitor joins the contact with that address (a new session). */
  confirmCode(token: string, code: string): Promise<Session>;
  /** What the customer card shows of the visitor (frame/visit.ts). */
  visit(token: string, body: VisitBody): Promise<void>;
}

export interface VisitBody {
  pages: { url: string; title: string; at: number }[];
  language?: string;
  timezone?: string;
  phone?: string;
}

export interface SendBody {
  client_msg_id: string;
  text: string;
  attachment_ids?: number[];
}

/** An error body's parts, or a generic one. */
function apiError(status: number, payload: unknown, fallback: string): ApiError {
  const err = (payload as { error?: { code?: string; message?: string } } | null)?.error;
  return new ApiError(status, err?.code ?? 'http_' + status, err?.message ?? fallback);
}

/** XHR, not fetch: only XHR reports upload progress. */
function xhrUpload(url: string, token: string, file: Blob, name: string, progress?: (done: number) => void): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', url);
    x.setRequestHeader('Authorization', `Bearer ${token}`);
    x.responseType = 'json';
    x.upload.onprogress = (e) => e.lengthComputable && progress?.(e.loaded / e.total);
    x.onload = () => (x.status === 201 ? resolve(x.response as Attachment) : reject(apiError(x.status, x.response, x.statusText)));
    x.onerror = x.ontimeout = () => reject(new NetworkError('upload failed'));
    const form = new FormData();
    form.append('file', file, name);
    x.send(form);
  });
}

export function createApi(base = '/api/v1', fetchImpl: typeof fetch = (...a) => fetch(...a), timeoutMs = 15000): Api {
  async function request<T>(method: string, path: string, opts: { body?: unknown; token?: string } = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = ctrl ? setTimeout(() => ctrl.abort(), timeoutMs) : null;
    let res: Response;
    try {
      res = await fetchImpl(base + path, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        credentials: 'omit',
        cache: 'no-store',
        signal: ctrl?.signal,
      });
    } catch (e) {
      throw new NetworkError(e instanceof Error ? e.message : String(e));
    } finally {
      if (timer) clearTimeout(timer);
    }
    let payload: unknown = null;
    try {
      if (res.status !== 204) payload = await res.json();
    } catch {
      if (res.ok) throw new NetworkError('bad response body');
    }
    if (!res.ok) throw apiError(res.status, payload, res.statusText);
    return payload as T;
  }

  return {
    config: (inboxKey) => request('GET', `/widget/config?inbox_key=${encodeURIComponent(inboxKey)}`),
    session: (body) => request('POST', '/widget/sessions', { body }),
    messages: (token, after) =>
      request('GET', `/widget/messages${after === undefined ? '' : `?after=${after}`}`, { token }),
    send: (token, body) => request('POST', '/widget/messages', { body, token }),
    offline: (body) => request('POST', '/widget/offline', { body }),
    queue: (token) => request('GET', '/widget/queue', { token }),
    askCode: (token, email, language) => request('POST', '/widget/identity/email', { body: { email, language }, token }),
    confirmCode: (token, code) => request('POST', '/widget/identity/confirm', { body: { code }, token }),
    visit: (token, body) => request('POST', '/widget/visit', { body, token }),
    upload: (token, file, name, progress) => xhrUpload(base + '/widget/attachments', token, file, name, progress),
    file: async (token, url) => {
      let res: Response;
      try {
        res = await fetchImpl(url, { headers: { Authorization: `Bearer ${token}` }, credentials: 'omit' });
      } catch (e) {
        throw new NetworkError(e instanceof Error ? e.message : String(e));
      }
      if (!res.ok) throw new ApiError(res.status, 'http_' + res.status, res.statusText);
      return res.blob();
    },
  };
}
