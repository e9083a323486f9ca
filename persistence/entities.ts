import { AuditCheckpoint, AuditCheckpointLeaf } from './auditCheckpoint.entity.js';
import { CaseEvent } from './caseEvent.entity.js';
import { GovernanceCase } from './governanceCase.entity.js';
import { GovernancePolicy } from './governancePolicy.entity.js';
import { DecisionLinkUse } from './decisionLinkUse.entity.js';
import { LaneRedrive } from './laneRedrive.entity.js';
import { ToolActionEvent } from './toolActionEvent.entity.js';
import { ToolApproval } from './toolApproval.entity.js';
import { ToolProposal } from './toolProposal.entity.js';

/** Every entity countersign maps; a host that brings its own MikroORM adds these. */
export const countersignEntities = [
  ToolProposal,
  ToolActionEvent,
  ToolApproval,
  AuditCheckpoint,
  AuditCheckpointLeaf,
  LaneRedrive,
  GovernancePolicy,
  GovernanceCase,
  CaseEvent,
  DecisionLinkUse,
];
