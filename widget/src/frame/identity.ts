/**
 * "Written to us before?": the visitor proves an email address with a one-time code we mail
 * to it, and the chat then shows that customer's earlier conversations (docs/security.md,
 * "Joining an earlier contact"). Typing an address alone never shows anybody's history.
 *
 * The panel has three states: a toggle, the email step, and the code step. The controller
 * (app.ts) does the requests; this module owns the DOM and maps the server's refusals to
 * visitor texts.
 */
import type { FrameKey, Translate } from '../shared/i18n';
import { ApiError } from './api';
import { h } from './dom';

export interface ProofCallbacks {
  /** Ask the server to mail a code to `email` (rejects with the server's error). */
  ask(email: string): Promise<void>;
  /** The code the visitor typed; resolves once the chat shows the joined history. */
  confirm(code: string): Promise<void>;
}

/** The visitor text for a failed request of the proof flow. */
export function proofErrorKey(err: unknown): FrameKey {
  if (!(err instanceof ApiError)) return 'historyFailed';
  switch (err.code) {
    case 'invalid_code':
      return 'historyWrongCode';
    case 'proof_expired':
    case 'proof_used':
      return 'historyExpired';
    case 'proof_spent':
      return 'historySpent';
    case 'email_unavailable':
      return 'historyNoMail';
    case 'rate_limited':
      return 'historyTooMany';
    case 'validation_error':
      return 'badEmail';
    default:
      return 'historyFailed';
  }
}

/** Six digits, spaces and dashes dropped (a code copied from a mail may carry them). */
export function cleanCode(raw: string): string {
  return raw.replace(/[\s-]/g, '');
}

export class ProofPanel {
  readonly root: HTMLElement;
  private busy = false;

  constructor(
    private readonly t: Translate,
    private readonly cb: ProofCallbacks,
  ) {
    this.root = h('div', { class: 'proof', 'data-testid': 'history-proof' });
    this.showToggle();
  }

  /** Only the link that opens the panel. */
  showToggle(): void {
    const open = h('button', { type: 'button', class: 'lnk', 'data-testid': 'history-open' }, this.t('historyToggle'));
    open.addEventListener('click', () => this.showEmail());
    this.root.replaceChildren(open);
  }

  /** The joined history is shown: say so, once. */
  showDone(): void {
    this.root.replaceChildren(h('p', { class: 'ok', role: 'status', 'data-testid': 'history-done' }, this.t('historyDone')));
  }

  private step(
    testid: string,
    intro: string,
    label: FrameKey,
    input: HTMLInputElement,
    submitText: FrameKey,
    run: (value: string) => Promise<void>,
  ): void {
    const id = `otklik-proof-${testid}`;
    input.id = id;
    input.setAttribute('aria-describedby', `${id}-err`);
    const err = h('p', { class: 'err', id: `${id}-err`, role: 'alert', 'data-testid': 'history-error', hidden: true });
    const submit = h('button', { type: 'submit', class: 'start', 'data-testid': 'history-submit' }, this.t(submitText));
    const cancel = h('button', { type: 'button', class: 'lnk', 'data-testid': 'history-cancel' }, this.t('historyCancel'));
    cancel.addEventListener('click', () => this.showToggle());
    const form = h(
      'form',
      { class: 'pre', 'data-testid': `history-${testid}-form`, novalidate: true },
      h('p', { class: 'intro' }, intro),
      h('div', { class: 'field' }, h('label', { for: id }, this.t(label)), input, err),
      submit,
      cancel,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const value = input.value.trim();
      if (this.busy) return;
      if (!value) {
        this.fail(err, input, 'required');
        return;
      }
      this.busy = true;
      submit.disabled = true;
      submit.setAttribute('aria-busy', 'true');
      run(value)
        .catch((e: unknown) => this.fail(err, input, proofErrorKey(e)))
        .finally(() => {
          this.busy = false;
          submit.disabled = false;
          submit.setAttribute('aria-busy', 'false');
        });
    });
    this.root.replaceChildren(form);
    input.focus();
  }

  private fail(err: HTMLElement, input: HTMLInputElement, key: FrameKey): void {
    err.textContent = this.t(key);
    err.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }

  private showEmail(): void {
    const input = h('input', { type: 'email', name: 'email', autocomplete: 'email', maxlength: 320, 'data-testid': 'history-email', required: true });
    this.step('email', this.t('historyIntro'), 'email', input, 'historySend', async (email) => {
      await this.cb.ask(email);
      this.showCode(email);
    });
  }

  private showCode(email: string): void {
    const input = h('input', { type: 'text', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 20, 'data-testid': 'history-code', required: true });
    this.step('code', this.t('historySent', { email }), 'historyCode', input, 'historyConfirm', async (code) => {
      await this.cb.confirm(cleanCode(code));
      this.showDone();
    });
  }
}
