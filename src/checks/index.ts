/** The checks: their registry, the probe that runs them, and the types they share. */
export { CHECKS, checkById, checksFor, checksGradedFor, gradeObservation, gradeTransport } from './registry';
export { probeTransport, type ProbeRequest } from './probe';
export { DEFAULT_PROBE_OPTIONS, type Check, type CheckContext, type GradeContext, type ProbeMitigation, type ProbeOptions } from './check';
