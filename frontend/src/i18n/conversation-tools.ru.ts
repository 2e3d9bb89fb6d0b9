// Русские строки инструментов оператора; ключи те же, что в conversation-tools.en.ts.
import type en from './conversation-tools.en'

const ru: typeof en = {
  tools: {
    cancel: 'Отмена',
    canned: {
      label: 'Шаблоны ответов',
      none: 'Шаблонов ответов пока нет.',
      noMatch: 'Нет шаблона по запросу «{query}».',
      loadError: 'Не удалось загрузить шаблоны ответов.',
      keys: '↑ ↓ — выбрать, Enter или Tab — вставить, Esc — закрыть',
      useFailed: 'Не удалось вставить шаблон: {message}',
    },
    escalate: {
      open: 'Эскалировать',
      title: 'Передать на другую линию',
      team: 'Команда',
      nextLine: 'Следующая линия (автоматически)',
      reason: 'Причина',
      reasonHint: 'Что нужно знать следующей линии — видят только коллеги',
      reasonRequired: 'Укажите причину эскалации.',
      handBack: 'Вернуть мне после ответа второй линии',
      submit: 'Эскалировать',
      done: 'Диалог передан на следующую линию.',
    },
    handBack: {
      open: 'Вернуть',
      title: 'Вернуть диалог',
      lead: 'Диалог вернётся к {name} вместе с вашей заметкой.',
      nobody: 'первой линии',
      reason: 'Причина эскалации: {reason}',
      note: 'Заметка для коллеги',
      noteRequired: 'Напишите заметку для коллеги.',
      submit: 'Вернуть',
      done: 'Диалог возвращён: {name}.',
    },
    transfer: {
      open: 'Передать',
      title: 'Передать диалог',
      target: 'Кому',
      pick: 'Выберите оператора или команду',
      targetRequired: 'Выберите, кому передать диалог.',
      note: 'Заметка (необязательно, видят только коллеги)',
      submit: 'Передать',
      done: 'Диалог передан.',
    },
    routing: {
      teamTitle: 'Команда: {name}',
      queued: 'В очереди',
      queuedSince: 'Ждёт в очереди команды с {time}',
    },
    priority: {
      label: 'Приоритет',
      low: 'Низкий',
      normal: 'Обычный',
      high: 'Высокий',
      urgent: 'Срочный',
    },
    tags: {
      label: 'Метки',
      placeholder: 'Добавить метку…',
      add: 'Добавить метку',
      remove: 'Убрать метку «{tag}»',
    },
    macros: {
      open: 'Макросы',
      empty: 'Макросов пока нет.',
      loadError: 'Не удалось загрузить макросы.',
      running: 'выполняется…',
      steps: 'нет шагов | {n} шаг | {n} шага | {n} шагов',
      done: 'Макрос «{name}» выполнен.',
      failedOne: '№ {id}: {message}',
    },
    merge: {
      open: 'Объединить с текущим',
      question: 'Перенести сообщения № {from} в № {into} и закрыть № {from}? Отменить это нельзя.',
      confirm: 'Объединить',
      done: 'Диалог № {from} объединён с № {into}.',
      movedTo: 'Диалог № {from} объединён с № {into}.',
    },
    attributes: {
      conversation: 'Атрибуты диалога',
      unset: '—',
      notANumber: 'Введите число.',
    },
    bulk: {
      label: 'Действия с несколькими диалогами',
      selectOne: 'Выбрать диалог с {name}',
      selected: 'ничего не выбрано | выбран {n} диалог | выбрано {n} диалога | выбрано {n} диалогов',
      selectAll: 'Выбрать все',
      clear: 'Снять выбор',
      assign: 'Назначить…',
      assignMe: 'Мне',
      tag: 'Метка для всех',
      addTag: 'Добавить метку',
      done: 'ничего не изменено | изменён {n} диалог | изменено {n} диалога | изменено {n} диалогов',
      failed: 'Ничего не изменено: {message}',
    },
    list: {
      botPrefix: 'Бот:',
      moreTags: '+{n}',
    },
    message: {
      system: 'Система',
      systemNote: 'Системная заметка',
      automatic: 'Автоматически',
    },
  },
  shortcuts: {
    select: 'Выбрать диалог для действий с несколькими',
    slash: 'Шаблоны ответов: открыть список в поле ответа',
  },
  contact: {
    attributes: 'Атрибуты клиента',
  },
  reply: {
    keysHint: 'Enter — отправить, Shift+Enter — новая строка, / — шаблоны ответов',
  },
}

export default ru
