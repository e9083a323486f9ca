import { readFileSync, readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnyStateNode } from 'xstate';
import { approvalLaneMachine } from '../../machines/approvalLane.machine.js';
import * as machinesEntry from '../../machines/index.js';
import {
  laneEventTypes,
  laneInput,
  laneStates,
  openLane,
  reach,
  sendToLane,
  valid,
} from './laneHarness.js';

const machinesDir = new URL('../../machines/', import.meta.url);
const sourceFiles = readdirSync(machinesDir).filter((f) => f.endsWith('.ts'));
const source = (file: string) => readFileSync(new URL(file, machinesDir), 'utf8');
const withoutComments = (code: string) =>
  code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function specifiers(code: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]/g,
  ];
  for (const pattern of patterns) {
    for (const match of code.matchAll(pattern)) found.push(match[1]!);
  }
  return found;
}

describe('the machines/ folder does no I/O', () => {
  it('holds the files this suite checks', () => {
    expect(sourceFiles).toEqual(expect.arrayContaining(['approvalLane.machine.ts', 'index.ts']));
  });

  it('the machine imports xstate, its guards and its own types, nothing else', () => {
    expect(specifiers(source('approvalLane.machine.ts')).sort()).toEqual([
      './approvalLaneGuards.js',
      './laneTypes.js',
      'xstate',
    ]);
  });

  it.each(sourceFiles)('%s imports only xstate (and its store) and sibling modules', (file) => {
    for (const spec of specifiers(source(file))) {
      const xstate = spec === 'xstate' || spec === '@xstate/store';
      expect(xstate || /^\.\/[\w.]+\.js$/.test(spec), spec).toBe(true);
      expect(spec).not.toMatch(/^(node:|pg\b|@mikro-orm|agenda|@agendajs|fs$|crypto$)/);
    }
  });

  it.each(sourceFiles)('%s reads no clock, no randomness and no environment', (file) => {
    const code = withoutComments(source(file));
    for (const banned of [
      /\bDate\.now\b/,
      /\bnew Date\b/,
      /\bperformance\.now\b/,
      /\bMath\.random\b/,
      /\bcrypto\b/,
      /\bprocess\./,
      /\bset(Timeout|Interval|Immediate)\b/,
    ]) {
      expect(code).not.toMatch(banned);
    }
  });

  it('has no `after` timers and invokes no actors, in any state', () => {
    const nodes = (node: AnyStateNode): AnyStateNode[] => [
      node,
      ...Object.values(node.states).flatMap(nodes),
    ];
    const all = nodes(approvalLaneMachine.root);

    expect(all.length).toBeGreaterThanOrEqual(11);
    for (const node of all) {
      expect(node.after, node.id).toEqual([]);
      expect(node.invoke, node.id).toEqual([]);
    }
  });
});

describe('same snapshot, same event, same outcome', () => {
  beforeEach(() => {
    // Events sent to final states make XState warn; irrelevant to determinism.
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('opening the same input twice gives identical snapshots and effects', () => {
    const first = openLane(laneInput());
    const second = openLane(laneInput());

    expect(second.json).toBe(first.json);
    expect(second.effects).toEqual(first.effects);
  });

  const cells = laneStates.flatMap((state) => laneEventTypes.map((event) => ({ state, event })));

  it.each(cells)('$state × $event: twice from the same snapshot, identical', ({ state, event }) => {
    const saved = reach(state).json;
    const first = sendToLane(saved, valid[event]());
    const second = sendToLane(saved, valid[event]());

    expect(second.json).toBe(first.json);
    expect(second.effects).toEqual(first.effects);
  });

  it('does not mutate the event it is given', () => {
    const event = valid.APPROVE();
    const copy = structuredClone(event);
    sendToLane(openLane().json, event);

    expect(event).toEqual(copy);
  });
});

describe('the countersign/machines entry point', () => {
  it('exports exactly the documented names', () => {
    expect(Object.keys(machinesEntry).sort()).toEqual(
      [
        'APPROVAL_LANE_MACHINE_ID',
        'APPROVAL_LANE_MACHINE_VERSION',
        'CASE_MACHINE_ID',
        'CASE_MACHINE_VERSION',
        'applyLedger',
        'budgetLedger',
        'budgetRoom',
        'caseMachine',
        'casePersistence',
        'caseSnapshotMigrations',
        'closedCaseStatuses',
        'emptyLedger',
        'ledgerLevelsFor',
        'restoreCaseSnapshot',
        'approvalLaneDefinition',
        'approvalLaneMachine',
        'blockingLaneStatuses',
        'dueLaneStatuses',
        'laneSnapshotMigrations',
        'restoreLaneSnapshot',
        'runPersistedCycle',
        'terminalLaneStatuses',
      ].sort(),
    );
    expect(machinesEntry.approvalLaneMachine).toBe(approvalLaneMachine);
  });

  it('terminalLaneStatuses are exactly the final states of the machine', () => {
    const finals = Object.values(approvalLaneMachine.root.states)
      .filter((node) => node.type === 'final')
      .map((node) => node.key);

    expect([...machinesEntry.terminalLaneStatuses].sort()).toEqual(finals.sort());
  });
});
