/**
 * The stack settings the suite reads beyond what `infra/settings.ts` names directly: one place, so a
 * renamed setting changes one line here.
 */
import type { StackSettings } from '../../infra/settings';

/** The stack's DR region (stack setting `payments-dr:drRegion`). */
export function drRegionOf(settings: StackSettings): string {
  return settings.drRegion;
}
