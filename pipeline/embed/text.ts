// What Paperboy embeds for a paper, and the content key that decides when to embed it again.
import { createHash } from 'node:crypto';
import type { Paper } from '../store/paper.ts';

/** Title and abstract, the text every model sees for a paper. */
export function paperText(p: Pick<Paper, 'title' | 'abstract'>): string {
  const title = p.title.trim();
  const abstract = p.abstract.trim();
  if (!title) return abstract;
  return /[.!?:]$/.test(title) ? `${title} ${abstract}` : `${title}. ${abstract}`;
}

/** Short content hash of a text: a paper is re-embedded when this changes (a new version's abstract). */
export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
