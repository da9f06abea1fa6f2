/**
 * A DynamoDB global table laid out as the service needs every table: the contract's key (`pk`,
 * string, no sort key), on-demand capacity, streams of new and old images, point-in-time recovery
 * and encryption at rest on every replica, no deletion protection, and the same replica regions
 * and consistency mode as every other table of the stack. The program declares two: the payments
 * table (each conditional write is a payment and its idempotency record) and the merchant-credentials
 * table (hashes only, read by the authorizer), so a credential works unchanged in both regions and
 * through a failover.
 *
 * Two consistency modes:
 * - `eventual` (MREC): the table in the primary region plus one replica, last-writer-wins.
 * - `strong` (MRSC): one replica with `consistencyMode: "STRONG"` plus a witness region; a write is
 *   acknowledged only once durable in two regions (RPO 0; a revoked credential is seen by both
 *   regions as soon as the write is acknowledged). AWS constraints enforced here: exactly three
 *   regions (two replicas + witness), all from one MRSC region set, and TTL left off because AWS
 *   documents TTL as unsupported for MRSC tables.
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/multi-region-strong-consistency-gt.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { BILLING_MODE, PARTITION_KEY, STREAM_VIEW_TYPE, type ConsistencyMode } from '../../contract';
import { validateMrscLayout } from './mrscLayout';

export { MRSC_REGION_SETS, validateMrscLayout } from './mrscLayout';

/**
 * The component type the merchant-credentials table was declared with before it became a second
 * GlobalTable. A stack deployed with it passes `aliases: [{ type: FORMER_CREDENTIALS_TABLE_TYPE }]`,
 * so the engine matches the new URNs (the component's and, by inheritance, its table's) to the
 * existing ones and updates the table in place: a table holding data is never replaced by a rename.
 * https://www.pulumi.com/docs/iac/concepts/options/aliases/
 */
export const FORMER_CREDENTIALS_TABLE_TYPE = 'payments-dr:database:CredentialsTable';

export interface GlobalTableArgs {
  /** Physical table name (the same in every region). Required. */
  tableName: string;
  /** Region the table is created in; plain string because it decides the replica layout. Required. */
  primaryRegion: string;
  /** Regions holding a replica besides the primary; plain strings for the same reason. Required. */
  replicaRegions: string[];
  /** `eventual` (MREC) or `strong` (MRSC): the stack setting `consistencyMode`. Required. */
  consistencyMode: ConsistencyMode;
  /** Witness region (used with `strong` only): the stack setting `witnessRegion`. Required. */
  witnessRegion: string;
  /**
   * TTL attribute (epoch seconds) DynamoDB deletes expired items by, in `eventual` mode (MRSC tables
   * take no TTL). Default none: items never expire.
   */
  ttlAttribute?: string;
  /** Tags for the table and (propagated) replicas. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class GlobalTable extends pulumi.ComponentResource {
  public readonly table: aws.dynamodb.Table;
  public readonly tableName: pulumi.Output<string>;
  public readonly tableArn: pulumi.Output<string>;
  public readonly streamArn: pulumi.Output<string>;

  constructor(name: string, args: GlobalTableArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:database:GlobalTable', name, {}, opts);
    const strong = args.consistencyMode === 'strong';
    if (args.replicaRegions.length === 0) throw new Error('GlobalTable needs at least one replica region');
    if (strong) validateMrscLayout(args.primaryRegion, args.replicaRegions, args.witnessRegion);

    this.table = new aws.dynamodb.Table(
      `${name}-table`,
      {
        name: args.tableName,
        region: args.primaryRegion,
        billingMode: BILLING_MODE,
        hashKey: PARTITION_KEY,
        attributes: [{ name: PARTITION_KEY, type: 'S' }],
        // Global tables (version 2019.11.21) replicate from the table's stream of new and old images.
        streamEnabled: true,
        streamViewType: STREAM_VIEW_TYPE,
        pointInTimeRecovery: { enabled: true },
        // enabled without a key ARN = the AWS managed key alias/aws/dynamodb in every region.
        serverSideEncryption: { enabled: true },
        ttl: strong || args.ttlAttribute === undefined ? undefined : { attributeName: args.ttlAttribute, enabled: true },
        deletionProtectionEnabled: false,
        replicas: args.replicaRegions.map((regionName) => ({
          regionName,
          pointInTimeRecovery: true,
          propagateTags: true,
          deletionProtectionEnabled: false,
          consistencyMode: strong ? 'STRONG' : 'EVENTUAL',
        })),
        globalTableWitness: strong ? { regionName: args.witnessRegion } : undefined,
        tags: args.tags,
      },
      { parent: this },
    );

    this.tableName = this.table.name;
    this.tableArn = this.table.arn;
    this.streamArn = this.table.streamArn;
    this.registerOutputs({ tableName: this.tableName, tableArn: this.tableArn, streamArn: this.streamArn });
  }
}
