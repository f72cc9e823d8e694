/**
 * What an agent run says in words (`agentWords.ts`) beyond its status line, which the state
 * machine's tests check (agentRun.spec.ts).
 */
import { valueCaption } from '../agentWords';
import { observation } from './fakes';

describe('an observation in a few words', () => {
  const value = (type: string, shape: number[] | null) =>
    observation({ value: { type, shape, preview: '' } });

  it('gives a DataFrame its rows and columns, other values their shape or type', () => {
    expect(valueCaption(value('DataFrame', [3, 2]))).toBe(
      'DataFrame · 3 rows × 2 columns'
    );
    expect(valueCaption(value('Series', [3]))).toBe('Series · 3');
    expect(valueCaption(value('int', null))).toBe('int');
    expect(valueCaption(observation())).toBeNull();
  });
});
