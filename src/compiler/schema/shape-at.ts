import type { z } from 'zod';

interface SchemaDef {
  type?: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  shape?: Record<string, z.ZodType>;
  in?: z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** The field names an object schema at `path` accepts (for did-you-mean on unknown keys). */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = schema;
  const unwrap = (s: z.ZodType): z.ZodType => {
    let d = defOf(s);
    while (d.innerType || d.in) {
      s = (d.innerType ?? d.in)!;
      d = defOf(s);
    }
    return s;
  };
  for (const segment of [...path, undefined]) {
    if (!current) return [];
    current = unwrap(current);
    const def = defOf(current);
    if (segment === undefined) {
      if (def.type === 'object' && def.shape) return Object.keys(def.shape);
      if (def.type === 'union' && def.options) return def.options.flatMap((o) => knownKeysAt(o, []));
      return [];
    }
    if (def.type === 'object' && def.shape) current = def.shape[String(segment)];
    else if (def.type === 'array') current = def.element;
    else if (def.type === 'record') current = def.valueType;
    else if (def.type === 'union' && def.options) {
      const keys = def.options.flatMap((o) => knownKeysAt(o, [segment]));
      return keys;
    } else return [];
  }
  return [];
}
