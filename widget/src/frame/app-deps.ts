// What the frame app is given (so tests can hand it fakes) and the small records it keeps.
import type { Api } from './api';
import type { FrameBridge } from './bridge';
import type { KV } from './storage';
import type { Attachment } from './types';
import type { UploadInfo } from './view';

export interface AppDeps {
  inboxKey: string;
  api: Api;
  kv: KV;
  bridge: FrameBridge;
  mount: HTMLElement;
  /** The socket's address; the token goes in its first frame, not here. */
  wsUrl: () => string;
  WebSocketImpl?: { new (url: string): WebSocket };
  isOnline?: () => boolean;
  languages?: readonly string[];
  beep?: () => void;
  /** The loader has the site's user for us (`identity=1` in the frame's address): wait for
   * it before the first session request. */
  expectIdentity?: boolean;
}

export interface Upload extends UploadInfo {
  file: File;
  attachment?: Attachment;
}

export interface Profile {
  name: string;
  email: string;
}
