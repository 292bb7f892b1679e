import { domainToASCII, domainToUnicode } from 'node:url';
import { isEmail } from 'class-validator';
import { InvalidEmailError } from '../errors/user.errors.js';

/** Longest email accepted as input, in UTF-16 code units (the width of the TypeORM column); checked before any work. */
export const MAX_EMAIL_INPUT_LENGTH = 320;

/**
 * Characters no email may hold: controls (NUL, TAB, CR, LF, ESC, DEL, C1), format characters (zero-width
 * U+200B–U+200D, U+2060, U+FEFF, bidi controls), every separator and whitespace, the other default-ignorable code
 * points (Hangul fillers, variation selectors, tags), lone surrogates, private use, and unassigned code points (NFKC
 * of an assigned character is stable across Unicode versions; of an unassigned one it is not).
 */
const FORBIDDEN_CHARACTER = /[\p{Cc}\p{Cf}\p{Z}\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cs}\p{Co}\p{Cn}]/u;

/** A domain is letters, marks, digits, hyphens and dots; the WHATWG host parser behind `domainToASCII` would otherwise percent-decode (`%41`) or cut at `/`, `?` or `#`. */
const DOMAIN_CHARACTERS = /^[\p{L}\p{M}\p{N}.-]+$/u;

/** Whether `value` holds a character no email may hold (see `canonicalEmail`). @publicApi */
export function hasForbiddenEmailCharacter(value: string): boolean {
  return FORBIDDEN_CHARACTER.test(value);
}

/**
 * The one form emails are stored, compared and looked up in, everywhere: Unicode NFKC (fullwidth and other
 * compatibility look-alikes fold into one account), lower case, and the domain in its ASCII (IDNA) form through
 * Node's WHATWG `domainToASCII`, so `X@Bücher.de` and `x@xn--bcher-kva.de` are one account. Refused (`null`):
 * control, whitespace and invisible characters (never folded away silently), quoted or escaped local parts,
 * domain literals and IP addresses, more than one `@`, and whatever class-validator's `isEmail` refuses once
 * canonical (local part over 64 bytes, address over 254 characters, a domain that is not a valid host name).
 * @publicApi
 */
export function canonicalEmailOrNull(email: unknown): string | null {
  if (typeof email !== 'string' || email.length > MAX_EMAIL_INPUT_LENGTH || hasForbiddenEmailCharacter(email)) {
    return null;
  }
  // Lower-casing can undo NFKC in rare cases, so normalise again: the result is its own canonical form.
  const folded = email.normalize('NFKC').toLowerCase().normalize('NFKC');
  // NFKC may itself produce a space or a combining mark's spacing form (U+00A8 → U+0020 U+0308).
  if (hasForbiddenEmailCharacter(folded)) return null;
  const at = folded.indexOf('@');
  if (at <= 0 || at !== folded.lastIndexOf('@')) return null;
  const local = folded.slice(0, at);
  const domain = folded.slice(at + 1);
  if (local.includes('"') || local.includes('\\') || !DOMAIN_CHARACTERS.test(domain)) return null;
  const asciiDomain = domainToASCII(domain);
  if (!asciiDomain) return null;
  const canonical = `${local}@${asciiDomain}`;
  const valid = isEmail(canonical, {
    allow_display_name: false,
    allow_ip_domain: false,
    allow_utf8_local_part: true,
    require_tld: true,
  });
  return valid ? canonical : null;
}

/**
 * `canonicalEmailOrNull`, for writes: the canonical form, or `InvalidEmailError`.
 * @throws InvalidEmailError
 * @publicApi
 */
export function canonicalEmail(email: string): string {
  const canonical = canonicalEmailOrNull(email);
  if (canonical === null) throw new InvalidEmailError();
  return canonical;
}

/**
 * The spellings a row stored before canonical emails (by fastapi-users, say, which keeps the case as typed) has
 * under SQL `LOWER()` when its canonical form is `canonical`: the canonical form itself, and the same address with
 * its domain in Unicode. Adapters look legacy rows up by these, then keep only rows whose own canonical form matches.
 * @publicApi
 */
export function legacyEmailSpellings(canonical: string): string[] {
  const at = canonical.lastIndexOf('@');
  const unicode = `${canonical.slice(0, at)}@${domainToUnicode(canonical.slice(at + 1))}`;
  return unicode === canonical ? [canonical] : [canonical, unicode];
}
