// Русские строки сроков SLA (пространство `sla`); ключи те же, что в sla.en.ts.
const ru = {
  sla: {
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
