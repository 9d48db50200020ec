import pino from "pino";

export type Logger = pino.Logger;

/** JSON lines on stdout; one logger per process, children carry request or board ids. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
