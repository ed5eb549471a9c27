/**
 * Microsoft's national clouds: where to get tokens and where Microsoft Graph lives. The token
 * scope is `<graphEndpoint>/.default`.
 */
export const CLOUDS = {
  global: { authorityHost: 'https://login.microsoftonline.com', graphEndpoint: 'https://graph.microsoft.com' },
  /** US Government L4 (GCC High). */
  usgov: { authorityHost: 'https://login.microsoftonline.us', graphEndpoint: 'https://graph.microsoft.us' },
  /** US Government L5 (DoD). */
  'usgov-dod': { authorityHost: 'https://login.microsoftonline.us', graphEndpoint: 'https://dod-graph.microsoft.us' },
  /** China, operated by 21Vianet. */
  china: { authorityHost: 'https://login.chinacloudapi.cn', graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn' },
} as const satisfies Record<string, { authorityHost: string; graphEndpoint: string }>;

export type CloudName = keyof typeof CLOUDS;
