// Compiled by unsetOptions.test.ts with the options `tsc --init` writes, among them
// `exactOptionalPropertyTypes`: there an optional property typed `x?: T` refuses
// `x: undefined`, which is what a host passes for "unset" (`process.env.X`, a spread config).
// Under the project's own tsconfig the check holds trivially.
import type {
  ApprovalQuery,
  ApprovalQuorum,
  AuditOptions,
  AwaitOutcomeOptions,
  CaseQuery,
  ConversationPage,
  CreateCaseOptions,
  DecisionLinkOptions,
  DecisionOptions,
  EventStreamOptions,
  Governance,
  GovernanceOptions,
  ProposalContext,
  RequestApprovalOptions,
  ServerOptions,
  ToolDefinition,
  ToolSpec,
  VerifyTrailOptions,
} from '../../src/index.js';

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/** The optional properties of `T` that refuse `undefined`; `never` when there is none. */
type RefusingUndefined<T> = {
  [K in OptionalKeys<T>]-?: { [P in K]: undefined } extends Pick<T, K> ? never : K;
}[OptionalKeys<T>];

/** Compiles only when its argument is `never`; otherwise the error names the keys. */
function acceptsUndefined<Keys extends never>(): Keys | void {}

type Options<M extends keyof Governance, I extends number> = NonNullable<
  Parameters<Governance[M]>[I]
>;

acceptsUndefined<RefusingUndefined<GovernanceOptions>>();
acceptsUndefined<RefusingUndefined<NonNullable<GovernanceOptions['scheduler']>>>();
acceptsUndefined<RefusingUndefined<NonNullable<GovernanceOptions['execution']>>>();
acceptsUndefined<RefusingUndefined<NonNullable<GovernanceOptions['approverRoles']>>>();
acceptsUndefined<RefusingUndefined<AuditOptions>>();
acceptsUndefined<RefusingUndefined<ToolSpec>>();
acceptsUndefined<RefusingUndefined<ApprovalQuorum>>();
acceptsUndefined<RefusingUndefined<ProposalContext>>();
acceptsUndefined<RefusingUndefined<RequestApprovalOptions>>();
acceptsUndefined<RefusingUndefined<AwaitOutcomeOptions>>();
acceptsUndefined<RefusingUndefined<CreateCaseOptions>>();
acceptsUndefined<RefusingUndefined<DecisionLinkOptions>>();
acceptsUndefined<RefusingUndefined<DecisionOptions>>();
acceptsUndefined<RefusingUndefined<ConversationPage>>();
acceptsUndefined<RefusingUndefined<VerifyTrailOptions>>();
acceptsUndefined<RefusingUndefined<ApprovalQuery>>();
acceptsUndefined<RefusingUndefined<CaseQuery>>();
acceptsUndefined<RefusingUndefined<Options<'approve', 2>>>();
acceptsUndefined<RefusingUndefined<Options<'reject', 2>>>();
acceptsUndefined<RefusingUndefined<Options<'defer', 2>>>();
acceptsUndefined<RefusingUndefined<Options<'expire', 1>>>();
acceptsUndefined<RefusingUndefined<Options<'useDecisionLink', 1>>>();
acceptsUndefined<RefusingUndefined<Options<'replayLane', 1>>>();
acceptsUndefined<RefusingUndefined<ServerOptions>>();
acceptsUndefined<RefusingUndefined<EventStreamOptions>>();

// A registered tool has its defaults filled in: defined, whatever the spec left unset.
export const filled = (tool: ToolDefinition): [string, number, boolean] => [
  tool.version,
  tool.timeoutMs,
  tool.idempotent,
];
