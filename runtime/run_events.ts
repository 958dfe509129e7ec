/**
 * What a running script reports: its events (prints, expectations,
 * contracts), how a run ended well, and the limits a run is given.
 *
 * @module
 */

/** The outcome of one `contract "name" { ... }` block. */
export interface ContractResult {
  /** The contract's name. */
  name: string;
  /** Where the block is. */
  file: string;
  /** Its line. */
  line: number;
  /** Whether every statement ran and every expectation held. */
  ok: boolean;
  /** How long the contract's block ran, in milliseconds. */
  ms: number;
  /** For a failure: where and why. */
  failure?: { file: string; line: number; column: number; message: string; error: string };
}

/** What a running script reports. */
export type RunEvent =
  | { event: "print"; text: string; file: string; line: number }
  | { event: "contract-start"; name: string; file: string; line: number }
  | { event: "expect"; ok: true; text: string; file: string; line: number }
  | ({ event: "contract" } & ContractResult);

/** Limits of a run. */
export interface InterpreterOptions {
  /** Seconds the whole script may run (`--timeout`); none by default. */
  timeLimit?: number;
  /** Seconds each `contract` block may run (a failure of that contract past it). */
  contractTimeLimit?: number;
  /** Contracts to pass over, from the first (a restart after one that hung). */
  skipContracts?: number;
}

/** How a run ended well. */
export interface RunSummary {
  /** Expectations checked (`expect` and `expect error`). */
  expectations: number;
  /** Statements executed. */
  statements: number;
  /** The contracts checked, in order. */
  contracts: ContractResult[];
  /** Set when a `require` did not hold: the script stopped there, without failing. */
  skipped?: { reason: string; file: string; line: number };
}
