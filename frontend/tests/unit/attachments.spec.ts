import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { Attachment } from '@/api/attachments'
import { fromMessage } from '@/components/conversation/display'
import MessageItem from '@/components/conversation/MessageItem.vue'
import ReplyBox from '@/components/conversation/ReplyBox.vue'
import { i18n } from '@/i18n'
import { applyEvent } from '@/realtime/apply'
import { useDraftsStore } from '@/stores/drafts'
import { useMessagesStore } from '@/stores/messages'
import { useOutboxStore } from '@/stores/outbox'
import { useToastStore } from '@/stores/toasts'
import { formatSize } from '@/utils/format'
import { flush, jsonResponse, makeMessage, mockFetch } from './helpers'

let pinia: Pinia

function opts() {
  return { global: { plugins: [pinia, i18n] } }
}

function attachment(over: Partial<Attachment> = {}): Attachment {
  const id = over.id ?? 1
  return { id, filename: 'photo.png', content_type: 'image/png', size: 2048, url: `/api/v1/attachments/${id}`, inline: true, ...over }
}

function file(name: string, size = 10, type = 'text/plain'): File {
  return new File(['x'.repeat(size)], name, { type })
}

/** A promise the test resolves by hand (an upload that takes its time). */
function deferred<T>() {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

beforeEach(() => {
  localStorage.clear()
  pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'en'
  document.cookie = 'otklik_csrf=csrf-token-1'
})

afterEach(() => {
  document.cookie = 'otklik_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT'
})

describe('message.updated', () => {
  it('replaces the message in place by id, keeping the order, in cached threads only', async () => {
    mockFetch({
      'GET /conversations/1/messages': () => ({
        items: [
          makeMessage({ id: 1 }),
          makeMessage({ id: 2, author_type: 'agent', author_id: 1, delivery_status: 'pending' }),
          makeMessage({ id: 3 }),
        ],
        has_more: false,
      }),
    })
    const messages = useMessagesStore()
    await messages.open(1)
    const failed = makeMessage({ id: 2, author_type: 'agent', author_id: 1, delivery_status: 'failed', delivery_error: 'No route' })
    applyEvent({ id: 10, type: 'message.updated', data: { message: failed } })
    applyEvent({ id: 10, type: 'message.updated', data: { message: failed } })
    const items = messages.threads[1]!.items
    expect(items.map((m) => m.id)).toEqual([1, 2, 3])
    expect(items[1]).toMatchObject({ delivery_status: 'failed', delivery_error: 'No route' })

    // not shown here (an older page, another conversation): nothing is invented
    applyEvent({ id: 11, type: 'message.updated', data: { message: makeMessage({ id: 99, delivery_status: 'sent' }) } })
    applyEvent({ id: 12, type: 'message.updated', data: { message: makeMessage({ id: 5, conversation_id: 7 }) } })
    expect(messages.threads[1]!.items.map((m) => m.id)).toEqual([1, 2, 3])
    expect(messages.threads[7]).toBeUndefined()
  })
})

describe('files on messages', () => {
  it('previews safe images (opening the full image) and offers other files as downloads', () => {
    const msg = makeMessage({
      text: '',
      attachments: [
        attachment({ id: 1 }),
        attachment({ id: 2, filename: 'setup.exe', content_type: 'application/octet-stream', size: 3 * 1024 * 1024 + 200_000, inline: false }),
      ],
    })
    const w = mount(MessageItem, { props: { message: fromMessage(msg, 1) }, ...opts() })
    expect(w.find('[data-testid="message-text"]').exists()).toBe(false)
    const preview = w.get('[data-attachment-id="1"] [data-testid="attachment-preview"]')
    expect(preview.attributes()).toMatchObject({ href: '/api/v1/attachments/1', target: '_blank' })
    expect(preview.attributes('rel')).toContain('noopener')
    expect(preview.get('img').attributes()).toMatchObject({ src: '/api/v1/attachments/1', alt: 'photo.png', loading: 'lazy' })
    const download = w.get('[data-attachment-id="2"] [data-testid="attachment-download"]')
    expect(w.find('[data-attachment-id="2"] img').exists()).toBe(false)
    expect(download.attributes('download')).toBe('setup.exe')
    expect(download.get('[data-testid="attachment-name"]').text()).toBe('setup.exe')
    expect(download.get('[data-testid="attachment-size"]').text()).toBe('3.2 MB')
  })

  it('writes sizes for people, in the operator’s language', () => {
    expect(formatSize(512, 'en')).toEqual({ value: '512', unit: 'b' })
    expect(formatSize(2048, 'en')).toEqual({ value: '2', unit: 'kb' })
    expect(formatSize(1536, 'ru')).toEqual({ value: '1,5', unit: 'kb' })
    expect(formatSize(20 * 1024 * 1024, 'en')).toEqual({ value: '20', unit: 'mb' })
    i18n.global.locale.value = 'ru'
    const w = mount(MessageItem, {
      props: { message: fromMessage(makeMessage({ attachments: [attachment({ inline: false, size: 1536 })] }), 1) },
      ...opts(),
    })
    expect(w.get('[data-testid="attachment-size"]').text()).toBe('1,5 КБ')
  })
})

describe('delivery through the channel', () => {
  const reply = (over: Parameters<typeof makeMessage>[0]) =>
    fromMessage(makeMessage({ id: 8, conversation_id: 4, author_type: 'agent', author_id: 1, ...over }), 1)

  it('shows sending, delivered and failed with the reason; nothing in the widget or on notes', () => {
    const pending = mount(MessageItem, { props: { message: reply({ delivery_status: 'pending' }) }, ...opts() })
    expect(pending.get('[data-testid="channel-delivery"]').attributes('data-state')).toBe('pending')
    expect(pending.get('[data-testid="channel-delivery-label"]').text()).toBe('Sending to the customer…')
    expect(pending.find('[data-testid="delivery-retry"]').exists()).toBe(false)

    const sent = mount(MessageItem, { props: { message: reply({ delivery_status: 'sent' }) }, ...opts() })
    expect(sent.get('[data-testid="channel-delivery"]').attributes('data-state')).toBe('sent')
    expect(sent.get('[data-testid="channel-delivery-label"]').text()).toBe('Delivered to the customer')
    expect(sent.find('[data-testid="delivery-error"]').exists()).toBe(false)

    const failed = mount(MessageItem, { props: { message: reply({ delivery_status: 'failed', delivery_error: 'The bridge refused the reply: 400' }) }, ...opts() })
    expect(failed.get('[data-testid="channel-delivery"]').attributes('data-state')).toBe('failed')
    expect(failed.get('[data-testid="channel-delivery-label"]').text()).toBe('Not delivered')
    expect(failed.get('[data-testid="delivery-error"]').text()).toBe('The bridge refused the reply: 400')
    expect(failed.get('[data-testid="delivery-retry"]').text()).toBe('Retry')

    const widget = mount(MessageItem, { props: { message: reply({ delivery_status: null }) }, ...opts() })
    expect(widget.find('[data-testid="channel-delivery"]').exists()).toBe(false)
    expect(widget.attributes('data-delivery')).toBe('sent')
    const note = mount(MessageItem, { props: { message: reply({ private: true, delivery_status: 'failed' }) }, ...opts() })
    expect(note.find('[data-testid="channel-delivery"]').exists()).toBe(false)
  })

  it('Retry asks the server (with the CSRF header) and waits for the new state', async () => {
    const { calls } = mockFetch({
      'POST /conversations/4/messages/8/retry': () => makeMessage({ id: 8, conversation_id: 4, delivery_status: 'pending' }),
    })
    const w = mount(MessageItem, { props: { message: reply({ delivery_status: 'failed', delivery_error: 'down' }) }, ...opts() })
    await w.get('[data-testid="delivery-retry"]').trigger('click')
    await flush()
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /conversations/4/messages/8/retry'])
    expect(calls[0]!.headers['X-CSRF-Token']).toBe('csrf-token-1')
    expect(w.get('[data-testid="delivery-retry"]').text()).toBe('Retrying…')
    expect(w.get('[data-testid="delivery-retry"]').attributes('disabled')).toBeDefined()
    await w.setProps({ message: reply({ delivery_status: 'pending' }) })
    expect(w.get('[data-testid="channel-delivery"]').attributes('data-state')).toBe('pending')
    expect(w.find('[data-testid="delivery-retry"]').exists()).toBe(false)
  })

  it('a refused retry shows the server’s reason as a toast and can be tried again', async () => {
    mockFetch({
      'POST /conversations/4/messages/8/retry': () =>
        jsonResponse(409, { error: { code: 'not_failed', message: 'The message is not failed.' } }),
    })
    const w = mount(MessageItem, { props: { message: reply({ delivery_status: 'failed' }) }, ...opts() })
    await w.get('[data-testid="delivery-retry"]').trigger('click')
    await flush()
    expect(useToastStore().items.map((t) => [t.kind, t.text])).toEqual([
      ['error', 'Could not send it again: The message is not failed.'],
    ])
    expect(w.get('[data-testid="delivery-retry"]').attributes('disabled')).toBeUndefined()
  })
})

describe('ReplyBox with files', () => {
  let w: VueWrapper | null = null

  function mountBox() {
    useDraftsStore().load(1)
    useOutboxStore().load(1)
    w = mount(ReplyBox, { props: { conversationId: 1 }, attachTo: document.body, ...opts() })
    return w
  }

  afterEach(() => {
    w?.unmount()
    w = null
  })

  async function pick(box: VueWrapper, files: File[]): Promise<void> {
    const input = box.get('[data-testid="attach-input"]')
    Object.defineProperty(input.element, 'files', { value: files, configurable: true })
    await input.trigger('change')
  }

  const chips = (box: VueWrapper) =>
    box.findAll('[data-testid="upload-chip"]').map((c) => [c.get('[data-testid="upload-name"]').text(), c.attributes('data-state')])

  it('uploads at once, shows each file, sends when the uploads are done (files only is fine)', async () => {
    const uploads = [deferred<Attachment>(), deferred<Attachment>()]
    let n = 0
    const { calls } = mockFetch({
      'POST /conversations/1/attachments': () => uploads[n++]!.promise.then((a) => jsonResponse(201, a)),
      'POST /conversations/1/messages': (_u, init) => {
        const body = JSON.parse(String(init.body))
        return jsonResponse(201, makeMessage({ author_type: 'agent', author_id: 1, client_msg_id: body.client_msg_id, text: body.text }))
      },
    })
    const box = mountBox()
    await pick(box, [file('shot.png', 2048, 'image/png'), file('notes.txt', 12)])
    expect(chips(box)).toEqual([
      ['shot.png', 'uploading'],
      ['notes.txt', 'uploading'],
    ])
    expect(box.get('[data-testid="upload-chip"]').text()).toContain('2 KB')
    expect(calls.filter((c) => c.path === '/conversations/1/attachments')).toHaveLength(2)
    expect(calls[0]!.headers['X-CSRF-Token']).toBe('csrf-token-1')
    expect(box.get('[data-testid="send-button"]').attributes('disabled')).toBeDefined()
    expect(box.get('[data-testid="send-waiting"]').text()).toBe('Waiting for the files to upload…')
    await box.get('[data-testid="reply-box"]').trigger('keydown', { key: 'Enter' })
    expect(useOutboxStore().items).toHaveLength(0)

    uploads[0]!.resolve(attachment({ id: 31, filename: 'shot.png' }))
    await flush()
    expect(chips(box)).toEqual([
      ['shot.png', 'done'],
      ['notes.txt', 'uploading'],
    ])
    expect(box.get('[data-testid="send-button"]').attributes('disabled')).toBeDefined()
    uploads[1]!.resolve(attachment({ id: 32, filename: 'notes.txt', content_type: 'text/plain', inline: false }))
    await flush()
    expect(box.get('[data-testid="send-button"]').attributes('disabled')).toBeUndefined()

    const outbox = useOutboxStore()
    outbox.setOnline(true)
    await box.get('form').trigger('submit')
    expect(box.findAll('[data-testid="upload-chip"]')).toHaveLength(0)
    await flush()
    const sent = calls.find((c) => c.path === '/conversations/1/messages')!
    expect(sent.body).toMatchObject({ text: '', private: false, attachment_ids: [31, 32] })
    expect(outbox.items).toHaveLength(0)
  })

  it('a refused file says why, blocks sending until it is removed; × cancels a running upload', async () => {
    const slow = deferred<Attachment>()
    let n = 0
    mockFetch({
      'POST /conversations/1/attachments': () =>
        n++ === 0
          ? jsonResponse(413, { error: { code: 'too_large', message: 'The file is larger than the limit.' } })
          : slow.promise.then((a) => jsonResponse(201, a)),
    })
    const box = mountBox()
    await box.get('[data-testid="reply-box"]').setValue('see attached')
    await pick(box, [file('huge.iso', 50)])
    await flush()
    expect(chips(box)).toEqual([['huge.iso', 'failed']])
    expect(box.get('[data-testid="upload-error"]').text()).toBe('The file is too large.')
    expect(box.get('[data-testid="send-button"]').attributes('disabled')).toBeDefined()
    expect(box.find('[data-testid="send-blocked"]').exists()).toBe(true)

    i18n.global.locale.value = 'ru'
    await flush()
    expect(box.get('[data-testid="upload-error"]').text()).toBe('Файл слишком большой.')
    i18n.global.locale.value = 'en'

    await box.get('[data-testid="upload-remove"]').trigger('click')
    expect(box.findAll('[data-testid="upload-chip"]')).toHaveLength(0)
    expect(box.get('[data-testid="send-button"]').attributes('disabled')).toBeUndefined()

    await pick(box, [file('later.txt')])
    expect(chips(box)).toEqual([['later.txt', 'uploading']])
    await box.get('[data-testid="upload-remove"]').trigger('click')
    slow.resolve(attachment({ id: 40 }))
    await flush()
    expect(box.findAll('[data-testid="upload-chip"]')).toHaveLength(0)
  })

  it('takes a pasted image and dropped files; an unknown answer shows the server’s message', async () => {
    let n = 0
    mockFetch({
      'POST /conversations/1/attachments': () =>
        n++ === 0
          ? jsonResponse(201, attachment({ id: 50, filename: 'image.png' }))
          : jsonResponse(415, { error: { code: 'unsupported_media_type', message: 'Send the file as multipart/form-data.' } }),
    })
    const box = mountBox()
    const paste = new Event('paste', { bubbles: true, cancelable: true })
    Object.defineProperty(paste, 'clipboardData', { value: { files: [file('image.png', 100, 'image/png')], types: ['Files'] } })
    box.get('[data-testid="reply-box"]').element.dispatchEvent(paste)
    expect(paste.defaultPrevented).toBe(true)
    await flush()
    expect(chips(box)).toEqual([['image.png', 'done']])

    const form = box.get('[data-testid="reply-form"]')
    const dataTransfer = { types: ['Files'], files: [file('report.bin', 30)], dropEffect: 'none' }
    await form.trigger('dragenter', { dataTransfer })
    expect(box.find('[data-testid="drop-hint"]').text()).toBe('Drop the files to attach them')
    await form.trigger('drop', { dataTransfer })
    await flush()
    expect(box.find('[data-testid="drop-hint"]').exists()).toBe(false)
    expect(chips(box)).toEqual([
      ['image.png', 'done'],
      ['report.bin', 'failed'],
    ])
    expect(box.findAll('[data-testid="upload-error"]').map((e) => e.text())).toEqual(['This kind of file cannot be sent.'])
  })

  it('more than ten files: the extra ones are refused on the spot', async () => {
    const { calls } = mockFetch({ 'POST /conversations/1/attachments': () => new Promise(() => undefined) })
    const box = mountBox()
    await pick(box, Array.from({ length: 11 }, (_, i) => file(`f${i}.txt`)))
    expect(calls).toHaveLength(10)
    const states = chips(box).map((c) => c[1])
    expect(states.filter((s) => s === 'uploading')).toHaveLength(10)
    expect(states[10]).toBe('failed')
    expect(box.get('[data-testid="upload-error"]').text()).toBe('At most 10 files fit on one message.')
  })
})

describe('outbox with files', () => {
  it('keeps the files with a queued reply across a reload and sends their ids once online', async () => {
    const { calls } = mockFetch({
      'POST /conversations/*/messages': (_u, init) => {
        const body = JSON.parse(String(init.body))
        return jsonResponse(201, makeMessage({ author_type: 'agent', author_id: 1, client_msg_id: body.client_msg_id, text: body.text }))
      },
    })
    const outbox = useOutboxStore()
    outbox.load(1)
    const item = outbox.enqueue(3, '', true, [attachment({ id: 7 })])
    setActivePinia(createPinia())
    const again = useOutboxStore()
    again.load(1)
    expect(again.items[0]!.attachments.map((a) => a.id)).toEqual([7])
    again.setOnline(true)
    await again.flush()
    expect(calls[0]!.body).toEqual({ client_msg_id: item.client_msg_id, text: '', private: true, attachment_ids: [7] })
  })

  it('an item stored before files existed loads with none', () => {
    localStorage.setItem(
      'otklik.outbox.1',
      JSON.stringify([{ conversation_id: 1, client_msg_id: 'x1', text: 'a', private: false, created_at: '', state: 'queued', error: null }]),
    )
    const outbox = useOutboxStore()
    outbox.load(1)
    expect(outbox.items[0]!.attachments).toEqual([])
  })
})
