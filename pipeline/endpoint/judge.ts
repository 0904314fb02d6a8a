// Deciding whether a tentative vote becomes a FeedbackEvent. Pure: the store gathers the facts,
// this decides. Mail-security scanners open every link of an email after delivery, some in a
// browser that runs the page's script, some all at once, some one link every few seconds in
// document order (👍 then 👎 of each paper in turn); a person opens one to three links, now and
// then. So, over a window of minutes around the vote: when the 👍 and 👎 links of one paper were
// both opened, the email is being scanned and none of its clicks in that window count; when many
// distinct links of one email were opened (a burst), none of them counts either. Undo and change
// on the page travel on the page's own token, so a person changing their mind is neither.
// Unsubscribes are not judged.
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
  /** `burstVotes` distinct links of one email opened within this of a vote: a scan. */
  burstWindowMs: number;
  burstVotes: number;
  /** The 👍 and 👎 links of one paper both opened within this of each other, and of a vote: a scan. */
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
  const email = [vote, ...facts.sameEmail.filter((v) => v.id !== vote.id)];
  const near = (ms: number) => email.filter((v) => Math.abs(v.at - vote.at) <= ms);
  // Both links of one paper opened from the email: only a scanner does that (a person changes
  // their mind on the page, which keeps the page's token). It taints every click of the email
  // around it, so a scan in document order (👍 A, 👎 A, 👍 B…) counts for nothing, whatever its pace.
  if (
    bothLinksOfOnePaper(
      near(rules.contradictionMs).filter((v) => v.origin === 'open'),
      rules.contradictionMs,
    )
  ) {
    return { state: 'discarded', reason: 'contradiction' };
  }
  // Many links of one email within minutes: a scanner, even one that presses the page's buttons.
  if (new Set(near(rules.burstWindowMs).map((v) => v.token)).size >= rules.burstVotes) return { state: 'discarded', reason: 'burst' };
  if (facts.supersededByLater) return { state: 'superseded' };
  const last = facts.lastAction ?? 'clear';
  if (vote.action === last) return { state: 'unchanged' };
  return { state: 'confirmed' };
}

/** Whether some paper's 👍 and 👎 links (two tokens) were both opened within `ms` of each other. */
function bothLinksOfOnePaper(opened: Vote[], ms: number): boolean {
  const lastOpened = new Map<string, { up?: number; down?: number }>();
  for (const v of opened.toSorted((a, b) => a.at - b.at)) {
    if (v.action !== 'up' && v.action !== 'down') continue;
    const seen = lastOpened.get(v.paper) ?? {};
    const other = seen[v.action === 'up' ? 'down' : 'up'];
    if (other !== undefined && v.at - other <= ms) return true;
    seen[v.action] = v.at;
    lastOpened.set(v.paper, seen);
  }
  return false;
}
