/**
 * The frame app's controller: wires config, session, message store, offline queue,
 * resumable socket, typing, unread count, sound, the offline form (nobody online) and
 * the visitor's place in the team queue to the view.
 */
import { safeColor } from '../shared/bridge';
import { browserLanguages, frameTranslator, pickLanguage, type Lang, type Translate } from '../shared/i18n';
import { ApiError, isRetryable, type SessionBody } from './api';
import type { AppDeps, Profile, Upload } from './app-deps';
import { UnreadTracker } from './unread';
import { Uploads } from './uploads';

export type { AppDeps } from './app-deps';
import { h } from './dom';
import { FileUrls } from './files';
import { CachedHistory, HISTORY_LIMIT } from './history';
import { ProofPanel } from './identity';
import { KbSuggestions } from './kb';
import { SurveyPanel } from './survey';
import { MessageStore, type ChatItem } from './messages';
import { Outbox } from './outbox';
import { OfflineSend } from './offline-send';
import { Sending } from './sending';
import { AvailabilitySocket, availabilityUrl } from './availability';
import { QueueWatcher } from './queue';
import { refreshTime, sameVisitor, sessionBody } from './session';
import { sameIdentity, SiteUser, startSession } from './site-user';
import type { SiteIdentity } from '../shared/bridge';
import { backoffDelay, ResumableSocket, type EventFrame } from './socket';
import { beep, unlockSound } from './sound';
import { TypingIndicator, TypingSender } from './typing';
import { VisitReporter } from './visit';
import type { VisitorTransientFrame } from '../generated/events';
import type { Attachment, Message, Session, WidgetConfig } from './types';
import { ChatView, connView, serverFieldErrors, type OfflineValues } from './view';

export { CONFIG_RECHECK_MS } from './availability';
/** While the visitor waits for the first operator reply, ask for the queue position this often. */
export const QUEUE_POLL_MS = 15000;

export class WidgetApp {
  config: WidgetConfig | null = null;
  lang: Lang;
  t: Translate;
  view: ChatView | null = null;
  private kb: KbSuggestions | null = null;
  private surveys: SurveyPanel | null = null;
  readonly store = new MessageStore();
  readonly outbox: Outbox;
  socket: ResumableSocket | null = null;
  token: string | null;
  conversationId: number | null = null;
  /** The contact the held token names (null until a session answer this page load). */
  private contactId: number | null = null;
  isOpen = false;
  private mobile = false;
  private readonly unread: UnreadTracker;
  private needRefetch = false;
  private sessionPromise: Promise<string> | null = null;
  /** When the token should be traded for a fresh one (the page may stay open for days). */
  private refreshAt: number | null = null;
  private readonly history: CachedHistory;
  /** The offline form's request (a retry of the same text keeps its client_msg_id). */
  private readonly offline: OfflineSend;
  /** Shown after the offline form: "we'll answer by email at …" (until an operator replies). */
  private doneEmail: string | null = null;
  /** Message text typed in the offline form, put into the composer after the pre-chat form. */
  private carryText = '';
  readonly queue: QueueWatcher;
  private readonly availability: AvailabilitySocket;
  /** Files picked for the next message, uploaded at once. */
  private readonly files: Uploads;
  private readonly sending: Sending;
  private readonly visit: VisitReporter;
  /** Blob URLs of attachments (a picked image's own file, or fetched with the token). */
  private readonly fileUrls = new FileUrls();
  private readonly typingOut: TypingSender;
  private readonly typingIn: TypingIndicator;
  private readonly online: () => boolean;
  private readonly beep: () => void;
  /** The customer site's signed-in user, sent with every session request. */
  private readonly site: SiteUser;
  /** The config is loaded and the first session request made (or not needed). */
  private booted = false;

  constructor(private readonly d: AppDeps) {
    this.visit = new VisitReporter(d.api, () => this.token);
    this.lang = pickLanguage(null, d.languages ?? browserLanguages());
    this.t = frameTranslator(this.lang);
    this.token = d.kv.get<string>('token');
    this.unread = new UnreadTracker(d.kv, (count) => d.bridge.post({ type: 'unread', count }));
    this.outbox = new Outbox(d.kv);
    this.history = new CachedHistory(d.kv);
    this.online = d.isOnline ?? (() => globalThis.navigator?.onLine !== false);
    this.beep = d.beep ?? beep;
    this.site = new SiteUser(!!d.expectIdentity);
    this.offline = new OfflineSend(d.api, d.inboxKey, this.site);
    this.typingOut = new TypingSender((typing) => this.socket?.send({ type: 'typing', typing }));
    this.typingIn = new TypingIndicator((visible, name) => this.view?.setTyping(visible, name));
    this.isOpen = !d.bridge.embedded;
    this.files = new Uploads({
      send: async (file, progress) => d.api.upload(await this.ensureSession(), file, file.name, progress),
      render: (items) => this.view?.renderUploads(items),
      uploaded: (a, file) => {
        if (a.inline) this.fileUrls.rememberLocal(a.id, file);
      },
      failure: (e) => this.t(e instanceof ApiError && e.status === 413 ? 'fileTooBig' : 'uploadFailed'),
    });
    this.sending = new Sending({
      api: d.api,
      outbox: this.outbox,
      store: this.store,
      files: this.files,
      online: () => this.online(),
      render: () => this.render(),
      waitForUploads: () => this.view?.showNotice(this.t('waitUpload')),
      leaving: () => {
        this.kb?.stop();
        this.typingOut.stop();
      },
      session: () => this.ensureSession(),
      tokenRefused: () => {
        this.refreshAt = 0;
      },
      delivered: (m) => {
        if (this.conversationId === null) this.conversationId = m.conversation_id;
        this.apply(m, false);
        this.postSession();
      },
    });
    this.availability = new AvailabilitySocket(() => availabilityUrl(d.wsUrl(), d.inboxKey), (on) => this.setAgentsOnline(on), () => this.recheckAgents(), d.WebSocketImpl);
    this.queue = new QueueWatcher(
      async () => (this.token ? (await d.api.queue(this.token)).position : null),
      (position) => this.view?.setQueue(position),
      QUEUE_POLL_MS,
    );
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
        this.updateWaiting(this.store.list());
        this.syncRecheck();
        void this.recheckAgents();
      } else if (m.type === 'close') {
        this.isOpen = false;
        this.syncRecheck();
        this.kb?.closed();
        this.typingOut.stop();
        this.updateWaiting(this.store.list());
      } else if (m.type === 'viewport') {
        this.mobile = m.mobile;
        this.view?.setMobile(m.mobile);
      } else if (m.type === 'pages') this.visit.pages(m.pages, m.phone);
      else if (m.type === 'identity') void this.identify(m.identity);
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
    this.showEntry();
    await this.site.ready;
    this.booted = true;
    if (this.token) void this.resume();
    // A signature is good for minutes: a signed-in user's session starts at once.
    else if (this.site.value) void this.ensureSession().catch(() => undefined);
    void this.flush();
  }

  private status(text: string): void {
    if (this.view) return;
    this.d.mount.replaceChildren(h('p', { class: 'boot', 'data-testid': 'widget-status' }, text));
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
        onOffline: (values) => void this.submitOffline(values),
        onInput: (empty, text) => (this.typingOut.input(empty), this.hasConversation() || this.kb?.input(text)),
        onAttach: (files) => this.attach(files),
        onUploadRetry: (key) => this.files.retry(key),
        onUploadRemove: (key) => this.files.remove(key),
        loadFile: (a) => this.loadFile(a),
      },
    );
    this.view.addPanel(
      new ProofPanel(this.t, {
        ask: async (email) => void (await this.d.api.askCode(await this.ensureSession(), email, this.lang)),
        confirm: (code) => this.joinByCode(code),
      }).root,
    );
    this.kb = new KbSuggestions(this.t, this.d.inboxKey);
    this.view.addPanel(this.kb.root);
    this.surveys = new SurveyPanel(this.t);
    this.view.addPanel(this.surveys.root);
    this.d.mount.textContent = '';
    this.d.mount.append(this.view.root);
    this.view.setMobile(this.mobile);
    addEventListener('online', () => {
      this.updateConn();
      this.socket?.reconnectNow();
      void this.flush();
      void this.recheckAgents();
    });
    addEventListener('offline', () => this.updateConn());
    document.addEventListener('visibilitychange', () => this.updateUnread());
    const unlock = (): void => unlockSound();
    document.addEventListener('pointerdown', unlock, { once: true });
    document.addEventListener('keydown', unlock, { once: true });
    this.updateConn();
  }

  /** Nobody online and no conversation yet: the offline form replaces the chat. */
  private wantsOfflineForm(): boolean {
    return !!this.config && !this.config.agents_online && !this.hasConversation();
  }

  private hasConversation(): boolean {
    return this.conversationId !== null || this.store.list().length > 0 || this.outbox.items().length > 0;
  }

  /**
   * The offline form, the pre-chat form or the chat, from who is online and what we know
   * about the visitor. `carry`: what was typed in the offline form, kept when switching.
   */
  private showEntry(carry: OfflineValues | null = null): void {
    const view = this.view;
    if (!view || !this.config) return;
    const pre = this.config.inbox.settings.prechat ?? { name: 'off', email: 'off' };
    const profile = this.d.kv.get<Profile>('profile');
    let height = 600;
    if (this.wantsOfflineForm()) {
      view.showOffline(pre.name, { name: profile?.name, email: profile?.email });
    } else if ((pre.name !== 'off' || pre.email !== 'off') && !this.token && !profile) {
      view.showPrechat(pre, { name: carry?.name, email: carry?.email });
      this.carryText = carry?.text ?? '';
      height = 560;
    } else {
      view.showChat(carry?.text);
    }
    this.d.bridge.post({ type: 'resize', height });
    if (this.isOpen) view.focus();
    this.syncRecheck();
  }

  /** Hear availability live: the visitor's own socket, or while open a small one for a widget
   * with no visitor yet; the offline form also re-asks the config every minute. */
  private syncRecheck(): void {
    this.availability.watch(!!this.view?.offlineValues(), this.isOpen && !this.token);
  }

  /** Who is online now? (the offline form, or a widget with no visitor yet; not while closed) */
  private async recheckAgents(): Promise<void> {
    if (!this.isOpen || (!this.view?.offlineValues() && this.token)) return;
    let cfg: WidgetConfig;
    try {
      cfg = await this.d.api.config(this.d.inboxKey);
    } catch {
      return; // try again at the next tick
    }
    this.setAgentsOnline(cfg.agents_online);
  }

  /** Someone came online (the chat replaces the offline form) or nobody is left (a visitor
   * with no conversation yet, who typed nothing, gets the offline form). */
  private setAgentsOnline(online: boolean): void {
    if (!this.config || !this.view || this.config.agents_online === online) return;
    this.config.agents_online = online;
    this.view.setAgentsOnline(online);
    if (online) this.leaveOfflineForm();
    else if (this.wantsOfflineForm() && !this.view.offlineValues() && !this.view.draft()) this.showEntry();
  }

  /** Switch away from the offline form when it no longer applies (never mid-submit). */
  private leaveOfflineForm(): void {
    const typed = this.view?.offlineValues();
    if (typed && !this.offline.busy && !this.wantsOfflineForm()) this.showEntry(typed);
  }

  /** Show what we have before the network answers: cached history and the offline queue. */
  private restore(): void {
    for (const m of this.history.read()) this.store.upsert(m);
    for (const item of this.outbox.items()) {
      this.store.addPending(item.clientMsgId, item.text, item.createdAt, item.failed ? 'failed' : 'queued', item.files);
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
      this.adoptSession(await this.session(sessionBody(this.d.inboxKey, this.lang, null, old, this.site.value)), old);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        this.forgetVisitor();
        return;
      }
      // Offline or server trouble: the socket keeps retrying with the stored token.
      this.startSocket();
    }
  }

  private session(body: SessionBody): Promise<Session> {
    return startSession(this.d.api, this.site, body);
  }

  /** The site's user signed in or out (or the loader's first word about it). */
  private async identify(identity: SiteIdentity | null): Promise<void> {
    const changed = !sameIdentity(this.site.value, identity);
    this.site.set(identity);
    const held = this.token;
    if (!this.booted || !changed || (!held && !identity)) return;
    try {
      this.adoptSession(await this.session(sessionBody(this.d.inboxKey, this.lang, null, held, this.site.value)), held);
    } catch {
      // Offline or refused: the next request that needs a session asks again.
    }
  }

  /** A session answer; with ``presented``, the token it was asked for (another visitor: the
   * old one's history is forgotten first). */
  private adoptSession(s: Session, presented: string | null = null): void {
    if (presented && !sameVisitor(s, presented)) this.forgetVisitor();
    else if (this.contactId !== null && s.contact_id !== this.contactId) {
      // The same visitor, now another contact: they proved an email in another browser (the
      // mailed link) and were joined to it. Its socket stream is another one: reconnect anew.
      this.socket?.stop();
      this.socket?.reset();
    }
    this.contactId = s.contact_id;
    this.token = s.visitor_token;
    this.refreshAt = refreshTime(s, Date.now());
    this.d.kv.set('token', s.visitor_token);
    if (s.conversation_id !== null) this.conversationId = s.conversation_id;
    this.postSession();
    this.startSocket();
    this.leaveOfflineForm();
    void this.visit.flush();
  }

  /** The mailed code proved an address: this visitor is now that contact, whose history
   * (with this visitor's own messages in it) replaces what the chat showed. */
  private async joinByCode(code: string): Promise<void> {
    const s = await this.d.api.confirmCode(await this.ensureSession(), code);
    this.forgetVisitor();
    this.adoptSession(s);
    await this.refetch();
  }

  /** The token is no good: start over as a new visitor (history belongs to the old one). */
  private forgetVisitor(): void {
    this.token = null;
    this.contactId = null;
    this.conversationId = null;
    this.d.kv.remove('token');
    this.history.forget();
    this.unread.forget();
    this.socket?.stop();
    this.socket?.reset();
    this.store.replaceServer([]);
    this.files.clear(); // the old visitor's uploads are not the new one's to send
    this.fileUrls.clear();
    this.render();
  }

  /** The visitor's token: the one held (traded for a fresh one when due), or a new session's. */
  private ensureSession(): Promise<string> {
    const held = this.token;
    if (held && (this.refreshAt === null || Date.now() < this.refreshAt)) return Promise.resolve(held);
    if (!this.sessionPromise) {
      const body = sessionBody(this.d.inboxKey, this.lang, this.d.kv.get<Profile>('profile'), held, this.site.value);
      this.sessionPromise = this.session(body)
        .then((s) => {
          this.adoptSession(s, held);
          return s.visitor_token;
        })
        .catch((e: unknown) => {
          // A refresh that could not reach the server: the held token is still valid.
          if (held && this.token === held && isRetryable(e)) return held;
          throw e;
        })
        .finally(() => {
          this.sessionPromise = null;
        });
    }
    return this.sessionPromise;
  }

  private submitPrechat(values: Profile): void {
    this.d.kv.set('profile', values);
    this.view?.showChat(this.carryText);
    this.carryText = '';
    this.view?.focus();
    this.d.bridge.post({ type: 'resize', height: 600 });
    const body = { inbox_key: this.d.inboxKey, name: values.name || undefined, email: values.email || undefined, language: this.lang, identity: this.site.value ?? undefined };
    if (this.token) void this.session({ ...body, visitor_token: this.token }).catch(() => undefined);
    else void this.ensureSession().catch(() => this.view?.showNotice(this.online() ? this.t('sessionFailed') : null));
  }

  /** The offline form: one request makes the contact, the conversation and the message. */
  private async submitOffline(values: OfflineValues): Promise<void> {
    const view = this.view;
    if (!view || this.offline.busy) return;
    view.setOfflineBusy(true);
    try {
      const { session: s, cid } = await this.offline.send(values, this.lang, this.token);
      if (this.token && !sameVisitor(s, this.token)) this.forgetVisitor();
      this.d.kv.set('profile', { name: values.name, email: values.email });
      this.store.addPending(cid, values.text, new Date().toISOString(), 'sent');
      this.doneEmail = values.email;
      view.showOfflineDone(values.email);
      this.adoptSession(s);
      this.render();
      this.syncRecheck();
      if (this.isOpen) view.focus();
    } catch (e) {
      const errors = e instanceof ApiError && e.status === 422 ? serverFieldErrors(e.message, values) : e instanceof ApiError && e.status === 413 ? { text: 'tooLong' as const } : {};
      if (Object.keys(errors).length) view.offlineErrors(errors);
      else view.offlineFailed(this.t('offlineFailed'));
    } finally {
      view.setOfflineBusy(false);
    }
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
            if (this.token) void this.surveys?.load(this.token);
            void this.flush();
            void this.recheckAgents();
          },
          onResync: () => void this.refetch(),
          onState: () => this.updateConn(),
          onUnauthorized: () => {
            this.forgetVisitor();
            if (this.outbox.pending().length) void this.flush();
          },
        },
        { url: () => this.d.wsUrl(), token: () => this.token, WebSocketImpl: this.d.WebSocketImpl },
      );
    }
    this.socket.start();
  }

  private onEvent(f: EventFrame): void {
    if (f.type === 'message.created') this.apply(f.data.message, true);
    else if (f.type === 'survey.requested') void this.surveys?.requested(f.data.survey);
    else if (f.type === 'conversation.updated') {
      this.conversationId = f.data.conversation.id;
      this.queue.poke();
    }
  }

  private onTransient(f: VisitorTransientFrame): void {
    if (f.type === 'typing' && f.author_type === 'agent') this.typingIn.update(f.typing, f.name);
    else if (f.type === 'agents_online') this.setAgentsOnline(f.online);
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
    const since = this.store.mark();
    try {
      const { items } = await this.d.api.messages(this.token);
      this.needRefetch = false;
      this.store.replaceServer(items.filter((m) => !m.private), since);
      for (const m of items) if (m.client_msg_id && m.author_type === 'contact') this.outbox.remove(m.client_msg_id);
      if (this.unread.none) this.unread.seeUpTo(this.store.maxId());
      this.render();
      this.postSession();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) this.forgetVisitor();
    }
  }

  /** Files picked: each uploads at once and waits above the send box for the message. */
  attach(files: File[]): void {
    this.files.add(files);
  }

  /** What waits above the send box (tests look at it). */
  get uploads(): Upload[] {
    return this.files.items;
  }

  loadFile(a: Attachment): Promise<string> {
    return this.fileUrls.get(a.id, () => this.ensureSession().then((token) => this.d.api.file(token, a.url)));
  }

  send(text: string): boolean {
    return this.sending.send(text);
  }

  retry(clientMsgId: string): void {
    this.sending.retry(clientMsgId);
  }

  /** Send whatever is queued, in order; on a retryable failure try again later. */
  flush(): Promise<void> {
    return this.sending.flush();
  }

  private viewing(): boolean {
    return this.isOpen && document.visibilityState !== 'hidden';
  }

  private updateUnread(): void {
    if (this.viewing()) this.unread.seeUpTo(this.store.maxId());
    this.unread.update(this.store.list());
  }

  private updateConn(): void {
    this.view?.setConnection(connView(this.online(), this.socket?.state ?? 'idle', this.socket?.attempts ?? 0));
  }

  /**
   * Queue position: watched from the visitor's first message until an operator replies,
   * while the chat is open (a returning visitor's frame waits preloaded on every page).
   * The email confirmation of the offline form stands in for it until then.
   */
  private updateWaiting(items: readonly ChatItem[]): void {
    const replied = items.some((i) => i.authorType === 'agent');
    if (replied && this.doneEmail !== null) {
      this.doneEmail = null;
      this.view?.setDone(null);
    }
    const waiting = this.isOpen && !!this.token && this.doneEmail === null && !replied && items.some((i) => i.mine && i.id !== null);
    if (waiting) this.queue.start();
    else if (this.queue.active) this.queue.stop();
  }

  private render(): void {
    const items = this.store.list();
    this.view?.renderMessages(items);
    this.updateWaiting(items);
    this.updateUnread();
    this.history.saveSoon(() => (this.token ? this.store.serverMessages(HISTORY_LIMIT) : null));
  }
}
