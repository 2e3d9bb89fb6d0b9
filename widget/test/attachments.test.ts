import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket } from './fakes';
import { settle, setup, type } from './harness';

beforeEach(() => {
  FakeSocket.reset();
  vi.useFakeTimers();
  document.body.innerHTML = '';
  URL.createObjectURL = vi.fn(() => 'blob:preview');
});
afterEach(() => {
  vi.useRealTimers();
});

function pick(t: ReturnType<typeof setup>, files: File[]): void {
  const input = t.q('attach-input') as HTMLInputElement;
  Object.defineProperty(input, 'files', { value: files, configurable: true });
  input.dispatchEvent(new Event('change'));
}

describe('attachments', () => {
  it('uploads a picked image, sends it without text and shows a preview', async () => {
    const t = setup();
    await t.app.start();
    expect(t.q('attach-button')?.getAttribute('aria-label')).toBe('Attach a file');
    pick(t, [new File([new Uint8Array([137, 80, 78, 71])], 'cat.png', { type: 'image/png' })]);
    await settle();
    expect(t.q('upload-item')?.dataset.state).toBe('ready');
    type(t, '');
    await settle();
    expect(t.backend.sendCalls).toHaveLength(1);
    expect(t.backend.sendCalls[0].attachment_ids).toHaveLength(1);
    expect(t.q('upload-list')?.hidden).toBe(true);
    const [el] = t.items();
    expect(el.dataset.state).toBe('sent');
    const img = el.querySelector<HTMLImageElement>('[data-testid="attachment-image"]')!;
    expect(img.getAttribute('src')).toBe('blob:preview');
    expect(img.alt).toBe('Image: cat.png');
  });

  it('shows other files as download links, and a failed upload can be retried', async () => {
    const t = setup();
    await t.app.start();
    t.backend.failUploads = 1;
    pick(t, [new File(['%PDF-1.4'], 'report.pdf', { type: 'application/pdf' })]);
    await settle();
    expect(t.q('upload-item')?.dataset.state).toBe('failed');
    type(t, 'here');
    await settle();
    expect(t.backend.sendCalls.map((c) => c.attachment_ids)).toEqual([undefined]); // text only
    t.q('upload-retry')!.click();
    await settle();
    expect(t.q('upload-item')?.dataset.state).toBe('ready');
    type(t, 'the report');
    await settle();
    const link = t.items()[1].querySelector<HTMLElement>('[data-testid="attachment-link"]')!;
    expect(link.textContent).toContain('report.pdf');
  });

  it('waits for uploads in progress before sending', async () => {
    const t = setup();
    await t.app.start();
    t.app.uploads.push({ key: 'k', name: 'a.png', file: new File(['x'], 'a.png'), state: 'uploading', progress: 0.5 });
    type(t, 'now');
    await settle();
    expect(t.backend.sendCalls).toHaveLength(0);
    expect(t.q('composer-notice')?.textContent).toBe('Please wait until the files are uploaded.');
  });
});
