/** Marks an operation callable without a token; api-docs.ts turns it into optional security. */
export const PUBLIC_OPERATION = 'x-public';
