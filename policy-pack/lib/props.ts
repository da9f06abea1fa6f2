/**
 * Typed reads of resource properties.
 *
 * The framework hands stack policies `Record<string, any>`; these helpers turn every read into a
 * narrowed `unknown`, so policies never touch `any`. Property reads go through the framework's
 * unknown-checking proxy: reading a value that is unknown during preview throws `UnknownValueError`
 * (see `preview.ts` for how policies turn that into an advisory instead of a crash or a silent pass).
 */

export type Props = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is Props {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `props[key]` (through the proxy: throws UnknownValueError when unknown during preview). */
export function get(props: unknown, key: string): unknown {
  if (!isRecord(props)) return undefined;
  return props[key];
}

/** A nested read, `path(props, 'a', 'b')` = `props.a?.b`. */
export function path(props: unknown, ...keys: string[]): unknown {
  let current: unknown = props;
  for (const key of keys) {
    current = get(current, key);
    if (current === undefined || current === null) return undefined;
  }
  return current;
}

export function str(props: unknown, ...keys: string[]): string | undefined {
  const value = path(props, ...keys);
  return typeof value === 'string' ? value : undefined;
}

export function num(props: unknown, ...keys: string[]): number | undefined {
  const value = path(props, ...keys);
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

export function bool(props: unknown, ...keys: string[]): boolean | undefined {
  const value = path(props, ...keys);
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

export function list(props: unknown, ...keys: string[]): unknown[] {
  const value = path(props, ...keys);
  return Array.isArray(value) ? [...value] : [];
}

export function record(props: unknown, ...keys: string[]): Props | undefined {
  const value = path(props, ...keys);
  return isRecord(value) ? value : undefined;
}

/** A string or a list of strings (IAM `Action`, `Resource`) as a list. */
export function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** Parses a JSON document property (bucket policy, IAM policy, redrive policy) or returns the object as is. */
export function jsonDocument(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

/** The logical name at the end of a URN. */
export function nameFromUrn(urn: string): string {
  const parts = urn.split('::');
  return parts[parts.length - 1] ?? urn;
}
