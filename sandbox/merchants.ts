/**
 * Sandbox test merchants: credentials issued at start-up (a fresh secret per run, printed only in the
 * ready line), their hash-only records seeded in both regions' credentials tables, and the one
 * helper every client uses to authenticate as a merchant.
 */
import { credentialToAttributes, issueCredential } from '../infra/lambda/commons/credentials';
import type { SandboxMerchant } from './types';

/** Merchants every sandbox seeds. */
export const DEFAULT_SANDBOX_MERCHANTS: readonly string[] = ['merchant-a', 'merchant-b'];

/** Issues one credential per merchant: the ready line's entries and the records to seed (wire-form attribute values). */
export function seedMerchants(merchantIds: readonly string[], now = new Date()): { merchants: SandboxMerchant[]; records: Record<string, string>[] } {
  const merchants: SandboxMerchant[] = [];
  const records: Record<string, string>[] = [];
  for (const merchantId of merchantIds) {
    const { credential, record } = issueCredential({ merchantId, now, notBefore: new Date(now.getTime() - 60_000), expiresAt: new Date(now.getTime() + 30 * 86_400_000) });
    merchants.push({ merchantId, headers: { Authorization: `Bearer ${credential}` } });
    records.push(Object.fromEntries(Object.entries(credentialToAttributes(record)).map(([k, v]) => [k, v.S ?? ''])));
  }
  return { merchants, records };
}

/**
 * The headers that authenticate `merchantId` (default: the first seeded merchant) against a running
 * sandbox, from its ready description. Throws when the sandbox did not seed that merchant.
 */
export function merchantHeaders(ready: { merchants?: readonly SandboxMerchant[] }, merchantId?: string): Record<string, string> {
  return sandboxMerchant(ready, merchantId).headers;
}

/** The seeded merchant `merchantId` (default: the first). */
export function sandboxMerchant(ready: { merchants?: readonly SandboxMerchant[] }, merchantId?: string): SandboxMerchant {
  const merchants = ready.merchants ?? [];
  const found = merchantId === undefined ? merchants[0] : merchants.find((m) => m.merchantId === merchantId);
  if (found === undefined) throw new Error(`the sandbox seeded no merchant ${merchantId ?? '(none at all)'}; it has ${merchants.map((m) => m.merchantId).join(', ') || 'none'}`);
  return found;
}
