/**
 * Words of a prompt, for the generators that echo the prompt back (palette
 * colours, the storyteller's vocabulary).
 */

// Function words and a prompt's imperatives ("tell me", "draw") carry no subject: leaving them
// out keeps "draw a painting of the sea" about painting and sea.
const STOPWORDS = new Set(
  ("a an and are as at be but by for from has have he her his i in is it its me my of on or our she so that the their them " +
    "then there these they this to was we were what when where which who will with you your please me about into " +
    "make show tell write give describe explain create generate draw paint imagine")
    .split(" "),
);

// Letters and digits only (an apostrophe inside a word is kept), so no character can break a grammar or a format.
const WORD = /[\p{L}\p{N}]+(?:['’]\p{L}+)?/gu;

/** Every word, lower-cased. */
export function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** The first `count` words as written, for quoting a message back. */
export function quoteWords(text: string, count: number): string {
  return (text.match(WORD) ?? []).slice(0, count).join(" ");
}

/** The words that say what the prompt is about, first occurrence only, in order. */
export function contentWords(text: string): string[] {
  return [...new Set(words(text).filter((w) => !STOPWORDS.has(w) && !/^\d+$/.test(w)))];
}

// Words after these are usually verbs ("a keeper who collects storms"), which read badly as a story's subjects.
const BEFORE_VERBS = new Set(["who", "which", "that", "to", "will", "can", "could", "would", "should", "must", "does", "did"]);

/** Content words that are likely nouns or adjectives: a cheap guess, no dictionary. Falls back to all content words. */
export function subjectWords(text: string): string[] {
  const all = words(text);
  const likely = all.filter((w, i) => !STOPWORDS.has(w) && !/^\d+$/.test(w) && !BEFORE_VERBS.has(all[i - 1] ?? "") && !w.endsWith("ly"));
  return likely.length > 0 ? [...new Set(likely)] : contentWords(text);
}
