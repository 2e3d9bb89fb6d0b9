/** Shapes from docs/api.md (visitor side). */
export type AuthorType = 'contact' | 'agent' | 'bot' | 'system';
export type FieldMode = 'off' | 'optional' | 'required';

export interface InboxSettings {
  color: string;
  title: string;
  greeting: string;
  position: 'right' | 'left';
  language: 'auto' | 'ru' | 'en';
  prechat: { name: FieldMode; email: FieldMode };
}

export interface WidgetConfig {
  inbox: { name: string; settings: InboxSettings };
  agents_online: boolean;
}

export interface Session {
  /** A fresh token comes with every session answer: keep the newest. */
  visitor_token: string;
  /** When the token stops being accepted (ISO time); trade it for a new one before then. */
  token_expires_at?: string;
  contact_id: number;
  conversation_id: number | null;
  /** The presented token was accepted: the same visitor (false: a new one). */
  resumed?: boolean;
}

export interface QueueInfo {
  /** 1 = next in line; null when not waiting in a queue. */
  position: number | null;
}

/** A file on a message; `inline` = a safe image to preview. Fetch `url` with the visitor token. */
export interface Attachment {
  id: number;
  filename: string;
  content_type: string;
  size: number;
  url: string;
  inline: boolean;
}

export interface Message {
  id: number;
  conversation_id: number;
  author_type: AuthorType;
  author_id: number | null;
  author_name: string | null;
  private: boolean;
  text: string;
  client_msg_id: string | null;
  created_at: string;
  attachments?: Attachment[];
}
