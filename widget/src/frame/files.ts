// Blob URLs of attachments. The visitor authenticates with a bearer token, which an <img src>
// cannot send, so each file is fetched once with the token and shown from a blob URL; a file
// the visitor just picked is shown from the local copy without a download.

export class FileUrls {
  private readonly urls = new Map<number, Promise<string>>();

  /** The URL for attachment `id`, fetching it through `download` the first time. */
  get(id: number, download: () => Promise<Blob>): Promise<string> {
    let url = this.urls.get(id);
    if (!url) {
      url = download().then((blob) => URL.createObjectURL(blob));
      url.catch(() => this.urls.delete(id));
      this.urls.set(id, url);
    }
    return url;
  }

  /** Show attachment `id` from the file the visitor picked. */
  rememberLocal(id: number, file: Blob): void {
    if (typeof URL.createObjectURL === 'function') this.urls.set(id, Promise.resolve(URL.createObjectURL(file)));
  }

  clear(): void {
    this.urls.clear();
  }
}
