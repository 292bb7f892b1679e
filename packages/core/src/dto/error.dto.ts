import { ApiProperty } from '@nestjs/swagger';

/** The body of every error answer. */
export class ErrorDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  // Each shape spelled out, so a generated client types `detail` as a union it can narrow, not as `object`.
  @ApiProperty({
    description: 'An error code string, `{code, reason}` for password rules, or a list of validation issues.',
    oneOf: [
      { type: 'string' },
      {
        type: 'object',
        properties: { code: { type: 'string' }, reason: { type: 'string' } },
        required: ['code', 'reason'],
      },
      {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            loc: { type: 'array', items: { type: 'string' } },
            msg: { type: 'string' },
            type: { type: 'string' },
          },
          required: ['loc', 'msg', 'type'],
        },
      },
    ],
  })
  detail!: string | { code: string; reason: string } | Array<{ loc: string[]; msg: string; type: string }>;
}
