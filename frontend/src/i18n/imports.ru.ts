// Russian strings of the contact import wizard and the exports; the same keys as imports.en.ts.
import type en from './imports.en'

const ru: typeof en = {
  imports: {
    title: 'Импорт и экспорт',
    export: 'Экспорт',
    exportContacts: 'Контакты ({format})',
    exportCompanies: 'Компании ({format})',
    kind: 'Что импортировать',
    kinds: { contacts: 'Контакты', companies: 'Компании' },
    file: 'Файл CSV (UTF-8, со строкой заголовков) или XLSX (первый лист)',
    mapping: 'Столбцы',
    column: 'Столбец',
    field: 'Поле',
    skip: 'Не импортировать',
    attribute: 'Атрибут «{key}»',
    fields: {
      name: 'Имя',
      email: 'Email',
      emails: 'Email (несколько)',
      phone: 'Телефон',
      phones: 'Телефоны (несколько)',
      tags: 'Теги',
      language: 'Язык',
      timezone: 'Часовой пояс',
      company: 'Компания',
      external_id: 'Внешний id',
      domains: 'Домены (несколько)',
    },
    dryRun: 'Проверить (без записи)',
    run: 'Импортировать',
    noFields: 'Сопоставьте хотя бы один столбец.',
    progress: '{done} из {total} строк',
    dryResult: 'Будет создано {created}, обновлено {updated}; без изменений {unchanged}; строк с ошибками {failed}.',
    result: 'Создано {created}, обновлено {updated}; без изменений {unchanged}; строк с ошибками {failed}.',
    failed: 'Импорт остановлен.',
    errors: 'Ошибки',
    row: 'Строка',
    message: 'Что не так',
    moreErrors: 'Показаны только первые {shown} ошибок.',
  },
}

export default ru
