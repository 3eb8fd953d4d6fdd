import fc from 'fast-check';

/** A JSON schema as found in an OpenAPI document (only what the generator reads). */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
}

/** Values a careless or hostile client sends where something else is expected. */
export const hostileValue = fc.constantFrom<unknown>(
  null,
  true,
  false,
  0,
  -1,
  1e308,
  '',
  ' ',
  'null',
  { $ne: null },
  { $gt: '' },
  [],
  ['a', 'b'],
  '\u0000',
  '../../etc/passwd',
  '<script>x</script>',
  'é'.repeat(300),
  'a'.repeat(5000),
);

const FORMATS: Record<string, fc.Arbitrary<string>> = {
  email: fc.emailAddress().filter((e) => e.length <= 254),
  uuid: fc.uuid(),
  'date-time': fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()),
};

/** Values that satisfy `schema` (mostly), found through `$ref`s in `components`. */
export function arbitraryOf(
  schema: JsonSchema,
  components: Record<string, JsonSchema>,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (schema.$ref) return arbitraryOf(components[schema.$ref.split('/').pop()!] ?? {}, components, depth + 1);
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => arbitraryOf(s, components, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      if (schema.properties) {
        const props = Object.fromEntries(
          Object.entries(schema.properties).map(([k, s]) => [k, arbitraryOf(s, components, depth + 1)]),
        );
        return fc.record(props, { requiredKeys: (schema.required ?? []).filter((k) => k in props) });
      }
      return fc.dictionary(fc.string({ maxLength: 12 }), depth > 2 ? fc.string() : fc.jsonValue({ maxDepth: 2 }), {
        maxKeys: 4,
      });
    }
    case 'array':
      return fc.array(arbitraryOf(schema.items ?? {}, components, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    case 'string': {
      if (schema.format && FORMATS[schema.format]) return FORMATS[schema.format]!;
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
      const minLength = schema.minLength ?? 0;
      return fc.string({
        minLength,
        maxLength: Math.max(minLength, Math.min(schema.maxLength ?? 40, 40)),
        unit: 'grapheme',
      });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** An object like `schema` with one property dropped, retyped or added: what validation must refuse. */
export function brokenObjectOf(schema: JsonSchema, components: Record<string, JsonSchema>): fc.Arbitrary<unknown> {
  return fc
    .tuple(arbitraryOf(schema, components), fc.constantFrom('drop', 'retype', 'add'), fc.nat(), hostileValue)
    .map(([value, how, n, hostile]) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return hostile;
      // A body that may also be absent (`anyOf: [object, null]`) is broken through its object.
      const object = schema.anyOf?.find((s) => s.type === 'object') ?? schema;
      const keys = Object.keys(object.properties ?? {});
      const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      const key = keys.length ? keys[n % keys.length]! : 'unexpected';
      if (how === 'drop') delete out[key];
      else if (how === 'retype') out[key] = hostile;
      else out[`x${n}`] = hostile;
      return out;
    });
}
