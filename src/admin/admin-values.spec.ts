import { Prisma } from '../generated/prisma/client';
import { translateMessage } from '../i18n/translator';
import type { AdminField } from './admin-site';
import { parseDateTime, parseForm, parsePk } from './admin-values';
import type { DmmfField } from './dmmf';

function field(
  name: string,
  widget: AdminField['widget'],
  dmmf: Partial<DmmfField>,
  extra: Partial<AdminField> = {},
): AdminField {
  return {
    name,
    label: name,
    widget,
    dmmf: {
      name,
      kind: 'scalar',
      isList: false,
      isRequired: true,
      isUnique: false,
      isId: false,
      isReadOnly: false,
      hasDefaultValue: false,
      type: 'String',
      isUpdatedAt: false,
      ...dmmf,
    },
    required: true,
    nullable: false,
    readonly: false,
    secret: false,
    ...extra,
  };
}

const intPk = { type: 'Int', nativeType: null } as unknown as DmmfField;

describe('admin form values', () => {
  it('parses every widget and reports field errors', () => {
    const fields = [
      field('count', 'number', { type: 'Int' }),
      field('big', 'number', { type: 'BigInt' }),
      field('ratio', 'number', { type: 'Float' }),
      field('price', 'number', { type: 'Decimal' }),
      field('status', 'select', { kind: 'enum', type: 'Status' }, { enumValues: ['a', 'b'] }),
      field('data', 'json', { type: 'Json', isRequired: false }, { required: false, nullable: true }),
      field('when', 'datetime', { type: 'DateTime' }),
      field('flag', 'checkbox', { type: 'Boolean' }, { required: false }),
      field('ownerId', 'fk', { type: 'Int' }, { relation: { name: 'owner', target: 'User' } }),
      field('name', 'text', {}, { maxLength: 5 }),
    ];
    const ok = parseForm(
      fields,
      {
        count: '-3',
        big: '9007199254740993',
        ratio: '0.5',
        price: '12.30',
        status: 'b',
        data: '{"a":[1]}',
        when: '2030-02-03T04:05',
        flag: 'on',
        ownerId: '7',
        name: ' abc ',
      },
      true,
      () => intPk,
    );
    expect(ok.errors).toEqual({});
    expect(ok.data).toEqual({
      count: -3,
      big: 9007199254740993n,
      ratio: 0.5,
      price: new Prisma.Decimal('12.30'),
      status: 'b',
      data: { a: [1] },
      when: new Date('2030-02-03T04:05:00Z'),
      flag: true,
      ownerId: 7,
      name: 'abc',
    });
    const bad = parseForm(
      fields,
      {
        count: '1.5',
        big: 'x',
        ratio: 'NaN',
        price: '1e5',
        status: 'c',
        data: '{oops',
        when: '2030-02-31T00:00',
        ownerId: 'abc',
        name: 'toolong',
      },
      true,
      () => intPk,
    );
    expect(Object.keys(bad.errors).sort()).toEqual([
      'big',
      'count',
      'data',
      'name',
      'ownerId',
      'price',
      'ratio',
      'status',
      'when',
    ]);
    // Descriptors, said in the reader's language where the form is shown.
    const english = (messages: string[] | undefined) => messages?.map((text) => translateMessage(text, 'en'));
    expect(english(bad.errors.data)).toEqual(['Enter valid JSON.']);
    expect(translateMessage(bad.errors.name[0], 'uk')).toMatch(/символ/);
    expect(bad.data.flag).toBe(false);
    const empty = parseForm(fields, { data: '' }, true, () => intPk);
    expect(empty.data.data).toBe(Prisma.DbNull);
    expect(english(empty.errors.count)).toEqual(['This field is required.']);
    expect(translateMessage(empty.errors.count[0], 'ru')).toBe('Обязательное поле.');
  });

  it('reads date-times as UTC unless they carry an offset', () => {
    expect(parseDateTime('2030-01-01 10:00')?.toISOString()).toBe('2030-01-01T10:00:00.000Z');
    expect(parseDateTime('2030-01-01T10:00:00+02:00')?.toISOString()).toBe('2030-01-01T08:00:00.000Z');
    expect(parseDateTime('yesterday')).toBeUndefined();
  });

  it('accepts only keys the column can hold', () => {
    expect(parsePk(intPk, '12')).toBe(12);
    expect(parsePk(intPk, '0')).toBeUndefined();
    expect(parsePk(intPk, '99999999999')).toBeUndefined();
    const uuid = { type: 'String', nativeType: ['Uuid', []] } as unknown as DmmfField;
    expect(parsePk(uuid, 'not-a-uuid')).toBeUndefined();
    expect(parsePk(uuid, '6F9619FF-8B86-D011-B42D-00C04FC964FF')).toBe(
      '6f9619ff-8b86-d011-b42d-00c04fc964ff',
    );
  });
});
