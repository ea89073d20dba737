import type { ContextPack } from '../../pack/pack-context.js';
import type { PersonFormat } from '../command-spec.js';

/** A pack as printed: the whole pack, or with `-o` its metadata and where the context went. */
export type PrintedPack = ContextPack | (Omit<ContextPack, 'context'> & { output: string });

const FENCE_OF_STYLE = { markdown: '', xml: 'xml', plain: 'text' } as const;

/** A fence longer than any backtick run in the text, so the text cannot close it. */
function fenced(text: string, language: string): string {
  const fence = '`'.repeat(Math.max(2, ...[...text.matchAll(/`+/g)].map((run) => run[0].length)) + 1);
  return `${fence}${language}\n${text}${fence}\n`;
}

/** On a terminal the context itself (what one pastes); with `-o`, one line saying where it went. */
function packText(pack: PrintedPack): string {
  if ('output' in pack)
    return `wrote ${pack.tokens_used} of ${pack.budget} tokens (${pack.chunks.length} blocks) to ${pack.output}`;
  return pack.context === '' ? '(nothing in the index matched the goal)' : pack.context;
}

/** prepare-context-pack for people: the context on a terminal; in markdown, a non-markdown style fenced. */
export const renderPack: Record<PersonFormat, (pack: PrintedPack) => string> = {
  text: packText,
  markdown: (pack) =>
    'output' in pack || (pack.style ?? 'markdown') === 'markdown'
      ? packText(pack)
      : fenced(pack.context, FENCE_OF_STYLE[pack.style!]),
};
