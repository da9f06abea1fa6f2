/**
 * Finding a payment by transaction id: the business logic behind GET /payments/{id}, free of HTTP
 * (the adapter is handlers/getPayment.ts).
 * - COMMITTED: the item, read strongly consistently in this region's replica (reads stay in the
 *   region: AWS's guidance for global tables is that calls to DynamoDB should not cross Regions).
 * - PENDING: the replica answered that it does not hold it, and a pending-payment marker does (this
 *   region's bucket, then the peer's, which holds a copy whatever region accepted it): the payment
 *   was accepted with 202 and is queued for commit. While the replica cannot be read, no marker is
 *   answered: the key may hold a committed payment the marker does not describe (503 instead).
 */
import { describeError, ServiceUnavailableError } from '../commons/errors';
import type { PaymentItem } from '../commons/payment';
import { logger } from '../commons/powertools';

/** Per marker read, ms, whatever the SDK's own timeouts say (GET's function timeout is 10 s). */
export const MARKER_READ_BUDGET_MS = 3_000;

/** What a lookup reads: this region's replica, this region's markers, the peer region's markers. */
export interface LookupPorts {
  readonly replica: { get(transactionId: string): Promise<PaymentItem | undefined> };
  readonly markers: { get(transactionId: string, timeoutMs: number): Promise<PaymentItem | undefined> };
  readonly peerMarkers: { get(transactionId: string, timeoutMs: number): Promise<PaymentItem | undefined> };
}

export interface FoundPayment {
  readonly item: PaymentItem;
  readonly status: 'COMMITTED' | 'PENDING';
}

/**
 * The first source that has the payment: this region's replica, this region's marker, the peer's
 * marker (the markers only once the replica answered). Undefined when none has it and this
 * region's own sources answered (the peer's marker is an extra: a peer region that is down must not
 * turn every unknown id into a 503); throws ServiceUnavailableError when the replica or this
 * region's marker failed and nothing was found.
 * Does not check the merchant: the adapter answers another merchant's payment as a missing one.
 */
export async function findPayment(id: string, ports: LookupPorts): Promise<FoundPayment | undefined> {
  let failure: unknown;
  const sources: { local: boolean; status: FoundPayment['status']; read: () => Promise<PaymentItem | undefined> }[] = [
    { local: true, status: 'COMMITTED', read: () => ports.replica.get(id) },
    { local: true, status: 'PENDING', read: () => ports.markers.get(id, MARKER_READ_BUDGET_MS) },
    { local: false, status: 'PENDING', read: () => ports.peerMarkers.get(id, MARKER_READ_BUDGET_MS) },
  ];
  for (const source of sources) {
    try {
      const item = await source.read();
      if (item !== undefined) return { item, status: source.status };
    } catch (error) {
      if (source.local) failure ??= error;
      logger.warn('payment lookup failed', { source: `${source.local ? 'local' : 'peer'}-${source.status === 'COMMITTED' ? 'replica' : 'marker'}`, ...describeError(error) });
      if (source.status === 'COMMITTED') break; // a marker alone cannot say the key holds no committed payment
    }
  }
  if (failure !== undefined) throw new ServiceUnavailableError('Payments are temporarily unavailable; retry shortly.', 1, failure);
  return undefined;
}
