// The feedback event: what the endpoint records when a person clicks a signed link, what
// `GET /events` serves, and what profile learning consumes. Events are an append-only log;
// a later event for the same (subscriber, paper) supersedes an earlier one.

export type FeedbackAction = 'up' | 'down' | 'clear' | 'unsubscribe';

export interface FeedbackEvent {
  /** Position in the endpoint's log, strictly increasing: the cursor for `GET /events?since=`. */
  seq: number;
  subscriber: string;
  /** arXiv id ('' for unsubscribe). */
  paper: string;
  /** `clear` undoes an earlier vote on the same paper. */
  action: FeedbackAction;
  /** The edition (YYYY-MM-DD) whose email carried the link. */
  edition: string;
  /** ISO timestamp of the click. */
  at: string;
  /**
   * The endpoint log the event came from (EventsPage.log), added by the nightly's client: seqs
   * count from 1 again in a new log. Absent on events logged before logs had an identity.
   */
  log?: string;
}

/** Body of `GET /events?since=<seq>`: events with seq > since, in order; `next` is the cursor to send next time. */
export interface EventsPage {
  /**
   * The log's identity, random, created with the endpoint's database. A cursor is only meaningful
   * for the log it was read from: a replaced database starts again at seq 1 under a new id.
   */
  log: string;
  events: FeedbackEvent[];
  next: number;
}
