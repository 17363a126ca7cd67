/** Small, total readers for JSON of unknown shape: they never throw and never return `any`. */
import type { JsonObject } from './canonical.js';
import { jsonNestsDeeperThan } from './json-depth.js';

export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function objectAt(value: unknown): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}

export function stringAt(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function numberAt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function booleanAt(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

export function arrayAt(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Parses a JSON text; `undefined` when it is not JSON or nests deeper than the gateway's limit (json-depth.ts). */
export function parseJson(text: string): unknown {
  if (jsonNestsDeeperThan(text)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Copies the entries of `source` whose keys are not in `known`. */
export function unknownEntries(source: JsonObject, known: ReadonlySet<string>): JsonObject {
  const rest: JsonObject = {};
  for (const [key, value] of Object.entries(source)) if (!known.has(key)) rest[key] = value;
  return rest;
}

/** Drops keys whose value is `undefined`, so encoders can build bodies with optional fields inline. */
export function withoutUndefined<T extends JsonObject>(object: T): T {
  for (const key of Object.keys(object)) if (object[key] === undefined) delete object[key];
  return object;
}
