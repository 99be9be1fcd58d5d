/** The shape of a V8 `.cpuprofile` (`--cpu-prof`), as ./profile-summary.ts and ./profile-diff.ts read it. */
export interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
}
export interface CpuProfile {
  nodes: { id: number; callFrame: Frame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}
