// Deciding whether a tentative vote becomes a FeedbackEvent. Pure: the store gathers the facts,
// this decides. Mail-security scanners open every link of an email within seconds of delivery,
// some in a browser that runs the page's script; a person opens one link, now and then. So a
// vote sent by a page as it opened is discarded when it is part of a burst across one email's
// links or contradicted (👍 and 👎 on one paper) within seconds. Explicit button presses on the
// page (undo, change) and unsubscribes are a person's act and are never treated as a burst.
import type { FeedbackAction } from './event.ts';

/** How a vote reached us: sent by the vote page as it opened, a button pressed on that page, or an RFC 8058 one-click POST. */
export type VoteOrigin = 'open' | 'button' | 'one-click';

export interface Vote {
  id: number;
  subscriber: string;
  paper: string;
  edition: string;
  action: FeedbackAction;
  origin: VoteOrigin;
  /** Hash of the link token the vote came through: one email link, one token. */
  token: string;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface ScannerRules {
  burstWindowMs: number;
  burstVotes: number;
  contradictionMs: number;
}

export interface VoteFacts {
  /** Votes of the same subscriber and edition (one email) within the larger window around the vote, itself included. */
  sameEmail: Vote[];
  /** A later vote on the same paper by the same subscriber exists: the person changed their mind or reloaded. */
  supersededByLater: boolean;
  /** The last confirmed action on this paper by this subscriber. */
  lastAction: FeedbackAction | undefined;
}

export type Verdict =
  | { state: 'confirmed' }
  | { state: 'discarded'; reason: 'burst' | 'contradiction' }
  | { state: 'superseded' }
  /** Confirms nothing new: the same vote again, or undo of nothing. */
  | { state: 'unchanged' };

export function judgeVote(vote: Vote, facts: VoteFacts, rules: ScannerRules): Verdict {
  if (vote.origin === 'open') {
    const opened = facts.sameEmail.filter((v) => v.origin === 'open');
    const contradicted = opened.some(
      (v) => v.paper === vote.paper && isOpposite(v.action, vote.action) && Math.abs(v.at - vote.at) <= rules.contradictionMs,
    );
    if (contradicted) return { state: 'discarded', reason: 'contradiction' };
    const links = new Set(opened.filter((v) => Math.abs(v.at - vote.at) <= rules.burstWindowMs).map((v) => v.token));
    links.add(vote.token);
    if (links.size >= rules.burstVotes) return { state: 'discarded', reason: 'burst' };
  }
  if (facts.supersededByLater) return { state: 'superseded' };
  const last = facts.lastAction ?? 'clear';
  if (vote.action === last) return { state: 'unchanged' };
  return { state: 'confirmed' };
}

function isOpposite(a: FeedbackAction, b: FeedbackAction): boolean {
  return (a === 'up' && b === 'down') || (a === 'down' && b === 'up');
}
