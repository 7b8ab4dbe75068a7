/**
 * A deliberately small JSON Schema (2020-12) checker for our own schema file: the keywords it
 * uses and nothing more ($ref to #/$defs, anyOf, type, enum, const, properties, required, items,
 * additionalProperties, propertyNames, pattern, minimum, maximum). No dependency (brief: none).
 *
 * `strict` adds two checks the schema itself does not demand (it stays open for additions):
 * every key in the data is declared in `properties`, and keys come in the declared order. That
 * is how the tests keep the schema, the TypeScript model and the JSON output in step.
 */
type Schema = Record<string, unknown>;

export interface ValidationError {
  path: string;
  message: string;
}

export function validate(root: Schema, data: unknown, strict = true): ValidationError[] {
  const errors: ValidationError[] = [];
  check(root, root, data, '$', strict, errors);
  return errors;
}

function resolve(root: Schema, s: Schema): Schema {
  let cur = s;
  while (typeof cur.$ref === 'string') {
    const m = /^#\/\$defs\/(.+)$/.exec(cur.$ref);
    if (!m) throw new Error(`unsupported $ref ${cur.$ref}`);
    const target = (root.$defs as Record<string, Schema>)[m[1]];
    if (!target) throw new Error(`dangling $ref ${cur.$ref}`);
    cur = target;
  }
  return cur;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function check(root: Schema, s0: Schema, v: unknown, path: string, strict: boolean, errors: ValidationError[]): void {
  const s = resolve(root, s0);
  const err = (message: string): void => {
    errors.push({ path, message });
  };
  if (Array.isArray(s.anyOf)) {
    const ok = (s.anyOf as Schema[]).some((alt) => {
      const sub: ValidationError[] = [];
      check(root, alt, v, path, strict, sub);
      return sub.length === 0;
    });
    if (!ok) err(`matches none of anyOf (${JSON.stringify(v)?.slice(0, 60)})`);
    return;
  }
  if ('const' in s && JSON.stringify(s.const) !== JSON.stringify(v)) err(`expected const ${JSON.stringify(s.const)}`);
  if (Array.isArray(s.enum) && !s.enum.includes(v)) err(`${JSON.stringify(v)} not in enum`);
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    const t = typeOf(v);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) {
      err(`expected ${types.join('|')}, got ${t}`);
      return;
    }
  }
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) err(`${v} < minimum ${s.minimum}`);
    if (typeof s.maximum === 'number' && v > s.maximum) err(`${v} > maximum ${s.maximum}`);
  }
  if (typeof v === 'string' && typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) err(`"${v}" does not match ${s.pattern}`);
  if (Array.isArray(v) && s.items) v.forEach((item, i) => check(root, s.items as Schema, item, `${path}[${i}]`, strict, errors));
  if (typeOf(v) === 'object') {
    const o = v as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required ?? []) as string[]) if (!(r in o)) err(`missing required "${r}"`);
    const declared = Object.keys(props);
    for (const [k, val] of Object.entries(o)) {
      if (k in props) check(root, props[k], val, `${path}.${k}`, strict, errors);
      else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        check(root, s.additionalProperties as Schema, val, `${path}.${k}`, strict, errors);
      } else if (s.additionalProperties === false || (strict && s.properties)) err(`undeclared property "${k}"`);
      if (s.propertyNames) check(root, s.propertyNames as Schema, k, `${path}{${k}}`, strict, errors);
    }
    if (strict && s.properties) {
      const order = Object.keys(o).filter((k) => k in props);
      const expected = declared.filter((k) => k in o);
      if (order.join() !== expected.join()) err(`key order ${order.join(',')} differs from the schema's ${expected.join(',')}`);
    }
  }
}

/**
 * Every property path the schema lets be null (`connections[].handshake.rtt.total`), in schema
 * order, following $ref, anyOf/oneOf, items and object-valued additionalProperties. It is what
 * docs/json-schema.md's "Fields that may be null" table must list.
 */
export function nullablePaths(root: Schema): string[] {
  const out = new Set<string>();
  const isNull = (s: Schema): boolean => {
    const r = resolve(root, s);
    if (r.type === 'null' || (Array.isArray(r.type) && r.type.includes('null')) || r.const === null) return true;
    if (Array.isArray(r.enum) && r.enum.includes(null)) return true;
    return ['anyOf', 'oneOf'].some((k) => Array.isArray(r[k]) && (r[k] as Schema[]).some(isNull));
  };
  const walk = (s: Schema, path: string, seen: ReadonlySet<Schema>): void => {
    const r = resolve(root, s);
    if (seen.has(r)) return;
    const next = new Set(seen).add(r);
    for (const k of ['anyOf', 'oneOf', 'allOf']) for (const sub of (r[k] as Schema[] | undefined) ?? []) walk(sub, path, next);
    for (const [key, sub] of Object.entries((r.properties as Record<string, Schema> | undefined) ?? {})) {
      const p = path === '' ? key : `${path}.${key}`;
      if (isNull(sub)) out.add(p);
      walk(sub, p, next);
    }
    if (r.items && typeof r.items === 'object') walk(r.items as Schema, `${path}[]`, next);
    if (r.additionalProperties && typeof r.additionalProperties === 'object') walk(r.additionalProperties as Schema, `${path}.*`, next);
  };
  walk(root, '', new Set());
  return [...out];
}
