// Русские строки темы письма и сведений о посетителе в карточке клиента (пространство
// `card`); ключи те же, что в card.en.ts.
const ru = {
  card: {
    subject: 'Тема',
    subjectHint: 'Ответ уйдёт с этой темой; если её изменить, изменится и название диалога.',
    visitor: {
      title: 'Посетитель',
      page: 'Сейчас на странице',
      history: 'Предыдущие страницы',
      browser: 'Браузер',
      os: 'Система',
      device: 'Устройство',
      language: 'Язык',
      localTime: 'Местное время',
      timezone: '{time} ({zone})',
      city: 'Город',
      phone: 'Телефон',
      none: 'Виджет пока ничего не сообщил.',
    },
    other: {
      title: 'Другие диалоги',
      none: 'Других диалогов нет.',
      channel: {
        widget: 'Чат на сайте',
        email: 'Почта',
        telegram: 'Telegram',
        api: 'API',
      },
    },
  },
}

export default ru
