/** Settings every openid-client based provider client takes. @publicApi */
export interface OpenIdClientOptions {
  clientId: string;
  clientSecret: string;
  /** Scopes asked for. The presets ask for what they need to read the account id and a verified email. */
  scopes?: string[];
  /**
   * Let the client talk plain HTTP to the provider. Only for a provider on this machine (tests, development):
   * refused for any host but `localhost`, `127.0.0.1` and `[::1]`. @default false
   */
  allowInsecureLoopback?: boolean;
  /** Gives up on a provider request after this many seconds (the callback answers 400). @default 10 */
  timeoutSeconds?: number;
}
