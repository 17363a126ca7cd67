/**
 * A small validator for the JSON Schema keywords `anyrouter schema` emits (draft-7 subset), so the
 * tests can check real YAML against the generated files. An unknown keyword is an error, so a new
 * keyword in the output cannot pass unchecked.
 */
type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'default']);
const CHECKED = new Set(['type', 'properties', 'required', 'additionalProperties', 'propertyNames', 'items', 'enum', 'pattern', 'minLength', 'minimum', 'maximum', 'exclusiveMinimum', 'anyOf']);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Every violation as `path: message`; empty when `value` matches. */
export function validate(schema: Schema, value: unknown, at = '$'): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(schema)) {
    if (!ANNOTATIONS.has(key) && !CHECKED.has(key)) throw new Error(`validator does not know keyword '${key}' at ${at}`);
  }
  const type = schema.type as string | undefined;
  const actual = typeOf(value);
  if (type && !(actual === type || (type === 'number' && actual === 'integer'))) return [`${at}: expected ${type}, got ${actual}`];
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) errors.push(`${at}: does not match ${schema.pattern}`);
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) errors.push(`${at}: shorter than ${schema.minLength}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${at}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${at}: above ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) errors.push(`${at}: not above ${schema.exclusiveMinimum}`);
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => errors.push(...validate(schema.items as Schema, item, `${at}[${i}]`)));
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) if (!(name in object)) errors.push(`${at}: missing required '${name}'`);
    for (const [name, item] of Object.entries(object)) {
      if (properties[name]) errors.push(...validate(properties[name]!, item, `${at}.${name}`));
      else if (schema.additionalProperties === false) errors.push(`${at}: unknown field '${name}'`);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') errors.push(...validate(schema.additionalProperties as Schema, item, `${at}.${name}`));
      if (schema.propertyNames) errors.push(...validate(schema.propertyNames as Schema, name, `${at} key '${name}'`));
    }
  }
  if (schema.anyOf) {
    const branches = (schema.anyOf as Schema[]).map((branch) => validate(branch, value, at));
    if (!branches.some((b) => b.length === 0)) errors.push(`${at}: matches none of ${branches.length} alternatives (${branches.map((b) => b[0]).join('; ')})`);
  }
  return errors;
}
