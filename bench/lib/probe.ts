/**
 * The red-team probe: can a session-limited token tell, from how long its lookups take, that a
 * chat of another session exists, right after someone writes to it? Issue 23 found it could
 * (77% per lookup): the write dropped the token's cached entry for the written chat, which an
 * unknown chat never has, so the next lookup of the hidden chat read D1.
 *
 * Run against the code before the fix, it guessed right 78% per lookup and 97.5% per chat.
 *
 * Each round, for each of {@link PROBE_CHATS} hidden chats (one conversation of a client of
 * another session, each paired with an unknown chat id of its own): the limited token looks up
 * both (so both sit in its memory, the case the issue found), the unlimited writer moves the
 * hidden chat's client to yet another session (never the token's), and the token looks up the two
 * again in a random order, timed from the client. A classifier guesses that the slower of the two
 * was the hidden chat; per chat, that the one with the higher median over its rounds was. At
 * chance it is right about half the time: the report gives the exact 95% interval of a fair coin
 * over as many guesses. Answers are compared too (status, body, header names): they must be the
 * same. Durations are never asserted by a test: this is a report.
 */
import { probeChatId, seededRandom, unknownChatId } from "./data.ts";
import type { Target } from "./report.ts";

/** Hidden chats, each probed once per round. */
export const PROBE_CHATS = 40;
/** Rounds: each hidden chat is written and probed this many times. */
export const PROBE_ROUNDS = 11;
/** The session the limited token may see: no probe client is ever in it. */
export const PROBE_OWN_SESSION = "bench-probe-own";
// Unknown ids of their own, far from those of the other scenarios.
const FIRST_UNKNOWN_SERIAL = 60_000_000;
const SEED = 23;

/** One paired lookup, after a write to the hidden chat. */
interface ProbePair {
  hiddenMs: number;
  unknownMs: number;
  /** Whether the two answers were the same (status, body, header names). */
  sameAnswer: boolean;
}

/** How often a guess was right, and the range a fair coin lands in 95% of the time. */
export interface Accuracy {
  correct: number;
  trials: number;
  /** Fewest and most right guesses of a fair coin over `trials`, 95% of the time (exact binomial). */
  chance: [low: number, high: number];
}

export interface ProbeResult {
  chats: number;
  rounds: number;
  perLookup: Accuracy;
  perChat: Accuracy;
  medianHiddenMs: number;
  medianUnknownMs: number;
  /** Mean of hidden − unknown over the pairs, and its 95% confidence half-width. */
  meanDifferenceMs: number;
  differenceHalfWidthMs: number;
  /** Pairs whose answers differed in status, body or header names (a leak whatever the timing). */
  differentAnswers: number;
  /** Writes that did not answer 200. */
  failedWrites: number;
  seconds: number;
}

interface Answer {
  ms: number;
  shape: string;
}

/** One request, timed from before it is sent to the last byte of its answer. */
async function timed(url: string, init: RequestInit): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(url, init);
  const body = await response.text();
  const ms = performance.now() - started;
  // What may not differ between a hidden and an unknown chat: everything but per-request values.
  const names = [...response.headers.keys()].filter((name) => !["date", "x-request-id"].includes(name));
  return { ms, shape: `${response.status} ${body} ${names.sort().join(",")}` };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * The central 95% of a fair coin's right guesses over `trials`: the fewest `low` and most `high`
 * with at most 2.5% of the chance below `low` and at most 2.5% above `high`.
 */
export function chanceInterval(trials: number): [number, number] {
  const pmf: number[] = [0.5 ** trials];
  for (let k = 0; k < trials; k++) pmf.push(((pmf[k] ?? 0) * (trials - k)) / (k + 1));
  let low = 0;
  let below = 0;
  while (below + (pmf[low] ?? 0) <= 0.025) below += pmf[low++] ?? 0;
  // Symmetric: as many above `high` as below `low`.
  return [low, trials - low];
}

function accuracy(correct: number, trials: number): Accuracy {
  return { correct, trials, chance: chanceInterval(trials) };
}

/** Runs the probe against `url`: `limited` is the session-limited token, `write` an unlimited writer. */
export async function runProbe(
  url: string,
  tokens: { limited: string; write: string },
): Promise<ProbeResult> {
  const started = performance.now();
  const random = seededRandom(SEED);
  const read = { headers: { Authorization: `Bearer ${tokens.limited}` } };
  const write = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${tokens.write}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  const clientOf = (chat: number) => `bench-probe-client-${chat}`;
  const lookupUrl = (chatId: string) => `${url}/api/clients/view?chatId=${encodeURIComponent(chatId)}`;
  const hidden = Array.from({ length: PROBE_CHATS }, (_, chat) => lookupUrl(probeChatId(chat)));
  const unknown = Array.from({ length: PROBE_CHATS }, (_, chat) =>
    lookupUrl(unknownChatId(FIRST_UNKNOWN_SERIAL + chat)),
  );

  // Each hidden chat: a client of its own, in another session, with one conversation.
  for (let chat = 0; chat < PROBE_CHATS; chat++) {
    const client = await write(`/api/clients/${clientOf(chat)}`, { session_id: "bench-probe-other-0" });
    const conversation = await write(`/api/conversations/${encodeURIComponent(probeChatId(chat))}`, {
      client_id: clientOf(chat),
    });
    await Promise.all([client.arrayBuffer(), conversation.arrayBuffer()]);
    if (client.status !== 200 || conversation.status !== 200) {
      throw new Error(
        `the probe's setup writes answered ${client.status} and ${conversation.status}, expected 200`,
      );
    }
  }
  // The token is known (its check cached) from here on.
  await timed(unknown[0] ?? "", read);

  const pairs: ProbePair[][] = Array.from({ length: PROBE_CHATS }, () => []);
  let failedWrites = 0;
  for (let round = 1; round <= PROBE_ROUNDS; round++) {
    for (let chat = 0; chat < PROBE_CHATS; chat++) {
      const pair = [hidden[chat] ?? "", unknown[chat] ?? ""];
      // Both in the token's own memory before the write, in a random order.
      const primeHiddenFirst = random() < 0.5;
      for (const target of primeHiddenFirst ? pair : [...pair].reverse()) await timed(target, read);
      const written = await write(`/api/clients/${clientOf(chat)}`, {
        session_id: `bench-probe-other-${round}`,
      });
      await written.arrayBuffer();
      if (written.status !== 200) failedWrites++;
      const hiddenFirst = random() < 0.5;
      let hiddenAnswer: Answer;
      let unknownAnswer: Answer;
      if (hiddenFirst) {
        hiddenAnswer = await timed(pair[0] ?? "", read);
        unknownAnswer = await timed(pair[1] ?? "", read);
      } else {
        unknownAnswer = await timed(pair[1] ?? "", read);
        hiddenAnswer = await timed(pair[0] ?? "", read);
      }
      pairs[chat]?.push({
        hiddenMs: hiddenAnswer.ms,
        unknownMs: unknownAnswer.ms,
        sameAnswer: hiddenAnswer.shape === unknownAnswer.shape,
      });
    }
  }

  const all = pairs.flat();
  // The guess: the slower of the two was the hidden chat (a tie guesses the unknown one).
  const rightPerLookup = all.filter((pair) => pair.hiddenMs > pair.unknownMs).length;
  const rightPerChat = pairs.filter(
    (chat) => median(chat.map((pair) => pair.hiddenMs)) > median(chat.map((pair) => pair.unknownMs)),
  ).length;
  const differences = all.map((pair) => pair.hiddenMs - pair.unknownMs);
  const mean = differences.reduce((sum, value) => sum + value, 0) / differences.length;
  const variance =
    differences.reduce((sum, value) => sum + (value - mean) ** 2, 0) / Math.max(1, differences.length - 1);
  return {
    chats: PROBE_CHATS,
    rounds: PROBE_ROUNDS,
    perLookup: accuracy(rightPerLookup, all.length),
    perChat: accuracy(rightPerChat, pairs.length),
    medianHiddenMs: median(all.map((pair) => pair.hiddenMs)),
    medianUnknownMs: median(all.map((pair) => pair.unknownMs)),
    meanDifferenceMs: mean,
    differenceHalfWidthMs: 1.96 * Math.sqrt(variance / differences.length),
    differentAnswers: all.filter((pair) => !pair.sameAnswer).length,
    failedWrites,
    seconds: (performance.now() - started) / 1000,
  };
}

function share(count: number, trials: number): string {
  return `${((count * 100) / Math.max(trials, 1)).toFixed(1)}%`;
}

function accuracyText(what: string, value: Accuracy): string {
  const [low, high] = value.chance;
  return `${share(value.correct, value.trials)} per ${what} (${value.correct} of ${value.trials}; chance, 95%: ${share(low, value.trials)} to ${share(high, value.trials)})`;
}

function atChance(value: Accuracy): boolean {
  return value.correct >= value.chance[0] && value.correct <= value.chance[1];
}

/** The probe's targets: the classifier at chance per lookup and per chat, the answers the same. */
export function probeTargets(probe: ProbeResult | null): Target[] {
  const label =
    "probe: a session-limited token tells a hidden chat from an unknown one, right after a write to it, at chance";
  if (probe === null) return [{ label, pass: null, measured: "not run" }];
  return [
    {
      label,
      pass:
        atChance(probe.perLookup) &&
        atChance(probe.perChat) &&
        probe.differentAnswers === 0 &&
        probe.failedWrites === 0,
      measured: `${accuracyText("lookup", probe.perLookup)}, ${accuracyText("chat", probe.perChat)}; ${probe.differentAnswers} pairs answered differently, ${probe.failedWrites} writes failed`,
    },
  ];
}

/** The console line of the probe. */
export function probeLine(probe: ProbeResult): string {
  return `  probe                  ${probe.chats} chats × ${probe.rounds} rounds in ${probe.seconds.toFixed(1)} s: the slower was the hidden chat ${share(probe.perLookup.correct, probe.perLookup.trials)} per lookup, ${share(probe.perChat.correct, probe.perChat.trials)} per chat; medians ${probe.medianHiddenMs.toFixed(2)} ms hidden, ${probe.medianUnknownMs.toFixed(2)} ms unknown`;
}

/** The "Red-team probe" section of bench/results/latest.md. */
export function probeLines(probe: ProbeResult | null): string[] {
  if (probe === null) return [];
  return [
    "## Red-team probe: hidden or unknown, right after a write",
    "",
    `A token limited to a session of its own (\`${PROBE_OWN_SESSION}\`) and ${probe.chats} chats of another session, each the one conversation of a client of its own, each paired with an unknown chat id. ${probe.rounds} rounds: for each chat, the token looks up both (so both sit in its memory), the \`clients:write\` token moves the chat's client to yet another session (still not the token's), and the token looks up the two again in a random order, each timed from this process (request sent to last byte). A classifier guesses that the slower of the two was the hidden chat; per chat, that the one with the higher median over the ${probe.rounds} rounds was. On the code before issue 23's fix this same probe was right 78% of the time per lookup and 97.5% per chat (40 chats × 11 rounds, on a busy 2-core machine): the write dropped the token's memory entry for the hidden chat only, so its next lookup read D1. At chance, a guess is right half the time; the interval is the exact binomial 95% range of a fair coin over as many guesses.`,
    "",
    "| Measure | Value |",
    "| --- | --- |",
    `| Right guesses per lookup | ${accuracyText("lookup", probe.perLookup)} |`,
    `| Right guesses per chat | ${accuracyText("chat", probe.perChat)} |`,
    `| Median lookup, hidden / unknown | ${probe.medianHiddenMs.toFixed(2)} ms / ${probe.medianUnknownMs.toFixed(2)} ms |`,
    `| Mean of hidden − unknown, 95% interval | ${probe.meanDifferenceMs.toFixed(3)} ± ${probe.differenceHalfWidthMs.toFixed(3)} ms |`,
    `| Pairs answered differently (status, body, header names) | ${probe.differentAnswers} |`,
    `| Writes that failed | ${probe.failedWrites} |`,
    `| Time | ${probe.seconds.toFixed(1)} s |`,
    "",
  ];
}
