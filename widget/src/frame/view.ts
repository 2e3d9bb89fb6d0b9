/** The chat window's DOM. All visitor-facing text comes from i18n; user text goes in as text nodes. */
import type { FrameKey, Translate } from '../shared/i18n';
import { contrastText, h, ICON_CLIP, ICON_CLOSE, ICON_SEND, svgIcon } from './dom';
import type { ChatItem } from './messages';
import type { Attachment, FieldMode } from './types';
import type { SocketState } from './socket';

export type ConnView = 'idle' | 'connecting' | 'online' | 'offline';

/** What the header shows of the connection: the browser's network and the socket's state
 * (a socket that failed three times in a row counts as offline). */
export function connView(online: boolean, state: SocketState, attempts: number): ConnView {
  if (!online) return 'offline';
  if (state === 'live') return 'online';
  if (state === 'idle' || state === 'stopped') return 'idle';
  if (state === 'waiting' && attempts >= 3) return 'offline';
  return 'connecting';
}

export interface ViewCallbacks {
  onSend(text: string): boolean;
  onRetry(clientMsgId: string): void;
  onClose(): void;
  onPrechat(values: { name: string; email: string }): void;
  onOffline(values: OfflineValues): void;
  /** `text`: what is typed (the knowledge base's suggestions before a chat starts). */
  onInput(empty: boolean, text: string): void;
  onAttach(files: File[]): void;
  onUploadRetry(key: string): void;
  onUploadRemove(key: string): void;
  /** A URL the browser may show or download (a blob URL: the files need the visitor token). */
  loadFile(attachment: Attachment): Promise<string>;
}

/** A file being uploaded, shown above the send box until the message goes. */
export interface UploadInfo {
  key: string;
  name: string;
  state: 'uploading' | 'ready' | 'failed';
  progress: number;
  error?: string;
}

/** "1.2 MB", "35 KB". */
export function fileSize(bytes: number): string {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

export interface OfflineValues {
  name: string;
  email: string;
  text: string;
}

export type OfflineField = keyof OfflineValues;
export type OfflineErrors = Partial<Record<OfflineField, FrameKey>>;

interface Slot {
  input: HTMLInputElement | HTMLTextAreaElement;
  err: HTMLElement;
}

export interface ViewOptions {
  t: Translate;
  lang: string;
  title: string;
  greeting: string;
  color: string;
  agentsOnline: boolean;
  embedded: boolean;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MAX_TEXT = 10000;

/** Pre-chat form validation; returns an error key per field, if any. */
export function validatePrechat(
  fields: { name: FieldMode; email: FieldMode },
  values: { name: string; email: string },
): { name?: 'required'; email?: 'required' | 'badEmail' } {
  const errors: { name?: 'required'; email?: 'required' | 'badEmail' } = {};
  if (fields.name === 'required' && !values.name.trim()) errors.name = 'required';
  const email = values.email.trim();
  if (fields.email !== 'off') {
    if (!email && fields.email === 'required') errors.email = 'required';
    else if (email && !EMAIL_RE.test(email)) errors.email = 'badEmail';
  }
  return errors;
}

/** Offline form validation: email and message are required, the name only if pre-chat requires it. */
export function validateOffline(nameMode: FieldMode, values: OfflineValues): OfflineErrors {
  const errors: OfflineErrors = validatePrechat({ name: nameMode === 'required' ? 'required' : 'off', email: 'required' }, values);
  if (!values.text.trim()) errors.text = 'required';
  else if (values.text.length > MAX_TEXT) errors.text = 'tooLong';
  return errors;
}

/**
 * Field errors from a 422 answer. The server names the field first for schema errors
 * ("email: value is not a valid email address …") and mentions it in rule errors
 * ("Please give your name."); anything else is not about a field (empty result).
 */
export function serverFieldErrors(message: string, values: OfflineValues): OfflineErrors {
  const m = /^(name|email|text)\b/.exec(message) ?? /\b(name|email)\b/i.exec(message);
  if (!m) return {};
  const field = m[1].toLowerCase() as OfflineField;
  const empty = !values[field].trim();
  return { [field]: empty ? 'required' : field === 'email' ? 'badEmail' : 'invalid' };
}

export class ChatView {
  readonly root: HTMLElement;
  private readonly t: Translate;
  private readonly log: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly typing: HTMLElement;
  private readonly conn: HTMLElement;
  private readonly sub: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly composer: HTMLFormElement;
  private readonly notice: HTMLElement;
  private readonly queue: HTMLElement;
  private readonly done: HTMLElement;
  private readonly ups: HTMLElement;
  /** The pre-chat or offline form shown instead of the composer, if any. */
  private form: HTMLFormElement | null = null;
  private offline: { slots: Record<OfflineField, Slot>; error: HTMLElement; submit: HTMLButtonElement } | null = null;
  private readonly els = new Map<string, HTMLElement>();

  constructor(
    private readonly opts: ViewOptions,
    private readonly cb: ViewCallbacks,
  ) {
    const t = (this.t = opts.t);
    this.sub = h('p', { class: 'sub', 'data-testid': 'agents-status' });
    const close = h('button', { type: 'button', class: 'x', 'data-testid': 'close-button', 'aria-label': t('close') }, svgIcon(ICON_CLOSE));
    close.addEventListener('click', () => cb.onClose());
    if (!opts.embedded) close.hidden = true;
    const header = h('header', { class: 'hd' }, h('div', { class: 'ttl' }, h('h1', { 'data-testid': 'widget-title' }, opts.title), this.sub), close);

    this.conn = h('div', { class: 'conn', role: 'status', 'data-testid': 'connection-state', 'data-state': 'idle' });
    this.log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': t('messages'), 'data-testid': 'message-list' });
    if (opts.greeting) this.log.append(h('div', { class: 'greet', 'data-testid': 'greeting' }, opts.greeting));
    this.typing = h('div', { class: 'typing', 'data-testid': 'typing-indicator', 'aria-live': 'polite', hidden: true });
    this.scroller = h('main', { class: 'body' }, this.log);

    this.input = h('textarea', {
      id: 'otklik-input',
      rows: 1,
      maxlength: MAX_TEXT,
      placeholder: t('placeholder'),
      'data-testid': 'message-input',
      autocomplete: 'off',
    });
    const send = h('button', { type: 'submit', class: 'send', 'aria-label': t('send'), title: t('send'), 'data-testid': 'send-button' }, svgIcon(ICON_SEND));
    this.notice = h('p', { class: 'notice', role: 'alert', 'data-testid': 'composer-notice', hidden: true });
    this.queue = h('p', { class: 'info', role: 'status', 'data-testid': 'queue-position', hidden: true });
    this.done = h('p', { class: 'info', role: 'status', 'data-testid': 'offline-confirmation', hidden: true });
    this.ups = h('div', { class: 'ups', 'data-testid': 'upload-list', hidden: true });
    const picker = h('input', { type: 'file', multiple: true, class: 'sr', tabindex: -1, 'aria-hidden': 'true', 'data-testid': 'attach-input' });
    picker.addEventListener('change', () => {
      const files = Array.from(picker.files ?? []);
      picker.value = '';
      if (files.length) cb.onAttach(files);
    });
    const clip = h('button', { type: 'button', class: 'clip', 'aria-label': t('attach'), title: t('attach'), 'data-testid': 'attach-button' }, svgIcon(ICON_CLIP));
    clip.addEventListener('click', () => picker.click());
    this.composer = h(
      'form',
      { class: 'composer', 'data-testid': 'composer' },
      h('label', { class: 'sr', for: 'otklik-input' }, t('inputLabel')),
      clip,
      picker,
      this.input,
      send,
    );
    this.composer.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => {
      this.autosize();
      this.showNotice(null);
      cb.onInput(!this.input.value.trim(), this.input.value);
    });

    this.root = h('div', { class: 'app', lang: opts.lang, 'data-testid': 'widget-app' }, header, this.conn, this.scroller, this.typing, this.ups, this.done, this.queue, this.notice, this.composer);
    this.root.style.setProperty('--c', opts.color);
    this.root.style.setProperty('--ct', contrastText(opts.color));
    this.setAgentsOnline(opts.agentsOnline);
    this.root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && opts.embedded) cb.onClose();
    });
  }

  private submit(): void {
    const text = this.input.value;
    if (text.length > MAX_TEXT) {
      this.showNotice(this.t('tooLong'));
      return;
    }
    if (this.cb.onSend(text)) {
      this.input.value = '';
      this.autosize();
    }
  }

  private autosize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }

  /** The files waiting to go with the next message. */
  renderUploads(list: readonly UploadInfo[]): void {
    this.ups.textContent = '';
    for (const u of list) {
      const label = u.state === 'uploading' ? this.t('uploading', { p: Math.round(u.progress * 100) }) : u.state === 'failed' ? (u.error ?? this.t('uploadFailed')) : '';
      const row = h('div', { class: `up ${u.state}`, 'data-testid': 'upload-item', 'data-state': u.state }, h('span', { class: 'fn' }, u.name), h('span', { class: 'us' }, label));
      if (u.state === 'failed') {
        const retry = h('button', { type: 'button', class: 'rt', 'data-testid': 'upload-retry' }, this.t('retry'));
        retry.addEventListener('click', () => this.cb.onUploadRetry(u.key));
        row.append(retry);
      }
      const remove = h('button', { type: 'button', class: 'rm', 'aria-label': this.t('remove'), title: this.t('remove'), 'data-testid': 'upload-remove' }, svgIcon(ICON_CLOSE));
      remove.addEventListener('click', () => this.cb.onUploadRemove(u.key));
      row.append(remove);
      this.ups.append(row);
    }
    this.ups.hidden = !list.length;
  }

  showNotice(text: string | null): void {
    this.notice.textContent = text ?? '';
    this.notice.hidden = !text;
  }

  /** What the visitor has typed into the send box and not sent. */
  draft(): string {
    return this.input.value.trim();
  }

  setAgentsOnline(online: boolean): void {
    this.sub.textContent = this.t(online ? 'agentsOnline' : 'agentsOffline');
    this.sub.setAttribute('data-online', String(online));
  }

  setMobile(mobile: boolean): void {
    this.root.classList.toggle('mobile', mobile);
  }

  setConnection(state: ConnView): void {
    this.conn.setAttribute('data-state', state);
    this.conn.textContent = state === 'offline' ? this.t('offline') : state === 'connecting' ? this.t('connecting') : '';
    // "Connected" is spoken to screen readers only after a problem, never shown as a banner.
    this.conn.setAttribute('aria-label', state === 'online' ? this.t('connected') : this.conn.textContent);
  }

  setTyping(visible: boolean, name: string | null): void {
    this.typing.hidden = !visible;
    this.typing.textContent = visible ? (name ? this.t('typing', { name }) : this.t('typingAnon')) : '';
  }

  /** A labelled input (or textarea for the message) with its error line. */
  private field(kind: 'pre' | 'off', field: 'name' | 'email' | 'text', mode: FieldMode, value = ''): { row: HTMLElement; slot: Slot } {
    const id = `otklik-${kind}-${field}`;
    const test = `${kind === 'pre' ? 'prechat' : 'offline'}-${field === 'text' ? 'message' : field}`;
    const err = h('p', { class: 'err', id: `${id}-err`, 'data-testid': `${test}-error`, hidden: true });
    const attrs = {
      id,
      name: field,
      required: mode === 'required',
      'aria-required': mode === 'required' ? 'true' : null,
      'aria-describedby': `${id}-err`,
      'data-testid': test,
    };
    const input =
      field === 'text'
        ? h('textarea', { ...attrs, rows: 4, maxlength: MAX_TEXT })
        : h('input', { ...attrs, type: field === 'email' ? 'email' : 'text', autocomplete: field, maxlength: 200 });
    input.value = value;
    const label = h('label', { for: id }, this.t(field === 'text' ? 'inputLabel' : field), mode === 'optional' ? h('span', { class: 'opt' }, ` ${this.t('optional')}`) : null);
    return { row: h('div', { class: 'field' }, label, input, err), slot: { input, err } };
  }

  /** Show an error key per field (none: clear); focus the first bad field. Returns whether any. */
  private markErrors(slots: Partial<Record<string, Slot>>, errors: Partial<Record<string, FrameKey>>): boolean {
    let first: Slot['input'] | null = null;
    for (const [field, slot] of Object.entries(slots)) {
      if (!slot) continue;
      const key = errors[field];
      slot.err.textContent = key ? this.t(key) : '';
      slot.err.hidden = !key;
      slot.input.setAttribute('aria-invalid', String(!!key));
      if (key && !first) first = slot.input;
    }
    first?.focus();
    return !!first;
  }

  /** Put a form where the composer was. */
  private mountForm(form: HTMLFormElement): void {
    this.form?.remove();
    this.offline = null;
    this.form = form;
    this.scroller.append(form);
    this.composer.hidden = true;
  }

  /** Pre-chat form instead of the composer. */
  showPrechat(fields: { name: FieldMode; email: FieldMode }, initial: { name?: string; email?: string } = {}): void {
    const form = h('form', { class: 'pre', 'data-testid': 'prechat-form', novalidate: true }, h('p', { class: 'intro' }, this.t('prechatIntro')));
    const slots: Partial<Record<'name' | 'email', Slot>> = {};
    for (const field of ['name', 'email'] as const) {
      if (fields[field] === 'off') continue;
      const { row, slot } = this.field('pre', field, fields[field], initial[field]);
      form.append(row);
      slots[field] = slot;
    }
    form.append(h('button', { type: 'submit', class: 'start', 'data-testid': 'prechat-submit' }, this.t('start')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const values = { name: slots.name?.input.value.trim() ?? '', email: slots.email?.input.value.trim() ?? '' };
      if (!this.markErrors(slots, validatePrechat(fields, values))) this.cb.onPrechat(values);
    });
    this.mountForm(form);
  }

  /** Nobody online: contact + message, answered later by email. */
  showOffline(nameMode: FieldMode, initial: Partial<OfflineValues> = {}): void {
    const t = this.t;
    const form = h('form', { class: 'pre', 'data-testid': 'offline-form', novalidate: true }, h('p', { class: 'intro' }, t('offlineIntro')));
    const name = this.field('off', 'name', nameMode === 'required' ? 'required' : 'optional', initial.name);
    const email = this.field('off', 'email', 'required', initial.email);
    const text = this.field('off', 'text', 'required', initial.text);
    const error = h('p', { class: 'err', role: 'alert', 'data-testid': 'offline-error', hidden: true });
    const submit = h('button', { type: 'submit', class: 'start', 'data-testid': 'offline-submit' }, t('leaveMessage'));
    form.append(name.row, email.row, text.row, error, submit);
    const slots = { name: name.slot, email: email.slot, text: text.slot };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (submit.disabled) return;
      const values = this.offlineValues()!;
      this.offlineFailed(null);
      if (!this.markErrors(slots, validateOffline(nameMode, values))) this.cb.onOffline(values);
    });
    this.mountForm(form);
    this.offline = { slots, error, submit };
  }

  /** What the visitor typed into the offline form (null when it isn't shown). */
  offlineValues(): OfflineValues | null {
    const o = this.offline;
    if (!o) return null;
    return { name: o.slots.name.input.value.trim(), email: o.slots.email.input.value.trim(), text: o.slots.text.input.value };
  }

  /** Field errors from the server (422); the typed text stays. */
  offlineErrors(errors: OfflineErrors): void {
    if (this.offline) this.markErrors(this.offline.slots, errors);
  }

  /** A form-level error (network, server); null clears it. */
  offlineFailed(text: string | null): void {
    const err = this.offline?.error;
    if (!err) return;
    err.textContent = text ?? '';
    err.hidden = !text;
  }

  setOfflineBusy(busy: boolean): void {
    if (!this.offline) return;
    this.offline.submit.disabled = busy;
    this.offline.submit.setAttribute('aria-busy', String(busy));
  }

  /** The offline message went through: back to the normal composer with a confirmation. */
  showOfflineDone(email: string): void {
    this.showChat();
    this.setDone(email);
  }

  /** "We'll answer by email at …" above the send box; null hides it. */
  setDone(email: string | null): void {
    this.done.textContent = email === null ? '' : this.t('offlineDone', { email });
    this.done.hidden = email === null;
  }

  /** A panel of its own (the email proof) between the messages and the send box. */
  addPanel(panel: HTMLElement): void {
    this.root.insertBefore(panel, this.ups);
  }

  /** "You are number N in the queue" above the send box; null hides it. */
  setQueue(position: number | null): void {
    this.queue.textContent = position === null ? '' : this.t('queue', { n: position });
    this.queue.hidden = position === null;
  }

  /** The normal composer; `text` carries over what was typed in a form. */
  showChat(text?: string): void {
    this.form?.remove();
    this.form = null;
    this.offline = null;
    this.composer.hidden = false;
    if (text && !this.input.value) {
      this.input.value = text;
      this.autosize();
    }
  }

  focus(): void {
    const target = this.form?.querySelector<HTMLElement>('input, textarea') ?? this.input;
    target.focus();
  }

  private nearBottom(): boolean {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  }

  private scrollDown(): void {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  /** Reconcile the list with the store: one element per item key, updated in place. */
  renderMessages(items: readonly ChatItem[]): void {
    const stick = this.nearBottom();
    let addedMine = false;
    const seen = new Set<string>();
    let prev: ChatItem | null = null;
    let anchor: Element | null = this.log.querySelector('.greet');
    for (const item of items) {
      seen.add(item.key);
      let el = this.els.get(item.key);
      if (!el) {
        el = this.create(item);
        this.els.set(item.key, el);
        if (item.mine) addedMine = true;
      }
      this.update(el, item, prev);
      const want = anchor ? anchor.nextSibling : this.log.firstChild;
      if (want !== el) this.log.insertBefore(el, want);
      anchor = el;
      prev = item;
    }
    for (const [key, el] of this.els) {
      if (!seen.has(key)) {
        el.remove();
        this.els.delete(key);
      }
    }
    if (stick || addedMine) this.scrollDown();
  }

  private create(item: ChatItem): HTMLElement {
    const who = h('div', { class: 'who' });
    const bubble = h('div', { class: 'bub' });
    bubble.textContent = item.text; // never innerHTML
    const time = h('time', { class: 'tm' });
    const state = h('span', { class: 'st' });
    const meta = h('div', { class: 'meta' }, time, state);
    if (item.mine) {
      const retry = h('button', { type: 'button', class: 'rt', 'data-testid': 'retry-button', hidden: true }, this.t('retry'));
      retry.addEventListener('click', () => item.clientMsgId && this.cb.onRetry(item.clientMsgId));
      meta.append(retry);
    }
    return h('div', { 'data-testid': 'message' }, who, bubble, h('div', { class: 'files' }), meta);
  }

  /** Previews for safe images, download links for the rest; filled once per set of files. */
  private renderFiles(box: HTMLElement, files: readonly Attachment[]): void {
    const ids = files.map((a) => a.id).join(',');
    if (box.getAttribute('data-ids') === ids) return;
    box.setAttribute('data-ids', ids);
    box.textContent = '';
    box.hidden = !files.length;
    for (const a of files) {
      const link = h('a', { class: a.inline ? 'pvl' : 'file', href: '#', 'data-testid': a.inline ? 'attachment-preview' : 'attachment-link', 'data-attachment-id': a.id });
      if (a.inline) {
        const img = h('img', { class: 'pv', alt: this.t('image', { name: a.filename }), 'data-testid': 'attachment-image' });
        this.cb.loadFile(a).then(
          (src) => (img.src = src),
          () => img.setAttribute('data-state', 'failed'),
        );
        link.append(img);
      } else {
        link.append(h('span', { class: 'fn' }, a.filename), h('span', { class: 'sz' }, fileSize(a.size)));
      }
      link.addEventListener('click', (e) => {
        e.preventDefault();
        void this.cb.loadFile(a).then((url) => h('a', { href: url, download: a.filename }).click(), () => undefined);
      });
      box.append(link);
    }
  }

  private update(el: HTMLElement, item: ChatItem, prev: ChatItem | null): void {
    el.className = `m ${item.mine ? 'me' : 'them'} a-${item.authorType}${item.state === 'failed' ? ' bad' : ''}`;
    el.setAttribute('data-author', item.authorType);
    el.setAttribute('data-state', item.state);
    if (item.id !== null) el.setAttribute('data-msg-id', String(item.id));
    else el.removeAttribute('data-msg-id');
    if (item.clientMsgId) el.setAttribute('data-client-msg-id', item.clientMsgId);
    const [who, bubble, files, meta] = Array.from(el.children) as HTMLElement[];
    bubble.hidden = !item.text;
    this.renderFiles(files, item.attachments);
    const name = item.mine
      ? ''
      : item.authorName || this.t(item.authorType === 'bot' ? 'bot' : 'operator');
    const sameAuthor = prev && prev.mine === item.mine && prev.authorName === item.authorName && prev.authorType === item.authorType;
    who.textContent = sameAuthor || item.authorType === 'system' ? '' : name;
    who.hidden = !who.textContent;
    const [time, state, retry] = Array.from(meta.children) as HTMLElement[];
    const d = new Date(item.createdAt);
    time.textContent = isNaN(d.getTime()) ? '' : d.toLocaleTimeString(this.opts.lang, { hour: '2-digit', minute: '2-digit' });
    time.setAttribute('datetime', item.createdAt);
    if (item.mine) {
      const key = item.state === 'failed' ? 'failed' : item.state === 'queued' ? 'queued' : item.state === 'sending' ? 'sending' : 'sent';
      state.textContent = this.t(key);
      state.setAttribute('data-testid', 'message-state');
      if (retry) retry.hidden = item.state !== 'failed';
    }
  }
}
