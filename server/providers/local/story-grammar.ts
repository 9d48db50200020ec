/**
 * The storyteller's grammar (Tracery): sentences built around the words of the
 * prompt, and an opening that carries on from the conversation so far. Prompt
 * words enter the grammar as rules; `words()` keeps only letters and digits,
 * so no word can contain Tracery's markup (# [ ] :).
 */
import tracery, { type Grammar } from "tracery-grammar";
import type { ChatMessage } from "../types.js";
import { contentWords, quoteWords, subjectWords } from "./prompt-words.js";
import type { Random } from "./seeded-random.js";

const SENTENCES = [
  "#time.capitalize#, the #adj# #subject# #verb# #place#.",
  "Nobody expected #subject.a# to #verbBase# #place#, and yet it did.",
  "There is #adj.a# kind of #subject# that only appears #place#.",
  "The #subject# remembers the #subject#, and the #subject# pretends not to notice.",
  "If you follow the #subject# long enough, you find #subject.a# #place#.",
  "Every story about the #subject# is also a story about the #subject#.",
  "#time.capitalize#, someone writes #subject# on a scrap of paper and keeps it.",
  "The #adj# #subject# and the #adj# #subject# #verbPlural# together #place#.",
];

// Only at temperature above 1: the grammar's stranger corners.
const WILD_SENTENCES = [
  "Meanwhile the #subject# grows a second shadow and calls it #subject#.",
  "All at once the #subject# is made of #material#, humming #place#.",
  "The #subject# asks the moon a question about #subject#; the moon answers in #material#.",
];

const RULES = {
  adj: ["quiet", "bright", "restless", "patient", "strange", "gentle", "ancient", "small", "luminous", "stubborn", "sleepy", "curious"],
  verb: ["waits", "listens", "turns slowly", "drifts", "remembers everything", "gathers the light", "hums to itself", "leans toward the window"],
  verbBase: ["wait", "listen", "wander", "drift", "remember", "sing", "vanish", "return"],
  verbPlural: ["wait", "drift", "talk in whispers", "keep watch", "trade secrets", "count the hours"],
  place: ["at the edge of the map", "beneath a slow sky", "in a room full of clocks", "on the far side of the river", "between two heartbeats", "where the road runs out", "in the last light of the afternoon"],
  time: ["at dawn", "long after midnight", "on the third day", "once in a while", "before anyone is awake", "in the middle of winter"],
  material: ["glass", "old paper", "rain", "copper wire", "smoke", "velvet"],
  intro: ["Here is a small tale for “#topic#”.", "You asked for “#topic#”; let me tell it my way.", "“#topic#”: picture it."],
  opening_quote: ["Picking up where my last reply left off, with “#previous#…”. ", "To carry on from what I said before (“#previous#…”). "],
  opening_assistant: ["Continuing from my earlier answer. ", "Carrying on from where I stopped. "],
  opening_user: ["Still with you on #earlier#. ", "Following on from what you said about #earlier#. "],
};

/** Expands sentences with one seeded generator (Tracery's generator is module-wide, so it is set and reset around each expansion, which is synchronous). */
export class StoryGrammar {
  private readonly grammar: Grammar;
  private readonly opening: string;

  constructor(
    prompt: string,
    history: readonly ChatMessage[],
    private readonly random: Random,
    private readonly temperature: number,
  ) {
    const subjects = subjectWords(prompt);
    const topic = quoteWords(prompt, 12);
    const lastAssistant = [...history].reverse().find((m) => m.role === "assistant");
    const lastUser = [...history].reverse().find((m) => m.role === "user");
    this.grammar = tracery.createGrammar({
      ...RULES,
      sentence: SENTENCES,
      wild: WILD_SENTENCES,
      subject: subjects.length > 0 ? subjects : ["silence", "blank page", "unnamed thing"],
      topic: [topic || "nothing in particular"],
      previous: [quoteWords(lastAssistant?.content ?? "", 8)],
      earlier: [contentWords(lastUser?.content ?? "").slice(0, 3).join(" and ") || "that"],
    });
    this.grammar.addModifiers(tracery.baseEngModifiers);
    // The reply carries on from the conversation: quoting the last assistant turn when it has words to quote.
    this.opening = lastAssistant
      ? quoteWords(lastAssistant.content, 1)
        ? "#opening_quote#"
        : "#opening_assistant#"
      : lastUser
        ? "#opening_user#"
        : "";
  }

  /** The first words: a nod to the conversation so far (if any), then what the prompt is about. */
  start(): string {
    return this.expand(`${this.opening}#intro#`);
  }

  sentence(): string {
    const wild = this.temperature > 1 && this.random() < (this.temperature - 1) / 2;
    return this.expand(wild ? "#wild#" : "#sentence#");
  }

  private expand(rule: string): string {
    // Temperature narrows choices toward each rule's first options: at 0 the reply keeps to the first
    // 15% of them and repeats itself, as greedy decoding does; from 1 every option is open.
    const spread = 0.15 + 0.85 * Math.min(1, this.temperature);
    tracery.setRng(() => this.random() * spread);
    try {
      return this.grammar.flatten(rule);
    } finally {
      tracery.setRng(Math.random);
    }
  }
}
