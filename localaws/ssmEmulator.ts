/**
 * SSM Parameter Store emulator (no local engine exists, so this emulates the AWS-managed service):
 * GetParameter, GetParameters, GetParametersByPath (with paging), PutParameter, DeleteParameter over
 * the AWS JSON 1.1 protocol SDK v3 uses (`X-Amz-Target: AmazonSSM.GetParameter`).
 * SecureString values are stored as given (no KMS here) and returned as given.
 */
import type { Server } from 'node:http';
import {
  AwsJsonError,
  createAwsJsonServer,
  OperationFaults,
  optionalBoolean,
  optionalInteger,
  optionalString,
  requireString,
  stringArray,
  validationError,
  type JsonInput,
} from './awsJson';
import { LoopbackService } from './http';

export type ParameterType = 'String' | 'StringList' | 'SecureString';

interface StoredParameter {
  name: string;
  type: ParameterType;
  value: string;
  version: number;
  lastModified: Date;
}

function notFound(name: string): AwsJsonError {
  return new AwsJsonError('ParameterNotFound', `Parameter ${name} not found.`);
}

export class SsmEmulator extends LoopbackService {
  private readonly parameters = new Map<string, StoredParameter>();
  /** Injected per-operation failures and delays, and per-operation call counts. */
  readonly faults = new OperationFaults();

  constructor(private readonly region: string) {
    super();
  }

  protected createServer(): Server {
    return createAwsJsonServer('AmazonSSM', 'application/x-amz-json-1.1', {
      GetParameter: (input) => {
        const name = requireString(input, 'Name');
        const parameter = this.parameters.get(name);
        if (!parameter) throw notFound(name);
        return { Parameter: this.wire(parameter) };
      },
      GetParameters: (input) => {
        const names = stringArray(input, 'Names');
        if (names.length === 0 || names.length > 10) throw validationError('Names must hold 1 to 10 names');
        const found = names.map((n) => this.parameters.get(n)).filter((p): p is StoredParameter => p !== undefined);
        return { Parameters: found.map((p) => this.wire(p)), InvalidParameters: names.filter((n) => !this.parameters.has(n)) };
      },
      GetParametersByPath: (input) => this.byPath(input),
      PutParameter: (input) => {
        const name = requireString(input, 'Name');
        const value = requireString(input, 'Value');
        const typeRaw = optionalString(input, 'Type');
        if (typeRaw !== undefined && typeRaw !== 'String' && typeRaw !== 'StringList' && typeRaw !== 'SecureString') {
          throw validationError('Type must be String, StringList or SecureString');
        }
        const existing = this.parameters.get(name);
        if (existing && optionalBoolean(input, 'Overwrite') !== true) {
          throw new AwsJsonError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
        }
        const stored = this.put(name, value, typeRaw ?? existing?.type ?? 'String');
        return { Version: stored.version, Tier: 'Standard' };
      },
      DeleteParameter: (input) => {
        const name = requireString(input, 'Name');
        if (!this.parameters.delete(name)) throw notFound(name);
        return {};
      },
    }, this.faults);
  }


  put(name: string, value: string, type: ParameterType = 'String'): StoredParameter {
    if (!name.startsWith('/') && name.includes('/')) throw validationError('a hierarchical parameter name must start with "/"');
    const existing = this.parameters.get(name);
    const stored: StoredParameter = { name, type, value, version: (existing?.version ?? 0) + 1, lastModified: new Date() };
    this.parameters.set(name, stored);
    return stored;
  }

  get(name: string): string | undefined {
    return this.parameters.get(name)?.value;
  }

  private wire(p: StoredParameter): Record<string, unknown> {
    return {
      Name: p.name,
      Type: p.type,
      Value: p.value,
      Version: p.version,
      // The JSON protocol carries timestamps as epoch seconds.
      LastModifiedDate: p.lastModified.getTime() / 1000,
      ARN: `arn:aws:ssm:${this.region}:000000000000:parameter${p.name.startsWith('/') ? '' : '/'}${p.name}`,
      DataType: 'text',
    };
  }

  private byPath(input: JsonInput): { Parameters: Record<string, unknown>[]; NextToken?: string } {
    const path = requireString(input, 'Path');
    if (!path.startsWith('/')) throw validationError('Path must start with "/"');
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const recursive = optionalBoolean(input, 'Recursive') ?? false;
    const max = optionalInteger(input, 'MaxResults', 1, 10) ?? 10;
    const start = Number(optionalString(input, 'NextToken') ?? '0');
    const matches = [...this.parameters.values()]
      .filter((p) => p.name.startsWith(prefix) && (recursive || !p.name.slice(prefix.length).includes('/')))
      .sort((a, b) => a.name.localeCompare(b.name));
    const page = matches.slice(start, start + max);
    const next = start + max < matches.length ? String(start + max) : undefined;
    return { Parameters: page.map((p) => this.wire(p)), ...(next ? { NextToken: next } : {}) };
  }
}
