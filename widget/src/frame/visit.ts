/**
 * Reports what the customer card shows of the visitor: the host site's pages (the loader
 * sends them), the browser's language and time zone, and a phone the site gave. Sent once
 * the visitor has a session, and again whenever it changes; the User-Agent goes with the
 * request itself. A failed report is simply tried with the next change or session.
 */
import type { PageVisit } from '../shared/bridge';
import type { Api, VisitBody } from './api';

export class VisitReporter {
  private body: VisitBody | null = null;
  private sent = '';

  constructor(
    private readonly api: Api,
    private readonly token: () => string | null,
  ) {}

  pages(pages: PageVisit[], phone?: string): void {
    let timezone: string | undefined;
    try {
      timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
    } catch {
      timezone = undefined;
    }
    this.body = {
      pages: pages.filter((p) => p && typeof p.url === 'string' && /^https?:/.test(p.url)).slice(-20),
      language: navigator.language || undefined,
      timezone,
      phone: phone || undefined,
    };
    void this.flush();
  }

  /** Send what changed since the last report (call it when a session starts, too). */
  async flush(): Promise<void> {
    const token = this.token();
    if (!token || !this.body) return;
    const text = JSON.stringify(this.body);
    if (text === this.sent) return;
    this.sent = text;
    try {
      await this.api.visit(token, this.body);
    } catch {
      this.sent = '';
    }
  }
}
