/**
 * The offline form's request: one `POST /widget/offline` makes the contact, the conversation
 * and the message. A retry of the same text keeps its client_msg_id (the server stores the
 * message once); a site identity the server refuses is dropped and the form sent again.
 */
import type { Lang } from '../shared/i18n';
import type { Api, OfflineBody } from './api';
import { newClientMsgId } from './ids';
import { isIdentityRefusal, type SiteUser } from './site-user';
import type { Session } from './types';
import type { OfflineValues } from './view';

export class OfflineSend {
  private draft: { cid: string; text: string } | null = null;
  /** A request is on its way (the form must not switch away meanwhile). */
  busy = false;

  constructor(
    private readonly api: Api,
    private readonly inboxKey: string,
    private readonly site: SiteUser,
  ) {}

  /** Send the form; the answer's session, and the client_msg_id the message went with. */
  async send(values: OfflineValues, lang: Lang, token: string | null): Promise<{ session: Session; cid: string }> {
    if (this.draft?.text !== values.text) this.draft = { cid: newClientMsgId(), text: values.text };
    const cid = this.draft.cid;
    const body: OfflineBody = { inbox_key: this.inboxKey, email: values.email, text: values.text, client_msg_id: cid, language: lang };
    if (values.name) body.name = values.name;
    if (token) body.visitor_token = token;
    if (this.site.value) body.identity = this.site.value;
    this.busy = true;
    try {
      const session = await this.api.offline(body).catch((e: unknown) => {
        if (!body.identity || !isIdentityRefusal(e)) throw e;
        this.site.refused(e);
        delete body.identity;
        return this.api.offline(body);
      });
      this.draft = null;
      return { session, cid };
    } finally {
      this.busy = false;
    }
  }
}
