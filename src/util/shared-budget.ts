/**
 * Bytes held by many owners against one maximum (all channels' history, all
 * buffered responses of a proxy): each owner adds what it holds and takes it
 * back when it lets go, and checks `used` against `max` before holding more.
 */
export class SharedBudget {
  used = 0;
  constructor(readonly max: number) {}
}
