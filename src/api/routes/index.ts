import type { ApiRoute } from '../route-table';
import { openApiRoute } from '../openapi';
import { prometheusMetrics } from '../prometheus';
import { answerQuestion, cancelHandoff, decideReviewItem, milestoneStatus, returnForContext, signoff } from './actions';
import { getDocument, listDocuments } from './documents';
import { addEvidence, requestChanges } from './evidence';
import { createHandoff, getHandoff, getHistory, getPacket, listHandoffs } from './handoffs';
import { healthz, readyz } from './health';
import { inbox } from './inbox';
import { getSession, login, loginPage, logout } from './session';
import { getKickoff } from './kickoff';
import { changeOwners } from './owners';
import { confirmSecretsRotated } from './secrets';
import { measurementSummary } from './metrics';
import { hubspotWebhook, intakeWebhook } from './webhooks';

/** The API: every route, once. The router and /openapi.json are both built from this list. */
export const apiRoutes: ApiRoute[] = [
  healthz,
  readyz,
  loginPage,
  login,
  getSession,
  logout,
  createHandoff,
  listHandoffs,
  getHandoff,
  getPacket,
  getHistory,
  getKickoff,
  listDocuments,
  getDocument,
  addEvidence,
  confirmSecretsRotated,
  changeOwners,
  decideReviewItem,
  answerQuestion,
  requestChanges,
  signoff,
  returnForContext,
  cancelHandoff,
  milestoneStatus,
  inbox,
  measurementSummary,
  prometheusMetrics,
  intakeWebhook,
  hubspotWebhook,
];
apiRoutes.push(openApiRoute(() => apiRoutes));
