import { describe, expect, it, vi } from 'vitest';
import { frameTranslator } from '../src/shared/i18n';
import { SurveyPanel, type SurveyCard } from '../src/frame/survey';

const card = (over: Partial<SurveyCard> = {}): SurveyCard => ({
  token: 'tok_0123456789abcdefghij',
  kind: 'csat',
  question: 'How would you rate the help you received?',
  low: 1,
  high: 5,
  low_label: 'Poor',
  high_label: 'Excellent',
  score: null,
  comment: null,
  expired: false,
  ...over,
});

const flush = () => new Promise((r) => setTimeout(r, 0));
const q = (root: HTMLElement, id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`)!;

describe('SurveyPanel', () => {
  it('asks a card from the socket for its state first: a replayed, answered one stays hidden', async () => {
    const answered = card({ score: 5 });
    const fetchImpl = vi.fn(async () => new Response(JSON.stringify(answered), { status: 200 }));
    const panel = new SurveyPanel(frameTranslator('en'), fetchImpl as unknown as typeof fetch);
    await panel.requested(card());
    expect(fetchImpl).toHaveBeenCalledWith('/api/v1/public/surveys/tok_0123456789abcdefghij', expect.anything());
    expect(panel.root.hidden).toBe(true);
    fetchImpl.mockResolvedValueOnce(new Response(JSON.stringify(card()), { status: 200 }));
    await panel.requested(card());
    expect(panel.root.querySelectorAll('[data-testid="survey-card"]')).toHaveLength(1);
  });

  it('shows a card once, records the score, then takes a comment', async () => {
    const fetchImpl = vi.fn(async () => new Response('{}', { status: 200 }));
    const panel = new SurveyPanel(frameTranslator('ru'), fetchImpl as unknown as typeof fetch);
    document.body.append(panel.root); // a form submits only when in the document
    panel.show(card());
    panel.show(card()); // the same card replayed: still one
    expect(panel.root.querySelectorAll('[data-testid="survey-card"]')).toHaveLength(1);
    expect(q(panel.root, 'survey-score-3').getAttribute('aria-label')).toBe('Оценка 3 из 5');
    q(panel.root, 'survey-score-3').click();
    await flush();
    expect(fetchImpl).toHaveBeenCalledWith('/api/v1/public/surveys/tok_0123456789abcdefghij/answer', expect.objectContaining({ method: 'POST', body: '{"score":3}' }));
    expect(q(panel.root, 'survey-status').textContent).toBe('Спасибо за оценку!');
    expect((q(panel.root, 'survey-score-5') as HTMLButtonElement).disabled).toBe(true);
    (q(panel.root, 'survey-comment') as HTMLTextAreaElement).value = 'Быстро';
    q(panel.root, 'survey-send').click();
    await flush();
    expect(fetchImpl).toHaveBeenLastCalledWith('/api/v1/public/surveys/tok_0123456789abcdefghij/comment', expect.objectContaining({ body: '{"comment":"Быстро"}' }));
    expect(panel.root.querySelector('[data-testid="survey-comment"]')).toBeNull();
  });

  it('says so when the survey has expired, and skips answered ones', async () => {
    const fetchImpl = vi.fn(async () => new Response('{}', { status: 410 }));
    const panel = new SurveyPanel(frameTranslator('en'), fetchImpl as unknown as typeof fetch);
    panel.show(card({ token: 'answered_0123456789abc', score: 4 }));
    expect(panel.root.hidden).toBe(true);
    panel.show(card({ kind: 'nps', low: 0, high: 10 }));
    expect(panel.root.querySelectorAll('.survey-score')).toHaveLength(11);
    q(panel.root, 'survey-score-0').click();
    await flush();
    expect(q(panel.root, 'survey-status').textContent).toBe('This survey has expired.');
  });
});
