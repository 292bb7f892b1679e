import type { OpenAPIObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';

/** What a code generator needs from every property: a type it can name, honest `required` lists and nullability. */
export interface SchemaExpectations {
  /** Per schema name: the properties that must be required (all others must not be). */
  required?: Record<string, string[]>;
  /** Per schema name: properties that must be `nullable: true` with this primitive type. */
  nullable?: Record<string, Record<string, 'string' | 'number' | 'integer' | 'boolean'>>;
}

const isRef = (schema: SchemaObject | ReferenceObject): schema is ReferenceObject => '$ref' in schema;

/**
 * Every problem in the document's component schemas, one line each:
 * - a property documented as a bare `type: object` (no properties, no additionalProperties, no composition): what a
 *   `string | null` union reflects to, typed `Record<string, never>` by generators;
 * - a property with neither `type` nor `$ref` nor a composition (generators type it `unknown`);
 * - an optional property with a `default` (openapi-typescript makes it required);
 * - a `required` entry that names no property;
 * - `nullable` without a `type` (OpenAPI 3.0 ignores it there);
 * - and whatever `expectations` demand.
 */
export function auditSchemas(document: OpenAPIObject, expectations: SchemaExpectations = {}): string[] {
  const problems: string[] = [];
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject | ReferenceObject>;
  for (const [name, schema] of Object.entries(schemas)) {
    if (isRef(schema)) continue;
    const properties = (schema.properties ?? {}) as Record<string, SchemaObject | ReferenceObject>;
    const required = schema.required ?? [];
    for (const key of required) if (!(key in properties)) problems.push(`${name}.required names ${key}, no such property`);
    for (const [key, property] of Object.entries(properties)) {
      const where = `${name}.${key}`;
      if (isRef(property)) continue;
      const composed = property.allOf || property.oneOf || property.anyOf;
      if (!property.type && !composed) problems.push(`${where} has no type`);
      if (property.type === 'object' && !property.properties && !property.additionalProperties && !composed) {
        problems.push(`${where} is a bare object`);
      }
      if (property.nullable && !property.type && !composed) problems.push(`${where} is nullable without a type`);
      if (property.default !== undefined && !required.includes(key)) problems.push(`${where} is optional with a default`);
    }
    const expected = expectations.required?.[name];
    if (expected && [...required].sort().join() !== [...expected].sort().join()) {
      problems.push(`${name}.required is [${required.join(', ')}], expected [${expected.join(', ')}]`);
    }
    for (const [key, type] of Object.entries(expectations.nullable?.[name] ?? {})) {
      const property = properties[key];
      if (!property || isRef(property) || property.type !== type || property.nullable !== true) {
        problems.push(`${name}.${key} should be {type: ${type}, nullable: true}, is ${JSON.stringify(property)}`);
      }
    }
  }
  for (const name of Object.keys({ ...expectations.required, ...expectations.nullable })) {
    if (!(name in schemas)) problems.push(`${name} is not in the document`);
  }
  return problems;
}
