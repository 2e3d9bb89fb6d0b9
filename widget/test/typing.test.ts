import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TypingIndicator, TypingSender } from '../src/frame/typing';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('TypingSender', () => {
  it('sends typing:true at most once per throttle window and false when idle', () => {
    const sent: boolean[] = [];
    const t = new TypingSender((v) => sent.push(v), 3000, 4000, () => Date.now());
    for (let i = 0; i < 10; i++) {
      t.input();
      vi.advanceTimersByTime(200); // 2 s of fast typing
    }
    expect(sent).toEqual([true]);
    for (let i = 0; i < 10; i++) {
      t.input();
      vi.advanceTimersByTime(200);
    }
    expect(sent).toEqual([true, true]); // refreshed after 3 s
    vi.advanceTimersByTime(4000);
    expect(sent).toEqual([true, true, false]);
  });

  it('sends false at once when the text is cleared or sent, and only once', () => {
    const sent: boolean[] = [];
    const t = new TypingSender((v) => sent.push(v));
    t.input();
    t.input(true);
    t.stop();
    expect(sent).toEqual([true, false]);
    vi.advanceTimersByTime(10000);
    expect(sent).toEqual([true, false]);
  });
});

describe('TypingIndicator', () => {
  it('shows, hides on false, and hides by itself when the false frame is lost', () => {
    const changes: [boolean, string | null][] = [];
    const ind = new TypingIndicator((v, n) => changes.push([v, n]), 8000);
    ind.update(true, 'Anna');
    ind.update(true, 'Anna'); // refresh, no change
    ind.update(false, null);
    ind.update(true, 'Boris');
    vi.advanceTimersByTime(8000);
    expect(changes).toEqual([
      [true, 'Anna'],
      [false, null],
      [true, 'Boris'],
      [false, null],
    ]);
  });
});
