import { ApiProperty } from '@nestjs/swagger';
import { describe, expect, it } from 'vitest';
import { OAuthAccountReadDto, OAuthUserReadDto } from './oauth-account-read.dto.js';
import { createUserSerializer, declaresOAuthAccounts, UserReadDto } from './user-read.dto.js';
import { createUserReader } from './user-reader.js';

const account = { oauthName: 'google', accountId: '1234', accountEmail: 'ada@gmail.com' };
/** A user whose ORM loaded its provider accounts as a relation, tokens included. */
const user = {
  id: '6f1c1d5e-3f0a-4c1e-9a57-5b9d3f0e2a11',
  email: 'ada@example.com',
  hashedPassword: 'hash',
  isActive: true,
  isSuperuser: false,
  isVerified: true,
  oauthAccounts: [{ ...account, accessToken: 'v1.secret-access', refreshToken: 'v1.secret-refresh', expiresAt: 1 }],
};

describe('OAuthUserReadDto', () => {
  it('with OAuth, lists the accounts the route passes, never the relation on the user (it carries tokens)', () => {
    const serialize = createUserSerializer(OAuthUserReadDto, { oauth: true });
    expect(serialize(user, [account])).toEqual({
      id: user.id,
      email: user.email,
      isActive: true,
      isSuperuser: false,
      isVerified: true,
      oauthAccounts: [account],
    });
    expect(JSON.stringify(serialize(user))).not.toMatch(/secret|oauthAccounts/);
  });

  it('fills only what the item type declares of the token-free fields, whatever else it declares', () => {
    class Item {
      @ApiProperty()
      oauthName!: string;

      @ApiProperty()
      accessToken!: string;
    }
    class Read extends UserReadDto {
      @ApiProperty({ type: () => [Item] })
      oauthAccounts!: Item[];
    }
    const answer = createUserSerializer(Read, { oauth: true })(user, [{ ...account, accessToken: 'x' } as never]);
    expect(answer.oauthAccounts).toEqual([{ oauthName: 'google' }]);
  });

  it('reads the item type the Swagger CLI plugin declares', () => {
    class Read extends UserReadDto {
      oauthAccounts!: OAuthAccountReadDto[];
      static _OPENAPI_METADATA_FACTORY() {
        return { oauthAccounts: { required: true, type: () => [OAuthAccountReadDto] } };
      }
    }
    expect(declaresOAuthAccounts(Read)).toBe(true);
    const answer = createUserSerializer(Read, { oauth: true })(user, [account]);
    expect(answer.oauthAccounts).toEqual([account]);
    expect(Object.getPrototypeOf((answer.oauthAccounts as object[])[0])).toBe(Object.prototype);
  });

  it('is the default read DTO with OAuth providers only; an app DTO without the property loads nothing', async () => {
    const dto = { create: Object, update: Object, adminUpdate: Object, read: UserReadDto } as never;
    expect(createUserReader({ dto, oauthNames: [] }).read).toBe(UserReadDto);
    expect(createUserReader({ dto, oauthNames: ['google'] }).read).toBe(OAuthUserReadDto);
    class Plain extends UserReadDto {}
    let loads = 0;
    const users = { listOAuthAccounts: async () => (loads++, [account]) } as never;
    const plain = createUserReader({ dto: { read: Plain } as never, oauthNames: ['google'] });
    expect(await plain.toJson(users, user as never)).not.toHaveProperty('oauthAccounts');
    expect(loads).toBe(0);
    const withList = createUserReader({ dto, oauthNames: ['google'] });
    expect((await withList.toJson(users, user as never)).oauthAccounts).toEqual([account]);
    expect(loads).toBe(1);
  });
});
