// English strings of files on messages and of channel delivery (the `files` namespace).
// Merged over the base messages by attachments.ts; the Russian file has the same keys.
const en = {
  files: {
    size: { b: '{n} B', kb: '{n} KB', mb: '{n} MB', gb: '{n} GB' },
    onlyFiles: '📎 Files',
    list: 'Attachments',
    open: 'Open {name} in a new tab',
    download: 'Download {name}',
    attach: 'Attach files',
    attachHint: 'Attach files — or paste an image, or drop files on the reply box',
    drop: 'Drop the files to attach them',
    remove: 'Remove {name}',
    uploading: 'Uploading…',
    uploaded: 'Uploaded',
    waiting: 'Waiting for the files to upload…',
    removeFailed: 'Remove the files that could not be uploaded, then send.',
    error: {
      tooLarge: 'The file is too large.',
      type: 'This kind of file cannot be sent.',
      invalid: 'The file is empty or cannot be read.',
      tooMany: 'At most {max} files fit on one message.',
      network: 'No connection: the file was not uploaded.',
      other: 'Upload failed: {message}',
    },
    delivery: {
      pending: 'Sending to the customer…',
      sent: 'Delivered to the customer',
      failed: 'Not delivered',
      retry: 'Retry',
      retrying: 'Retrying…',
      retryFailed: 'Could not send it again: {message}',
    },
  },
}

export default en
