/**
 * Committing a payment that createPayment queued (202 PENDING): the business logic behind the retry
 * queue's consumer (the adapter is handlers/retryProcessor.ts, which reports failures per record).
 *
 * It trusts no message: `parseRetryMessage` parses it strictly, applies the API's validation and
 * recomputes the transaction id, key and request hash (InvalidRetryMessageError otherwise). The
 * payment is committed with the same conditional write as the API, so it never replaces a stored
 * payment: an identical one counts as success (redelivery, or the other region's processor was
 * first); a different one is a ConflictingPaymentError. The pending-payment marker in this region,
 * if present, must be for the same request (the marker is what createPayment answered from).
 */
import { ConflictingPaymentError, describeError } from '../commons/errors';
import type { PaymentRules } from '../commons/config';
import type { PaymentItem } from '../commons/payment';
import { logger } from '../commons/powertools';
import { parseRetryMessage } from '../commons/retryQueue';
import type { Replica } from './commit';

/** Budget of the marker read, ms, whatever the SDK's own timeouts say. */
export const MARKER_READ_TIMEOUT_MS = 5_000;

/** What committing a queued payment needs: this region's replica and this region's markers. */
export interface RetryPorts {
  readonly replica: Pick<Replica, 'insert'>;
  readonly markers: { get(transactionId: string, timeoutMs: number): Promise<PaymentItem | undefined> };
}

/**
 * Commits the payment a retry message carries. Resolves `{ created, item }` (`created` false: the
 * same payment was already committed). Throws InvalidRetryMessageError (never committed),
 * ConflictingPaymentError (the key holds, or a marker holds, another request) and AWS errors.
 */
export async function commitQueuedPayment(body: string, rules: PaymentRules, ports: RetryPorts): Promise<{ created: boolean; item: PaymentItem }> {
  const item = parseRetryMessage(body, rules);
  // The marker check guards against a conflicting pending request; an unreadable marker does not
  // block the commit (the conditional write alone already prevents any overwrite).
  const marker = await ports.markers.get(item.transactionId, MARKER_READ_TIMEOUT_MS).catch((error: unknown) => {
    logger.warn('pending marker unreadable; committing on the conditional write alone', { transactionId: item.transactionId, ...describeError(error) });
    return undefined;
  });
  if (marker !== undefined && marker.requestHash !== item.requestHash) throw new ConflictingPaymentError(item.transactionId);
  const outcome = await ports.replica.insert(item);
  if (!outcome.created && outcome.existing.requestHash !== item.requestHash) throw new ConflictingPaymentError(item.transactionId);
  return { created: outcome.created, item };
}
