export * from './languages';
export * from './translator';
