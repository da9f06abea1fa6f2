/**
 * The DynamoDB global table of payments (each conditional write is the payment and its idempotency
 * record; schema in infra/lambda/commons/tableSchema.ts: `pk` (S) only, TTL attribute
 * `expiration`, streams NEW_AND_OLD_IMAGES, on-demand).
 *
 * Two consistency modes:
 * - `eventual` (MREC): the table in the primary region plus one replica, last-writer-wins.
 * - `strong` (MRSC): one replica with `consistencyMode: "STRONG"` plus a witness region; a write is
 *   acknowledged only once durable in two regions (RPO 0). AWS constraints enforced here: exactly
 *   three regions (two replicas + witness), all from one MRSC region set, and TTL left off because
 *   AWS documents TTL as unsupported for MRSC tables (idempotency records still carry
 *   `expiration`; Powertools treats expired records as absent, so correctness does not depend on
 *   deletion). https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/multi-region-strong-consistency-gt.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { ConsistencyMode } from '../settings';
import { validateMrscLayout } from './mrscLayout';

export { MRSC_REGION_SETS, validateMrscLayout } from './mrscLayout';

/** The attribute the handlers write on idempotency records only. */
export const TTL_ATTRIBUTE = 'expiration';

export interface GlobalTableArgs {
  /** Physical table name (the same in every region). Required. */
  tableName: string;
  /** Region the table is created in; plain string because it decides the replica layout. Required. */
  primaryRegion: string;
  /** Regions holding a replica besides the primary; plain strings for the same reason. Required. */
  replicaRegions: string[];
  /** `eventual` (MREC) or `strong` (MRSC). Default `eventual`. */
  consistencyMode?: ConsistencyMode;
  /** Witness region, used with `strong` only. Default `us-west-2`. */
  witnessRegion?: string;
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
    const mode = args.consistencyMode ?? 'eventual';
    const witnessRegion = args.witnessRegion ?? 'us-west-2';
    const strong = mode === 'strong';
    if (args.replicaRegions.length === 0) throw new Error('GlobalTable needs at least one replica region');
    if (strong) validateMrscLayout(args.primaryRegion, args.replicaRegions, witnessRegion);

    this.table = new aws.dynamodb.Table(
      `${name}-table`,
      {
        name: args.tableName,
        region: args.primaryRegion,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'pk',
        attributes: [{ name: 'pk', type: 'S' }],
        streamEnabled: true,
        streamViewType: 'NEW_AND_OLD_IMAGES',
        pointInTimeRecovery: { enabled: true },
        // enabled without a key ARN = the AWS managed key alias/aws/dynamodb in every region.
        serverSideEncryption: { enabled: true },
        ttl: strong ? undefined : { attributeName: TTL_ATTRIBUTE, enabled: true },
        deletionProtectionEnabled: false,
        replicas: args.replicaRegions.map((regionName) => ({
          regionName,
          pointInTimeRecovery: true,
          propagateTags: true,
          deletionProtectionEnabled: false,
          consistencyMode: strong ? 'STRONG' : 'EVENTUAL',
        })),
        globalTableWitness: strong ? { regionName: witnessRegion } : undefined,
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
