/**
 * A Worker's startup profiled as `wrangler check startup` profiles it (the bundle's main module
 * imported by a first request, in workerd, under the V8 profiler), but sampling every 100 µs:
 * wrangler keeps V8's default, which on a busy machine leaves a Worker that starts in a few
 * milliseconds with one sample or none.
 */
import { readFileSync } from "node:fs";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";

/** A V8 CPU profile, as the inspector's `Profiler.stop` returns it. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string } }[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

const SAMPLING_INTERVAL_US = 100;
const WORKER_NAME = "startup-profile";

// Imports the Worker on the first request, so that the profile holds its startup and nothing else.
const PROFILER_ENTRY = (main: string) => `
export default {
  async fetch() {
    await import(${JSON.stringify(`./worker/${main}`)});
    return new Response("ok");
  },
};
`;

/** The ES modules of a bundle written by `wrangler deploy --outfile` (multipart form data). */
async function bundleModules(bundlePath: string) {
  const bytes = readFileSync(bundlePath);
  const boundary = bytes.subarray(2, bytes.indexOf(10)).toString().trim();
  const form = await new Response(bytes, {
    headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
  }).formData();
  const metadata = JSON.parse(String(form.get("metadata"))) as { main_module?: string };
  if (metadata.main_module === undefined) throw new Error(`${bundlePath}: not an ES module Worker`);
  const modules: { type: "ESModule"; path: string; contents: string }[] = [];
  for (const [name, value] of form.entries()) {
    if (name === "metadata" || typeof value === "string" || name.endsWith(".map")) continue;
    modules.push({ type: "ESModule", path: `/worker/${name}`, contents: await value.text() });
  }
  return { main: metadata.main_module, modules };
}

type InspectorAnswer = { id?: number; result?: { profile?: CpuProfile } };

/** Profiles the startup of the Worker in `bundlePath` once. */
export async function profileStartup(bundlePath: string, compatibilityDate: string): Promise<CpuProfile> {
  const { main, modules } = await bundleModules(bundlePath);
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      name: WORKER_NAME,
      modulesRoot: "/",
      modules: [{ type: "ESModule", path: "/profiler-entry.js", contents: PROFILER_ENTRY(main) }, ...modules],
      compatibilityDate,
      inspectorPort: 0,
    }),
  );
  let socket: WebSocket | undefined;
  try {
    await miniflare.ready;
    const inspector = await miniflare.getInspectorURL();
    const open = new WebSocket(new URL(`/core:user:${WORKER_NAME}`, inspector));
    socket = open;
    await new Promise((resolve, reject) => {
      open.addEventListener("open", resolve, { once: true });
      open.addEventListener("error", reject, { once: true });
    });
    const waiting = new Map<number, (answer: InspectorAnswer) => void>();
    open.addEventListener("message", (event) => {
      const answer = JSON.parse(String(event.data)) as InspectorAnswer;
      if (answer.id !== undefined) waiting.get(answer.id)?.(answer);
    });
    let lastId = 0;
    const send = (method: string, params: object = {}) =>
      new Promise<InspectorAnswer>((resolve) => {
        const id = ++lastId;
        waiting.set(id, resolve);
        open.send(JSON.stringify({ id, method, params }));
      });
    await send("Profiler.enable");
    await send("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
    await send("Profiler.start");
    await (await miniflare.dispatchFetch("http://startup-profile.invalid/")).text();
    const profile = (await send("Profiler.stop")).result?.profile;
    if (profile === undefined) throw new Error("the profiler returned no profile");
    return profile;
  } finally {
    socket?.close();
    await miniflare.dispose();
  }
}
