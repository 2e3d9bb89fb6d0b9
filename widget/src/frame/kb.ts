/**
 * Knowledge-base suggestions before a chat starts (docs/api.md, ADR 25): the visitor's first
 * words ask for up to 3 published articles; each opens the help center in a new tab. A
 * visitor who opened one and closes the widget without starting a chat is a deflection,
 * reported once.
 */
import type { Translate } from '../shared/i18n';
import { h } from './dom';

interface Suggestion {
  id: number;
  title: string;
  url: string;
}

const WAIT_MS = 400;
const MIN_CHARS = 4;

export class KbSuggestions {
  readonly root: HTMLElement;
  private readonly list: HTMLElement;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private asked = '';
  private read: number | null = null;
  private done = false;

  constructor(
    t: Translate,
    private readonly inboxKey: string,
    private readonly fetchImpl: typeof fetch = (...a) => fetch(...a),
  ) {
    this.list = h('ul', { class: 'kb-list' });
    this.root = h('div', { class: 'kb', 'data-testid': 'kb-suggestions', hidden: true }, h('p', { class: 'kb-intro' }, t('kbSuggest')), this.list);
  }

  /** What the visitor typed so far (before the chat started). */
  input(text: string): void {
    if (this.done) return;
    if (this.timer) clearTimeout(this.timer);
    const q = text.trim();
    if (q.length < MIN_CHARS) return;
    this.timer = setTimeout(() => void this.ask(q), WAIT_MS);
  }

  /** The chat started: suggestions are no longer wanted, nothing is a deflection. */
  stop(): void {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.root.hidden = true;
  }

  /** The widget was closed: a deflection if an article was read and no chat started. */
  closed(): void {
    if (this.done || this.read === null) return;
    this.done = true;
    void this.fetchImpl('/api/v1/widget/kb/deflections', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ inbox: this.inboxKey, article_id: this.read }),
      credentials: 'omit',
    }).catch(() => undefined);
  }

  private async ask(q: string): Promise<void> {
    if (q === this.asked || this.done) return;
    this.asked = q;
    let items: Suggestion[] = [];
    try {
      const res = await this.fetchImpl(`/api/v1/widget/kb/suggestions?inbox=${encodeURIComponent(this.inboxKey)}&q=${encodeURIComponent(q)}`, {
        credentials: 'omit',
      });
      if (res.ok) items = ((await res.json()) as { items: Suggestion[] }).items;
    } catch {
      return; // suggestions are a nicety: no error shown
    }
    if (this.done || q !== this.asked) return;
    this.list.replaceChildren(
      ...items.map((s) => {
        const link = h('a', { href: s.url, target: '_blank', rel: 'noopener', 'data-testid': 'kb-suggestion' }, s.title);
        link.addEventListener('click', () => (this.read = s.id));
        return h('li', {}, link);
      }),
    );
    this.root.hidden = items.length === 0;
  }
}
