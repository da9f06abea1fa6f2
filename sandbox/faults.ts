/**
 * Fault injection: what each fault does to the sandbox, validated input, and the active set.
 *  - region-down: the region's API refuses connections (health checks fail), its retry poller stops,
 *    and replication to and from it pauses until the fault is cleared (it then catches up).
 *  - health-failing: sets the region's manual failover flag to "true" in its SSM emulator (as an operator's
 *    PutParameter would), so the REAL health handler answers 503; clearing sets it back to "false".
 *  - replication-stalled / replication-delay, eventual mode: hold, or delay by `delayMs`, changes
 *    leaving `region`. Strong mode (emulated MRSC, see replicator.ts): `replication-stalled` cuts the
 *    region's replica off (no quorum: its writes and strongly consistent reads fail, the other region
 *    keeps committing, the region catches up when cleared); `replication-delay` delays the
 *    acknowledgement of every write made in `region` by `delayMs` (synchronous replication).
 *  - throttling: the region's DynamoDB endpoint answers ProvisionedThroughputExceededException
 *    (writes by default, `operations: "all"` for every data-plane call).
 */
import type { Replicator } from './replicator';
import type { RegionProcess } from './regionProcess';
import { FAULT_KINDS, type ActiveFault, type FaultKind, type FaultSpec, type ThrottleScope } from './types';

export interface FieldIssue {
  field: string;
  issue: string;
}

export class FaultValidationError extends Error {
  constructor(readonly details: FieldIssue[]) {
    super(`invalid fault: ${details.map((d) => `${d.field} ${d.issue}`).join('; ')}`);
    this.name = 'FaultValidationError';
  }
}

export function isFaultKind(value: unknown): value is FaultKind {
  return typeof value === 'string' && (FAULT_KINDS as readonly string[]).includes(value);
}

/** Validates a `POST /faults` body against the known regions. */
export function parseFaultSpec(body: Record<string, unknown>, regions: readonly string[]): FaultSpec {
  const details: FieldIssue[] = [];
  const { fault, region, delayMs, operations } = body;
  if (!isFaultKind(fault)) details.push({ field: 'fault', issue: `must be one of ${FAULT_KINDS.join(', ')}` });
  if (typeof region !== 'string' || !regions.includes(region)) details.push({ field: 'region', issue: `must be one of ${regions.join(', ')}` });
  if (fault === 'replication-delay') {
    if (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 0 || delayMs > 3_600_000) {
      details.push({ field: 'delayMs', issue: 'must be an integer number of milliseconds between 0 and 3600000' });
    }
  } else if (delayMs !== undefined) {
    details.push({ field: 'delayMs', issue: 'applies to replication-delay only' });
  }
  if (operations !== undefined && (fault !== 'throttling' || (operations !== 'writes' && operations !== 'all'))) {
    details.push({ field: 'operations', issue: 'applies to throttling only and must be "writes" or "all"' });
  }
  if (details.length > 0) throw new FaultValidationError(details);
  const spec: FaultSpec = { fault: fault as FaultKind, region: region as string };
  if (fault === 'replication-delay') spec.delayMs = delayMs as number;
  if (fault === 'throttling') spec.operations = (operations as ThrottleScope | undefined) ?? 'writes';
  return spec;
}

export class FaultInjector {
  private readonly active = new Map<string, ActiveFault>();

  constructor(
    private readonly regions: ReadonlyMap<string, RegionProcess>,
    private readonly replicator: Replicator,
    private readonly manualFailoverParameters: ReadonlyMap<string, string>,
    /** Called when a region comes back or a stall is cleared, so paused object copies resume. */
    private readonly onRegionRestored: () => void = () => undefined,
  ) {}

  list(): ActiveFault[] {
    return [...this.active.values()];
  }

  private region(name: string): RegionProcess {
    const region = this.regions.get(name);
    if (!region) throw new FaultValidationError([{ field: 'region', issue: `unknown region ${name}` }]);
    return region;
  }

  private async setManualFailover(region: string, on: boolean): Promise<void> {
    const name = this.manualFailoverParameters.get(region);
    if (!name) throw new Error(`no manual failover parameter for ${region}`);
    await this.region(region).call('putParameter', { name, value: on ? 'true' : 'false' });
  }

  private async apply(spec: FaultSpec, on: boolean): Promise<void> {
    const region = this.region(spec.region);
    switch (spec.fault) {
      case 'region-down':
        await region.call('setDown', { down: on });
        this.replicator.setRegionDown(spec.region, on);
        if (!on) this.onRegionRestored();
        return;
      case 'health-failing':
        await this.setManualFailover(spec.region, on);
        return;
      case 'replication-stalled':
        this.replicator.setStalled(spec.region, on);
        if (!on) this.onRegionRestored();
        return;
      case 'replication-delay':
        this.replicator.setDelay(spec.region, on ? (spec.delayMs ?? 0) : 0);
        return;
      case 'throttling':
        await region.call('setThrottling', { scope: on ? (spec.operations ?? 'writes') : 'off' });
        return;
    }
  }

  /** Injects a fault (re-injecting an active one replaces its parameters). */
  async inject(spec: FaultSpec): Promise<ActiveFault> {
    await this.apply(spec, true);
    const active: ActiveFault = { ...spec, since: new Date().toISOString() };
    this.active.set(`${spec.fault}/${spec.region}`, active);
    return active;
  }

  /** Clears one fault; false when it was not active. */
  async clear(fault: FaultKind, region: string): Promise<boolean> {
    const id = `${fault}/${region}`;
    const active = this.active.get(id);
    if (!active) return false;
    await this.apply(active, false);
    this.active.delete(id);
    return true;
  }

  async clearAll(): Promise<ActiveFault[]> {
    const cleared = this.list();
    for (const f of cleared) await this.clear(f.fault, f.region);
    return cleared;
  }
}
