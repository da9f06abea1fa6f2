/**
 * The merchant-credentials global table: one record per credential, holding only its hash and the
 * merchant it acts for (never a secret), read by the API's Lambda authorizer in each region.
 *
 * Laid out exactly like the payments table, so a credential works unchanged in both regions and
 * through a failover: the same replica regions, on-demand, point-in-time recovery, encryption at
 * rest, and the same consistency mode (`strong`: MRSC with the same witness, so a revoked or rotated
 * credential is seen by both regions as soon as the write is acknowledged; `eventual`: MREC, where a
 * revocation reaches the other region within the replication lag).
 * MRSC constraints: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/multi-region-strong-consistency-gt.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { ConsistencyMode } from '../settings';
import { validateMrscLayout } from './mrscLayout';

export interface CredentialsTableArgs {
  /** Physical table name (the same in every region), `merchant-credentials-<suffix>`. Required. */
  tableName: string;
  /** Region the table is created in. Required. */
  primaryRegion: string;
  /** Regions holding a replica besides the primary (the payments table's). Required. */
  replicaRegions: string[];
  /** `eventual` (MREC) or `strong` (MRSC), as the payments table. Default `eventual`. */
  consistencyMode?: ConsistencyMode;
  /** Witness region, `strong` only. Default `us-west-2`. */
  witnessRegion?: string;
  /** Partition key attribute (string). Default `pk`. */
  partitionKey?: string;
  /** Tags for the table and (propagated) replicas. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class CredentialsTable extends pulumi.ComponentResource {
  public readonly table: aws.dynamodb.Table;
  public readonly tableName: pulumi.Output<string>;
  public readonly tableArn: pulumi.Output<string>;

  constructor(name: string, args: CredentialsTableArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:database:CredentialsTable', name, {}, opts);
    const strong = (args.consistencyMode ?? 'eventual') === 'strong';
    const witnessRegion = args.witnessRegion ?? 'us-west-2';
    const partitionKey = args.partitionKey ?? 'pk';
    if (args.replicaRegions.length === 0) throw new Error('CredentialsTable needs at least one replica region');
    if (strong) validateMrscLayout(args.primaryRegion, args.replicaRegions, witnessRegion);

    this.table = new aws.dynamodb.Table(
      `${name}-table`,
      {
        name: args.tableName,
        region: args.primaryRegion,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: partitionKey,
        attributes: [{ name: partitionKey, type: 'S' }],
        // Global tables (version 2019.11.21) replicate from the table's stream of new and old images.
        streamEnabled: true,
        streamViewType: 'NEW_AND_OLD_IMAGES',
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
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
    this.registerOutputs({ tableName: this.tableName, tableArn: this.tableArn });
  }
}
