/**
 * Preloaded into a command the bench measures (`node --import ./bench/peak-rss.ts …`): at exit,
 * writes the process's peak resident memory, in KiB, to the file `BENCH_PEAK_RSS_FILE` names.
 */
import { writeFileSync } from "node:fs";

process.on("exit", () => {
  const file = process.env.BENCH_PEAK_RSS_FILE;
  if (file !== undefined) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
