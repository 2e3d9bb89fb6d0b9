// English strings of personal data (the `privacy` namespace); privacy.ru.ts has the same keys.
const en = {
  privacy: {
    menu: 'Personal data',
    export: 'Export data',
    exporting: 'Preparing the export…',
    download: 'Download the ZIP',
    exportFailed: 'The export failed: {error}',
    erase: 'Erase contact',
    eraseQuestion:
      'Erase everything personal about this contact? Their name, addresses, attributes and files are deleted and the texts of their conversations are replaced; the conversations stay, anonymous, for the statistics. This cannot be undone.',
    eraseConfirm: 'Erase for good',
    cancel: 'Cancel',
    erased: 'The contact was erased.',
    retention: {
      title: 'Personal data retention',
      lead: 'Resolved conversations older than the period are anonymised automatically (texts and files erased, the conversations kept for the statistics).',
      enabled: 'Erase resolved conversations',
      months: 'Older than (months)',
      off: 'Off: conversations are kept until erased by hand.',
      save: 'Save',
      saved: 'Saved.',
    },
  },
}

export default en
