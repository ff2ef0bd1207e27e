import { BadRequestException } from '@nestjs/common';
import type { FieldErrors } from '../web/forms';

/**
 * A caller asked MailService for something it cannot send (bad address, unknown template). A 400 with
 * per-field errors, so a controller that lets it through answers like any other validation failure.
 */
export class MailInputError extends BadRequestException {
  readonly errors: FieldErrors;

  constructor(errors: FieldErrors) {
    const summary = Object.entries(errors)
      .map(([field, messages]) => `${field} ${messages.join(', ')}`)
      .join('; ');
    super({ message: `Cannot send e-mail: ${summary}`, errors });
    this.errors = errors;
  }
}
