// The API reference: Scalar's standalone bundle (scalar.js, loaded before this module) over the
// app's own /openapi.json. Everything stays on this origin: no fonts, telemetry, agent, proxy or
// developer toolbar from scalar.com (the page's connect-src 'self' would refuse them anyway), and an API key typed
// into its "Test request" is kept in memory only, sent to this server only.
window.Scalar.createApiReference('#reference', {
  url: '/openapi.json',
  servers: [{ url: window.location.origin, description: 'This server' }],
  withDefaultFonts: false,
  telemetry: false,
  persistAuth: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  hideDarkModeToggle: true,
  showDeveloperTools: 'never',
  documentDownloadType: 'json',
  authentication: { preferredSecurityScheme: 'apiKey' },
});
