import { HttpStatus, UnsupportedMediaTypeException, type CanActivate, type ExecutionContext, type Type } from '@nestjs/common';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = /^application\/([\w.+-]+\+)?json$/;

function mediaType(header: unknown): string | undefined {
  return typeof header === 'string' ? header.split(';')[0]!.trim().toLowerCase() || undefined : undefined;
}

/**
 * Refuses bodies of other media types with 415 (a `text/plain` JSON body is how cross-site forms smuggle JSON).
 * A request without a body type goes on and fails validation with 422.
 */
export function AcceptsMediaTypes(...accepted: Array<'json' | 'form'>): Type<CanActivate> {
  class MediaTypeGuard implements CanActivate {
    canActivate(context: ExecutionContext): boolean {
      const type = mediaType(context.switchToHttp().getRequest().headers['content-type']);
      if (type === undefined) return true;
      if ((accepted.includes('json') && JSON_TYPE.test(type)) || (accepted.includes('form') && type === FORM)) return true;
      throw new UnsupportedMediaTypeException({
        statusCode: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        detail: 'Unsupported Media Type',
      });
    }
  }
  return MediaTypeGuard;
}
