/**
 * Hostile input: garbage frames (random bytes, truncated real updates, and
 * "~31M structs" sync updates), each socket reconnecting when dropped, then one
 * 50 MB sync update. Meanwhile an honest writer/reader pair in another room
 * keeps syncing and times its deliveries.
 *
 * RSS: start = after a warm-up (a few hundred small garbage frames), full GCs
 * (SIGUSR2 → gc-hook.cjs) and 3 s of settling; end = after the attack and 5 s
 * of settling, as is, then once more after full GCs; peak = max of readings
 * every 100 ms during the attack.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { log, machine, publish, row, round, type Percentiles, type Row } from "./lib/report.js";
import { ensureBuild, forceGc, procKb, settledRssKb, startGenboard, startReference, type ServerHandle } from "./lib/spawn-server.js";
import { forkWorker } from "./lib/worker.js";

const COUNTS = { random: Number(process.env.HOSTILE_RANDOM ?? 2000), truncated: Number(process.env.HOSTILE_TRUNCATED ?? 1000), structs: Number(process.env.HOSTILE_STRUCTS ?? 20) };
const WARMUP = { random: 200, truncated: 100, structs: 0 };
const CONCURRENCY = 8;
const DEADLINE_MS = 90_000;
const BIG_BYTES = 50_000_000;

interface AttackStats {
  sent: Record<string, number>;
  closes: Record<string, number>;
  connects: number;
  probeAnswered: number;
  timeouts: number;
  connectFailures: number;
  deadlineHit: boolean;
  planned: number;
  ms: number;
}
interface BigFrame {
  frameBytes: number;
  senderClosed: string | null;
  senderOpenAfterMs: number | null;
  bystanderLargestFrame: number;
  relayed: boolean;
  bystanderOpen: boolean;
}
type PhaseStats = Percentiles & { sent: number; received: number };
interface Honest {
  phases: Record<string, PhaseStats>;
  writerClosed: number | null;
  readerClosed: number | null;
}

async function measure(server: ServerHandle) {
  const a = await server.createRoom("attacked");
  const b = await server.createRoom("honest");
  const honest = forkWorker(new URL("./workers/honest-clients.ts", import.meta.url));
  const attacker = forkWorker(new URL("./workers/attacker.ts", import.meta.url));
  const attackUrl = server.roomUrl(a.room, a.token);
  try {
    await honest.call("start", { url: server.roomUrl(b.room, b.token), perSecond: 10 });
    await honest.call("phase", "warm-up");
    await attacker.call("attack", { url: attackUrl, counts: WARMUP, concurrency: CONCURRENCY, deadlineMs: 30_000, seed: 7 });
    await forceGc(server);
    await sleep(3000);
    const startKb = await settledRssKb(server.pid);
    log(`${server.name}: RSS at start ${round(startKb / 1024)} MiB; attacking`);

    let peakKb = startKb;
    const sampler = setInterval(() => {
      if (!server.exited()) peakKb = Math.max(peakKb, procKb(server.pid));
    }, 100);
    await honest.call("phase", "attack");
    const attack = await attacker.call<AttackStats>("attack", { url: attackUrl, counts: COUNTS, concurrency: CONCURRENCY, deadlineMs: DEADLINE_MS, seed: 42 });
    log(`${server.name}: garbage done in ${attack.ms} ms: ${JSON.stringify(attack)}`);
    await honest.call("phase", "big-frame");
    const big = await attacker.call<BigFrame>("bigFrame", { url: attackUrl, bytes: BIG_BYTES });
    log(`${server.name}: 50 MB frame: ${JSON.stringify(big)}`);
    await attacker.call("closeAll");
    clearInterval(sampler);
    await honest.call("phase", "after");
    await sleep(5000);
    const endKb = server.exited() ? NaN : await settledRssKb(server.pid);
    const h = await honest.call<Honest>("stop");
    if (!server.exited()) await forceGc(server);
    const endGcKb = server.exited() ? NaN : await settledRssKb(server.pid);
    log(`${server.name}: RSS at end ${round(endKb / 1024)} MiB, ${round(endGcKb / 1024)} MiB after GC (peak ${round(peakKb / 1024)} MiB)`);
    return { startKb, endKb, endGcKb, peakKb, attack, big, honest: h, alive: !server.exited(), stderrLines: server.stderrLines() };
  } finally {
    await Promise.all([honest.stop(), attacker.stop()]);
  }
}

async function run(server: Promise<ServerHandle>) {
  const s = await server;
  try {
    return await measure(s);
  } finally {
    await s.stop();
  }
}

const fmtHonest = (p: PhaseStats | undefined) => (p ? `p50 ${round(p.p50)} / p95 ${round(p.p95)} / max ${round(p.max)} ms, ${p.received}/${p.sent} delivered` : "n/a");

export async function main(): Promise<void> {
  ensureBuild();
  const o = await run(startGenboard());
  const r = await run(startReference());
  const deltaO = (o.endKb - o.startKb) / 1024;
  const deltaR = (r.endKb - r.startKb) / 1024;
  const deltaGcO = (o.endGcKb - o.startKb) / 1024;
  const deltaGcR = (r.endGcKb - r.startKb) / 1024;
  const hp = (x: typeof o, phase: string) => x.honest.phases[phase];
  const sentTotal = (x: typeof o) => Object.values(x.attack.sent).reduce((s, n) => s + n, 0);
  const rows: Row[] = [
    row("RSS end − start", deltaO, deltaR, "MiB", { text: "ours ≤ 10 MiB", met: deltaO <= 10 }),
    row("RSS end − start, after a full GC", deltaGcO, deltaGcR, "MiB"),
    row("RSS at start", o.startKb / 1024, r.startKb / 1024, "MiB"),
    row("RSS at end (5 s after)", o.endKb / 1024, r.endKb / 1024, "MiB"),
    row("RSS peak during attack", o.peakKb / 1024, r.peakKb / 1024, "MiB"),
    row("garbage frames sent", sentTotal(o), sentTotal(r), "frames"),
    row("time to send them", o.attack.ms / 1000, r.attack.ms / 1000, "s"),
    row("attacker (re)connects", o.attack.connects, r.attack.connects, "count"),
    row("honest p95 during garbage", hp(o, "attack")?.p95 ?? NaN, hp(r, "attack")?.p95 ?? NaN, "ms"),
    row("honest max during garbage", hp(o, "attack")?.max ?? NaN, hp(r, "attack")?.max ?? NaN, "ms"),
    row("honest max during 50 MB frame", hp(o, "big-frame")?.max ?? NaN, hp(r, "big-frame")?.max ?? NaN, "ms"),
    row("50 MB frame relayed to the room", o.big.relayed ? "yes" : "no", r.big.relayed ? "yes" : "no", ""),
    row("50 MB sender", o.big.senderClosed ? `closed ${o.big.senderClosed}` : "stays connected", r.big.senderClosed ? `closed ${r.big.senderClosed}` : "stays connected", ""),
    row("server alive at the end", o.alive ? "yes" : "no", r.alive ? "yes" : "no", ""),
  ];
  publish({
    bench: "hostile-input",
    rows,
    notes: [
      `frames: ${COUNTS.random} random, ${COUNTS.truncated} truncated updates, ${COUNTS.structs} "31M structs" updates, seeded and interleaved; ${CONCURRENCY} attacker sockets, each frame followed by a step1 probe; warm-up ${WARMUP.random + WARMUP.truncated} small frames`,
      `ours, how the attacker sockets ended: ${JSON.stringify(o.attack.closes)}; probes answered ${o.attack.probeAnswered}; timeouts ${o.attack.timeouts}`,
      `reference, how the attacker sockets ended: ${JSON.stringify(r.attack.closes)}; probes answered ${r.attack.probeAnswered}; timeouts ${r.attack.timeouts}; deadline hit: ${r.attack.deadlineHit}; stderr lines printed: ${r.stderrLines}`,
      `honest pair (other room), ours: warm-up ${fmtHonest(hp(o, "warm-up"))}; garbage ${fmtHonest(hp(o, "attack"))}; 50 MB ${fmtHonest(hp(o, "big-frame"))}; after ${fmtHonest(hp(o, "after"))}; writer closed: ${o.honest.writerClosed}, reader closed: ${o.honest.readerClosed}`,
      `honest pair (other room), reference: warm-up ${fmtHonest(hp(r, "warm-up"))}; garbage ${fmtHonest(hp(r, "attack"))}; 50 MB ${fmtHonest(hp(r, "big-frame"))}; after ${fmtHonest(hp(r, "after"))}; writer closed: ${r.honest.writerClosed}, reader closed: ${r.honest.readerClosed}`,
      `50 MB frame: ours ${JSON.stringify(o.big)}; reference ${JSON.stringify(r.big)}`,
      machine(),
    ],
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
