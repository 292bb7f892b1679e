import { ApiProperty, OmitType } from '@nestjs/swagger';
import { Exclude, Expose, Transform } from 'class-transformer';
import { describe, expect, it } from 'vitest';
import { publicUserFields } from './user-json.util.js';
import { createUserSerializer, UserReadDto } from './user-read.dto.js';

const stored = {
  id: '6f1c1d5e-3f0a-4c1e-9a57-5b9d3f0e2a11',
  email: 'ada@example.com',
  hashedPassword: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
  securityStamp: 'stamp',
  isActive: true,
  isSuperuser: false,
  isVerified: true,
  firstName: 'Ada',
  totpSecret: 'JBSWY3DPEHPK3PXP',
  internalNote: 'vip',
};

class AppUserReadDto extends UserReadDto {
  @ApiProperty()
  @Transform(({ value }: { value: string }) => value.toUpperCase())
  firstName!: string;

  @ApiProperty()
  @Exclude()
  internalNote!: string;

  @ApiProperty()
  @Expose({ name: 'verified' })
  declare isVerified: boolean;

  /** A declared mistake: the hash is never sent, whatever a DTO says. */
  @ApiProperty()
  hashedPassword!: string;

  @Expose()
  get greeting(): string {
    return `Hello ${this.firstName}`;
  }
}

describe('createUserSerializer', () => {
  it('sends the library DTO fields only: never the hash, the stamp or an undeclared column', () => {
    expect(createUserSerializer(UserReadDto)(stored)).toEqual({
      id: stored.id,
      email: 'ada@example.com',
      isActive: true,
      isSuperuser: false,
      isVerified: true,
    });
  });

  it('honours @Exclude, @Expose (renames and getters) and @Transform of an app DTO', () => {
    expect(createUserSerializer(AppUserReadDto)(stored)).toEqual({
      id: stored.id,
      email: 'ada@example.com',
      isActive: true,
      isSuperuser: false,
      verified: true,
      firstName: 'ADA',
      greeting: 'Hello Ada',
    });
  });

  it('follows Swagger mapped types and the Swagger CLI plugin', () => {
    class WithoutEmail extends OmitType(UserReadDto, ['email'] as const) {}
    expect(Object.keys(createUserSerializer(WithoutEmail)(stored)).sort()).toEqual([
      'id',
      'isActive',
      'isSuperuser',
      'isVerified',
    ]);

    class PluginDeclared extends UserReadDto {
      firstName!: string;
      static _OPENAPI_METADATA_FACTORY() {
        return { firstName: { required: true, type: () => String } };
      }
    }
    expect(createUserSerializer(PluginDeclared)(stored)).toMatchObject({ firstName: 'Ada' });
    expect(createUserSerializer(PluginDeclared)(stored)).not.toHaveProperty('totpSecret');
  });

  it('leaves out what a user does not have', () => {
    expect(createUserSerializer(AppUserReadDto)({ ...stored, firstName: undefined, internalNote: undefined })).not.toHaveProperty(
      'firstName',
    );
  });
});

describe('publicUserFields', () => {
  it('keeps every own field but the hash and the stamp', () => {
    const { hashedPassword: _hash, securityStamp: _stamp, ...rest } = stored;
    expect(publicUserFields(stored)).toEqual(rest);
  });
});
