/**
 * The text behind "Add @gradcheck tag…" that only the input box needs: the grammar line,
 * where the placeholders are, and what is wrong while the user types. Pure, so each is
 * tested in Node; addTag.ts does the VS Code part, and the prefill and the comment line
 * it writes come from layers/tagSuggestion.ts (the command line suggests them too).
 */
import { outsideJsonStrings, parseGradcheckTag } from '../layers/tag';
import type { LayerLanguage } from '../layers/types';

/** The grammar in one line, shown under the input box. */
export const TAG_PROMPT =
  'In call order: inputs x:[4,5] (float64, checked), labels y:int[4]<10 (values in [0, 10)), constants name=<JSON>; optionally atol= rtol= eps=';

/** Offsets of the `?` placeholders outside JSON strings (a constant may hold a '?' of its own). */
export function placeholders(text: string): number[] {
  return [...outsideJsonStrings(text)].filter((i) => text[i] === '?');
}

/** The range the input box selects first: the first placeholder, so typing replaces it. */
export function firstPlaceholder(text: string): [number, number] | undefined {
  const at = placeholders(text)[0];
  return at === undefined ? undefined : [at, at + 1];
}

/** What is wrong with the typed arguments, as the input box shows it; undefined when they make a tag. */
export function tagTextProblem(text: string, language: LayerLanguage): string | undefined {
  if (text.trim() === '') return 'Name the arguments in call order, like x:[4,5] w:[5,3]';
  const left = placeholders(text).length;
  if (left > 0) {
    return `Replace ${left === 1 ? 'the ?' : `each of the ${left} ?`} with a number: the sizes of each shape (x:[4,5]) and each label bound (y:int[4]<10)`;
  }
  if (/[\r\n]/.test(text)) return 'Write the tag on one line';
  if (language === 'javascript' && text.includes('*/')) return "A JavaScript tag lives in a /** */ comment, so it cannot contain '*/'";
  return parseGradcheckTag(`@gradcheck ${text.trim()}`)?.problem?.replace(/^@gradcheck: /, '');
}
