// What every command gets from the entry point.

export interface CommandContext {
  /** Prints a line of results or status to standard output. */
  log: (line: string) => void;
  /** The kernel build that runs ('relaxed' or 'simd'). */
  build: string;
  /** Flags the user gave (the others hold their defaults). */
  given: ReadonlySet<string>;
}
