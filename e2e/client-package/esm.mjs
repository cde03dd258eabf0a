// The tour as an ES module on Node: prints what it answered, and where the package resolved.
import { tour } from "./tour.mjs";

const result = await tour({
  baseUrl: process.env.BASE_URL,
  token: process.env.TOKEN,
  sessionsToken: process.env.SESSIONS_TOKEN,
  run: process.env.RUN,
});
const resolved = import.meta.resolve("chat-session-lookup-client");
console.log(JSON.stringify({ node: process.version, resolved, ...result }));
