/**
 * The transaction log: one S3 object per committed transaction,
 * `<prefix>YYYY/MM/DD/<transactionId>.json`.
 *
 * Per transaction rather than batched, because a Lambda function has no durable place to hold a
 * batch: anything buffered in memory is lost when the environment is frozen or recycled. One object
 * per transaction, keyed by its id, is idempotent (a re-emission overwrites identical content as a
 * new version in the versioned bucket), replicates object by object through S3 CRR, and is
 * directly findable by an auditor. The date path keeps listings and lifecycle rules cheap.
 * Cost: one PUT per payment, which is small beside the payment itself.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { TransactionLogConfig } from './config';
import type { PaymentItem } from './payment';

/** The auditable record: the committed transaction, without storage-internal fields. */
export interface TransactionLogRecord {
  readonly transactionId: string;
  readonly status: string;
  readonly merchantId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reference?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly region: string;
  readonly requestHash: string;
  readonly idempotencyKey: string;
}

export class TransactionLog {
  constructor(
    private readonly client: S3Client,
    private readonly config: TransactionLogConfig,
  ) {}

  keyFor(item: Pick<PaymentItem, 'transactionId' | 'createdAt'>): string {
    const day = item.createdAt.slice(0, 10).replace(/-/g, '/');
    return `${this.config.prefix}${day}/${item.transactionId}.json`;
  }

  static recordOf(item: PaymentItem): TransactionLogRecord {
    return {
      transactionId: item.transactionId,
      status: item.status,
      merchantId: item.merchantId,
      amount: item.amount,
      currency: item.currency,
      ...(item.reference === undefined ? {} : { reference: item.reference }),
      ...(item.metadata === undefined ? {} : { metadata: item.metadata }),
      createdAt: item.createdAt,
      region: item.region,
      requestHash: item.requestHash,
      idempotencyKey: item.idempotencyKey,
    };
  }

  /** Writes the record; gives up after `timeoutMs` whatever the SDK's own timeouts say. */
  async write(item: PaymentItem, timeoutMs: number): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.config.bucket,
        Key: this.keyFor(item),
        Body: JSON.stringify(TransactionLog.recordOf(item)),
        ContentType: 'application/json',
      }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
  }
}
