// The package from CommonJS on Node: a lookup, a miss, a batch, and where it resolved.
const { createClient, ERROR_MESSAGES } = require("chat-session-lookup-client");

async function main() {
  const lookup = createClient({ baseUrl: process.env.BASE_URL, token: process.env.TOKEN });
  const result = {
    node: process.version,
    resolved: require.resolve("chat-session-lookup-client"),
    demo: await lookup.getClientSession("123456789@c.us"),
    unknown: await lookup.getClientSession(`49${process.env.RUN}@c.us`),
    batch: await lookup.getClientSessions([{ chatId: "123456789@c.us" }, { chatId: "" }]),
    messages: ERROR_MESSAGES.length,
  };
  console.log(JSON.stringify(result));
}

main();
