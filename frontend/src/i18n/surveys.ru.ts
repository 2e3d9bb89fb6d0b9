// Russian strings of surveys (the `surveys` namespace), the same keys as surveys.en.ts.
import type en from './surveys.en'

const ru: typeof en = {
  surveys: {
    settings: {
      title: 'Опросы',
      lead: 'О чём спросить клиента, когда разговор решён: в чате на сайте, по почте или в Telegram.',
      inbox: 'Канал',
      noInboxes: 'Пока нет канала виджета, почты или Telegram.',
      csat: 'CSAT: оценка помощи от 1 до 5, с комментарием по желанию',
      nps: 'NPS: готовность порекомендовать нас, от 0 до 10',
      npsInterval: 'Спрашивать клиента не чаще раза в (дней)',
      ces: 'CES: насколько легко было решить вопрос, от 1 до 7',
      expires: 'Ответить на опрос можно в течение (часов)',
      texts: 'Вопросы (пусто — по умолчанию)',
      russian: 'По-русски',
      english: 'По-английски',
      save: 'Сохранить',
      saved: 'Сохранено',
    },
    kind: { csat: 'CSAT', nps: 'NPS', ces: 'CES' },
    action: { kind: 'Какой опрос' },
    card: {
      title: 'Опросы',
      score: '{kind}: {score} из {top}',
      waiting: '{kind}: ответа пока нет',
      send: 'Отправить опрос CSAT',
      sent: 'Опрос отправлен',
    },
  },
}

export default ru
