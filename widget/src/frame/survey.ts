/**
 * Survey cards in the chat (docs/api.md, "Surveys"): when the operator resolves the
 * conversation the server sends `survey.requested` with a card — a question in the
 * conversation's language and a scale (CSAT 1–5 as stars, CES 1–7, NPS 0–10). The visitor
 * picks a score (recorded at once, by the card's token), may add a comment, and is thanked.
 * Unanswered cards come back after a reload (`GET /widget/surveys`).
 */
import type { Translate } from '../shared/i18n';
import { h } from './dom';

export interface SurveyCard {
  token: string;
  kind: 'csat' | 'nps' | 'ces';
  question: string;
  low: number;
  high: number;
  low_label: string;
  high_label: string;
  score: number | null;
  comment: string | null;
  expired: boolean;
}

type Fetch = typeof fetch;

export class SurveyPanel {
  readonly root: HTMLElement;
  private readonly cards = new Map<string, HTMLElement>();

  constructor(
    private readonly t: Translate,
    private readonly fetchImpl: Fetch = (...a) => fetch(...a),
  ) {
    this.root = h('div', { class: 'surveys', 'data-testid': 'surveys', hidden: true });
  }

  /** The visitor's unanswered cards (after a reload or a reconnect). */
  async load(visitorToken: string): Promise<void> {
    try {
      const res = await this.fetchImpl('/api/v1/widget/surveys', {
        headers: { Authorization: `Bearer ${visitorToken}` },
        credentials: 'omit',
      });
      if (!res.ok) return;
      const { items } = (await res.json()) as { items: SurveyCard[] };
      for (const card of items) this.show(card);
    } catch {
      // a card is a nicety: it comes back on the next load
    }
  }

  /** A card from the socket: it may be a replay of one answered since (after a reload), so
   * the card's current state is asked first. */
  async requested(card: SurveyCard): Promise<void> {
    if (this.cards.has(card.token)) return;
    try {
      const res = await this.fetchImpl(`/api/v1/public/surveys/${encodeURIComponent(card.token)}`, { credentials: 'omit' });
      if (res.ok) this.show((await res.json()) as SurveyCard);
    } catch {
      // shown on the next load instead
    }
  }

  /** Show a card (once per token; not when answered or expired). */
  show(card: SurveyCard): void {
    if (this.cards.has(card.token) || card.score !== null || card.expired) return;
    const el = this.render(card);
    this.cards.set(card.token, el);
    this.root.append(el);
    this.root.hidden = false;
  }

  private render(card: SurveyCard): HTMLElement {
    const status = h('p', { class: 'survey-status', role: 'status', 'data-testid': 'survey-status' });
    const comment = h('textarea', { class: 'survey-comment', maxlength: '2000', rows: '2', 'aria-label': this.t('surveyComment'), placeholder: this.t('surveyComment'), 'data-testid': 'survey-comment' }) as HTMLTextAreaElement;
    const send = h('button', { type: 'submit', class: 'survey-send', 'data-testid': 'survey-send' }, this.t('surveySend'));
    const more = h('form', { class: 'survey-more', hidden: true }, comment, send);
    const scale = h('div', { class: `survey-scale ${card.kind}`, role: 'group', 'aria-label': this.t('surveyLabel') });
    const stars = card.kind === 'csat';
    const buttons: HTMLButtonElement[] = [];
    for (let n = card.low; n <= card.high; n++) {
      const b = h('button', { type: 'button', class: 'survey-score', 'aria-label': this.t('surveyScore', { n, max: card.high }), 'aria-pressed': 'false', 'data-testid': `survey-score-${n}` }, stars ? '★' : String(n)) as HTMLButtonElement;
      b.addEventListener('click', () => void this.answer(card, n, buttons, more, status));
      buttons.push(b);
      scale.append(b);
    }
    const ends = h('div', { class: 'survey-ends' }, h('span', {}, card.low_label), h('span', {}, card.high_label));
    const el = h('section', { class: 'survey', 'data-testid': 'survey-card', 'aria-label': this.t('surveyLabel') }, h('p', { class: 'survey-q' }, card.question), scale, ends, more, status);
    more.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.addComment(card, comment.value.trim(), el, status);
    });
    return el;
  }

  private mark(buttons: HTMLButtonElement[], card: SurveyCard, score: number): void {
    buttons.forEach((b, i) => {
      const n = card.low + i;
      b.setAttribute('aria-pressed', String(n === score));
      b.classList.toggle('on', card.kind === 'csat' ? n <= score : n === score);
    });
  }

  private async post(path: string, body: object): Promise<Response> {
    return this.fetchImpl(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
    });
  }

  private async answer(card: SurveyCard, score: number, buttons: HTMLButtonElement[], more: HTMLElement, status: HTMLElement): Promise<void> {
    if (card.score !== null) return;
    this.mark(buttons, card, score);
    try {
      const res = await this.post(`/api/v1/public/surveys/${encodeURIComponent(card.token)}/answer`, { score });
      if (res.status === 410) {
        status.textContent = this.t('surveyExpired');
        buttons.forEach((b) => (b.disabled = true));
        return;
      }
      if (!res.ok && res.status !== 409) throw new Error(String(res.status));
    } catch {
      status.textContent = this.t('surveyFailed');
      this.mark(buttons, card, card.low - 1);
      return;
    }
    card.score = score;
    buttons.forEach((b) => (b.disabled = true));
    status.textContent = this.t('surveyThanks');
    more.hidden = false;
  }

  private async addComment(card: SurveyCard, text: string, el: HTMLElement, status: HTMLElement): Promise<void> {
    if (text) {
      try {
        const res = await this.post(`/api/v1/public/surveys/${encodeURIComponent(card.token)}/comment`, { comment: text });
        if (!res.ok) throw new Error(String(res.status));
      } catch {
        status.textContent = this.t('surveyFailed');
        return;
      }
    }
    el.querySelector('.survey-more')?.remove();
    status.textContent = this.t('surveyThanks');
  }
}
