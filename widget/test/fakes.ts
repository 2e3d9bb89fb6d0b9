/** Test doubles: a scriptable WebSocket, an in-memory API and a recording bridge. */
import { ApiError, NetworkError, type Api, type OfflineBody, type SessionBody, type VisitBody } from '../src/frame/api';
import type { FrameBridge } from '../src/frame/bridge';
import type { Attachment, Message } from '../src/frame/types';
import type { LoaderToFrame } from '../src/shared/bridge';

export class FakeSocket {
  static all: FakeSocket[] = [];
  static get last(): FakeSocket {
    return FakeSocket.all[FakeSocket.all.length - 1];
  }
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closed = false;
  onopen: ((e: Event) => void) | null = null;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onclose: ((e: CloseEvent) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.closed = true;
    this.readyState = 3;
  }
  // --- driven by tests ---
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  frame(f: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(f) } as MessageEvent);
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }
  static reset(): void {
    FakeSocket.all = [];
  }
}

export function msg(id: number, over: Partial<Message> = {}): Message {
  return {
    id,
    conversation_id: 1,
    author_type: 'agent',
    author_id: 7,
    author_name: 'Anna',
    private: false,
    text: `message ${id}`,
    client_msg_id: null,
    created_at: new Date(Date.UTC(2026, 10, 24, 7, 0, id)).toISOString(),
    ...over,
  };
}

/** A tiny in-memory backend that follows docs/api.md closely enough for the client. */
export class FakeBackend implements Api {
  online = true;
  /** Make the next N sends fail *after* storing (the answer is lost on the way back). */
  loseAnswers = 0;
  messagesByConv: Message[] = [];
  tokens = new Set<string>();
  sessions: SessionBody[] = [];
  sendCalls: { client_msg_id: string; text: string; attachment_ids?: number[] }[] = [];
  uploaded = new Map<number, Attachment>();
  failUploads = 0;
  offlineCalls: OfflineBody[] = [];
  visits: { token: string; body: VisitBody }[] = [];
  configCalls = 0;
  agentsOnline = true;
  /** What GET /widget/queue answers; `queueCalls` counts the requests. */
  queuePosition: number | null = null;
  queueCalls = 0;
  private nextId = 100;
  private nextToken = 1;
  prechat: { name: 'off' | 'optional' | 'required'; email: 'off' | 'optional' | 'required' } = { name: 'off', email: 'off' };
  language: 'auto' | 'ru' | 'en' = 'en';

  private net(): void {
    if (!this.online) throw new NetworkError('offline');
  }

  async config() {
    this.net();
    this.configCalls++;
    return {
      inbox: {
        name: 'Support',
        settings: {
          color: '#1f6feb',
          title: 'Help',
          greeting: 'Hi! Ask us anything.',
          position: 'right' as const,
          language: this.language,
          prechat: this.prechat,
        },
      },
      agents_online: this.agentsOnline,
    };
  }

  /** Refuse sessions that carry the site's identity (a wrong or stale signature). */
  refuseIdentity: ApiError | null = null;

  async session(body: SessionBody) {
    this.net();
    this.sessions.push(body);
    if (body.identity && this.refuseIdentity) throw this.refuseIdentity;
    const movedTo = body.visitor_token ? this.joinedElsewhere.get(body.visitor_token) : undefined;
    if (movedTo !== undefined) {
      const token = `tok${this.nextToken++}`;
      this.tokens.add(token);
      return { visitor_token: token, token_expires_at: new Date(Date.now() + this.tokenMs).toISOString(), contact_id: movedTo, conversation_id: 1, resumed: true };
    }
    return this.identify(body.visitor_token);
  }

  /** Like the server after the mailed link was opened in another browser: the visitor's
   * contact is gone (its token no longer sends), a resume with it finds the joined contact. */
  joinedElsewhere = new Map<string, number>();

  joinByLink(token: string, contactId: number): void {
    this.tokens.delete(token);
    this.joinedElsewhere.set(token, contactId);
    this.messagesByConv = [msg(1, { author_type: 'contact', author_id: contactId, author_name: null, text: 'My earlier question' }), ...this.messagesByConv];
  }

  /** Like the server: a new token on every resume (the old one stays valid until it expires). */
  rotate = false;
  /** Lifetime of the tokens it issues. */
  tokenMs = 30 * 86400_000;

  private identify(visitorToken?: string) {
    const resumed = !!visitorToken && this.tokens.has(visitorToken);
    let token = visitorToken;
    if (!resumed || this.rotate) {
      token = `tok${this.nextToken++}`;
      this.tokens.add(token);
    }
    return {
      visitor_token: token!,
      token_expires_at: new Date(Date.now() + this.tokenMs).toISOString(),
      contact_id: 1,
      conversation_id: this.messagesByConv.length ? 1 : null,
      resumed,
    };
  }

  async messages(token: string, after?: number) {
    this.net();
    if (!this.tokens.has(token)) throw new ApiError(401, 'unauthorized', 'bad token');
    return { items: this.messagesByConv.filter((m) => after === undefined || m.id > after) };
  }

  async upload(token: string, file: Blob, name: string, progress?: (done: number) => void) {
    this.net();
    if (!this.tokens.has(token)) throw new ApiError(401, 'unauthorized', 'bad token');
    if (this.failUploads > 0) {
      this.failUploads--;
      throw new NetworkError('upload failed');
    }
    progress?.(1);
    const id = this.nextId++;
    const a = { id, filename: name, content_type: file.type, size: file.size, url: `/api/v1/attachments/${id}`, inline: file.type === 'image/png' };
    this.uploaded.set(id, a);
    return a;
  }

  async file(token: string, url: string): Promise<Blob> {
    this.net();
    if (!this.tokens.has(token)) throw new ApiError(401, 'unauthorized', 'bad token');
    return new Blob([url]);
  }

  async send(token: string, body: { client_msg_id: string; text: string; attachment_ids?: number[] }) {
    this.net();
    if (!this.tokens.has(token)) throw new ApiError(401, 'unauthorized', 'bad token');
    if (body.text.length > 10000) throw new ApiError(413, 'too_large', 'too long');
    this.sendCalls.push(body);
    let m = this.messagesByConv.find((x) => x.client_msg_id === body.client_msg_id);
    if (!m) {
      const attachments = (body.attachment_ids ?? []).map((i) => this.uploaded.get(i)!);
      m = msg(this.nextId++, { author_type: 'contact', author_id: 1, author_name: null, text: body.text, client_msg_id: body.client_msg_id, attachments });
      this.messagesByConv.push(m);
    }
    if (this.loseAnswers > 0) {
      this.loseAnswers--;
      throw new NetworkError('answer lost');
    }
    return m;
  }

  /** Like the server: a bad email is a 422 naming the field; the message opens the conversation. */
  async offline(body: OfflineBody) {
    this.offlineCalls.push(body); // attempts, also those the network eats
    this.net();
    if (!/^[^\s@]+@[^\s@]+\.[a-z]{2,}$/.test(body.email) || body.email.endsWith('.invalid')) {
      throw new ApiError(422, 'validation_error', 'email: value is not a valid email address: reserved name');
    }
    const s = this.identify(body.visitor_token);
    await this.send(s.visitor_token, { client_msg_id: body.client_msg_id, text: body.text });
    return { ...s, conversation_id: 1 };
  }

  async queue(token: string) {
    this.net();
    if (!this.tokens.has(token)) throw new ApiError(401, 'unauthorized', 'bad token');
    this.queueCalls++;
    return { position: this.queuePosition };
  }

  /** The proof flow: the code the "mail" carried, the contact that address belongs to. */
  proofCode = '123456';
  proofContact = 7;
  askCalls: { email: string; language: string }[] = [];

  async askCode(token: string, email: string, language: string) {
    this.net();
    if (!this.tokens.has(token)) throw new ApiError(401, 'unauthorized', 'bad token');
    this.askCalls.push({ email, language });
    return { expires_at: new Date(Date.now() + 900_000).toISOString() };
  }

  async visit(token: string, body: VisitBody) {
    this.net();
    if (!this.tokens.has(token)) throw new ApiError(401, 'unauthorized', 'bad token');
    this.visits.push({ token, body });
  }

  async confirmCode(token: string, code: string) {
    this.net();
    if (!this.tokens.has(token)) throw new ApiError(401, 'unauthorized', 'bad token');
    if (code !== this.proofCode) throw new ApiError(422, 'invalid_code', 'The code is not right.');
    this.proofCode = 'used';
    const joined = `tok${this.nextToken++}`;
    this.tokens.add(joined);
    this.messagesByConv = [msg(1, { author_type: 'contact', author_id: this.proofContact, author_name: null, text: 'My earlier question' }), ...this.messagesByConv];
    return { visitor_token: joined, token_expires_at: new Date(Date.now() + this.tokenMs).toISOString(), contact_id: this.proofContact, conversation_id: 1, resumed: true };
  }

  agentReply(text: string): Message {
    const m = msg(this.nextId++, { text });
    this.messagesByConv.push(m);
    return m;
  }
}

export function fakeBridge(embedded = true) {
  const posted: Record<string, unknown>[] = [];
  let handler: ((m: LoaderToFrame) => void) | null = null;
  const bridge: FrameBridge = {
    embedded,
    post: (m) => posted.push(m as Record<string, unknown>),
    listen: (h) => {
      handler = h;
    },
  };
  return {
    bridge,
    posted,
    send: (m: LoaderToFrame) => handler?.(m),
    last: (type: string) => [...posted].reverse().find((p) => p.type === type),
  };
}
