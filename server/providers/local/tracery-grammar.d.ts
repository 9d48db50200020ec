// tracery-grammar ships no types; this is the part of its API the storyteller uses.
declare module "tracery-grammar" {
  export interface Grammar {
    addModifiers(modifiers: Record<string, (text: string) => string>): void;
    flatten(rule: string): string;
  }
  // CommonJS: under Node's ESM loader the whole module.exports object is the default export.
  const tracery: {
    createGrammar(raw: Record<string, string[]>): Grammar;
    baseEngModifiers: Record<string, (text: string) => string>;
    /** Module-wide: every grammar expanded until the next call uses it. */
    setRng(rng: () => number): void;
  };
  export default tracery;
}
