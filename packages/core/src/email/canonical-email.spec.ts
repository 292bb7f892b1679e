import { describe, expect, it } from 'vitest';
import { InvalidEmailError } from '../errors/user.errors.js';
import {
  canonicalEmail,
  canonicalEmailOrNull,
  hasForbiddenEmailCharacter,
  legacyEmailSpellings,
  MAX_EMAIL_INPUT_LENGTH,
} from './canonical-email.js';

const folded: Array<[string, string, string]> = [
  ['lower case', 'Ada@Example.COM', 'ada@example.com'],
  ['already canonical', 'ada@example.com', 'ada@example.com'],
  ['decomposed (NFD) Unicode', 'Zoe\u0308@example.com', 'zo\u00eb@example.com'],
  ['fullwidth local part (NFKC)', '\uff58@example.com', 'x@example.com'],
  [
    'fullwidth everything, @ included',
    '\uff21\uff24\uff21\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d',
    'ada@example.com',
  ],
  ['mathematical bold letters (NFKC)', '\u{1d41a}\u{1d41d}\u{1d41a}@example.com', 'ada@example.com'],
  ['ligature (NFKC)', '\ufb01sh@example.com', 'fish@example.com'],
  ['Kelvin sign (folds into k)', '\u212aing@example.com', 'king@example.com'],
  ['Unicode domain to IDNA', 'x@b\u00fccher.de', 'x@xn--bcher-kva.de'],
  ['upper-case Unicode domain to IDNA', 'X@B\u00dcCHER.DE', 'x@xn--bcher-kva.de'],
  ['IDNA domain stays', 'x@xn--bcher-kva.de', 'x@xn--bcher-kva.de'],
  ['IDNA domain in upper case', 'x@XN--BCHER-KVA.DE', 'x@xn--bcher-kva.de'],
  ['sharp s in the domain (non-transitional)', 'x@fa\u00df.de', 'x@xn--fa-hia.de'],
  ['fullwidth domain', 'x@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com', 'x@example.com'],
  ['Unicode local part kept', 'J\u00fcrgen@example.com', 'j\u00fcrgen@example.com'],
  ['dotless i stays distinct from i', 'm\u0131ke@example.com', 'm\u0131ke@example.com'],
  ['dots, plus and other atext', "o'neil+tag.x_y-z@example.com", "o'neil+tag.x_y-z@example.com"],
  ['subdomains', 'a@mail.EXAMPLE.co.uk', 'a@mail.example.co.uk'],
];

const refused: Array<[string, unknown]> = [
  ['CR LF (log injection), quoted', '"a\r\nforged LOG line"@example.com'],
  ['CR LF, unquoted', 'a\r\nforged@example.com'],
  ['LF only', 'a\n@example.com'],
  ['ESC (terminal escape)', 'a\u001b[31m@example.com'],
  ['NUL', 'a\u0000@example.com'],
  ['TAB', 'a\tb@example.com'],
  ['DEL', 'a\u007f@example.com'],
  ['C1 control NEL', 'a\u0085@example.com'],
  ['space inside', 'a b@example.com'],
  ['leading space', ' ada@example.com'],
  ['trailing space', 'ada@example.com '],
  ['no-break space', 'ada\u00a0@example.com'],
  ['ideographic space', 'ada\u3000@example.com'],
  ['line separator', 'ada\u2028@example.com'],
  ['zero-width space U+200B', 'ad\u200ba@example.com'],
  ['zero-width non-joiner U+200C', 'ad\u200ca@example.com'],
  ['zero-width joiner U+200D', 'ad\u200da@example.com'],
  ['word joiner U+2060', 'ad\u2060a@example.com'],
  ['byte order mark U+FEFF', '\ufeffada@example.com'],
  ['zero-width space in the domain', 'ada@exa\u200bmple.com'],
  ['soft hyphen', 'ad\u00ada@example.com'],
  ['bidi override U+202E', 'ada\u202e@example.com'],
  ['bidi isolate U+2066', '\u2066ada@example.com'],
  ['left-to-right mark U+200E', 'ada\u200e@example.com'],
  ['Hangul filler', 'ada\u3164@example.com'],
  ['variation selector', 'ada\ufe0f@example.com'],
  ['combining grapheme joiner', 'ada\u034f@example.com'],
  ['tag character', 'ada\u{e0041}@example.com'],
  ['lone surrogate', 'ada\ud800@example.com'],
  ['private use', 'ada\ue000@example.com'],
  ['unassigned code point', 'ada\u{2fffe}@example.com'],
  ['a character whose NFKC holds a space (U+00A8)', 'ada\u00a8@example.com'],
  ['quoted local part', '"ada"@example.com'],
  ['quoted local part with an @', '"a@b"@example.com'],
  ['backslash escape', 'a\\b@example.com'],
  ['display name', 'Ada <ada@example.com>'],
  ['no @', 'ada.example.com'],
  ['two @', 'a@@example.com'],
  ['@ in the local part', 'a@b@example.com'],
  ['fullwidth @ making two', 'a\uff20b@example.com'],
  ['empty local part', '@example.com'],
  ['empty domain', 'ada@'],
  ['empty string', ''],
  ['no dot in the domain', 'a@b'],
  ['numeric top-level domain', 'a@example.123'],
  ['IPv4 domain', 'a@127.0.0.1'],
  ['WHATWG-parsed IPv4 (0x7f.1)', 'a@0x7f.1'],
  ['domain literal', 'a@[127.0.0.1]'],
  ['IPv6 literal', 'a@[::1]'],
  ['trailing dot', 'a@example.com.'],
  ['empty label', 'a@example..com'],
  ['label starting with a hyphen', 'a@-example.com'],
  ['underscore in the domain', 'a@exa_mple.com'],
  ['percent-encoded domain (the URL parser would decode it)', 'a@%65xample.com'],
  ['path after the domain (the URL parser would cut it)', 'a@example.com/x'],
  ['port after the domain', 'a@example.com:25'],
  ['invalid punycode', 'a@xn--zz.com'],
  ['label over 63 characters', `a@${'l'.repeat(64)}.com`],
  ['comma list (next-auth CVE-2022-35924)', 'attacker@x.io,victim@y.io'],
  ['HTML', '<script>@x.io'],
  ['leading dot in the local part', '.ada@example.com'],
  ['double dot in the local part', 'a..da@example.com'],
  ['local part over 64 bytes', `${'a'.repeat(65)}@example.com`],
  ['local part over 64 bytes in UTF-8 only', `${'\u00fc'.repeat(33)}@example.com`],
  ['address over 254 characters', `${'a'.repeat(64)}@${`${'d'.repeat(60)}.`.repeat(4)}com`],
  ['input over the length limit', `${'a'.repeat(MAX_EMAIL_INPUT_LENGTH)}@example.com`],
  ['a megabyte of input', 'a'.repeat(1 << 20) + '@example.com'],
  ['an expansion past 254 by NFKC (U+FDFA)', `${'\ufdfa'.repeat(4)}@example.com`],
  ['a number', 42],
  ['null', null],
  ['an object', { toString: () => 'ada@example.com' }],
];

describe('canonicalEmail', () => {
  it.each(folded)('folds %s', (_name, input, expected) => {
    expect(canonicalEmail(input)).toBe(expected);
    expect(canonicalEmailOrNull(input)).toBe(expected);
  });

  it.each(folded)('is its own canonical form (idempotent): %s', (_name, input) => {
    const once = canonicalEmail(input);
    expect(canonicalEmail(once)).toBe(once);
  });

  it.each(refused)('refuses %s', (_name, input) => {
    expect(canonicalEmailOrNull(input)).toBeNull();
    expect(() => canonicalEmail(input as string)).toThrow(InvalidEmailError);
  });

  it('makes the IDNA and Unicode spellings of one domain one account, and fullwidth look-alikes too', () => {
    expect(canonicalEmail('x@b\u00fccher.de')).toBe(canonicalEmail('x@xn--bcher-kva.de'));
    expect(canonicalEmail('\uff58@example.com')).toBe(canonicalEmail('x@example.com'));
  });

  it('keeps lookalikes that are different letters apart', () => {
    expect(canonicalEmail('m\u0131ke@example.com')).not.toBe(canonicalEmail('mike@example.com'));
    expect(canonicalEmail('\u0430da@example.com')).not.toBe(canonicalEmail('ada@example.com')); // Cyrillic a
  });
});

describe('hasForbiddenEmailCharacter', () => {
  it.each(['a\r\nb', 'a\u001b', 'a\u0000', 'a\tb', 'a b', 'a\u200b', 'a\u200c', 'a\u200d', 'a\u2060', '\ufeffa', 'a\u202e'])(
    'finds one in %j',
    (value) => expect(hasForbiddenEmailCharacter(value)).toBe(true),
  );

  it.each(["admin'--", 'ada@example.com', 'j\u00fcrgen@b\u00fccher.de', '\uff58@example.com'])('finds none in %j', (value) =>
    expect(hasForbiddenEmailCharacter(value)).toBe(false),
  );
});

describe('legacyEmailSpellings', () => {
  it('gives the canonical form, plus its Unicode-domain spelling when the domain is an IDN', () => {
    expect(legacyEmailSpellings('ada@example.com')).toEqual(['ada@example.com']);
    expect(legacyEmailSpellings('x@xn--bcher-kva.de')).toEqual(['x@xn--bcher-kva.de', 'x@b\u00fccher.de']);
  });
});
