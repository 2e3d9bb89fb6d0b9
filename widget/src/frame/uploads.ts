/**
 * Files the visitor picked: each uploads at once and waits above the send box until the next
 * message takes it (or it is removed). Kept apart from the app, which only says where files
 * go, how they are drawn and what a failure reads as.
 */
import type { Upload } from './app-deps';
import { newClientMsgId } from './ids';
import type { Attachment } from './types';

export interface UploadDeps {
  /** Upload one file, reporting progress 0..1; the stored attachment. */
  send: (file: File, progress: (p: number) => void) => Promise<Attachment>;
  /** Draw the waiting files again. */
  render: (items: readonly Upload[]) => void;
  /** An uploaded file, with the local file it came from (inline previews). */
  uploaded: (a: Attachment, file: File) => void;
  /** The text shown under a failed upload. */
  failure: (e: unknown) => string;
}

export class Uploads {
  items: Upload[] = [];

  constructor(private readonly d: UploadDeps) {}

  add(files: File[]): void {
    for (const file of files) {
      const u: Upload = { key: newClientMsgId(), name: file.name, file, state: 'uploading', progress: 0 };
      this.items.push(u);
      void this.upload(u);
    }
  }

  retry(key: string): void {
    const u = this.items.find((x) => x.key === key);
    if (u) void this.upload(u);
  }

  remove(key: string): void {
    this.items = this.items.filter((x) => x.key !== key);
    this.d.render(this.items);
  }

  /** Forget every file (another visitor's are not this one's to send). */
  clear(): void {
    this.items = [];
    this.d.render(this.items);
  }

  busy(): boolean {
    return this.items.some((u) => u.state === 'uploading');
  }

  /** The uploaded files, ready to go with a message. */
  ready(): Attachment[] {
    return this.items.flatMap((u) => (u.state === 'ready' && u.attachment ? [u.attachment] : []));
  }

  /** A message took the uploaded files: they leave the waiting list. */
  dropReady(): void {
    this.items = this.items.filter((u) => u.state !== 'ready');
    this.d.render(this.items);
  }

  private async upload(u: Upload): Promise<void> {
    u.state = 'uploading';
    u.progress = 0;
    this.d.render(this.items);
    try {
      const a = await this.d.send(u.file, (p) => {
        u.progress = p;
        this.d.render(this.items);
      });
      u.attachment = a;
      u.state = 'ready';
      this.d.uploaded(a, u.file);
    } catch (e) {
      u.state = 'failed';
      u.error = this.d.failure(e);
    }
    this.d.render(this.items);
  }
}
