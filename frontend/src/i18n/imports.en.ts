// English strings of the contact import wizard and the exports (the `imports` namespace);
// imports.ru.ts has the same keys.
const en = {
  imports: {
    title: 'Import and export',
    export: 'Export',
    exportContacts: 'Contacts ({format})',
    exportCompanies: 'Companies ({format})',
    kind: 'What to import',
    kinds: { contacts: 'Contacts', companies: 'Companies' },
    file: 'CSV (UTF-8, with a header row) or XLSX file (its first sheet)',
    mapping: 'Columns',
    column: 'Column',
    field: 'Field',
    skip: 'Do not import',
    attribute: 'Attribute “{key}”',
    fields: {
      name: 'Name',
      email: 'Email',
      emails: 'Emails (several)',
      phone: 'Phone',
      phones: 'Phones (several)',
      tags: 'Tags',
      language: 'Language',
      timezone: 'Time zone',
      company: 'Company',
      external_id: 'External id',
      domains: 'Domains (several)',
    },
    dryRun: 'Check (dry run)',
    run: 'Import',
    noFields: 'Map at least one column.',
    progress: '{done} of {total} rows',
    dryResult: 'Would create {created}, update {updated}; unchanged {unchanged}; rows with errors {failed}.',
    result: 'Created {created}, updated {updated}; unchanged {unchanged}; rows with errors {failed}.',
    failed: 'The import stopped.',
    errors: 'Errors',
    row: 'Row',
    message: 'Problem',
    moreErrors: 'Only the first {shown} errors are shown.',
  },
}

export default en
