import { getDMMF } from '@prisma/internals';
import { Client } from 'pg';

/**
 * Schema drift: differences between what `schema.prisma` says the database looks like and what
 * PostgreSQL's catalog says it is. Prisma's own `migrate diff` needs the native schema engine,
 * which this project's machines cannot download, so the comparison is written here: the expected
 * shape is derived from the DMMF (Prisma's parsed schema, computed by WebAssembly, offline) with
 * the rules Prisma Migrate uses to generate SQL (default native types, constraint names, referential
 * actions); the actual shape is read from pg_catalog.
 *
 * Objects Prisma cannot express are allowed as extras, since hand-written SQL in a migration is
 * the only way to get them: CHECK constraints, triggers, expression or partial indexes and non-btree
 * (e.g. GIN) indexes. Tables, columns, enums, plain indexes and foreign keys that schema.prisma does
 * not mention are drift.
 */

type Datamodel = Awaited<ReturnType<typeof getDMMF>>['datamodel'];
type PrismaModel = Datamodel['models'][number];
type PrismaField = PrismaModel['fields'][number];

/** PostgreSQL's identifier limit, which Prisma's default constraint names are truncated to. */
const MAX_IDENTIFIER_LENGTH = 63;
const MIGRATIONS_TABLE = '_prisma_migrations';

type DefaultRule =
  | { kind: 'none' }
  | { kind: 'sequence' }
  | { kind: 'now' }
  | { kind: 'any' }
  | { kind: 'expression'; sql: string }
  | { kind: 'literal'; value: Literal | Literal[]; as: 'json' | 'datetime' | 'plain' };

type Literal = string | number | boolean;

interface ExpectedColumn {
  type: string;
  nullable: boolean;
  default: DefaultRule;
}

interface ActualColumn {
  type: string;
  nullable: boolean;
  default: string | null;
}

export interface IndexShape {
  name: string;
  /** Column names in order, `name DESC` for descending ones. */
  columns: string[];
  unique: boolean;
  method: string;
}

interface ActualIndex extends IndexShape {
  primary: boolean;
  /** Has expressions or a WHERE clause: something schema.prisma cannot express. */
  custom: boolean;
}

export interface ForeignKeyShape {
  name: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}

interface TableShape<Column, Index> {
  columns: Map<string, Column>;
  primaryKey: { name: string; columns: string[] } | null;
  indexes: Index[];
  foreignKeys: ForeignKeyShape[];
}

export interface ExpectedSchema {
  tables: Map<string, TableShape<ExpectedColumn, IndexShape>>;
  enums: Map<string, string[]>;
}

export interface ActualSchema {
  tables: Map<string, TableShape<ActualColumn, ActualIndex>>;
  enums: Map<string, string[]>;
}

/** Every difference between `schema.prisma` (its text) and the database at `databaseUrl`. */
export async function findSchemaDrift(datamodel: string, databaseUrl: string): Promise<string[]> {
  const expected = await expectedSchemaFromPrisma(datamodel);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return compareSchemas(expected, await readDatabaseSchema(client));
  } finally {
    await client.end();
  }
}

/** One readable message listing every difference (empty when there are none). */
export function describeDrift(differences: string[], schemaLabel = 'prisma/schema.prisma'): string {
  if (!differences.length) return '';
  return [
    `The database built by the migrations differs from ${schemaLabel} in ${differences.length} place(s).`,
    'Add a migration with the SQL `prisma migrate dev` would generate (or fix the schema):',
    ...differences.map((difference) => `  - ${difference}`),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// What schema.prisma says
// ---------------------------------------------------------------------------------------------

export async function expectedSchemaFromPrisma(datamodel: string): Promise<ExpectedSchema> {
  const dmmf = (await getDMMF({ datamodel })).datamodel;
  const models = new Map(dmmf.models.map((model) => [model.name, model]));
  const enumDbNames = new Map(dmmf.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const enumValueDbNames = new Map(
    dmmf.enums.map((e) => [e.name, new Map(e.values.map((v) => [v.name, v.dbName ?? v.name]))]),
  );
  const tableOf = (model: PrismaModel): string => model.dbName ?? model.name;
  const columnOf = (model: PrismaModel, fieldName: string): string => {
    const field = model.fields.find((candidate) => candidate.name === fieldName);
    if (!field) throw new Error(`${model.name}.${fieldName} is not a field`);
    return field.dbName ?? field.name;
  };

  const schema: ExpectedSchema = {
    tables: new Map(),
    enums: new Map(
      dmmf.enums.map((e) => [e.dbName ?? e.name, e.values.map((value) => value.dbName ?? value.name)]),
    ),
  };

  for (const model of dmmf.models) {
    const table = tableOf(model);
    const columns = new Map<string, ExpectedColumn>();
    for (const field of model.fields) {
      if (field.kind !== 'scalar' && field.kind !== 'enum') continue;
      columns.set(field.dbName ?? field.name, {
        type: expectedType(field, enumDbNames),
        // Scalar lists are nullable columns in Prisma's PostgreSQL DDL.
        nullable: field.isList || !field.isRequired,
        default: expectedDefault(field, enumValueDbNames.get(field.type)),
      });
    }

    const indexes: IndexShape[] = [];
    let primaryKey: TableShape<ExpectedColumn, IndexShape>['primaryKey'] = null;
    for (const index of dmmf.indexes.filter((candidate) => candidate.model === model.name)) {
      const names = index.fields.map((field) => columnOf(model, field.name));
      const columnsInOrder = index.fields.map(
        (field, i) => names[i] + (field.sortOrder === 'desc' ? ' DESC' : ''),
      );
      if (index.type === 'id') {
        primaryKey = { name: index.dbName ?? prismaConstraintName(table, [], 'pkey'), columns: names };
      } else if (index.type === 'unique' || index.type === 'normal') {
        const unique = index.type === 'unique';
        indexes.push({
          name: index.dbName ?? prismaConstraintName(table, names, unique ? 'key' : 'idx'),
          columns: columnsInOrder,
          unique,
          method: (index.algorithm ?? 'BTree').toLowerCase(),
        });
      }
    }

    const foreignKeys: ForeignKeyShape[] = [];
    for (const field of model.fields) {
      if (field.kind !== 'object' || !field.relationFromFields?.length) continue;
      const target = models.get(field.type)!;
      const fkColumns = field.relationFromFields.map((name) => columnOf(model, name));
      foreignKeys.push({
        // Prisma's default name; a `map:` on @relation is not in the DMMF, so names are not compared.
        name: prismaConstraintName(table, fkColumns, 'fkey'),
        columns: fkColumns,
        referencedTable: tableOf(target),
        referencedColumns: (field.relationToFields ?? []).map((name) => columnOf(target, name)),
        // Prisma's defaults: optional relations SetNull, required ones Restrict; updates cascade.
        onDelete: field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull'),
        onUpdate: field.relationOnUpdate ?? 'Cascade',
      });
    }

    schema.tables.set(table, { columns, primaryKey, indexes, foreignKeys });
  }

  for (const [name, table] of implicitManyToManyTables(dmmf.models, tableOf, enumDbNames)) {
    schema.tables.set(name, table);
  }
  return schema;
}

/**
 * Implicit many-to-many relations (`posts Post[]` on both sides, no join model) get a join table
 * `_<RelationName>` with columns A and B referencing the two models, A being the one whose name sorts
 * first, as Prisma Migrate creates it.
 */
function implicitManyToManyTables(
  models: readonly PrismaModel[],
  tableOf: (model: PrismaModel) => string,
  enumDbNames: Map<string, string>,
): Map<string, TableShape<ExpectedColumn, IndexShape>> {
  const tables = new Map<string, TableShape<ExpectedColumn, IndexShape>>();
  const byName = new Map(models.map((model) => [model.name, model]));
  for (const model of models) {
    for (const field of model.fields) {
      if (field.kind !== 'object' || !field.isList || field.relationFromFields?.length) continue;
      const other = byName.get(field.type)!;
      const back = other.fields.find(
        (candidate) =>
          candidate.relationName === field.relationName && (other !== model || candidate !== field),
      );
      if (!back?.isList) continue; // one-to-many: the foreign key is on the other side
      const [a, b] = [model, other].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
      const name = `_${field.relationName}`;
      if (tables.has(name)) continue;
      const column = (target: PrismaModel): ExpectedColumn => {
        const id = target.fields.find((candidate) => candidate.isId);
        if (!id) throw new Error(`${target.name} needs a single-field @id for implicit many-to-many`);
        return { type: expectedType(id, enumDbNames), nullable: false, default: { kind: 'none' } };
      };
      const reference = (target: PrismaModel, columnName: 'A' | 'B'): ForeignKeyShape => {
        const id = target.fields.find((candidate) => candidate.isId)!;
        return {
          name: `${name}_${columnName}_fkey`,
          columns: [columnName],
          referencedTable: tableOf(target),
          referencedColumns: [id.dbName ?? id.name],
          onDelete: 'Cascade',
          onUpdate: 'Cascade',
        };
      };
      tables.set(name, {
        columns: new Map([
          ['A', column(a)],
          ['B', column(b)],
        ]),
        primaryKey: { name: `${name}_AB_pkey`, columns: ['A', 'B'] },
        indexes: [{ name: `${name}_B_index`, columns: ['B'], unique: false, method: 'btree' }],
        foreignKeys: [reference(a, 'A'), reference(b, 'B')],
      });
    }
  }
  return tables;
}

/** Prisma's default constraint name (`<table>_<columns>_<suffix>`), truncated as Prisma does. */
export function prismaConstraintName(table: string, columns: readonly string[], suffix: string): string {
  const base = [table, ...columns].join('_');
  return `${base.slice(0, MAX_IDENTIFIER_LENGTH - suffix.length - 1)}_${suffix}`;
}

/** PostgreSQL types as `format_type()` prints them, for Prisma's scalar types without @db.*. */
const DEFAULT_TYPES: Record<string, string> = {
  String: 'text',
  Boolean: 'boolean',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

const precision = (args: string[]): string => (args[0] ? `(${args[0]})` : '');

/** The same for `@db.<NativeType>(args)`. */
const NATIVE_TYPES: Record<string, (args: string[]) => string> = {
  Text: () => 'text',
  VarChar: (args) => `character varying${precision(args)}`,
  Char: (args) => `character(${args[0] ?? 1})`,
  Uuid: () => 'uuid',
  Xml: () => 'xml',
  Inet: () => 'inet',
  Citext: () => 'citext',
  Bit: (args) => `bit(${args[0] ?? 1})`,
  VarBit: (args) => `bit varying${precision(args)}`,
  Boolean: () => 'boolean',
  SmallInt: () => 'smallint',
  Integer: () => 'integer',
  BigInt: () => 'bigint',
  Oid: () => 'oid',
  Real: () => 'real',
  DoublePrecision: () => 'double precision',
  Decimal: (args) => (args.length ? `numeric(${args[0]},${args[1] ?? 0})` : 'numeric'),
  Money: () => 'money',
  Timestamp: (args) => `timestamp${precision(args)} without time zone`,
  Timestamptz: (args) => `timestamp${precision(args)} with time zone`,
  Date: () => 'date',
  Time: (args) => `time${precision(args)} without time zone`,
  Timetz: (args) => `time${precision(args)} with time zone`,
  Json: () => 'json',
  JsonB: () => 'jsonb',
  ByteA: () => 'bytea',
};

function expectedType(field: PrismaField, enumDbNames: Map<string, string>): string {
  let base: string;
  if (field.kind === 'enum') {
    base = `enum ${enumDbNames.get(field.type) ?? field.type}`;
  } else if (field.nativeType) {
    const [name, args] = field.nativeType;
    base = NATIVE_TYPES[name]?.([...args]) ?? name.toLowerCase();
  } else {
    base = DEFAULT_TYPES[field.type] ?? field.type.toLowerCase();
  }
  return field.isList ? `${base}[]` : base;
}

function expectedDefault(field: PrismaField, enumValues?: Map<string, string>): DefaultRule {
  if (!field.hasDefaultValue || field.default === undefined) return { kind: 'none' };
  const value = field.default;
  if (typeof value === 'object' && !Array.isArray(value)) {
    const call = value as { name: string; args: readonly (string | number)[] };
    switch (call.name) {
      case 'autoincrement':
        return { kind: 'sequence' };
      case 'now':
        return { kind: 'now' };
      case 'dbgenerated':
        return call.args.length ? { kind: 'expression', sql: String(call.args[0]) } : { kind: 'any' };
      default:
        // uuid(), cuid(), nanoid(), ulid(): generated by Prisma Client, no database default.
        return { kind: 'none' };
    }
  }
  const mapEnum = <T>(item: T): T | string =>
    typeof item === 'string' && enumValues ? (enumValues.get(item) ?? item) : item;
  const literal = Array.isArray(value) ? value.map(mapEnum) : mapEnum(value);
  const as = field.type === 'Json' ? 'json' : field.type === 'DateTime' ? 'datetime' : 'plain';
  return { kind: 'literal', value: literal, as };
}

// ---------------------------------------------------------------------------------------------
// What PostgreSQL says
// ---------------------------------------------------------------------------------------------

interface ColumnRow {
  table_name: string;
  column_name: string;
  type: string;
  enum_name: string | null;
  is_array: boolean;
  nullable: boolean;
  default_sql: string | null;
}

interface IndexRow {
  table_name: string;
  name: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
  method: string;
  custom: boolean;
}

interface ForeignKeyRow {
  table_name: string;
  name: string;
  columns: string[];
  referenced_table: string;
  referenced_columns: string[];
  on_delete: string;
  on_update: string;
}

const ACTIONS: Record<string, string> = {
  a: 'NoAction',
  r: 'Restrict',
  c: 'Cascade',
  n: 'SetNull',
  d: 'SetDefault',
};

/** The tables, enums, indexes and foreign keys of the connection's current schema. */
export async function readDatabaseSchema(client: Client): Promise<ActualSchema> {
  const tables = await client.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> $1`,
    [MIGRATIONS_TABLE],
  );
  const columns = await client.query<ColumnRow>(
    `SELECT c.relname AS table_name, a.attname AS column_name,
            format_type(a.atttypid, a.atttypmod) AS type,
            CASE WHEN t.typtype = 'e' THEN t.typname WHEN et.typtype = 'e' THEN et.typname END AS enum_name,
            t.typcategory = 'A' AS is_array,
            NOT a.attnotnull AS nullable,
            pg_get_expr(d.adbin, d.adrelid) AS default_sql
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`,
  );
  const indexes = await client.query<IndexRow>(
    `SELECT c.relname AS table_name, i.relname AS name, ix.indisunique AS unique,
            ix.indisprimary AS primary, am.amname AS method,
            (ix.indexprs IS NOT NULL OR ix.indpred IS NOT NULL) AS custom,
            ARRAY(
              SELECT a.attname::text || CASE WHEN ix.indoption[k.ord - 1] & 1 = 1 THEN ' DESC' ELSE '' END
                FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
               WHERE k.ord <= ix.indnkeyatts
               ORDER BY k.ord
            ) AS columns
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class c ON c.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_am am ON am.oid = i.relam
      WHERE n.nspname = current_schema()`,
  );
  const foreignKeys = await client.query<ForeignKeyRow>(
    `SELECT c.relname AS table_name, co.conname AS name, r.relname AS referenced_table,
            co.confdeltype AS on_delete, co.confupdtype AS on_update,
            ARRAY(
              SELECT a.attname::text FROM unnest(co.conkey) WITH ORDINALITY AS k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum ORDER BY k.ord
            ) AS columns,
            ARRAY(
              SELECT a.attname::text FROM unnest(co.confkey) WITH ORDINALITY AS k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.attnum ORDER BY k.ord
            ) AS referenced_columns
       FROM pg_constraint co
       JOIN pg_class c ON c.oid = co.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class r ON r.oid = co.confrelid
      WHERE co.contype = 'f' AND n.nspname = current_schema()`,
  );
  const enums = await client.query<{ name: string; values: string[] }>(
    `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
       FROM pg_type t
       JOIN pg_enum e ON e.enumtypid = t.oid
       JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = current_schema()
      GROUP BY t.typname`,
  );

  const schema: ActualSchema = {
    tables: new Map(),
    enums: new Map(enums.rows.map((row) => [row.name, row.values])),
  };
  for (const { name } of tables.rows) {
    schema.tables.set(name, { columns: new Map(), primaryKey: null, indexes: [], foreignKeys: [] });
  }
  for (const row of columns.rows) {
    schema.tables.get(row.table_name)?.columns.set(row.column_name, {
      type: row.enum_name ? `enum ${row.enum_name}${row.is_array ? '[]' : ''}` : row.type,
      nullable: row.nullable,
      default: row.default_sql,
    });
  }
  for (const row of indexes.rows) {
    const table = schema.tables.get(row.table_name);
    if (!table) continue;
    if (row.primary) table.primaryKey = { name: row.name, columns: row.columns };
    else {
      const { name, columns, unique, method, custom } = row;
      table.indexes.push({ name, columns, unique, method, primary: false, custom });
    }
  }
  for (const row of foreignKeys.rows) {
    schema.tables.get(row.table_name)?.foreignKeys.push({
      name: row.name,
      columns: row.columns,
      referencedTable: row.referenced_table,
      referencedColumns: row.referenced_columns,
      onDelete: ACTIONS[row.on_delete] ?? row.on_delete,
      onUpdate: ACTIONS[row.on_update] ?? row.on_update,
    });
  }
  return schema;
}

// ---------------------------------------------------------------------------------------------
// The comparison
// ---------------------------------------------------------------------------------------------

export function compareSchemas(expected: ExpectedSchema, actual: ActualSchema): string[] {
  const differences: string[] = [];
  const report = (message: string): number => differences.push(message);

  for (const [name, values] of expected.enums) {
    const found = actual.enums.get(name);
    if (!found) report(`enum ${name}: missing from the database`);
    else if (found.join(',') !== values.join(',')) {
      report(`enum ${name}: values are (${found.join(', ')}), schema.prisma says (${values.join(', ')})`);
    }
  }
  for (const name of actual.enums.keys()) {
    if (!expected.enums.has(name)) report(`enum ${name}: in the database but not in schema.prisma`);
  }

  for (const [name, want] of expected.tables) {
    const have = actual.tables.get(name);
    if (!have) {
      report(`table ${name}: missing from the database`);
      continue;
    }
    compareColumns(name, want.columns, have.columns, report);
    comparePrimaryKey(name, want.primaryKey, have.primaryKey, report);
    compareIndexes(name, want.indexes, have.indexes, report);
    compareForeignKeys(name, want.foreignKeys, have.foreignKeys, report);
  }
  for (const name of actual.tables.keys()) {
    if (!expected.tables.has(name)) report(`table ${name}: in the database but not in schema.prisma`);
  }
  return differences;
}

type Report = (message: string) => void;

function compareColumns(
  table: string,
  want: Map<string, ExpectedColumn>,
  have: Map<string, ActualColumn>,
  report: Report,
): void {
  for (const [name, column] of want) {
    const found = have.get(name);
    const where = `${table}.${name}`;
    if (!found) {
      report(`${where}: column missing from the database`);
      continue;
    }
    if (found.type !== column.type) {
      report(`${where}: type is ${found.type}, schema.prisma says ${column.type}`);
    }
    if (found.nullable !== column.nullable) {
      report(
        `${where}: ${found.nullable ? 'nullable' : 'NOT NULL'} in the database, ` +
          `${column.nullable ? 'nullable' : 'NOT NULL'} in schema.prisma`,
      );
    }
    if (!defaultMatches(column.default, found.default)) {
      report(
        `${where}: default is ${found.default ?? 'none'}, schema.prisma says ${describeDefault(column.default)}`,
      );
    }
  }
  for (const name of have.keys()) {
    if (!want.has(name)) report(`${table}.${name}: column in the database but not in schema.prisma`);
  }
}

function comparePrimaryKey(
  table: string,
  want: TableShape<ExpectedColumn, IndexShape>['primaryKey'],
  have: TableShape<ActualColumn, ActualIndex>['primaryKey'],
  report: Report,
): void {
  if (!want && !have) return;
  if (!want || !have) {
    report(
      `${table}: primary key ${have ? `${have.name} is not in schema.prisma` : 'missing from the database'}`,
    );
    return;
  }
  if (have.name !== want.name || list(have.columns) !== list(want.columns)) {
    report(
      `${table}: primary key is ${have.name} (${list(have.columns)}), ` +
        `schema.prisma says ${want.name} (${list(want.columns)})`,
    );
  }
}

function compareIndexes(table: string, want: IndexShape[], have: ActualIndex[], report: Report): void {
  const describe = (index: IndexShape): string =>
    `${index.unique ? 'unique index' : 'index'} ${index.name} (${list(index.columns)})` +
    (index.method === 'btree' ? '' : ` using ${index.method}`);
  const matched = new Set<ActualIndex>();
  for (const index of want) {
    const found = have.find((candidate) => candidate.name === index.name);
    if (!found) {
      const renamed = have.find((candidate) => !matched.has(candidate) && sameIndex(candidate, index));
      if (renamed) matched.add(renamed);
      report(
        `${table}: ${describe(index)} missing from the database` +
          (renamed ? ` (it exists as ${renamed.name}; Prisma names it ${index.name})` : ''),
      );
      continue;
    }
    matched.add(found);
    if (!sameIndex(found, index)) {
      report(`${table}: ${describe(found)} in the database, schema.prisma says ${describe(index)}`);
    }
  }
  for (const index of have) {
    if (matched.has(index) || index.custom || index.method !== 'btree') continue;
    report(`${table}: ${describe(index)} in the database but not in schema.prisma`);
  }
}

function sameIndex(a: IndexShape, b: IndexShape): boolean {
  return a.unique === b.unique && a.method === b.method && list(a.columns) === list(b.columns);
}

function compareForeignKeys(
  table: string,
  want: ForeignKeyShape[],
  have: ForeignKeyShape[],
  report: Report,
): void {
  const describe = (fk: ForeignKeyShape): string =>
    `(${list(fk.columns)}) → ${fk.referencedTable}(${list(fk.referencedColumns)}) ` +
    `ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`;
  const unmatched = new Set(have);
  for (const fk of want) {
    const found = have.find((candidate) => list(candidate.columns) === list(fk.columns));
    if (!found) {
      report(`${table}: foreign key ${fk.name} ${describe(fk)} missing from the database`);
      continue;
    }
    unmatched.delete(found);
    if (describe(found) !== describe(fk)) {
      report(`${table}: foreign key ${found.name} is ${describe(found)}, schema.prisma says ${describe(fk)}`);
    }
  }
  for (const fk of unmatched) {
    report(`${table}: foreign key ${fk.name} ${describe(fk)} in the database but not in schema.prisma`);
  }
}

const list = (items: readonly string[]): string => items.join(', ');

// ---------------------------------------------------------------------------------------------
// Defaults: PostgreSQL prints them back normalised (`''::character varying`, `'-1'::integer`,
// `ARRAY['a'::text]`), so compare values, not text.
// ---------------------------------------------------------------------------------------------

function defaultMatches(rule: DefaultRule, sql: string | null): boolean {
  switch (rule.kind) {
    case 'none':
      return sql === null;
    case 'any':
      return sql !== null;
    case 'sequence':
      return sql !== null && /^nextval\('.+'::regclass\)$/.test(sql);
    case 'now':
      return sql !== null && /^(CURRENT_TIMESTAMP|now\(\))$/i.test(withoutCasts(sql));
    case 'expression':
      return sql !== null && squash(withoutCasts(sql)) === squash(withoutCasts(rule.sql));
    case 'literal': {
      if (sql === null) return false;
      const found = parseLiteral(withoutCasts(sql));
      const want = rule.value;
      if (Array.isArray(want)) {
        return (
          Array.isArray(found) &&
          found.length === want.length &&
          want.every((item, i) => sameScalar(item, found[i], rule.as))
        );
      }
      return !Array.isArray(found) && sameScalar(want, found, rule.as);
    }
  }
}

function sameScalar(want: Literal, found: string, as: 'json' | 'datetime' | 'plain'): boolean {
  if (typeof want === 'number') return Number(found) === want;
  if (typeof want === 'boolean') return found === String(want);
  // PostgreSQL prints a timestamp default in its own format, without a zone for `timestamp`.
  if (as === 'datetime')
    return Date.parse(want) === Date.parse(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(found) ? found : `${found}Z`);
  if (as === 'json') {
    try {
      return JSON.stringify(JSON.parse(found)) === JSON.stringify(JSON.parse(want));
    } catch {
      return found === want;
    }
  }
  return found === want;
}

function describeDefault(rule: DefaultRule): string {
  switch (rule.kind) {
    case 'none':
      return 'none';
    case 'any':
      return 'a database default';
    case 'sequence':
      return 'autoincrement() (a sequence)';
    case 'now':
      return 'now() (CURRENT_TIMESTAMP)';
    case 'expression':
      return rule.sql;
    case 'literal':
      return JSON.stringify(rule.value);
  }
}

/** Removes `::type` casts that are outside string literals. */
function withoutCasts(sql: string): string {
  let out = '';
  for (let i = 0; i < sql.length;) {
    if (sql[i] === "'") {
      const end = endOfQuoted(sql, i);
      out += sql.slice(i, end);
      i = end;
    } else if (sql.startsWith('::', i)) {
      const cast =
        /^::(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_]*(?: (?:varying|precision|with(?:out)? time zone))*)(?:\(\d+(?:,\s*\d+)?\))?(?: with(?:out)? time zone)?(?:\[\])*/i.exec(
          sql.slice(i),
        );
      i += cast ? cast[0].length : 2;
    } else {
      out += sql[i++];
    }
  }
  return out.trim().replace(/^\((.*)\)$/s, '$1');
}

function endOfQuoted(sql: string, start: number): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
    else if (sql[i] === "'") return i + 1;
    else i++;
  }
  return i;
}

/** `'it''s'` → `it's`; `42` → `42`; `ARRAY['a', 'b']` → [a, b]. */
function parseLiteral(sql: string): string | string[] {
  const array = /^ARRAY\[(.*)\]$/is.exec(sql);
  if (array) return splitTopLevel(array[1]).map(parseScalar);
  return parseScalar(sql);
}

function parseScalar(sql: string): string {
  const text = sql.trim();
  return text.startsWith("'") && text.endsWith("'") ? text.slice(1, -1).replace(/''/g, "'") : text;
}

function splitTopLevel(sql: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < sql.length;) {
    if (sql[i] === "'") {
      const end = endOfQuoted(sql, i);
      current += sql.slice(i, end);
      i = end;
    } else if (sql[i] === ',') {
      parts.push(current);
      current = '';
      i++;
    } else {
      current += sql[i++];
    }
  }
  if (current.trim()) parts.push(current);
  return parts;
}

const squash = (sql: string): string => sql.replace(/\s+/g, '').replace(/"/g, '').toLowerCase();
