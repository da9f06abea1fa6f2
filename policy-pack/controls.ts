/**
 * The control catalog: the one place control ids are defined.
 *
 * Every policy of the pack names exactly one control through a `control:<id>` tag; the verification
 * suite (features/) tags its Gherkin scenarios `@control-<id>` and imports these ids, so policies,
 * scenarios and `docs/controls.md` (generated from this file and the pack's metadata) share one vocabulary.
 */

export const CONTROL_IDS = [
  'DR-01',
  'DR-02',
  'DR-03',
  'DR-04',
  'DR-05',
  'DR-06',
  'SEC-01',
  'SEC-02',
  'SEC-03',
  'SEC-04',
  'SEC-05',
  'LOG-01',
  'OPS-01',
  'OPS-02',
  'OPS-03',
  'CAP-01',
  'GOV-01',
] as const;

export type ControlId = (typeof CONTROL_IDS)[number];

export interface Control {
  id: ControlId;
  /** Short title, as auditors read it. */
  title: string;
  /** What the control guarantees. */
  objective: string;
}

export const CONTROLS: Readonly<Record<ControlId, Control>> = {
  'DR-01': {
    id: 'DR-01',
    title: 'Cross-region data replication',
    objective: 'Payment data and transaction logs written in the primary region are replicated to the disaster-recovery region.',
  },
  'DR-02': {
    id: 'DR-02',
    title: 'Point-in-time recovery and versioning',
    objective: 'Every table can be restored to any second of the recovery window and every stored object keeps its previous versions.',
  },
  'DR-03': {
    id: 'DR-03',
    title: 'Automatic DNS failover',
    objective: 'Route 53 health checks probe the real regional API over HTTPS and fail traffic over from the primary to the DR region.',
  },
  'DR-04': {
    id: 'DR-04',
    title: 'Regional parity',
    objective: 'The DR region runs the same kinds of resources as the primary, with the same protection settings, so it can take the full load.',
  },
  'DR-05': {
    id: 'DR-05',
    title: 'Destroyable infrastructure (no Retain)',
    objective: 'No resource is protected, retained on delete or deletion-protected, so environments can be torn down and rebuilt from code.',
  },
  'DR-06': {
    id: 'DR-06',
    title: 'Replication lag monitoring',
    objective: 'Replication latency in each direction raises an alarm well inside the 5-minute RPO.',
  },
  'SEC-01': {
    id: 'SEC-01',
    title: 'Encryption at rest',
    objective: 'Stored payment data, logs and queued messages are encrypted at rest.',
  },
  'SEC-02': {
    id: 'SEC-02',
    title: 'Encryption in transit',
    objective: 'Data is only accepted over TLS (TLS 1.2 or newer on public endpoints).',
  },
  'SEC-03': {
    id: 'SEC-03',
    title: 'Least privilege',
    objective: 'IAM grants name exact actions and resources; a wildcard resource only where AWS offers no resource-level form.',
  },
  'SEC-04': {
    id: 'SEC-04',
    title: 'No public data exposure',
    objective: 'Storage holding payment data cannot be made public.',
  },
  'SEC-05': {
    id: 'SEC-05',
    title: 'Protected API entry',
    objective: 'Every API stage is behind AWS WAF and every payment method requires an authorizer; only the health check answers anonymously.',
  },
  'LOG-01': {
    id: 'LOG-01',
    title: 'Audit logging and retention',
    objective: 'API access and execution logs and function logs are written to log groups kept at least 12 months (PCI DSS 10.5.1).',
  },
  'OPS-01': {
    id: 'OPS-01',
    title: 'Alarming with notification',
    objective: 'Function errors and throttles and API 5xx responses raise alarms in each region, and every alarm notifies someone.',
  },
  'OPS-02': {
    id: 'OPS-02',
    title: 'No silently dropped payments',
    objective: 'Failed payments are retried through a queue with a redrive policy and end in a dead-letter queue kept for 14 days.',
  },
  'OPS-03': {
    id: 'OPS-03',
    title: 'Supported and traceable runtime',
    objective: 'Functions run on a runtime AWS still supports, with active tracing.',
  },
  'CAP-01': {
    id: 'CAP-01',
    title: 'Elastic capacity',
    objective: 'Tables use on-demand capacity so a failover doubling the load of one region is never throttled by provisioned limits.',
  },
  'GOV-01': {
    id: 'GOV-01',
    title: 'Environment naming',
    objective: 'Every resource name carries the environment suffix, so environments never collide and every resource is attributable.',
  },
};

/** The tag a policy carries to name its control. */
export function controlTag(id: ControlId): string {
  return `control:${id}`;
}

/** The Cucumber tag the verification suite puts on scenarios that evidence a control. */
export function gherkinTag(id: ControlId): string {
  return `@control-${id}`;
}

export function isControlId(value: string): value is ControlId {
  return (CONTROL_IDS as readonly string[]).includes(value);
}
