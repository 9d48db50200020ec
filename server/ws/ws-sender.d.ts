// ws exports its frame encoder at run time (lib/sender.js, re-exported by
// wrapper.mjs) but @types/ws does not declare it.
import "ws";

declare module "ws" {
  export class Sender {
    static frame(data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }): Buffer[];
  }
}
