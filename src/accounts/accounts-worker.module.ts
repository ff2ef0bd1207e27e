import { Module } from '@nestjs/common';
import { TokenPurge } from './token-purge';

/** Accounts in the worker: the scheduled purge of spent/expired e-mail tokens. */
@Module({ providers: [TokenPurge] })
export class AccountsWorkerModule {}
