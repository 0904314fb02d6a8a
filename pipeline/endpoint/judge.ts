// Deciding whether a tentative vote becomes a FeedbackEvent. Pure: the store gathers the facts,
// this decides. Mail-security scanners open every link of an email within seconds of delivery,
// some in a browser that runs the page's script; a person opens one link, now and then. So a
// vote is discarded when it is part of a burst across one email's links, or when the 👍 and 👎
// links of one paper were both opened, within seconds. Undo and change on the page travel on the
// page's own token, so a person changing their mind is neither. Unsubscribes are not judged.
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
  // 👍 and 👎 links of one paper both opened: only a scanner opens both within seconds. A change
  // made with the page's buttons travels on the token of the page, so it never contradicts.
  const contradicted =
    vote.origin === 'open' &&
    facts.sameEmail.some(
      (v) => v.origin === 'open' && v.token !== vote.token && v.paper === vote.paper && isOpposite(v.action, vote.action) && Math.abs(v.at - vote.at) <= rules.contradictionMs,
    );
  if (contradicted) return { state: 'discarded', reason: 'contradiction' };
  // Many links of one email within seconds: a scanner, even one that presses the page's buttons.
  const links = new Set(facts.sameEmail.filter((v) => Math.abs(v.at - vote.at) <= rules.burstWindowMs).map((v) => v.token));
  links.add(vote.token);
  if (links.size >= rules.burstVotes) return { state: 'discarded', reason: 'burst' };
  if (facts.supersededByLater) return { state: 'superseded' };
  const last = facts.lastAction ?? 'clear';
  if (vote.action === last) return { state: 'unchanged' };
  return { state: 'confirmed' };
}

function isOpposite(a: FeedbackAction, b: FeedbackAction): boolean {
  return (a === 'up' && b === 'down') || (a === 'down' && b === 'up');
}
