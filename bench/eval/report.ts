// The tables `npm run eval` prints: each arm's measures with 95 % bootstrap intervals, each arm's
// paired difference against the single profile vector (and Paperboy's against itself without
// feedback), and precision@10 digest by digest. Pure: digests in, markdown lines out.
import { seededRandom } from '../../pipeline/util/random.ts';
import { bootstrapMean, MEASURES, pairedDifference, scoreDigest, subscriberMonth, type Estimate, type Measure } from './metrics.ts';
import { ARMS, type Arm, type Digests } from './replay.ts';

const BOOTSTRAP_SEED = 17;

/** Per arm, per measure: one value per subscriber (subscribers without an informative digest dropped from every arm alike). */
export function perSubscriber(digests: Digests): Record<Arm, Record<Measure, number[]>> {
  const months = Object.fromEntries(ARMS.map((a) => [a, digests[a].map(subscriberMonth)])) as Record<Arm, ReturnType<typeof subscriberMonth>[]>;
  const kept = months['single vector'].map((_, i) => ARMS.every((a) => months[a][i] !== null));
  return Object.fromEntries(ARMS.map((a) => [a, Object.fromEntries(MEASURES.map((m) => [m, months[a].flatMap((x, i) => (kept[i] ? [x![m]] : []))]))])) as Record<Arm, Record<Measure, number[]>>;
}

const f3 = (x: number) => x.toFixed(3);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;
const interval = (e: Estimate, fmt = f3) => `${fmt(e.mean)} [${fmt(e.low)}, ${fmt(e.high)}]`;

/** Each arm's measures, and its mean digest length (a digest may be short: P@10 still divides by 10). */
export function armTable(values: Record<Arm, Record<Measure, number[]>>, digests: Digests): string[] {
  const lines = [`| arm | ${MEASURES.join(' | ')} | picks |`, `|---|${MEASURES.map(() => '---|').join('')}---|`];
  for (const a of ARMS) {
    const all = digests[a].flat();
    const picks = all.reduce((n, d) => n + d.picks.length, 0) / (all.length || 1);
    lines.push(`| ${a} | ${MEASURES.map((m) => interval(bootstrapMean(values[a][m], seededRandom(BOOTSTRAP_SEED)))).join(' | ')} | ${picks.toFixed(1)} |`);
  }
  return lines;
}

/** Paired differences (arm − baseline) with 95 % intervals; `*` marks an interval above zero. */
export function differenceTable(values: Record<Arm, Record<Measure, number[]>>): string[] {
  const pairs: [Arm, Arm][] = [...ARMS.filter((a) => a !== 'single vector').map((a) => [a, 'single vector'] as [Arm, Arm]), ['Paperboy', 'Paperboy, no feedback']];
  const lines = [`| difference | ${MEASURES.join(' | ')} |`, `|---|${MEASURES.map(() => '---|').join('')}`];
  for (const [a, b] of pairs) {
    const cells = MEASURES.map((m) => {
      const e = pairedDifference(values[a][m], values[b][m], seededRandom(BOOTSTRAP_SEED));
      return `${interval(e, signed)}${e.low > 0 ? ' *' : ''}`;
    });
    lines.push(`| ${a} − ${b} | ${cells.join(' | ')} |`);
  }
  return lines;
}

/** P@10 of the k-th digest, pooled over the subscribers for whom that day had a relevant candidate. */
export function digestTable(digests: Digests, shown = 5): string[] {
  const lines = [`| digest | ${ARMS.join(' | ')} |`, `|---|${ARMS.map(() => '---|').join('')}`];
  for (let k = 0; k < shown; k++) {
    const informative = digests['single vector'].flatMap((ds, i) => (ds[k]?.relevant.size ? [i] : []));
    if (informative.length === 0) continue;
    const p = (a: Arm) => informative.reduce((s, i) => s + scoreDigest(digests[a][i]![k]!).precision, 0) / informative.length;
    lines.push(`| ${k + 1} (${informative.length}) | ${ARMS.map((a) => f3(p(a))).join(' | ')} |`);
  }
  return lines;
}

export interface Verdict {
  overSingle: Estimate;
  overNoFeedback: Estimate;
  met: boolean;
}

/** Issue 17's goal: P@10 of Paperboy with feedback above both the single vector and itself without feedback, intervals above zero. */
export function verdict(values: Record<Arm, Record<Measure, number[]>>): Verdict {
  const overSingle = pairedDifference(values.Paperboy['P@10'], values['single vector']['P@10'], seededRandom(BOOTSTRAP_SEED));
  const overNoFeedback = pairedDifference(values.Paperboy['P@10'], values['Paperboy, no feedback']['P@10'], seededRandom(BOOTSTRAP_SEED));
  return { overSingle, overNoFeedback, met: overSingle.low > 0 && overNoFeedback.low > 0 };
}
