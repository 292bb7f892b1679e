import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';

/**
 * Liveness for load balancers: public and answered without touching the database, so a slow or lost database
 * never makes every instance look dead at once.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  @Get()
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } })
  check(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
