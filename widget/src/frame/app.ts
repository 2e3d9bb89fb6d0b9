/**
 * The frame app's controller: wires config, session, message store, offline queue,
 * resumable socket, typing, unread count and sound to the view.
 */
import { safeColor } from '../shared/bridge';
import { browserLanguages, frameTranslator, pickLanguage, type Lang, type Translate } from '../shared/i18n';
import { ApiError, isRetryable, type Api } from './api';
import type { FrameBridge } from './bridge';
import { countUnread, MessageStore } from './messages';
import { Outbox, type SendResult } from './outbox';
import { backoffDelay, ResumableSocket, type EventFrame } from './socket';
import { beep, unlockSound } from './sound';
import type { KV } from './storage';
import { TypingIndicator, TypingSender } from './typing';
import type { Message, ServerFrame, WidgetConfig } from './types';
import { ChatView, type ConnView } from './view';

export interface AppDeps {
  inboxKey: string;
  api: Api;
  kv: KV;
  bridge: FrameBridge;
  mount: HTMLElement;
  wsUrl: (token: string) => string;
  WebSocketImpl?: { new (url: string): WebSocket };
  isOnline?: () => boolean;
  languages?: readonly string[];
  beep?: () => void;
}

interface Profile {
  name: string;
  email: string;
}

const HISTORY_LIMIT = 50;

export class WidgetApp {
  config: WidgetConfig | null = null;
  lang: Lang;
  t: Translate;
  view: ChatView | null = null;
  readonly store = new MessageStore();
  readonly outbox: Outbox;
  socket: ResumableSocket | null = null;
  token: string | null;
  conversationId: number | null = null;
  isOpen = false;
  private mobile = false;
  private lastSeenId: number | null;
  private postedUnread = -1;
  private needRefetch = false;
  private sessionPromise: Promise<string> | null = null;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private flushAttempts = 0;
  private historyTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly typingOut: TypingSender;
  private readonly typingIn: TypingIndicator;
  private readonly online: () => boolean;
  private readonly beep: () => void;

  constructor(private readonly d: AppDeps) {
    this.lang = pickLanguage(null, d.languages ?? browserLanguages());
    this.t = frameTranslator(this.lang);
    this.token = d.kv.get<string>('token');
    this.lastSeenId = d.kv.get<number>('seen');
    this.outbox = new Outbox(d.kv);
    this.online = d.isOnline ?? (() => globalThis.navigator?.onLine !== false);
    this.beep = d.beep ?? beep;
    this.typingOut = new TypingSender((typing) => this.socket?.send({ type: 'typing', typing }));
    this.typingIn = new TypingIndicator((visible, name) => this.view?.setTyping(visible, name));
    this.isOpen = !d.bridge.embedded;
  }

  /** Load the inbox config (retrying on network trouble), then show the chat. */
  async start(): Promise<void> {
    this.status(this.t('connecting'));
    this.d.bridge.listen((m) => {
      if (m.type === 'open') {
        this.isOpen = true;
        this.mobile = m.mobile;
        this.view?.setMobile(m.mobile);
        this.view?.focus();
        this.updateUnread();
      } else if (m.type === 'close') {
        this.isOpen = false;
        this.typingOut.stop();
      } else if (m.type === 'viewport') {
        this.mobile = m.mobile;
        this.view?.setMobile(m.mobile);
      }
    });
    this.d.bridge.post({ type: 'ready' });
    for (let attempt = 0; !this.config; attempt++) {
      try {
        this.config = await this.d.api.config(this.d.inboxKey);
      } catch (e) {
        if (e instanceof ApiError && !isRetryable(e)) {
          this.status(this.t('unavailable'));
          return;
        }
        if (attempt > 0) this.status(this.t('unavailable'));
        await new Promise((r) => setTimeout(r, backoffDelay(attempt, 1000, 30000)));
      }
    }
    this.mountView(this.config);
    this.restore();
    if (this.token) void this.resume();
    void this.flush();
  }

  private status(text: string): void {
    if (this.view) return;
    this.d.mount.textContent = '';
    const p = document.createElement('p');
    p.className = 'boot';
    p.setAttribute('data-testid', 'widget-status');
    p.textContent = text;
    this.d.mount.append(p);
  }

  private mountView(cfg: WidgetConfig): void {
    const s = cfg.inbox.settings;
    this.lang = pickLanguage(s.language, this.d.languages ?? browserLanguages());
    this.t = frameTranslator(this.lang);
    document.documentElement.lang = this.lang;
    const color = safeColor(s.color);
    this.d.bridge.post({ type: 'config', config: { color, position: s.position === 'left' ? 'left' : 'right', language: this.lang } });
    this.view = new ChatView(
      {
        t: this.t,
        lang: this.lang,
        title: s.title || cfg.inbox.name || this.t('title'),
        greeting: s.greeting || '',
        color,
        agentsOnline: cfg.agents_online,
        embedded: this.d.bridge.embedded,
      },
      {
        onSend: (text) => this.send(text),
        onRetry: (cid) => this.retry(cid),
        onClose: () => this.d.bridge.post({ type: 'close' }),
        onPrechat: (values) => this.submitPrechat(values),
        onInput: (empty) => this.typingOut.input(empty),
      },
    );
    this.d.mount.textContent = '';
    this.d.mount.append(this.view.root);
    const pre = s.prechat ?? { name: 'off', email: 'off' };
    const needsPrechat = (pre.name !== 'off' || pre.email !== 'off') && !this.token && !this.d.kv.get<Profile>('profile');
    if (needsPrechat) this.view.showPrechat(pre);
    else this.view.showChat();
    this.d.bridge.post({ type: 'resize', height: needsPrechat ? 560 : 600 });
    this.view.setMobile(this.mobile);
    if (this.isOpen) this.view.focus();

    addEventListener('online', () => {
      this.updateConn();
      this.socket?.reconnectNow();
      void this.flush();
    });
    addEventListener('offline', () => this.updateConn());
    document.addEventListener('visibilitychange', () => this.updateUnread());
    const unlock = (): void => unlockSound();
    document.addEventListener('pointerdown', unlock, { once: true });
    document.addEventListener('keydown', unlock, { once: true });
    this.updateConn();
  }

  /** Show what we have before the network answers: cached history and the offline queue. */
  private restore(): void {
    const cached = this.d.kv.get<Message[]>('history');
    if (Array.isArray(cached)) for (const m of cached) this.store.upsert(m);
    for (const item of this.outbox.items()) {
      this.store.addPending(item.clientMsgId, item.text, item.createdAt, item.failed ? 'failed' : 'queued');
    }
    this.render();
    this.postSession();
  }

  private postSession(): void {
    this.d.bridge.post({ type: 'session', active: !!this.token && (this.store.maxId() > 0 || this.conversationId !== null || this.outbox.items().length > 0) });
  }

  /** A returning visitor: confirm the stored token, then open the socket. */
  private async resume(): Promise<void> {
    const old = this.token!;
    try {
      const s = await this.d.api.session({ inbox_key: this.d.inboxKey, visitor_token: old });
      if (s.visitor_token !== old) this.forgetVisitor();
      this.adoptSession(s.visitor_token, s.conversation_id);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        this.forgetVisitor();
        return;
      }
      // Offline or server trouble: the socket keeps retrying with the stored token.
      this.startSocket();
    }
  }

  private adoptSession(token: string, conversationId: number | null): void {
    this.token = token;
    this.d.kv.set('token', token);
    if (conversationId !== null) this.conversationId = conversationId;
    this.postSession();
    this.startSocket();
  }

  /** The token is no good: start over as a new visitor (history belongs to the old one). */
  private forgetVisitor(): void {
    this.token = null;
    this.conversationId = null;
    this.d.kv.remove('token');
    this.d.kv.remove('history');
    this.d.kv.remove('seen');
    this.lastSeenId = null;
    this.socket?.stop();
    this.socket?.reset();
    this.store.replaceServer([]);
    this.render();
  }

  private ensureSession(): Promise<string> {
    if (this.token) return Promise.resolve(this.token);
    if (!this.sessionPromise) {
      const profile = this.d.kv.get<Profile>('profile');
      const body: { inbox_key: string; name?: string; email?: string } = { inbox_key: this.d.inboxKey };
      if (profile?.name) body.name = profile.name;
      if (profile?.email) body.email = profile.email;
      this.sessionPromise = this.d.api
        .session(body)
        .then((s) => {
          this.adoptSession(s.visitor_token, s.conversation_id);
          return s.visitor_token;
        })
        .finally(() => {
          this.sessionPromise = null;
        });
    }
    return this.sessionPromise;
  }

  private submitPrechat(values: Profile): void {
    this.d.kv.set('profile', values);
    this.view?.showChat();
    this.view?.focus();
    this.d.bridge.post({ type: 'resize', height: 600 });
    const body = { inbox_key: this.d.inboxKey, name: values.name || undefined, email: values.email || undefined };
    if (this.token) void this.d.api.session({ ...body, visitor_token: this.token }).catch(() => undefined);
    else void this.ensureSession().catch(() => this.view?.showNotice(this.online() ? this.t('sessionFailed') : null));
  }

  private startSocket(): void {
    if (!this.token) return;
    if (!this.socket) {
      this.socket = new ResumableSocket(
        {
          onEvent: (f) => this.onEvent(f),
          onTransient: (f) => this.onTransient(f),
          onReady: ({ fresh }) => {
            if (fresh || this.needRefetch) void this.refetch();
            void this.flush();
          },
          onResync: () => void this.refetch(),
          onState: () => this.updateConn(),
          onUnauthorized: () => {
            this.forgetVisitor();
            if (this.outbox.pending().length) void this.flush();
          },
        },
        { url: () => this.d.wsUrl(this.token ?? ''), WebSocketImpl: this.d.WebSocketImpl },
      );
    }
    this.socket.start();
  }

  private onEvent(f: EventFrame): void {
    const data = (f.data ?? {}) as { message?: Message; conversation?: { id?: number } };
    if (f.type === 'message.created' && data.message) this.apply(data.message, true);
    else if (f.type === 'conversation.updated' && typeof data.conversation?.id === 'number') this.conversationId = data.conversation.id;
  }

  private onTransient(f: ServerFrame): void {
    if (f.type === 'typing' && f.author_type === 'agent') this.typingIn.update(f.typing === true, typeof f.name === 'string' ? f.name : null);
  }

  /** Apply one server message: from the POST answer, the socket or a fetch. */
  private apply(m: Message, live: boolean): void {
    if (m.private) return;
    const { item, isNew } = this.store.upsert(m);
    if (item.mine && m.client_msg_id) this.outbox.remove(m.client_msg_id);
    if (isNew && !item.mine) {
      this.typingIn.update(false, null);
      if (live && !(this.viewing() && document.hasFocus())) this.beep();
    }
    this.render();
  }

  private async refetch(): Promise<void> {
    if (!this.token) return;
    this.needRefetch = true;
    try {
      const { items } = await this.d.api.messages(this.token);
      this.needRefetch = false;
      this.store.replaceServer(items.filter((m) => !m.private));
      for (const m of items) if (m.client_msg_id && m.author_type === 'contact') this.outbox.remove(m.client_msg_id);
      if (this.lastSeenId === null) this.markSeen(this.store.maxId());
      this.render();
      this.postSession();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) this.forgetVisitor();
    }
  }

  send(text: string): boolean {
    if (!text.trim()) return false;
    const item = this.outbox.add(text);
    this.store.addPending(item.clientMsgId, text, item.createdAt, this.online() ? 'sending' : 'queued');
    this.typingOut.stop();
    this.render();
    void this.flush();
    return true;
  }

  retry(clientMsgId: string): void {
    if (!this.outbox.retry(clientMsgId)) return;
    this.store.setState(clientMsgId, 'sending');
    this.render();
    void this.flush();
  }

  /** Send whatever is queued, in order; on a retryable failure try again later. */
  async flush(): Promise<void> {
    if (!this.outbox.pending().length) return;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const done = await this.outbox.flush((item) => this.sendOne(item.clientMsgId, item.text));
    if (done) {
      this.flushAttempts = 0;
    } else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flush(), backoffDelay(this.flushAttempts++, 1000, 30000));
    }
  }

  private async sendOne(cid: string, text: string): Promise<SendResult> {
    if (this.store.isConfirmed(cid)) return 'sent';
    this.store.setState(cid, 'sending');
    this.render();
    for (let attempt = 0; ; attempt++) {
      try {
        const token = await this.ensureSession();
        const m = await this.d.api.send(token, { client_msg_id: cid, text });
        if (this.conversationId === null) this.conversationId = m.conversation_id;
        this.apply(m, false);
        this.postSession();
        return 'sent';
      } catch (e) {
        if (e instanceof ApiError && e.status === 401 && attempt === 0) {
          this.forgetVisitor(); // the next round makes a new session
          continue;
        }
        const retry = isRetryable(e);
        this.store.setState(cid, retry ? 'queued' : 'failed');
        this.render();
        return retry ? 'retry' : 'failed';
      }
    }
  }

  private viewing(): boolean {
    return this.isOpen && document.visibilityState !== 'hidden';
  }

  private markSeen(id: number): void {
    if (this.lastSeenId === null || id > this.lastSeenId) {
      this.lastSeenId = id;
      this.d.kv.set('seen', id);
    }
  }

  private updateUnread(): void {
    if (this.viewing()) this.markSeen(this.store.maxId());
    const count = this.lastSeenId === null ? 0 : countUnread(this.store.list(), this.lastSeenId);
    if (count !== this.postedUnread) {
      this.postedUnread = count;
      this.d.bridge.post({ type: 'unread', count });
    }
  }

  private updateConn(): void {
    let state: ConnView;
    const s = this.socket?.state ?? 'idle';
    if (!this.online()) state = 'offline';
    else if (s === 'live') state = 'online';
    else if (s === 'idle' || s === 'stopped') state = 'idle';
    else if (s === 'waiting' && (this.socket?.attempts ?? 0) >= 3) state = 'offline';
    else state = 'connecting';
    this.view?.setConnection(state);
  }

  private render(): void {
    this.view?.renderMessages(this.store.list());
    this.updateUnread();
    if (!this.historyTimer) {
      this.historyTimer = setTimeout(() => {
        this.historyTimer = null;
        if (this.token) this.d.kv.set('history', this.store.serverMessages(HISTORY_LIMIT));
      }, 300);
    }
  }
}
