/** The chat window's DOM. All visitor-facing text comes from i18n; user text goes in as text nodes. */
import type { Translate } from '../shared/i18n';
import { contrastText, h, ICON_CLOSE, ICON_SEND, svgIcon } from './dom';
import type { ChatItem } from './messages';
import type { FieldMode } from './types';

export type ConnView = 'idle' | 'connecting' | 'online' | 'offline';

export interface ViewCallbacks {
  onSend(text: string): boolean;
  onRetry(clientMsgId: string): void;
  onClose(): void;
  onPrechat(values: { name: string; email: string }): void;
  onInput(empty: boolean): void;
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
  private prechat: HTMLFormElement | null = null;
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
    this.composer = h(
      'form',
      { class: 'composer', 'data-testid': 'composer' },
      h('label', { class: 'sr', for: 'otklik-input' }, t('inputLabel')),
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
      cb.onInput(!this.input.value.trim());
    });

    this.root = h('div', { class: 'app', lang: opts.lang, 'data-testid': 'widget-app' }, header, this.conn, this.scroller, this.typing, this.notice, this.composer);
    this.root.style.setProperty('--c', opts.color);
    this.root.style.setProperty('--ct', contrastText(opts.color));
    this.setAgentsOnline(opts.agentsOnline);
    this.root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && opts.embedded) cb.onClose();
    });
  }

  private submit(): void {
    const text = this.input.value;
    if (!text.trim()) return;
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

  showNotice(text: string | null): void {
    this.notice.textContent = text ?? '';
    this.notice.hidden = !text;
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

  /** Pre-chat form instead of the composer. */
  showPrechat(fields: { name: FieldMode; email: FieldMode }, initial: { name?: string; email?: string } = {}): void {
    const t = this.t;
    const form = h('form', { class: 'pre', 'data-testid': 'prechat-form', novalidate: true }, h('p', { class: 'intro' }, t('prechatIntro')));
    const inputs: Partial<Record<'name' | 'email', { input: HTMLInputElement; err: HTMLElement }>> = {};
    for (const field of ['name', 'email'] as const) {
      const mode = fields[field];
      if (mode === 'off') continue;
      const id = `otklik-pre-${field}`;
      const err = h('p', { class: 'err', id: `${id}-err`, 'data-testid': `prechat-${field}-error`, hidden: true });
      const input = h('input', {
        id,
        name: field,
        type: field === 'email' ? 'email' : 'text',
        autocomplete: field,
        required: mode === 'required',
        'aria-required': mode === 'required' ? 'true' : null,
        'aria-describedby': `${id}-err`,
        maxlength: 200,
        'data-testid': `prechat-${field}`,
      });
      input.value = initial[field] ?? '';
      const label = h('label', { for: id }, t(field), mode === 'optional' ? h('span', { class: 'opt' }, ` ${t('optional')}`) : null);
      form.append(h('div', { class: 'field' }, label, input, err));
      inputs[field] = { input, err };
    }
    form.append(h('button', { type: 'submit', class: 'start', 'data-testid': 'prechat-submit' }, t('start')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const values = { name: inputs.name?.input.value.trim() ?? '', email: inputs.email?.input.value.trim() ?? '' };
      const errors = validatePrechat(fields, values);
      let first: HTMLInputElement | null = null;
      for (const field of ['name', 'email'] as const) {
        const slot = inputs[field];
        if (!slot) continue;
        const key = errors[field];
        slot.err.textContent = key ? t(key) : '';
        slot.err.hidden = !key;
        slot.input.setAttribute('aria-invalid', String(!!key));
        if (key && !first) first = slot.input;
      }
      if (first) {
        first.focus();
        return;
      }
      this.cb.onPrechat(values);
    });
    this.prechat?.remove();
    this.prechat = form;
    this.scroller.append(form);
    this.composer.hidden = true;
  }

  showChat(): void {
    this.prechat?.remove();
    this.prechat = null;
    this.composer.hidden = false;
  }

  focus(): void {
    const target = this.prechat?.querySelector('input') ?? this.input;
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
    return h('div', { 'data-testid': 'message' }, who, bubble, meta);
  }

  private update(el: HTMLElement, item: ChatItem, prev: ChatItem | null): void {
    el.className = `m ${item.mine ? 'me' : 'them'} a-${item.authorType}${item.state === 'failed' ? ' bad' : ''}`;
    el.setAttribute('data-author', item.authorType);
    el.setAttribute('data-state', item.state);
    if (item.id !== null) el.setAttribute('data-msg-id', String(item.id));
    else el.removeAttribute('data-msg-id');
    if (item.clientMsgId) el.setAttribute('data-client-msg-id', item.clientMsgId);
    const [who, , meta] = Array.from(el.children) as HTMLElement[];
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
