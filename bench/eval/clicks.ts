// How a simulated subscriber answers a digest. People miss more than they misclick: a reader
// leaves 40 % of the picks unclicked (skimmed past, no time) and of the clicks they do make, 2 %
// are the wrong button. A clicked pick gets 👍 when it is relevant (by them or a co-author) and
// 👎 otherwise. Pure: picks, ground truth and a seeded generator in.
import type { FeedbackEvent } from '../../pipeline/endpoint/event.ts';

export interface ClickModel {
  /** Share of picks left unclicked. */
  unclicked: number;
  /** Share of clicks on the wrong button. */
  wrong: number;
}

const CLICKS: ClickModel = { unclicked: 0.4, wrong: 0.02 };

export function clicksOn(subscriber: string, edition: string, picks: string[], relevant: Set<string>, random: () => number, seq: { next: number }, model: ClickModel = CLICKS): FeedbackEvent[] {
  const out: FeedbackEvent[] = [];
  for (const paper of picks) {
    // Both draws happen for every pick, so the same seed gives every arm the same reader.
    const skip = random() < model.unclicked;
    const wrong = random() < model.wrong;
    if (skip) continue;
    const up = relevant.has(paper) !== wrong;
    out.push({ seq: ++seq.next, subscriber, paper, action: up ? 'up' : 'down', edition, at: `${edition}T09:00:00.000Z` });
  }
  return out;
}
