/**
 * One region's SSM parameters under `/payments-dr/<suffix>/<region>/`: the API endpoint, the
 * table name and its regional endpoint (the "database connection string"), the functions'
 * configuration values and the manual failover flag the health check reads. Only this region's
 * functions are granted read access (exact ARNs, see region.ts).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { IDEMPOTENCY_TTL_SECONDS, MANUAL_FAILOVER_PARAMETER_KEY, manualFailoverParameterName, TRANSACTION_LOG_PREFIX } from '../../contract';

export interface RegionParametersArgs {
  /** Region of the parameters. Required. */
  region: string;
  /** Path prefix with trailing slash, e.g. `/payments-dr/dev/us-east-1/`. Required. */
  path: string;
  /** The region's API endpoint URL. Required. */
  apiEndpoint: pulumi.Input<string>;
  /** The global table's name. Required. */
  tableName: pulumi.Input<string>;
  /** Largest accepted amount (minor units). Required. */
  maxAmountMinor: number;
  /** Accepted currencies. Required. */
  allowedCurrencies: string[];
  /** Tags. Default none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Parameter short names (appended to the path). */
export const PARAMETER_NAMES = [
  'api-endpoint',
  'table-name',
  'table-endpoint',
  'max-amount-minor',
  'allowed-currencies',
  'idempotency-ttl-seconds',
  'transaction-log-prefix',
  MANUAL_FAILOVER_PARAMETER_KEY,
] as const;
export type ParameterName = (typeof PARAMETER_NAMES)[number];

export class RegionParameters extends pulumi.ComponentResource {
  public readonly parameters: Record<ParameterName, aws.ssm.Parameter>;
  /** Full name of the manual failover flag (`MANUAL_FAILOVER_PARAMETER`). */
  public readonly manualFailoverParameterName: string;

  constructor(name: string, args: RegionParametersArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('payments-dr:config:RegionParameters', name, {}, opts);
    const values: Record<ParameterName, { type: 'String' | 'StringList'; value: pulumi.Input<string>; description: string }> = {
      'api-endpoint': { type: 'String', value: args.apiEndpoint, description: 'This region\'s payments API endpoint URL' },
      'table-name': { type: 'String', value: args.tableName, description: 'DynamoDB global table name' },
      'table-endpoint': { type: 'String', value: `https://dynamodb.${args.region}.amazonaws.com`, description: 'Regional DynamoDB endpoint of the table replica' },
      'max-amount-minor': { type: 'String', value: String(args.maxAmountMinor), description: 'Largest accepted amount, minor units' },
      'allowed-currencies': { type: 'StringList', value: args.allowedCurrencies.join(','), description: 'Accepted ISO 4217 currencies' },
      'idempotency-ttl-seconds': { type: 'String', value: String(IDEMPOTENCY_TTL_SECONDS), description: 'Idempotency record lifetime' },
      'transaction-log-prefix': { type: 'String', value: TRANSACTION_LOG_PREFIX, description: 'Transaction-log key prefix' },
      [MANUAL_FAILOVER_PARAMETER_KEY]: { type: 'String', value: 'false', description: 'Manual failover flag: "true" makes /health fail so Route 53 fails over' },
    };
    const entries = PARAMETER_NAMES.map((key) => {
      const v = values[key];
      const parameter = new aws.ssm.Parameter(
        `${name}-${key}`,
        { region: args.region, name: `${args.path}${key}`, type: v.type, value: v.value, tier: 'Standard', description: v.description, tags: args.tags },
        // Operators set the manual failover flag during drills and incidents; a later `pulumi up`
        // must not silently undo that, so its value is owned by the runbook after creation.
        key === MANUAL_FAILOVER_PARAMETER_KEY ? { parent: this, ignoreChanges: ['value'] } : { parent: this },
      );
      return [key, parameter] as const;
    });
    this.parameters = Object.fromEntries(entries) as Record<ParameterName, aws.ssm.Parameter>;
    this.manualFailoverParameterName = manualFailoverParameterName(args.path);
    this.registerOutputs({ manualFailoverParameterName: this.manualFailoverParameterName });
  }
}
