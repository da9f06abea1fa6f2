/**
 * Media types of the verification suite's own attachments in the Cucumber report: the World
 * attaches them (features/support/world.ts) and the summary reads them back
 * (scripts/verify/summary.ts). Vendor tree types (RFC 6838 section 3.2) with a JSON suffix.
 */

/** Which target answered a scenario (`answered-by.json`). */
export const TARGET_MEDIA_TYPE = 'application/vnd.payments-dr.target+json';
/** One measurement (RTO, RPO, replication lag...), in modelled and real seconds. */
export const MEASUREMENT_MEDIA_TYPE = 'application/vnd.payments-dr.measurement+json';
/** What one step checked (`{ kind, count }`): a scenario that passed having checked nothing is not applicable. */
export const CHECKED_MEDIA_TYPE = 'application/vnd.payments-dr.checked+json';
/** Why a scenario was skipped (`{ reason }`): reported as not verified here. */
export const SKIPPED_MEDIA_TYPE = 'application/vnd.payments-dr.skipped+json';
