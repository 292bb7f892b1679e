import { ApiProperty } from '@nestjs/swagger';

/** The body of every error answer. */
export class ErrorDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({
    description: 'An error code string, `{code, reason}` for password rules, or a list of validation issues.',
    oneOf: [{ type: 'string' }, { type: 'object' }, { type: 'array', items: { type: 'object' } }],
  })
  detail!: unknown;
}
