/**
 * Preview safety.
 *
 * During `pulumi preview` a property computed from another new resource (an ARN, an id, a JSON
 * document built from them) is unknown. The framework wraps props in a proxy that throws
 * `UnknownValueError` when such a value is read; the CLI turns an escaped `UnknownValueError` into an
 * advisory "can't run policy ... during preview". A policy must therefore neither swallow that error
 * (a silent pass) nor let it abort the checks that *can* run (one unknown ARN must not hide a real
 * violation on another property). `checkEach` runs every check, reports every definite violation,
 * and then rethrows the first unknown so the policy ends as an advisory "cannot be checked until apply".
 */
import { UnknownValueError } from '@pulumi/policy';

export { UnknownValueError };

export function isUnknownValueError(error: unknown): error is UnknownValueError {
  return error instanceof UnknownValueError;
}

/** Runs every check; definite violations are reported by the checks themselves; unknowns are rethrown at the end. */
export function checkEach<T>(items: Iterable<T>, check: (item: T) => void): void {
  let firstUnknown: UnknownValueError | undefined;
  for (const item of items) {
    try {
      check(item);
    } catch (error) {
      if (isUnknownValueError(error)) {
        firstUnknown ??= error;
      } else {
        throw error;
      }
    }
  }
  if (firstUnknown) throw firstUnknown;
}

/** Runs independent checks of one resource (see `checkEach`). */
export function checkAll(...checks: Array<() => void>): void {
  checkEach(checks, (check) => check());
}

/** Calls `read`; returns `undefined` instead of throwing when the value is unknown during preview. */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (isUnknownValueError(error)) return undefined;
    throw error;
  }
}

/**
 * Presence check that is exact during preview: a value that is unknown is computed from another
 * resource and therefore *will* be set, so it counts as present (no advisory needed); a missing,
 * null or empty value does not.
 */
export function isSet(props: unknown, key: string): boolean {
  if (typeof props !== 'object' || props === null || !(key in props)) return false;
  try {
    const value: unknown = (props as Record<string, unknown>)[key];
    if (Array.isArray(value)) return value.length > 0;
    return value !== undefined && value !== null && value !== '';
  } catch (error) {
    if (isUnknownValueError(error)) return true;
    throw error;
  }
}
