// Renders the reference of /openapi.json with nothing that needs the internet: no web fonts,
// telemetry or hosted tools. A file of its own so that the page runs no inline script.
Scalar.createApiReference("#app", {
  url: "/openapi.json",
  withDefaultFonts: false,
  telemetry: false,
  showDeveloperTools: "never",
  agent: { disabled: true },
  defaultOpenAllTags: true,
  authentication: { preferredSecurityScheme: "bearerAuth" },
});
