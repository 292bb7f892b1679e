import { Body, Controller, Post } from '@nestjs/common';
import { ApiPropertyOptional, DocumentBuilder, OmitType, PartialType, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { UserUpdateDto } from '../dto/user-update.dto.js';
import { untypedProperties } from './users-auth-swagger.js';

class CustomUpdateDto extends UserUpdateDto {
  // The mistake: TypeScript emits `Object` as the design type of a union.
  @ApiPropertyOptional({ nullable: true, maxLength: 100 })
  nickname?: string | null;

  // The recipe: name the type.
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  displayName?: string | null;

  // A real map says so.
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  labels?: Record<string, string>;
}

/** The type helpers copy the metadata as it is: the recipe's type survives them, and so does the mistake. */
class PartialCustomDto extends PartialType(OmitType(CustomUpdateDto, ['currentPassword'] as const)) {}

@Controller('things')
class ThingsController {
  @Post('a')
  a(@Body() body: CustomUpdateDto): CustomUpdateDto {
    return body;
  }

  @Post('b')
  b(@Body() body: PartialCustomDto): PartialCustomDto {
    return body;
  }
}

describe('untypedProperties', () => {
  it('names each property documented as a bare object, and only those', async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [ThingsController] }).compile();
    const app = moduleRef.createNestApplication();
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    await app.close();

    const schemas = document.components!.schemas! as Record<string, { properties: Record<string, object> }>;
    expect(schemas.CustomUpdateDto!.properties.displayName).toEqual({ type: 'string', nullable: true, maxLength: 100 });
    expect(schemas.PartialCustomDto!.properties.displayName).toEqual({ type: 'string', nullable: true, maxLength: 100 });

    const warnings = untypedProperties(document);

    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^CustomUpdateDto\.nickname is documented as a bare object: .*type: String, nullable: true/);
    expect(warnings[1]).toMatch(/^PartialCustomDto\.nickname /);
  });
});
