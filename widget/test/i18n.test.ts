import { describe, expect, it } from 'vitest';
import { browserLanguages, FRAME, format, frameTranslator, LOADER, loaderText, pickLanguage } from '../src/shared/i18n';

describe('pickLanguage', () => {
  it('uses the inbox setting when it is ru or en', () => {
    expect(pickLanguage('ru', ['en-US'])).toBe('ru');
    expect(pickLanguage('en', ['ru-RU'])).toBe('en');
  });
  it('falls back to the first supported browser language on auto', () => {
    expect(pickLanguage('auto', ['ru-RU', 'en'])).toBe('ru');
    expect(pickLanguage('auto', ['de-DE', 'en-GB', 'ru'])).toBe('en');
    expect(pickLanguage('auto', ['de', 'RU_ru'])).toBe('ru');
  });
  it('defaults to English when nothing matches or nothing is known', () => {
    expect(pickLanguage('auto', ['de', 'fr'])).toBe('en');
    expect(pickLanguage(null, [])).toBe('en');
    expect(pickLanguage(undefined, undefined)).toBe('en');
    expect(pickLanguage('klingon', ['ru'])).toBe('ru');
  });
  it('reads navigator.languages, then navigator.language', () => {
    expect(browserLanguages({ languages: ['ru-RU'], language: 'en' })).toEqual(['ru-RU']);
    expect(browserLanguages({ languages: [], language: 'ru' })).toEqual(['ru']);
    expect(browserLanguages({ languages: [], language: '' })).toEqual([]);
  });
});

describe('dictionaries', () => {
  it('have the same keys in both languages and no empty strings', () => {
    for (const table of [FRAME, LOADER] as const) {
      expect(Object.keys(table.ru).sort()).toEqual(Object.keys(table.en).sort());
      for (const lang of ['ru', 'en'] as const) {
        for (const value of Object.values(table[lang])) expect(String(value).trim()).not.toBe('');
      }
    }
  });
  it('keep placeholders identical across languages', () => {
    const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join();
    for (const key of Object.keys(FRAME.en) as (keyof typeof FRAME.en)[]) expect(ph(FRAME.ru[key])).toBe(ph(FRAME.en[key]));
  });
  it('formats placeholders and leaves unknown ones', () => {
    expect(format('{name} is typing', { name: 'Anna' })).toBe('Anna is typing');
    expect(format('{x} {y}', { x: 1 })).toBe('1 {y}');
    expect(frameTranslator('ru')('typing', { name: 'Анна' })).toBe('Анна печатает…');
    expect(loaderText('en', 'unread', { n: 3 })).toBe('Unread messages: 3');
  });
});
