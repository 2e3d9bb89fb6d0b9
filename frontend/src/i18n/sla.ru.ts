// Русские строки сроков SLA (пространство `sla`); ключи те же, что в sla.en.ts.
const ru = {
  sla: {
    targets: {
      title: 'Сроки SLA',
      dueAt: 'до {time}',
      pausedLeft: 'осталось {time}',
      metLate: 'с опозданием',
    },
    state: {
      running: 'идёт',
      paused: 'на паузе',
      breached: 'нарушен',
      met: 'выполнен',
      stopped: 'остановлен',
    },
    settings: {
      title: 'SLA',
      lead: 'Рабочие календари: часы работы в часовом поясе, официальные праздники страны и перенесённые рабочие дни.',
      calendars: 'Календари',
      noCalendars: 'Календарей пока нет: сроки считаются круглосуточно (24/7).',
      officialOf: 'официальный календарь: {country}',
      name: 'Название',
      timezone: 'Часовой пояс',
      country: 'Праздники',
      noCountry: 'Без праздников',
      russia: 'Россия (производственный календарь)',
      weekdays: 'С понедельника по пятницу',
      create: 'Добавить календарь',
      yearTitle: 'Праздники и особые дни за',
      totals: 'Рабочих дней: {days}, рабочих часов: {hours}',
      kind: {
        closed: 'Выходной',
        working: 'Рабочий день',
        shortened: 'Сокращённый день',
      },
    },
    chip: {
      left: 'Осталось {time}',
      overdue: 'Просрочено на {time}',
      title: 'SLA: {target}',
    },
    target: {
      first_response: 'первый ответ',
      next_response: 'следующий ответ',
      resolution: 'решение',
      ola_response: 'ответ второй линии (OLA)',
      ola_resolution: 'решение второй линией (OLA)',
    },
  },
}

export default ru
