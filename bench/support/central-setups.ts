import { say } from '../../scripts/lib/say';
import type { CentralForm } from '../../test/support/central-process';
import { stats } from './stats';

/**
 * One way of running the central side of a reset: what the shipped form is compared with. Each is a change that
 * was kept, undone (the source form instead of the compiled one; the API and the worker in two processes, which
 * takes away eager start and the in-process hand-off), or node flags to try.
 */
export interface CentralSetup {
  name: string;
  form: CentralForm;
  /** `--role=api` and `--role=worker` as two processes instead of one `--role=all`. */
  split: boolean;
  nodeFlags: string[];
}

export interface SetupRun {
  setup: string;
  round: number;
  centralMsPerReset: number;
  allMsPerReset: number;
  throughput: number;
  centralPeakMb: number;
}

/** What one turn measured: the c=8 phase's resets, the CPU each process group spent, the central side's peak. */
export interface SetupPhase {
  resets: number;
  throughput: number;
  cpuSecondsByGroup: Map<string, number>;
  centralPeakMb: number;
}

/**
 * Each setup measured in turn, round robin, on the same Samba, Temporal, database, agent and users: the central
 * side is restarted in the setup, warmed up, then measured. Alternating keeps a shared machine's slow drifts
 * (other work starting and stopping) out of the comparison, which one setup after another would not.
 */
export async function compareSetups(
  setups: CentralSetup[],
  rounds: number,
  /** The CPU group that holds the central side's processes. */
  centralGroup: string,
  turn: (setup: CentralSetup) => Promise<SetupPhase>,
): Promise<SetupRun[]> {
  const runs: SetupRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const setup of setups) {
      say(`Setup "${setup.name}", round ${round} of ${rounds}…`);
      const phase = await turn(setup);
      const perReset = (seconds: number) => (seconds * 1000) / phase.resets;
      runs.push({
        setup: setup.name,
        round,
        centralMsPerReset: perReset(phase.cpuSecondsByGroup.get(centralGroup) ?? 0),
        allMsPerReset: perReset([...phase.cpuSecondsByGroup.values()].reduce((sum, seconds) => sum + seconds, 0)),
        throughput: phase.throughput,
        centralPeakMb: phase.centralPeakMb,
      });
    }
  }
  return runs;
}

const median = (values: number[]) => stats(values).p50;
const range = (values: number[], digits = 1) =>
  `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

/**
 * A line a setup: its rounds' ranges, and as medians against the first setup (the shipped one): the CPU per reset
 * it costs beyond it in all processes, and its throughput as a ratio to the shipped one's and to the bare write's.
 */
export function printSetups(runs: SetupRun[], rounds: number, bareThroughput: number): void {
  const names = [...new Set(runs.map((run) => run.setup))];
  const of = (name: string) => runs.filter((run) => run.setup === name);
  const base = of(names[0]!);
  const baseAll = median(base.map((run) => run.allMsPerReset));
  const baseThroughput = median(base.map((run) => run.throughput));
  console.log(
    `\nkept changes undone, and node flags, at c=8 (${rounds} rounds each, alternating; ms of CPU per reset, ranges; 'extra' is the median of all processes' CPU less '${names[0]}'s: for a change undone, what keeping it saves):`,
  );
  const header = [
    'setup'.padEnd(44),
    'central'.padStart(11),
    'all'.padStart(11),
    'extra'.padStart(6),
    'resets/s'.padStart(9),
    'ratio'.padStart(5),
    '/bare'.padStart(5),
    'peak MB'.padStart(9),
  ];
  console.log(header.join('  '));
  for (const name of names) {
    const own = of(name);
    const all = own.map((run) => run.allMsPerReset);
    const throughput = own.map((run) => run.throughput);
    const extra = name === names[0] ? '' : (median(all) - baseAll).toFixed(1);
    console.log(
      [
        name.padEnd(44),
        range(own.map((run) => run.centralMsPerReset)).padStart(11),
        range(all).padStart(11),
        extra.padStart(6),
        range(throughput).padStart(9),
        (median(throughput) / baseThroughput).toFixed(2).padStart(5),
        (median(throughput) / bareThroughput).toFixed(2).padStart(5),
        range(
          own.map((run) => run.centralPeakMb),
          0,
        ).padStart(9),
      ].join('  '),
    );
  }
}
