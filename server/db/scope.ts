/** What an API key may see: one MSP, and optionally only one of its clients. */
export interface Scope {
  mspId: string;
  clientId: string | null;
}
