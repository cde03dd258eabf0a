/** What a request lends the work it starts: its id for the logs, its deadline, its lifetime. */
export interface RequestScope {
  requestId: string;
  /** Epoch ms by which storage must have answered. */
  deadline: number;
  /** Keeps background work (cache writes) alive after the response is sent. */
  waitUntil(work: Promise<unknown>): void;
}

/** What a write lends its work: its request's scope, and who writes (recorded with its events). */
export interface WriteScope extends RequestScope {
  /** The name of the token that writes. */
  actor: string;
}
