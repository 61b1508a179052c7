import type { Config } from '../config';
import type { HandoffState } from '../domain/review';

// How a handoff's state is shown: the state query plus links for people (the Temporal Web UI).

export const uiLink = (config: Config, handoffId: string): string =>
  `${config.TEMPORAL_UI_URL}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(handoffId)}`;

export const present = (config: Config, state: HandoffState) => ({ ...state, links: { temporalUi: uiLink(config, state.handoffId) } });
