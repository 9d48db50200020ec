/**
 * Whether a string a client sent can be stored as it is. Postgres refuses NUL
 * in `text` columns, and `jsonb` refuses `\u0000` and unpaired surrogate
 * escapes (`JSON.stringify` writes a lone `\ud800` as exactly such an escape),
 * so such a string reaching an insert fails it with a database error, which the
 * client would see as a 500. Every user-supplied string the API stores (titles,
 * prompts, model names, params) is checked with this at the edge instead.
 */
export function isStorableText(value: string): boolean {
  // With the `u` flag a surrogate pair is one code point, so \p{Cs} matches only an unpaired half.
  return !/\u0000|\p{Cs}/u.test(value);
}

export const UNSTORABLE_TEXT = "must not contain NUL characters or unpaired UTF-16 surrogates";
