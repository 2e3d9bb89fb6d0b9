/**
 * Every visitor-facing string of the widget lives here, in Russian and English.
 * UI code never hard-codes text: it calls `t(key)` / `loaderText(lang, key)`.
 *
 * The loader and the frame use separate tables so the loader bundle stays tiny
 * (tree-shaking drops `FRAME` from widget.js).
 */

export type Lang = 'ru' | 'en';
export type LanguageSetting = 'auto' | Lang;

export const LOADER = {
  en: {
    open: 'Open chat',
    close: 'Close chat',
    unread: 'Unread messages: {n}',
    frameTitle: 'Support chat',
  },
  ru: {
    open: 'Открыть чат',
    close: 'Закрыть чат',
    unread: 'Непрочитанных сообщений: {n}',
    frameTitle: 'Чат поддержки',
  },
} as const;

export const FRAME = {
  en: {
    title: 'Support',
    agentsOnline: 'We are online',
    agentsOffline: 'We will reply as soon as we can',
    close: 'Close chat',
    prechatIntro: 'Please introduce yourself so we know how to reach you.',
    name: 'Name',
    email: 'Email',
    optional: '(optional)',
    start: 'Start chat',
    required: 'Please fill in this field.',
    badEmail: 'Please enter a valid email address.',
    invalid: 'Please check this field.',
    inputLabel: 'Message',
    kbSuggest: 'These articles may answer your question:',
    placeholder: 'Write a message…',
    send: 'Send',
    messages: 'Messages',
    you: 'You',
    operator: 'Operator',
    bot: 'Assistant',
    typing: '{name} is typing…',
    typingAnon: 'Operator is typing…',
    sending: 'Sending…',
    queued: 'Will be sent when the network is back',
    sent: 'Sent',
    failed: 'Not sent.',
    retry: 'Retry',
    tooLong: 'The message is too long.',
    connecting: 'Connecting…',
    connected: 'Connected',
    offline: 'No connection. Messages will be sent when the network is back.',
    unavailable: 'The chat is unavailable right now. Retrying…',
    sessionFailed: 'Could not start the chat. Please try again.',
    offlineIntro: 'Nobody is online right now. Leave a message and we will answer by email.',
    leaveMessage: 'Send message',
    offlineDone: 'Thank you! We will answer by email at {email}.',
    offlineFailed: 'Could not send the message. Please try again.',
    queue: 'You are number {n} in the queue',
    attach: 'Attach a file',
    uploading: 'Uploading… {p}%',
    uploadFailed: 'Not uploaded.',
    fileTooBig: 'The file is too large.',
    waitUpload: 'Please wait until the files are uploaded.',
    remove: 'Remove',
    image: 'Image: {name}',
    poweredBy: 'Otklik',
    historyToggle: 'Written to us before? Show your earlier messages',
    historyIntro: 'Enter the email address you gave us before. We will send a code to it.',
    historySend: 'Send the code',
    historySent: 'If we know {email}, a code is on its way there. It works once, for 15 minutes.',
    historyCode: 'Code from the email',
    historyConfirm: 'Show my messages',
    historyCancel: 'Cancel',
    historyDone: 'Done: your earlier messages are in this chat now.',
    historyWrongCode: 'The code is not right. Check the latest email from us.',
    historyExpired: 'This code has expired or was used already. Ask for a new one.',
    historySpent: 'Too many wrong codes. Ask for a new one.',
    historyNoMail: 'This chat cannot send email yet. Please write to us here.',
    historyTooMany: 'Too many tries. Please wait a while.',
    historyFailed: 'Something went wrong. Please try again.',
    surveyLabel: 'Rate the conversation',
    surveyScore: 'Score {n} of {max}',
    surveyComment: 'Anything to add? (optional)',
    surveySend: 'Send',
    surveyThanks: 'Thank you for your rating!',
    surveyFailed: 'Could not send the rating. Please try again.',
    surveyExpired: 'This survey has expired.',
  },
  ru: {
    title: 'Поддержка',
    agentsOnline: 'Мы на связи',
    agentsOffline: 'Ответим, как только сможем',
    close: 'Свернуть чат',
    prechatIntro: 'Представьтесь, пожалуйста, чтобы мы знали, как к вам обращаться.',
    name: 'Имя',
    email: 'Эл. почта',
    optional: '(необязательно)',
    start: 'Начать чат',
    required: 'Заполните это поле.',
    badEmail: 'Введите корректный адрес почты.',
    invalid: 'Проверьте это поле.',
    inputLabel: 'Сообщение',
    kbSuggest: 'Возможно, ответ есть в этих статьях:',
    placeholder: 'Напишите сообщение…',
    send: 'Отправить',
    messages: 'Сообщения',
    you: 'Вы',
    operator: 'Оператор',
    bot: 'Помощник',
    typing: '{name} печатает…',
    typingAnon: 'Оператор печатает…',
    sending: 'Отправляется…',
    queued: 'Отправится, когда появится связь',
    sent: 'Отправлено',
    failed: 'Не отправлено.',
    retry: 'Повторить',
    tooLong: 'Сообщение слишком длинное.',
    connecting: 'Подключение…',
    connected: 'Подключено',
    offline: 'Нет связи. Сообщения отправятся, когда связь восстановится.',
    unavailable: 'Чат сейчас недоступен. Пробуем снова…',
    sessionFailed: 'Не удалось начать чат. Попробуйте ещё раз.',
    offlineIntro: 'Сейчас никого нет на связи. Оставьте сообщение — мы ответим на почту.',
    leaveMessage: 'Отправить сообщение',
    offlineDone: 'Спасибо! Мы ответим на почту {email}.',
    offlineFailed: 'Не удалось отправить сообщение. Попробуйте ещё раз.',
    // Ordinals in the masculine nominative all shorten to «-й»: 1-й, 2-й, 3-й, 11-й, 22-й.
    queue: 'Вы {n}-й в очереди',
    attach: 'Прикрепить файл',
    uploading: 'Загрузка… {p}%',
    uploadFailed: 'Не загружено.',
    fileTooBig: 'Файл слишком большой.',
    waitUpload: 'Дождитесь окончания загрузки файлов.',
    remove: 'Убрать',
    image: 'Изображение: {name}',
    poweredBy: 'Otklik',
    historyToggle: 'Уже писали нам? Показать прежнюю переписку',
    historyIntro: 'Укажите адрес почты, который вы давали нам раньше. Мы пришлём на него код.',
    historySend: 'Прислать код',
    historySent: 'Если адрес {email} нам знаком, код уже в пути. Он действует один раз, 15 минут.',
    historyCode: 'Код из письма',
    historyConfirm: 'Показать переписку',
    historyCancel: 'Отмена',
    historyDone: 'Готово: ваша прежняя переписка теперь в этом чате.',
    historyWrongCode: 'Код неверный. Проверьте последнее письмо от нас.',
    historyExpired: 'Срок кода истёк, или его уже использовали. Запросите новый.',
    historySpent: 'Слишком много неверных кодов. Запросите новый.',
    historyNoMail: 'Этот чат пока не может отправлять письма. Напишите нам здесь.',
    historyTooMany: 'Слишком много попыток. Подождите немного.',
    historyFailed: 'Что-то пошло не так. Попробуйте ещё раз.',
    surveyLabel: 'Оцените разговор',
    surveyScore: 'Оценка {n} из {max}',
    surveyComment: 'Хотите что-то добавить? (необязательно)',
    surveySend: 'Отправить',
    surveyThanks: 'Спасибо за оценку!',
    surveyFailed: 'Не удалось отправить оценку. Попробуйте ещё раз.',
    surveyExpired: 'Срок этого опроса истёк.',
  },
} as const;

export type LoaderKey = keyof (typeof LOADER)['en'];
export type FrameKey = keyof (typeof FRAME)['en'];

/** Replace `{name}` placeholders; values are plain text (the UI renders with textContent). */
export function format(template: string, vars?: Record<string, string | number>): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/**
 * Choose the widget language: the inbox setting wins unless it is `auto`,
 * then the first browser language that we support, then English.
 */
export function pickLanguage(
  setting: string | null | undefined,
  browserLanguages: readonly string[] | null | undefined,
): Lang {
  if (setting === 'ru' || setting === 'en') return setting;
  for (const raw of browserLanguages ?? []) {
    const base = String(raw).toLowerCase().split(/[-_]/)[0];
    if (base === 'ru' || base === 'en') return base;
  }
  return 'en';
}

/** The browser's preferred languages, robust to old browsers and tests. */
export function browserLanguages(nav: Pick<Navigator, 'languages' | 'language'> | undefined = globalThis.navigator): string[] {
  if (!nav) return [];
  if (nav.languages && nav.languages.length) return [...nav.languages];
  return nav.language ? [nav.language] : [];
}

export function loaderText(lang: Lang, key: LoaderKey, vars?: Record<string, string | number>): string {
  return format(LOADER[lang][key], vars);
}

export type Translate = (key: FrameKey, vars?: Record<string, string | number>) => string;

export function frameTranslator(lang: Lang): Translate {
  const table = FRAME[lang];
  return (key, vars) => format(table[key], vars);
}
