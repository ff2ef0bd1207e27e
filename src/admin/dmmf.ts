import datamodelJson from '../generated/dmmf.json';

/**
 * Prisma's full data model (DMMF), written by scripts/prisma-generate.js next to the generated
 * client. The client's own runtime data model lacks native types, defaults and relation actions,
 * which the admin needs to build forms, validation and delete confirmations. Only the parts the
 * admin reads are typed here.
 */
export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  isUnique: boolean;
  isId: boolean;
  isReadOnly: boolean;
  hasDefaultValue: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  isUpdatedAt: boolean;
  relationName?: string;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  documentation?: string;
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { fields: string[] } | null;
  documentation?: string;
}

export interface DmmfEnum {
  name: string;
  values: { name: string }[];
}

interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
}

export const DATAMODEL = datamodelJson as unknown as Datamodel;

export function dmmfModel(name: string): DmmfModel | undefined {
  return DATAMODEL.models.find((model) => model.name === name);
}

export function dmmfEnum(name: string): DmmfEnum | undefined {
  return DATAMODEL.enums.find((candidate) => candidate.name === name);
}
